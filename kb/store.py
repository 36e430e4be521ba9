"""One generation of the index: a folder of plain files, written whole, read when used.

    generations/000007/
      manifest.json   format version, model, chunker, per-source sha256 and stamp, counts, and the
                      size, sha256 and stamp of every other file here (kb/manifest.py)
      sources.json    the Source records, in corpus order, one a line (a JSON array)
      source_table.npy per source: where its line starts, its authority, its jurisdiction (kb/records.py)
      chunks.jsonl    line i describes vector row i, parsed when first asked for (kb/records.py)
      chunk_table.npy per row: where its line starts, its source, its citation, flags (kb/records.py)
      lookup.json     bills the corpus names and what they enacted, citation keys, source ids,
                      guide questions our notes correct (kb/tables.py)
      vectors.faiss   the FAISS index of the passages: an IndexFlatIP of their normalised
                      vectors, row i for chunk i; what faiss (and any tool built on it) opens, and
                      what an incremental build reuses vectors from
      vectors.npy     the same rows, aligned, as a .npy array (float32, saved without pickle):
                      what a question's dense search maps (see IndexData.vector_matrix)
      sentences.jsonl candidate answer sentences: {"row": chunk row, "text", "sha"}, line i = vector i,
                      kind by kind, each kind in chunk order (kb/records.py)
      sentences.npy   their normalised vectors (float32, saved without pickle)
      sentence_table.npy per sentence: where its line starts, its chunk row, its kind (kb/records.py)
      lexical/        the BM25 index (bm25s: .npy arrays saved without pickle, JSON vocabulary)
      onnx/           the model as kb runs it: weights, ONNX graph, tokenizer (see kb/embedding/folder.py)

The manifest is written last, so a folder without one is an unfinished build. Which generation
is current, and how the switch is made, is kb/generations.py's job.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import IndexCorrupt
from kb.generations import ReaderHold, make_temp_dir, open_generation, publish
from kb.manifest import (
    FORMAT_VERSION, MANIFEST, REBUILD, check_files, checksum_tree, parse_manifest, read_verified,
    resolve_inside,
)
from kb.models import Chunk, Source
from kb.records import (
    CITATION, COMMENTARY, FLAGS, KINDS, OFFSET, S_KIND, S_OFFSET, S_ROW, SOURCE, SOURCES_CLOSE, SOURCES_SEPARATOR,
    SRC_AUTHORITY, SRC_JURISDICTION, SRC_OFFSET, LazyRecords, check_sentence_table, check_source_table, check_table,
    chunk_table, kind_order, sentence_table, source_table, sources_file,
)
from kb.testhooks import pause_at

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np


@dataclass(frozen=True)
class Sentence:
    row: int  # the chunk it comes from
    text: str
    sha: str  # sha256 of the text: equal hashes reuse the vector on rebuild
    # Where it is in its chunk's file: characters first and last + 1 and 1-based lines (see
    # Chunk.char_start); None for a text that is not in the file as written (a guide's
    # question as a user would ask it, a front matter value YAML unquoted).
    start: int | None = None
    end: int | None = None
    lines: tuple[int, int] | None = None
    # "" a sentence an answer may quote; "key" a question the passage answers (searched as a key
    # for it, never quoted); "context" its file's context (tells on-topic questions from others)
    kind: str = ""


@dataclass(frozen=True)
class StoredChunk:
    chunk: Chunk
    text_sha: str  # sha256 of what was embedded: equal hashes reuse the vector on rebuild


@dataclass
class IndexData:
    """An opened, verified generation. Vectors and the BM25 model load on first use, from the
    same generation: `path` is its folder, held open until this object is dropped."""

    path: Path
    manifest: dict
    sources: "Sequence[Source]"  # a LazyRecords, in corpus order: parsed on first access (kb/records.py)
    chunks: "Sequence[StoredChunk]"  # a LazyRecords: records parsed on first access (kb/records.py)
    table: "np.ndarray"  # chunk_table.npy: per row, where its record starts, its source, its citation, flags
    source_table: "np.ndarray"  # source_table.npy: per source, where its record starts, authority, jurisdiction
    note: str = ""  # set when CURRENT was missing and the newest complete generation was opened
    # Files whose stamp is the one recorded at build (kb/manifest.py, check_files): read, or
    # memory-mapped, without hashing. Empty when opened with exact=True (a build reusing them).
    settled: frozenset[str] = frozenset()
    _hold: ReaderHold | None = field(default=None, repr=False)
    _matrix: object = field(default=None, repr=False)  # vector_matrix()
    _sentences: tuple | None = field(default=None, repr=False)
    _tables: dict | None = field(default=None, repr=False)
    _numbers: dict | None = field(default=None, repr=False)

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["id"]

    def source_number(self, source_id: str) -> int | None:
        """The index in `sources` of the source with this id, without parsing any."""
        if self._numbers is None:
            self._numbers = {sid: i for i, sid in enumerate(self._lookup_tables()["source_ids"])}
        return self._numbers.get(source_id)

    def source(self, source_id: str) -> Source | None:
        """The source with this id (only it is parsed), or None."""
        number = self.source_number(source_id)
        return None if number is None else self.sources[number]

    def authorities(self) -> "np.ndarray":
        """Per source, its authority as an index in kb.models.AUTHORITIES."""
        return self.source_table[:, SRC_AUTHORITY]

    def jurisdictions(self) -> tuple[list[str], "np.ndarray"]:
        """The jurisdictions the corpus holds, and per source the index of its own in them."""
        return self._lookup_tables()["jurisdictions"], self.source_table[:, SRC_JURISDICTION]

    def source_of_row(self, row: int) -> Source:
        """The source of chunk `row`, without parsing its record."""
        return self.sources[int(self.table[row, SOURCE])]

    def citation_number(self, row: int) -> int:
        """A key equal for rows of one citation (the windows of one long passage), without
        parsing the row's record."""
        return int(self.table[row, CITATION])

    def is_commentary(self, row: int) -> bool:
        """Chunk.is_commentary of row `row`, without parsing it."""
        return bool(self.table[row, FLAGS] & COMMENTARY)

    def flagged(self, flag: int) -> "np.ndarray":
        """The rows with `flag` (kb.records: ANCHORED, COMMENTARY, CORRECTED), rising."""
        import numpy as np

        return np.flatnonzero(self.table[:, FLAGS] & flag)

    def citation_numbers(self) -> "np.ndarray":
        """Per row, `citation_number`."""
        return self.table[:, CITATION]

    def row_flags(self) -> "np.ndarray":
        """Per row, its flags (kb.records: ANCHORED, COMMENTARY, CORRECTED)."""
        return self.table[:, FLAGS]

    def source_numbers(self) -> "np.ndarray":
        """Per row, the index in `sources` of the row's source (rising: rows are in corpus order)."""
        return self.table[:, SOURCE]

    def bills(self) -> dict:
        """The bill table written at build (kb/tables.py), loaded on first use."""
        return self._lookup_tables()["bills"]

    def citation_keys(self) -> list[list[str]]:
        """[code, section, source id] of each section the corpus holds (kb/tables.py)."""
        return self._lookup_tables()["citation_keys"]

    def corrections(self) -> dict[str, list[str]]:
        """Guide question ("faq-dmv-ice#Q7") -> ids of the notes that correct it (kb/tables.py)."""
        return self._lookup_tables()["corrections"]

    def asked_about(self) -> dict[int, str]:
        """The sources that answer only questions naming a kind of record (front matter
        `asked_about`), by their number in `sources`, without parsing any."""
        return {n: kind for sid, kind in self._lookup_tables().get("asked_about", {}).items()
                if (n := self.source_number(sid)) is not None}

    def names(self) -> frozenset[str]:
        """Words the passages write as names, lower-cased (kb/tables.py proper_names)."""
        return frozenset(self._lookup_tables()["names"])

    def _lookup_tables(self) -> dict:
        if self._tables is None:
            from kb.tables import LOOKUP, check_tables

            try:
                tables = json.loads(self.read_verified(LOOKUP).decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise IndexCorrupt(f"{self.path / LOOKUP}: unreadable ({exc}); {REBUILD}") from None
            tables = check_tables(tables, self.path / LOOKUP)
            if len(tables["source_ids"]) != len(self.sources) or (
                    len(self.source_table) and self.source_table[:, SRC_JURISDICTION].max() >= len(tables["jurisdictions"])):
                raise IndexCorrupt(f"{self.path / LOOKUP}: does not fit sources.json; {REBUILD}")
            self._tables = tables
        return self._tables

    def read_verified(self, rel: str) -> bytes:
        """The bytes of one file of this generation, checked against its manifest."""
        return read_verified(self.path, self.manifest, rel, self.settled)

    def buffer(self, rel: str):
        """The bytes of one file, memory-mapped when its stamp is as built (a question then
        reads only the pages it uses), else read and checked (read_verified)."""
        return _mapped(self.path, self.manifest, rel, self.settled)

    def array(self, rel: str) -> "np.ndarray":
        """One .npy file of this generation (without pickle), memory-mapped when settled."""
        return _load_array(self.path, self.manifest, rel, self.settled)

    def vector_matrix(self) -> "np.ndarray":
        """Every stored vector, row i for chunk i, (rows, dim) float32: vectors.npy, memory-mapped
        when settled. A question needs all of them once, for one exact product (kb/search.py), as
        the FAISS IndexFlatIP in vectors.faiss would compute it. Loading that into faiss costs
        ~50 ms of import and a copy of every row (87 ms at 51,800 rows); its rows start at byte
        45, so even mapped, numpy copies them before the product (26-37 against 9-10 ms and 50 MB
        more at 51,800 rows, issue 15). The build checks that both files hold the same rows."""
        if self._matrix is None:
            import numpy as np

            matrix = self.array("vectors.npy")
            dim = self.manifest["model"]["dim"]
            if matrix.dtype != np.float32 or matrix.shape != (len(self.chunks), dim):
                raise IndexCorrupt(f"{self.path / 'vectors.npy'}: shape {matrix.shape} ({matrix.dtype}), "
                                   f"expected ({len(self.chunks)}, {dim}) float32; {REBUILD}")
            self._matrix = matrix
        return self._matrix

    def sentences(self) -> tuple["Sequence[Sentence]", "np.ndarray"]:
        """Answer-sentence candidates and their vectors, loaded on first use; a sentence's record
        is parsed when first asked for (`sentence_rows` and `sentence_kinds` need none parsed)."""
        if self._sentences is None:
            records = self.buffer("sentences.jsonl")
            vectors = self.array("sentences.npy")
            table = self.array("sentence_table.npy")
            if vectors.ndim != 2:
                raise IndexCorrupt(f"{self.path / 'sentences.npy'}: shape {vectors.shape}, not a matrix; {REBUILD}")
            check_sentence_table(table, len(vectors), len(records), len(self.chunks),
                                 self.path / "sentence_table.npy")
            items = LazyRecords(records, table[:, S_OFFSET], _sentence_from_json, self.path / "sentences.jsonl")
            self._sentences = (items, vectors, table[:, S_ROW], table[:, S_KIND])
        return self._sentences[:2]

    def sentence_rows(self) -> "np.ndarray":
        """Per answer sentence, the chunk row it belongs to (rising within each kind), without
        parsing the records."""
        self.sentences()
        return self._sentences[2]

    def sentence_kinds(self) -> "np.ndarray":
        """Per answer sentence, its kind as an index in kb.records.KINDS ("", "key", "context"):
        sentences are stored kind by kind."""
        self.sentences()
        return self._sentences[3]

    def kind_span(self, kind: str) -> tuple[int, int]:
        """The sentences of one kind: ids start to end (exclusive)."""
        code = KINDS.index(kind)
        start, end = self.sentence_kinds().searchsorted([code, code + 1]).tolist()
        return start, end

    def faiss_index(self):
        """vectors.faiss loaded into faiss (a build reusing vectors; faiss tools open the file)."""
        import faiss  # ~50 ms: questions never need it
        import numpy as np

        try:
            index = faiss.deserialize_index(np.frombuffer(self.buffer("vectors.faiss"), dtype=np.uint8))
        except RuntimeError as exc:
            raise IndexCorrupt(f"{self.path / 'vectors.faiss'}: unreadable ({exc}); {REBUILD}") from None
        if index.ntotal != len(self.chunks) or index.d != self.manifest["model"]["dim"]:
            raise IndexCorrupt(f"{self.path / 'vectors.faiss'}: {index.ntotal} vectors of {index.d} "
                               f"dimensions for {len(self.chunks)} passages; {REBUILD}")
        return index

    def vectors(self) -> "np.ndarray":
        """All stored vectors, row i for chunk i, from the FAISS index (for reuse in incremental
        builds)."""
        import numpy as np

        index = self.faiss_index()
        if index.ntotal == 0:
            return np.zeros((0, index.d), dtype=np.float32)
        return index.reconstruct_n(0, index.ntotal)

    def close(self) -> None:
        """Let pruning delete this generation (dropping the object does the same)."""
        if self._hold is not None:
            self._hold.close()


def _mapped(folder: Path, manifest: dict, rel: str, settled: frozenset[str]):
    """`rel` memory-mapped (read-only) if settled and not empty, else its verified bytes."""
    if rel not in settled or not manifest["files"].get(rel, {}).get("bytes"):
        return read_verified(folder, manifest, rel, settled)
    import mmap

    try:
        with resolve_inside(folder, rel).open("rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return read_verified(folder, manifest, rel, settled)  # says what is wrong with it


def _load_array(folder: Path, manifest: dict, rel: str, settled: frozenset[str]) -> "np.ndarray":
    import io

    import numpy as np

    try:
        if rel in settled:
            try:
                # A plain ndarray over the map: numpy's memmap subclass adds a Python call to
                # every index operation.
                return np.load(resolve_inside(folder, rel), mmap_mode="r", allow_pickle=False).view(np.ndarray)
            except (OSError, ValueError):
                pass  # an empty array cannot be mapped; anything else is reported below
        return np.load(io.BytesIO(read_verified(folder, manifest, rel, settled)), allow_pickle=False)
    except (ValueError, TypeError, EOFError) as exc:
        raise IndexCorrupt(f"{folder / rel}: unreadable ({exc}); {REBUILD}") from None


def _sentence_to_json(s: Sentence) -> dict:
    return {"row": s.row, "text": s.text, "sha": s.sha, "start": s.start, "end": s.end,
            "lines": list(s.lines) if s.lines else None} | ({"kind": s.kind} if s.kind else {})


def _sentence_from_json(d: dict) -> Sentence:
    lines = d["lines"]
    return Sentence(row=d["row"], text=d["text"], sha=d["sha"], start=d["start"], end=d["end"],
                    lines=(int(lines[0]), int(lines[1])) if lines else None, kind=d.get("kind", ""))


def source_to_json(s: Source) -> dict:
    return {
        "id": s.id, "title": s.title, "citation": s.citation, "jurisdiction": s.jurisdiction,
        "authority": s.authority, "url": s.url, "as_of": s.as_of, "status": s.status,
        "path": s.path, "sha256": s.sha256, "corrects": list(s.corrects), "history": list(s.history),
        "cites": list(s.cites), "label": s.label, "verified": s.verified, "partial": s.partial,
        "asked_about": s.asked_about,
    }


def source_from_json(d: dict) -> Source:
    return Source(**{**d, "corrects": tuple(d.get("corrects", ())), "history": tuple(d.get("history", ())),
                     "cites": tuple(d.get("cites", ()))})


def faiss_file(vectors: "np.ndarray") -> bytes:
    """The FAISS index of `vectors` (an IndexFlatIP), serialised, once read back from those bytes
    and found to hold every row bit for bit: vectors.npy, which questions search, is written from
    the same array, so the two files cannot disagree."""
    import faiss  # building the index file needs it
    import numpy as np

    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    data = faiss.serialize_index(index)
    back = faiss.deserialize_index(data)
    stored = back.reconstruct_n(0, back.ntotal) if back.ntotal else np.zeros((0, back.d), dtype=np.float32)
    if stored.shape != vectors.shape or not np.array_equal(stored.view(np.uint32), vectors.view(np.uint32)):
        raise RuntimeError("faiss did not store the passage vectors as given; the index was not written")
    return data.tobytes()


def write_index(
    index_dir: Path,
    manifest: dict,
    sources: list[Source],
    chunks: list[StoredChunk],
    vectors: "np.ndarray",
    sentences: list[Sentence],
    sentence_vectors: "np.ndarray",
    extra_writers=(),
) -> str:
    """Write a complete generation into a temporary folder of `index_dir`, then publish it (one
    rename, then the switch of CURRENT). Returns the new generation's id.

    `extra_writers` are callables taking the temporary folder (the BM25 index, the ONNX export);
    if any step fails, the temporary folder is removed and the current generation stays current.
    """
    import numpy as np

    from kb.tables import LOOKUP, jurisdictions, lookup_tables

    tmp = make_temp_dir(index_dir, "build")
    try:
        data, offsets = sources_file([json.dumps(source_to_json(s), ensure_ascii=False).encode("utf-8")
                                      for s in sources])
        write_file(tmp / "sources.json", data)
        places = {j: i for i, j in enumerate(jurisdictions(sources))}
        write_file(tmp / "source_table.npy", _npy(source_table(
            offsets, [s.authority for s in sources], [places[s.jurisdiction] for s in sources])))
        lines = [(json.dumps(sc.chunk.to_json() | {"text_sha": sc.text_sha}, ensure_ascii=False,
                             sort_keys=True) + "\n").encode("utf-8") for sc in chunks]
        write_file(tmp / "chunks.jsonl", b"".join(lines))
        number = {s.id: i for i, s in enumerate(sources)}
        with_rows = {sc.chunk.source_id for sc in chunks}
        corrected = {target for s in sources if s.id in with_rows for target in s.corrects}  # as Notes.correcting
        write_file(tmp / "chunk_table.npy", _npy(chunk_table(
            lines, [number[sc.chunk.source_id] for sc in chunks], [sc.chunk for sc in chunks], corrected)))
        write_file(tmp / LOOKUP, (json.dumps(lookup_tables(sources, [sc.chunk for sc in chunks]),
                                             ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        order = kind_order([x.kind for x in sentences])
        sentences = [sentences[i] for i in order]
        lines = [(json.dumps(_sentence_to_json(x), ensure_ascii=False) + "\n").encode("utf-8") for x in sentences]
        write_file(tmp / "sentences.jsonl", b"".join(lines))
        write_file(tmp / "sentence_table.npy", _npy(sentence_table(
            lines, [x.row for x in sentences], [x.kind for x in sentences])))
        write_file(tmp / "sentences.npy", _npy(np.asarray(sentence_vectors, dtype=np.float32)[order]))
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(chunks), manifest["model"]["dim"])
        # Serialised here and written by Python: a full disk is then an OSError (ENOSPC) that
        # becomes one line, not a 111-line traceback from inside faiss.
        write_file(tmp / "vectors.faiss", faiss_file(vectors))
        write_file(tmp / "vectors.npy", _npy(vectors))
        pause_at("files-written")
        for write in extra_writers:
            write(tmp)
        pause_at("extras-written")
        manifest = dict(manifest)
        manifest["format_version"] = FORMAT_VERSION
        manifest["counts"] = {
            "sources": len(sources), "chunks": len(chunks), "vectors": len(vectors),
            "sentences": len(sentences),
        }
        manifest["files"] = checksum_tree(tmp)
        write_file(tmp / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"),
                   sync=True)
        pause_at("manifest-written")
        return publish(tmp, index_dir)
    except BaseException as exc:
        if isinstance(exc, OSError):
            from kb.ownership import tree_bytes

            exc.kb_bytes_written = tree_bytes(tmp)  # how much room the generation needed so far
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _npy(array: "np.ndarray") -> bytes:
    """`array` as the bytes of a .npy file (saved without pickle)."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write_file(path: Path, data: bytes, *, sync: bool = False) -> None:
    """Write one file of a generation (every file kb writes there goes through here or bm25s)."""
    with path.open("wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())


def read_manifest(index_dir: Path) -> tuple[dict, str, Path]:
    """(manifest, note, generation folder) of the current generation, checked for shape only:
    what staleness checks need, without reading any other file."""
    opened = open_generation(index_dir)
    try:
        return parse_manifest(opened.manifest_bytes, opened.path / MANIFEST), opened.note, opened.path
    finally:
        opened.hold.close()


def open_index(index_dir: Path, *, exact: bool = False, parsed: tuple[bytes, dict] | None = None) -> IndexData:
    """Open the current generation and check it: manifest shape and format, every file's size
    and stamp, the records read now (the rest are checked when loaded), the row counts. A file
    whose stamp differs from the one recorded at build is hashed when read; with `exact` (a
    build about to reuse vectors and the model folder) every file read is hashed. `parsed`:
    manifest bytes and their parse from a moment ago (kb.indexing.StaleReport), used if the
    current generation's manifest is those bytes."""
    opened = open_generation(index_dir)
    try:
        manifest = parsed[1] if parsed is not None and parsed[0] == opened.manifest_bytes else None
        index = _read_generation(opened.path, opened.manifest_bytes, exact=exact, manifest=manifest)
    except BaseException:
        opened.hold.close()
        raise
    index.note, index._hold = opened.note, opened.hold
    return index


def _read_generation(path: Path, manifest_bytes: bytes, *, exact: bool = False,
                     manifest: dict | None = None) -> IndexData:
    if manifest is None:
        manifest = parse_manifest(manifest_bytes, path / MANIFEST)
    settled = check_files(path, manifest)
    if exact:
        settled = frozenset()
    if manifest.get("onnx"):
        resolve_inside(path, manifest["onnx"]["dir"])
    counts = manifest["counts"]
    # Sources too are parsed when used: a question shows a handful.
    source_data = _mapped(path, manifest, "sources.json", settled)
    sources_table = _load_array(path, manifest, "source_table.npy", settled)
    check_source_table(sources_table, counts["sources"], len(source_data), path / "source_table.npy")
    sources = LazyRecords(source_data, sources_table[:, SRC_OFFSET], source_from_json, path / "sources.json",
                          end=len(source_data) - len(SOURCES_CLOSE), strip=SOURCES_SEPARATOR)
    table = _load_array(path, manifest, "chunk_table.npy", settled)
    # Records are parsed when used (kb/records.py); the file is mapped, or read and hashed.
    data = _mapped(path, manifest, "chunks.jsonl", settled)
    check_table(table, counts["chunks"], len(data), len(sources), path / "chunk_table.npy")
    chunks = LazyRecords(data, table[:, OFFSET], _stored_chunk, path / "chunks.jsonl")
    return IndexData(path=path, manifest=manifest, sources=sources, chunks=chunks, table=table,
                     source_table=sources_table, settled=settled)


def _stored_chunk(row: dict) -> StoredChunk:
    return StoredChunk(Chunk.from_json(row), row["text_sha"])
