"""Opening a dataset: shard lists, the webdataset pipeline, one sample by key."""
from __future__ import annotations

from pathlib import Path

from .members import decode_sample, member_name
from .sampling import Options, training_samples


def shard_urls(source) -> list:
    """Shard paths of a dataset folder (sorted), or ``source`` itself as a list of URLs."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        urls = sorted(str(p) for p in Path(source).glob("shard-*.tar"))
        if not urls:
            raise FileNotFoundError(f"{source}: no shard-*.tar files")
        return urls
    if isinstance(source, (str, Path)):
        return [str(source)]
    return [str(s) for s in source]


def _webdataset(source, shuffle_shards: bool):
    import webdataset as wds
    return wds.WebDataset(shard_urls(source), shardshuffle=100 if shuffle_shards else False,
                          empty_check=False)


class _Windows:
    """Pipeline stage: raw samples -> training samples (picklable for DataLoader workers)."""

    def __init__(self, opts: Options):
        self.opts = opts

    def __call__(self, raws):
        for raw in raws:
            yield from training_samples(raw, self.opts)


def open_dataset(source, *, members=None, frames: int | None = None, start: str = "random",
                 stride: int | None = None, size=None, fit: str = "cover", crop: str = "center",
                 seed: int | None = 0, decode_video: bool = True, shuffle_shards: bool = False,
                 plucker_size=None, flow_interp: str = "linear"):
    """A ``webdataset.WebDataset`` over ``source`` (dataset folder, shard path/URL, or list)
    yielding training samples that ``torch.utils.data.default_collate`` batches as they are
    (see :mod:`synthgen_reader.sampling` for the keys; ``json`` is a string).

    - ``members``: member names to keep (default: all in the shard);
    - ``frames``: window length in rendered frames (pair members get ``frames - 1``: for a
      4n+1-frame flow video ask for 4n+2); None: the whole clip. Shorter clips are skipped;
    - ``start``: ``random`` (one window per clip per pass, drawn from ``seed`` and the clip
      key), ``first``, ``center`` or ``strided`` (every window ``stride`` frames apart,
      default ``frames``);
    - ``size``: ``(width, height)`` of the output; ``fit`` ``cover`` | ``stretch`` | ``crop``;
      ``crop`` ``center`` | ``random``; ``plucker_size``: ``(w, h)`` (default: the stored
      downsampling factor, 8); ``flow_interp`` ``linear`` | ``nearest``;
    - ``seed``: windows and crops are a function of (seed, key); pass ``seed + epoch`` for new
      ones each epoch, None for fresh entropy;
    - ``decode_video``: mp4 members as uint8 ``[T, H, W, 3]`` (needs imageio-ffmpeg or av),
      else left as bytes (which do not collate).

    Shards are split between DataLoader workers by webdataset; members are decoded in the
    workers, and only the chunks of a compressed member that the window touches.
    """
    opts = Options(members=None if members is None else tuple(members), frames=frames,
                   start=start, stride=stride, size=None if size is None else tuple(size),
                   fit=fit, crop=crop, seed=seed, decode_video=decode_video,
                   plucker_size=None if plucker_size is None else tuple(plucker_size),
                   flow_interp=flow_interp)
    return _webdataset(source, shuffle_shards).compose(_Windows(opts))


class _Decode:
    def __init__(self, keep, decode_video: bool):
        self.keep, self.decode_video = keep, decode_video

    def __call__(self, raw: dict) -> dict:
        if self.keep is not None:
            raw = {k: v for k, v in raw.items()
                   if k.startswith("__") or member_name(k) in self.keep}
        return decode_sample(raw, decode_video=self.decode_video)


def iter_samples(source, *, members=None, decode_video: bool = True,
                 shuffle_shards: bool = False):
    """Whole clips, every member decoded, ``json`` as a dict (nulls included): for
    inspection and tools rather than batching."""
    keep = None if members is None else set(members)
    return _webdataset(source, shuffle_shards).map(_Decode(keep, decode_video))


def load_sample(source, key: str | None = None, *, decode_video: bool = True,
                members=None) -> dict:
    """The sample ``key`` (default: the first) of a dataset folder or shard, decoded as by
    :func:`iter_samples`. Only that sample's members are decoded."""
    import webdataset as wds
    for raw in wds.WebDataset(shard_urls(source), shardshuffle=False, empty_check=False):
        if key is None or raw["__key__"] == key:
            return _Decode(None if members is None else set(members), decode_video)(raw)
    raise KeyError(f"{source}: no sample {key!r}")
