"""The vectors in ``vectors.faiss`` read without faiss: a question's dense search in numpy.

``vectors.faiss`` holds a FAISS ``IndexFlatIP`` as faiss serialises one (faiss/impl/index_write.cpp,
``write_index`` for an ``IndexFlat``): the fourcc ``IxFI``; the index header (``d`` as int32,
``ntotal`` as int64, two unused int64, ``is_trained`` as one byte, the metric as int32, 0 for
inner product); then the vectors as a length-prefixed array (the count of floats as uint64, then
``ntotal × d`` float32, row after row), and nothing after them. A flat index is only those rows:
its exact search is one matrix-vector product, which numpy does without the ~50 ms that
importing faiss adds to a cold ``kb ask`` (README, "Speed and memory").

The build checks, right after serialising, that the rows at that offset are bit for bit the
vectors it added, and only then records where they lie in the manifest (``flat_vectors``). A
generation without that entry (written by a faiss that lays the file out otherwise, or by an
older kb) is searched by faiss, as before. Scores are the same inner products summed in another
order: they agree with faiss's to about 1e-7 (faiss's own differ as much between its AVX2 and
AVX-512 builds), and rows of equal score come in row order.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from kb.errors import IndexCorrupt

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np

MANIFEST_KEY = "flat_vectors"
FOURCC = b"IxFI"  # IndexFlatIP; IndexFlatL2 is "IxF2"
METRIC_INNER_PRODUCT = 0  # faiss::METRIC_INNER_PRODUCT
# fourcc, d, ntotal, two unused int64, is_trained, metric, float count: 45 bytes, no padding.
HEADER = struct.Struct("<4siqqq?iQ")


def find_rows(data) -> dict | None:
    """{"offset", "rows", "dim"} of the vectors in `data` (the bytes of a serialised index), or
    None when `data` is not an IndexFlatIP laid out as described above."""
    if len(data) < HEADER.size:
        return None
    fourcc, dim, rows, _unused, _unused2, _trained, metric, count = HEADER.unpack_from(data)
    if fourcc != FOURCC or metric != METRIC_INNER_PRODUCT or dim <= 0 or rows < 0:
        return None
    if count != rows * dim or len(data) != HEADER.size + 4 * count:
        return None
    return {"offset": HEADER.size, "rows": rows, "dim": dim}


def checked_layout(data, vectors) -> dict | None:
    """For the build: the layout of `data` (faiss's serialisation of an IndexFlatIP holding
    `vectors`) when the rows found there are bit for bit `vectors`, else None (questions then
    import faiss)."""
    import numpy as np

    layout = find_rows(data)
    if layout is None:
        return None
    expected = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1)
    found = _rows(data, layout).reshape(-1)
    if found.shape != expected.shape or not np.array_equal(found.view(np.uint32), expected.view(np.uint32)):
        return None
    return layout


def open_flat(data, entry: object, where: "Path") -> "FlatIP":
    """The rows of `data` (vectors.faiss, checked against the manifest) at the place the build
    recorded; IndexCorrupt when the entry is not the file's layout."""
    if not isinstance(entry, dict) or find_rows(data) != entry:
        raise IndexCorrupt(f"{where}: its layout differs from the manifest's '{MANIFEST_KEY}'; "
                           "run `kb build --full` to rebuild it")
    return FlatIP(_rows(data, entry))


def _rows(data, layout: dict) -> "np.ndarray":
    import numpy as np

    rows, dim = layout["rows"], layout["dim"]
    return np.frombuffer(data, dtype="<f4", count=rows * dim, offset=layout["offset"]).reshape(rows, dim)


class FlatIP:
    """Exact inner-product search over float32 rows, answering as faiss's IndexFlatIP does for
    what kb asks of it: `ntotal`, `d`, `search` and `reconstruct_n`."""

    def __init__(self, vectors: "np.ndarray") -> None:
        self.vectors = vectors
        self.ntotal, self.d = vectors.shape

    def search(self, queries: "np.ndarray", k: int) -> tuple["np.ndarray", "np.ndarray"]:
        """(scores, rows), each (len(queries), min(k, ntotal)): best first, equal scores in row
        order. (faiss pads to k with row -1 when k > ntotal; kb never asks for more.)"""
        import numpy as np

        scores = np.asarray(queries, dtype=np.float32) @ self.vectors.T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, order, axis=1), order.astype(np.int64)

    def reconstruct_n(self, first: int, n: int) -> "np.ndarray":
        """A copy of rows first .. first + n - 1."""
        return self.vectors[first:first + n].copy()
