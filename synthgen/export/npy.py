"""Write a ``.npy`` file frame by frame (shape known up front), never holding the array."""
from __future__ import annotations

from pathlib import Path

import numpy as np


class NpyStreamWriter:
    """Stream ``shape[0]`` slices of ``shape[1:]`` into a standard ``.npy`` file."""

    def __init__(self, path: str | Path, shape: tuple[int, ...], dtype) -> None:
        self.path = Path(path)
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.count = 0
        self._fh = open(self.path, "wb")
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._fh, header)

    def write(self, item: np.ndarray) -> None:
        item = np.ascontiguousarray(item, dtype=self.dtype)
        if item.shape != self.shape[1:]:
            raise ValueError(f"{self.path.name}: slice shape {item.shape} != {self.shape[1:]}")
        if self.count >= self.shape[0]:
            raise ValueError(f"{self.path.name}: more than {self.shape[0]} slices")
        self._fh.write(item.data)
        self.count += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    @property
    def complete(self) -> bool:
        return self.count == self.shape[0]
