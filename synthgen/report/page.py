"""The report page: static HTML, its CSS and script inline, pictures in a side folder.

Cards (one per pictured clip) are written here; the plots (a histogram of every numeric
field, a bar chart of every categorical one, over all clips) are drawn by the page's script
from the embedded records, and redrawn when the kind / movement / world filters change.
Filters are mirrored in the URL (``report.html#kind=human&world=hdri``), so a view can be
linked and is restored on load.
"""
from __future__ import annotations

import html
import json

from .. import __version__

FILTERS = (("kind", "kind"), ("movement", "movement"), ("world", "world"))
QA_SHOWN = (("fb_err_p90", "fb err p90 px"), ("flow_mag_p50", "|F| p50 px"),
            ("flow_mag_p99", "|F| p99 px"), ("valid_fraction", "valid"),
            ("background_fraction", "background"), ("subject_in_frame_ratio", "subject in frame"),
            ("peak_angular_speed_deg_s", "peak ang. speed °/s"))

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f6;color:#222}
header{background:#20232a;color:#eee;padding:14px 22px}header h1{margin:0 0 4px;font-size:20px}
#filters{position:sticky;top:0;z-index:2;background:#fff;padding:10px 22px;border-bottom:1px solid #ddd}
#filters label{margin-right:18px}#count{font-weight:600}
section{padding:8px 22px}h2{font-size:16px;margin:14px 0 6px}
.plots{display:flex;flex-wrap:wrap;gap:8px}.plot{background:#fff;border:1px solid #ddd;padding:4px}
.plot h4{margin:0;font-size:11px;font-weight:600;white-space:nowrap;overflow:hidden;width:260px}
.bar{fill:#d8d8de}.bar.sel{fill:#3b6fd8}.plot text{font-size:9px;fill:#555}
#grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:12px}
.card{background:#fff;border:1px solid #ddd;padding:8px}.card[hidden]{display:none}
.card h3{margin:0;font-size:14px}.card video,.card img{width:100%;display:block;margin-top:6px}
.tags span{display:inline-block;background:#eef;border-radius:3px;padding:0 5px;margin:2px 3px 0 0;font-size:12px}
.caption{font-size:12px;color:#444}.qa{font-size:12px;border-collapse:collapse}
.qa td,.qa th{padding:1px 8px 1px 0;text-align:left}.spark{width:100%;height:60px;background:#fafafa}
.spark .mean{stroke:#3b6fd8;fill:none}.spark .p99{stroke:#d8833b;fill:none}
.sparklabel{font-size:11px;color:#555}.sparklabel .mean{color:#3b6fd8}.sparklabel .p99{color:#d8833b}
table.filtered td{padding:2px 12px 2px 0}
"""

SCRIPT = r"""
const DATA = JSON.parse(document.getElementById('report-data').textContent);
const FILTERS = ['kind', 'movement', 'world'];
const value = (r, f) => f.group === 'top' ? r[f.name] : (r[f.group] || {})[f.name];
function current() {
  return Object.fromEntries(FILTERS.map(f => [f, document.getElementById('f-' + f).value]));
}
function matches(rec, s) { return FILTERS.every(f => s[f] === '' || rec[f] === s[f]); }
function svg(tag, attrs, parent) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}
function bins(field) {
  if (field.type === 'cat') return field.values;
  const vals = DATA.clips.map(r => value(r, field)).filter(v => typeof v === 'number');
  const lo = Math.min(...vals), hi = Math.max(...vals), n = hi > lo ? 20 : 1;
  return Array.from({length: n}, (_, i) => [lo + (hi - lo) * i / n, lo + (hi - lo) * (i + 1) / n]);
}
function count(field, b, recs) {
  return recs.filter(r => {
    const v = value(r, field);
    if (field.type === 'cat') return v === b;
    if (typeof v !== 'number') return false;
    const [lo, hi] = b, last = b === field.bins[field.bins.length - 1];
    return v >= lo && (v < hi || (last && v <= hi));
  }).length;
}
function draw(field, recs) {
  const box = document.getElementById('plot-' + field.id);
  const w = 260, h = 110, pad = 14, n = field.bins.length;
  const all = field.bins.map(b => count(field, b, DATA.clips));
  const sel = field.bins.map(b => count(field, b, recs));
  const top = Math.max(1, ...all);
  const old = box.querySelector('svg'); if (old) old.remove();
  const s = svg('svg', {width: w, height: h + pad}, box);
  const bw = (w - 4) / n;
  field.bins.forEach((b, i) => {
    for (const [arr, cls] of [[all, 'bar'], [sel, 'bar sel']]) {
      const bh = h * arr[i] / top;
      svg('rect', {x: 2 + i * bw, y: h - bh, width: Math.max(1, bw - 1), height: bh,
                   class: cls, 'data-n': arr[i]}, s);
    }
    if (field.type === 'cat') {
      const t = svg('text', {x: 3 + i * bw, y: h + 10}, s); t.textContent = String(b).slice(0, 12);
    }
  });
  if (field.type === 'num') {
    const [lo] = field.bins[0], [, hi] = field.bins[n - 1];
    svg('text', {x: 2, y: h + 10}, s).textContent = lo.toPrecision(3);
    const t = svg('text', {x: w - 2, y: h + 10, 'text-anchor': 'end'}, s); t.textContent = hi.toPrecision(3);
  }
  box.dataset.selected = sel.reduce((a, b) => a + b, 0);
}
function apply() {
  const s = current();
  const recs = DATA.clips.filter(r => matches(r, s));
  let shown = 0;
  document.querySelectorAll('.card').forEach(card => {
    card.hidden = !FILTERS.every(f => s[f] === '' || card.dataset[f] === s[f]);
    if (!card.hidden) shown++;
  });
  document.getElementById('count').textContent =
    `${recs.length} of ${DATA.clips.length} clips match; ${shown} pictured`;
  DATA.fields.forEach(f => draw(f, recs));
  const hash = FILTERS.filter(f => s[f] !== '').map(f => `${f}=${encodeURIComponent(s[f])}`).join('&');
  history.replaceState(null, '', hash ? '#' + hash : location.pathname);
}
function readHash() {
  const want = Object.fromEntries(location.hash.slice(1).split('&').filter(Boolean)
    .map(p => p.split('=').map(decodeURIComponent)));
  for (const f of FILTERS) {
    const sel = document.getElementById('f-' + f);
    sel.value = [...sel.options].some(o => o.value === want[f]) ? want[f] : '';
  }
}
function setup() {
  for (const f of FILTERS) {
    const sel = document.getElementById('f-' + f);
    const vals = [...new Set(DATA.clips.map(r => r[f]))].sort();
    for (const v of vals) { const o = document.createElement('option'); o.value = o.textContent = v; sel.appendChild(o); }
    sel.addEventListener('change', apply);
  }
  DATA.fields.forEach(f => { f.bins = bins(f); });
  readHash();
  apply();
  window.addEventListener('hashchange', () => { readHash(); apply(); });
  document.body.dataset.ready = '1';
}
setup();
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def spark(mag: dict[str, list[float]]) -> str:
    """Inline SVG of per-frame flow magnitude (mean blue, p99 orange), scaled to its max."""
    mean, p99 = mag.get("mean") or [], mag.get("p99") or []
    if not p99:
        return ""
    top = max(max(p99), 1e-6)
    n = max(len(p99) - 1, 1)

    def line(vals, cls):
        pts = " ".join(f"{100 * i / n:.2f},{58 - 54 * v / top:.2f}" for i, v in enumerate(vals))
        return f'<polyline class="{cls}" points="{pts}" vector-effect="non-scaling-stroke"/>'
    return (f'<svg class="spark" viewBox="0 0 100 60" preserveAspectRatio="none" '
            f'data-max="{top:.3f}"><title>|F| per frame: mean (blue), p99 (orange), max '
            f'{top:.2f} px</title>{line(mean, "mean")}{line(p99, "p99")}</svg>'
            f'<div class="sparklabel">flow magnitude per frame: <b class="mean">mean</b>, '
            f'<b class="p99">p99</b>; top {top:.2f} px</div>')


def card(rec: dict, media: dict) -> str:
    qa = rec["qa"]
    rows = "".join(f"<tr><th>{_e(label)}</th><td>{qa[k]:.4g}</td></tr>" for k, label in QA_SHOWN if k in qa)
    tags = "".join(f"<span>{_e(rec[k])}</span>" for k in ("kind", "movement", "world", "action", "mode"))
    data = " ".join(f'data-{f}="{_e(rec[f])}"' for f, _ in FILTERS)
    return (f'<article class="card" data-key="{_e(rec["key"])}" {data}><h3>{_e(rec["key"])}</h3>'
            f'<div class="tags">{tags}</div>'
            f'<video src="{_e(media["video"])}" muted loop autoplay playsinline controls preload="auto"></video>'
            f'<img src="{_e(media["sheet"])}" alt="contact sheet of {_e(rec["key"])}">'
            f'{spark(media.get("magnitude") or {})}'
            f'<p class="caption">{_e(rec["caption"])}</p><table class="qa">{rows}</table></article>')


def fields(records: list[dict]) -> list[dict]:
    """Plot definitions: every numeric and categorical field any clip has."""
    out = []
    for group in ("qa", "video", "params"):
        names = sorted({k for r in records for k in r[group]})
        for name in names:
            vals = [r[group][name] for r in records if name in r[group]]
            numeric = all(isinstance(v, float) for v in vals)
            f = {"id": f"{group}-{len(out)}", "group": group, "name": name,
                 "type": "num" if numeric else "cat"}
            if not numeric:
                f["values"] = sorted({str(v) for v in vals}, key=lambda v: (-vals.count(v), v))[:12]
            out.append(f)
    for name in ("action", "mode"):
        vals = [r[name] for r in records]
        out.append({"id": f"top-{name}", "group": "top", "name": name, "type": "cat",
                    "values": sorted(set(vals), key=lambda v: (-vals.count(v), v))[:12]})
    return out


def render(title: str, info: dict, records: list[dict], cards: list[str],
           filtered: list[dict]) -> str:
    plot_fields = fields(records)
    data = json.dumps({"clips": records, "fields": plot_fields}, allow_nan=False).replace("</", "<\\/")
    groups = {"qa": "Flow magnitude and QA (per clip)", "video": "Video", "params": "Sampled parameters",
              "top": "Moves and render modes"}
    plots = ""
    for group, heading in groups.items():
        boxes = "".join(f'<div class="plot" id="plot-{f["id"]}" data-field="{_e(f["group"])}.{_e(f["name"])}">'
                        f'<h4 title="{_e(f["name"])}">{_e(f["name"])}</h4></div>'
                        for f in plot_fields if f["group"] == group)
        plots += f'<h2>{heading}</h2><div class="plots">{boxes}</div>' if boxes else ""
    selects = "".join(f'<label>{label} <select id="f-{name}"><option value="">all</option></select></label>'
                      for name, label in FILTERS)
    gate = "".join(f"<tr><td>{_e(e.get('key'))}</td><td>{_e(e.get('reason', ''))}</td></tr>" for e in filtered)
    meta = " · ".join(f"{_e(k)}: {_e(v)}" for k, v in info.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="generator" content="synthgen {_e(__version__)}"><style>{CSS}</style></head>
<body><header><h1>{_e(title)}</h1><div>{meta}</div></header>
<div id="filters">{selects}<span id="count"></span></div>
<section id="clips"><h2>Clips</h2><div id="grid">{''.join(cards)}</div></section>
<section id="plots">{plots}</section>
<section id="gate"><h2>Left out by the quality gate ({len(filtered)})</h2>
<table class="filtered">{gate}</table></section>
<script type="application/json" id="report-data">{data}</script>
<script>{SCRIPT}</script></body></html>
"""
