"""Records read on first access: a question parses only the passages and sources it looks at.

A generation's `chunks.jsonl` holds one JSON record per vector row. Parsing all of them costs
0.65 s at 41,450 passages (issue 15), paid on every question although an answer shows a handful.
`chunk_table.npy`, written beside it, holds per row what ranking reads on every row (where the
record starts in the file, its source, which citation it shares with other windows of one long
passage, flags), so the records themselves are parsed one by one, when asked for. The same goes
for answer sentences (`sentence_table.npy`) and sources (`source_table.npy`: sources.json is a
JSON array with one source per line; parsing 4,500 of them cost 88 ms at the corpus copied 50
times).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from kb.errors import IndexCorrupt
from kb.manifest import REBUILD

if TYPE_CHECKING:
    import numpy as np

    from kb.models import Chunk

# Columns of chunk_table.npy (int64, one row per chunk), and the bits of its FLAGS column.
OFFSET, SOURCE, CITATION, FLAGS = 0, 1, 2, 3
COLUMNS = 4
# ANCHORED: a guide's question (Chunk.anchor); COMMENTARY: our Notes or History on a section
# (Chunk.is_commentary); CORRECTED: a guide's question one of our notes corrects (`corrects:`).
ANCHORED, COMMENTARY, CORRECTED = 1, 2, 4
ALL_FLAGS = ANCHORED | COMMENTARY | CORRECTED


def chunk_table(lines: list[bytes], source_rows: list[int], chunks: list["Chunk"],
                corrected: set[str]) -> "np.ndarray":
    """The table written at build: the byte offset of each record's line (`lines` as written,
    newline included), the index of its source in sources.json, a number shared by the rows of
    one citation (equal numbers, equal citations), and the row's flags (`corrected`: the
    anchors that notes with passages correct)."""
    import numpy as np

    table = np.zeros((len(lines), COLUMNS), dtype=np.int64)
    offset = 0
    groups: dict[str, int] = {}
    for row, (line, source, chunk) in enumerate(zip(lines, source_rows, chunks)):
        flags = ((ANCHORED if chunk.anchor else 0) | (COMMENTARY if chunk.is_commentary else 0)
                 | (CORRECTED if chunk.anchor and chunk.anchor in corrected else 0))
        table[row] = (offset, source, groups.setdefault(chunk.citation, len(groups)), flags)
        offset += len(line)
    return table


class LazyRecords(Sequence):
    """Record i of a JSON-lines file, parsed the first time it is asked for and kept."""

    def __init__(self, data: bytes, offsets: "np.ndarray", parse: Callable[[dict], object], where: Path,
                 end: int | None = None, strip: bytes = b""):
        """Record i is the JSON in `data` from offsets[i] to the next offset (the last: to
        `end`, else the end of `data`), less any trailing bytes in `strip`."""
        self._data = data
        self._end = len(data) if end is None else end
        self._strip = strip
        self._offsets = offsets
        self._parse = parse
        self._where = where
        self._cache: dict[int, object] = {}

    def __len__(self) -> int:
        return len(self._offsets)

    def parsed(self) -> int:
        """How many records have been parsed so far (for tests)."""
        return len(self._cache)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        n = len(self)
        if row < 0:
            row += n
        if not 0 <= row < n:
            raise IndexError(row)
        record = self._cache.get(row)
        if record is None:
            end = int(self._offsets[row + 1]) if row + 1 < n else self._end
            line = self._data[int(self._offsets[row]):end]
            if self._strip:
                line = line.rstrip(self._strip)
            try:
                record = self._parse(json.loads(line.decode("utf-8")))
            except (ValueError, KeyError, TypeError) as exc:
                raise IndexCorrupt(f"{self._where}: record {row} unreadable ({exc}); {REBUILD}") from None
            self._cache[row] = record
        return record

    def __iter__(self) -> Iterator:
        return (self[i] for i in range(len(self)))


def _complaint(where: Path):
    """A function raising IndexCorrupt about `where`, with what to do."""
    def bad(what: str):
        raise IndexCorrupt(f"{where}: {what}; {REBUILD}")
    return bad


def _fits(table, rows: int, columns: int, offset: int, data_bytes: int, bad, dtype_note: str, name: str) -> bool:
    """Checks shared by the tables of records: (rows, columns) int64, and record offsets rising
    from 0 inside the file (`bad` raises otherwise). False when there are no rows to check further."""
    import numpy as np

    if table.dtype != np.int64 or table.ndim != 2 or table.shape != (rows, columns):
        bad(f"shape {table.shape} ({table.dtype}), expected ({rows}, {columns}) {dtype_note}")
    if rows == 0:
        return False
    offsets = table[:, offset]
    if offsets[0] != 0 or (rows > 1 and not (np.diff(offsets) > 0).all()) or offsets[-1] >= data_bytes:
        bad(f"record offsets do not fit {name}")
    return True


def check_table(table, rows: int, data_bytes: int, sources: int, where: Path) -> None:
    """IndexCorrupt unless `table` fits the records it describes: one row per record, offsets
    rising from 0 inside the file, source numbers inside sources.json."""
    import numpy as np

    bad = _complaint(where)
    if not _fits(table, rows, COLUMNS, OFFSET, data_bytes, bad, "int64", "chunks.jsonl"):
        return
    if table[:, SOURCE].min() < 0 or table[:, SOURCE].max() >= sources:
        bad("source numbers outside sources.json")
    if rows > 1 and not (np.diff(table[:, SOURCE]) >= 0).all():
        bad("source numbers out of order")  # rows are written source by source, in corpus order
    if table[:, CITATION].min() < 0:
        bad("negative citation numbers")
    if table[:, FLAGS].min() < 0 or table[:, FLAGS].max() > ALL_FLAGS:
        bad("unknown row flags")


# Columns of sentence_table.npy (int64, one row per answer sentence), and the codes of its
# KIND column (Sentence.kind: quotable, a question the passage answers, its file's context).
# Sentences are stored kind by kind, each kind in chunk order: a kind is one run of rows (the
# questions and contexts every question weighs are read in one piece, not from 4,500 places
# in a 109 MB file) and a passage's sentences of a kind are a run within it.
S_OFFSET, S_ROW, S_KIND = 0, 1, 2
KINDS = ("", "key", "context")


def kind_order(kinds: list[str]) -> list[int]:
    """The order sentences of these kinds are stored in: by kind, then as given (chunk order)."""
    return sorted(range(len(kinds)), key=lambda i: KINDS.index(kinds[i]))


def sentence_table(lines: list[bytes], rows: list[int], kinds: list[str]) -> "np.ndarray":
    """Per answer sentence (`lines` of sentences.jsonl as written): where its line starts, the
    chunk row it belongs to, and its kind (an index in KINDS)."""
    import numpy as np

    table = np.zeros((len(lines), 3), dtype=np.int64)
    offset = 0
    for i, (line, row, kind) in enumerate(zip(lines, rows, kinds)):
        table[i] = (offset, row, KINDS.index(kind))
        offset += len(line)
    return table


def check_sentence_table(table, rows: int, data_bytes: int, chunks: int, where: Path) -> None:
    """IndexCorrupt unless `table` fits sentences.jsonl: one row per vector, rising offsets,
    chunk rows inside the index, kind by kind and each kind in chunk order."""
    import numpy as np

    bad = _complaint(where)
    if not _fits(table, rows, 3, S_OFFSET, data_bytes, bad, "int64: sentence records and vectors differ",
                 "sentences.jsonl"):
        return
    if table[:, S_ROW].min() < 0 or table[:, S_ROW].max() >= chunks:
        bad("chunk rows outside the index")
    if table[:, S_KIND].min() < 0 or table[:, S_KIND].max() >= len(KINDS):
        bad("unknown sentence kinds")
    kinds, same = np.diff(table[:, S_KIND]), np.diff(table[:, S_ROW])
    if (kinds < 0).any() or (same[kinds == 0] < 0).any():
        bad("sentences out of order")  # kind by kind, each in chunk order (kind_order)


# sources.json is a JSON array with one source per line, so a source can be parsed alone.
SOURCES_OPEN, SOURCES_SEPARATOR, SOURCES_CLOSE = b"[\n", b",\n", b"\n]\n"
# Columns of source_table.npy (int64, one row per source, in corpus order): where its line
# starts in sources.json, its authority (an index in kb.models.AUTHORITIES), its jurisdiction
# (an index in lookup.json's "jurisdictions", kb/tables.py).
SRC_OFFSET, SRC_AUTHORITY, SRC_JURISDICTION = 0, 1, 2


def sources_file(records: list[bytes]) -> tuple[bytes, list[int]]:
    """The bytes of sources.json for `records` (one JSON object each), and where each starts."""
    offsets, at = [], len(SOURCES_OPEN)
    for record in records:
        offsets.append(at)
        at += len(record) + len(SOURCES_SEPARATOR)
    body = SOURCES_SEPARATOR.join(records)
    return (SOURCES_OPEN + body + SOURCES_CLOSE if records else b"[]\n"), offsets


def source_table(offsets: list[int], authorities: list[str], jurisdictions: list[int]) -> "np.ndarray":
    """Per source: where its line starts, its authority's number, its jurisdiction's number."""
    import numpy as np

    from kb.models import AUTHORITIES

    table = np.zeros((len(offsets), 3), dtype=np.int64)
    for i, (offset, authority, jurisdiction) in enumerate(zip(offsets, authorities, jurisdictions)):
        table[i] = (offset, AUTHORITIES.index(authority), jurisdiction)
    return table


def check_source_table(table, rows: int, data_bytes: int, where: Path) -> None:
    """IndexCorrupt unless `table` fits sources.json: one row per source, rising offsets inside
    the file, known authorities. (Jurisdiction numbers are checked with lookup.json.)"""
    import numpy as np

    from kb.models import AUTHORITIES

    def bad(what: str):
        raise IndexCorrupt(f"{where}: {what}; {REBUILD}")

    if table.dtype != np.int64 or table.ndim != 2 or table.shape != (rows, 3):
        bad(f"shape {table.shape} ({table.dtype}), expected ({rows}, 3) int64")
    if rows == 0:
        return
    offsets = table[:, SRC_OFFSET]
    if (offsets[0] != len(SOURCES_OPEN) or (rows > 1 and not (np.diff(offsets) > 0).all())
            or offsets[-1] >= data_bytes):
        bad("record offsets do not fit sources.json")
    if table[:, SRC_AUTHORITY].min() < 0 or table[:, SRC_AUTHORITY].max() >= len(AUTHORITIES):
        bad("unknown authorities")
    if table[:, SRC_JURISDICTION].min() < 0:
        bad("negative jurisdiction numbers")
