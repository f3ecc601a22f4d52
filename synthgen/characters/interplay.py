"""What the others do while one dancer performs: groove, watch, clap (procedural, numpy only).

In a battle circle only one dancer has the floor; the others keep the energy going: they
groove to the beat, watch and nod along, or clap. These three actions are keyframed here on
the reference skeleton, like :mod:`synthgen.characters.actions` (same conventions, same
helpers), and looped: each lasts a whole number of beats at 120 bpm (the clip's playback
speed moves the tempo). Every part of the body moves on its own period (knee bounce on the
beat, hip sway over two beats, breathing and glances slower), so nothing looks frozen.

Their manifest, ``assets_manifest/interplay.json`` (in the default set), is written by::

    python -m synthgen.characters.interplay assets_manifest/interplay.json

Its entries carry ``"role": "interplay"``: clip kinds that draw one performer's action never
draw them; group clips give them to the dancers who do not have the floor.
"""
from __future__ import annotations

import logging
import math
import sys
from pathlib import Path

import numpy as np

from .actions import REST_ARMS, Action, Frame, aim_arm, arms, sample_action
from .skeleton import rot_x, rot_y, rot_z

log = logging.getLogger(__name__)

BEAT_S = 0.5                # 120 bpm
LICENCE = "CC0-1.0 (synthgen procedural)"


def _bounce(t: float, depth: float) -> float:
    """Knee bounce: down on every beat, a quick drop and a softer rise (0 .. depth)."""
    u = (t / BEAT_S) % 1.0
    return depth * (math.exp(-((u - 0.12) / 0.16) ** 2) + math.exp(-((u - 1.12) / 0.16) ** 2))


def groove(t: float, rig) -> Frame:
    """A loose bounce: knees dip on the beat, hips sway over two beats with the chest
    countering, the head nods, the arms swing bent at the elbows."""
    sway = math.sin(math.pi * t / BEAT_S)
    down = _bounce(t, 0.06)
    root = np.array([0.035 * sway, 0.0, rig.hip_z - 0.025 - down])
    rr = rot_z(0.1 * sway) @ rot_y(0.05 * sway) @ rot_x(0.06 + 0.5 * down)
    swing = math.sin(math.pi * t / BEAT_S + 0.6)
    local = {**arms(REST_ARMS - 0.15 + 0.1 * swing, REST_ARMS - 0.15 - 0.1 * swing, 0.35 + 0.25 * swing,
                    0.35 - 0.25 * swing, 1.15 + 0.2 * down / 0.06, 1.15 + 0.2 * down / 0.06),
             "Spine1": rot_z(-0.14 * sway) @ rot_x(0.05), "Spine2": rot_y(-0.04 * sway),
             "Neck": rot_x(0.9 * down) @ rot_z(0.05 * sway)}
    return Frame(root, rr, local, rig.stand_feet(dx=0.07))


def watch(t: float, rig) -> Frame:
    """Standing by: the weight shifts from leg to leg every two seconds, the chest breathes,
    the head nods on the beat and glances left and right, the arms hang relaxed."""
    shift = math.sin(2 * math.pi * t / 4.0)
    breathe = math.sin(2 * math.pi * t / 4.0 * 1.5)
    nod = _bounce(t, 0.12)
    glance = 0.22 * math.sin(2 * math.pi * t / 8.0) + 0.06 * math.sin(2 * math.pi * t / 2.0)
    root = np.array([0.045 * shift, 0.0, rig.hip_z - 0.015 - 0.012 * abs(shift)])
    rr = rot_y(0.06 * shift) @ rot_z(0.05 * math.sin(2 * math.pi * t / 8.0))
    local = {**arms(REST_ARMS + 0.05 + 0.03 * shift, REST_ARMS + 0.05 - 0.03 * shift, 0.12, 0.1, 0.3, 0.25),
             "Spine1": rot_x(0.02 * breathe) @ rot_y(-0.05 * shift), "Spine2": rot_x(0.015 * breathe),
             "Neck": rot_z(glance) @ rot_x(nod)}
    return Frame(root, rr, local, rig.stand_feet(dx=0.05))


def clap(t: float, rig) -> Frame:
    """Clapping along: the hands meet in front of the chest on every beat and spring apart,
    the knees bounce, the shoulders follow the hands, the head nods."""
    u = (t / BEAT_S) % 1.0
    open_ = math.sin(math.pi * min(u / 0.8, 1.0)) ** 0.8 if u < 0.8 else 0.0
    down = _bounce(t, 0.045)
    sway = math.sin(math.pi * t / BEAT_S / 2.0)
    root = np.array([0.02 * sway, 0.0, rig.hip_z - 0.02 - down])
    rr = rot_z(0.06 * sway) @ rot_x(0.05 + 0.4 * down)
    upper = np.array([0.22, -0.42, -0.88]) + open_ * np.array([0.1, 0.05, 0.04])
    fore_closed, fore_open = np.array([-0.83, -0.44, 0.34]), np.array([-0.25, -0.88, 0.4])
    fore = (1 - open_) * fore_closed + open_ * fore_open
    local = {"Spine1": rot_x(0.04) @ rot_z(-0.05 * sway), "Neck": rot_x(0.8 * down)}
    for side in ("Left", "Right"):
        local.update(aim_arm(side, upper, fore))
    return Frame(root, rr, local, rig.stand_feet(dx=0.06))


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("groove", ("groove",), "grooves to the beat, bouncing on the knees", 4 * BEAT_S, True, groove),
    Action("watch", ("watch",), "watches and nods along", 8.0, True, watch),
    Action("clap", ("clap",), "claps along to the beat", 4 * BEAT_S, True, clap),
]}


# --------------------------------------------------------------------------- manifest
def manifest() -> dict:
    """The whole ``interplay.json`` document (deterministic): one action entry per move,
    its envelope conservative over every person of the pack."""
    from .actions import FPS
    from .mannequin import reference_skeleton
    from .model import Motion
    from .people.body import assemble, get_pack
    from .people.manifest import clip_envelope
    from .people.roster import PEOPLE
    from .stats import action_entry

    pack = get_pack()
    bodies = [assemble(pid, pack) for pid in PEOPLE]
    ref = reference_skeleton()
    assets = []
    for name, act in ACTIONS.items():
        pose = sample_action(act, ref)
        motion = Motion(ref, pose, FPS, act.loopable)
        entry = action_entry(f"interplay-{name}", f"procedural:action/{name}", LICENCE, act.move_names,
                             act.sentence, ref, pose, FPS, act.loopable, clip_envelope(motion, bodies))
        entry["role"] = "interplay"
        entry["source"] = "synthgen.characters.interplay (keyframed in code)"
        assets.append(entry)
    return {"format": "synthgen-assets/1",
            "description": "What the other dancers of a group clip do while one performs: groove, watch, "
                           "clap (keyframed in synthgen.characters.interplay; generated, do not edit by hand).",
            "assets": assets}


def write(path: Path) -> Path:
    from ..fsutil import atomic_write_json
    atomic_write_json(Path(path), manifest())
    return Path(path)


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write(Path(sys.argv[1]))
