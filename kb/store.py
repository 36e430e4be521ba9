"""One generation of the index: a folder of plain files, written whole, read whole.

    generations/000007/
      manifest.json   format version, model, chunker, per-source sha256, counts, and the size and
                      sha256 of every other file here (kb/manifest.py)
      sources.json    the Source records, in corpus order
      chunks.jsonl    line i describes FAISS row i
      vectors.faiss   normalised vectors, inner product
      sentences.jsonl candidate answer sentences: {"row": chunk row, "text", "sha"}, line i = vector i
      sentences.npy   their normalised vectors (float32, saved without pickle)
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
from kb.flat import MANIFEST_KEY as FLAT_KEY, checked_layout, open_flat
from kb.generations import ReaderHold, make_temp_dir, open_generation, publish
from kb.manifest import (
    FORMAT_VERSION, MANIFEST, REBUILD, check_sizes, checksum_tree, parse_manifest, read_verified,
    resolve_inside,
)
from kb.models import Chunk, Source
from kb.testhooks import pause_at

if TYPE_CHECKING:
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
    sources: list[Source]
    chunks: list[StoredChunk]
    note: str = ""  # set when CURRENT was missing and the newest complete generation was opened
    _hold: ReaderHold | None = field(default=None, repr=False)
    _faiss: object = field(default=None, repr=False)
    _sentences: tuple | None = field(default=None, repr=False)

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["id"]

    def source_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    def read_verified(self, rel: str) -> bytes:
        """The bytes of one file of this generation, checked against its manifest."""
        return read_verified(self.path, self.manifest, rel)

    def faiss_index(self):
        """The index over vectors.faiss: its rows searched by numpy where the build recorded
        their place (kb/flat.py: a question imports no faiss), else faiss's IndexFlatIP."""
        if self._faiss is None:
            data = self.read_verified("vectors.faiss")
            if FLAT_KEY in self.manifest:
                self._faiss = open_flat(data, self.manifest[FLAT_KEY], self.path / "vectors.faiss")
            else:
                self._faiss = self._deserialized(data)
            if self._faiss.ntotal != len(self.chunks):
                raise IndexCorrupt(f"{self.path}: vectors and chunk records differ in count; {REBUILD}")
        return self._faiss

    def _deserialized(self, data: bytes):
        import faiss  # ~50 ms: only a generation without a `flat_vectors` entry needs it
        import numpy as np

        try:
            return faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        except RuntimeError as exc:
            raise IndexCorrupt(f"{self.path / 'vectors.faiss'}: unreadable ({exc}); {REBUILD}") from None

    def sentences(self) -> tuple[list[Sentence], "np.ndarray"]:
        """Answer-sentence candidates and their vectors, loaded on first use."""
        if self._sentences is None:
            import io

            import numpy as np

            records = self.read_verified("sentences.jsonl")
            vectors_bytes = self.read_verified("sentences.npy")
            try:
                items = [_sentence_from_json(json.loads(line)) for line in records.decode("utf-8").splitlines()]
                vectors = np.load(io.BytesIO(vectors_bytes), allow_pickle=False)
            except (ValueError, TypeError, KeyError, IndexError) as exc:
                raise IndexCorrupt(f"{self.path}: sentence records unreadable ({exc}); {REBUILD}") from None
            if len(vectors) != len(items):
                raise IndexCorrupt(f"{self.path}: sentence records and vectors differ in count; {REBUILD}")
            self._sentences = (items, vectors)
        return self._sentences

    def vectors(self) -> "np.ndarray":
        """All stored vectors, row i for chunk i (for reuse in incremental builds)."""
        import numpy as np

        index = self.faiss_index()
        if index.ntotal == 0:
            return np.zeros((0, index.d), dtype=np.float32)
        return index.reconstruct_n(0, index.ntotal)

    def close(self) -> None:
        """Let pruning delete this generation (dropping the object does the same)."""
        if self._hold is not None:
            self._hold.close()


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
        "cites": list(s.cites), "label": s.label, "verified": s.verified,
    }


def source_from_json(d: dict) -> Source:
    return Source(**{**d, "corrects": tuple(d.get("corrects", ())), "history": tuple(d.get("history", ())),
                     "cites": tuple(d.get("cites", ()))})


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
    import io

    import faiss  # building the index file needs it
    import numpy as np

    tmp = make_temp_dir(index_dir, "build")
    try:
        write_file(tmp / "sources.json", (
            json.dumps([source_to_json(s) for s in sources], ensure_ascii=False, indent=1) + "\n"
        ).encode("utf-8"))
        write_file(tmp / "chunks.jsonl", "".join(
            json.dumps(sc.chunk.to_json() | {"text_sha": sc.text_sha}, ensure_ascii=False, sort_keys=True) + "\n"
            for sc in chunks).encode("utf-8"))
        write_file(tmp / "sentences.jsonl", "".join(
            json.dumps(_sentence_to_json(x), ensure_ascii=False) + "\n"
            for x in sentences).encode("utf-8"))
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(sentence_vectors, dtype=np.float32), allow_pickle=False)
        write_file(tmp / "sentences.npy", buffer.getvalue())
        index = faiss.IndexFlatIP(manifest["model"]["dim"])
        if len(vectors):
            index.add(vectors)
        # Serialised here and written by Python: a full disk is then an OSError (ENOSPC) that
        # becomes one line, not a 111-line traceback from inside faiss.
        serialized = faiss.serialize_index(index).tobytes()
        write_file(tmp / "vectors.faiss", serialized)
        flat = checked_layout(serialized, vectors)  # where a question finds the rows without faiss
        pause_at("files-written")
        for write in extra_writers:
            write(tmp)
        pause_at("extras-written")
        manifest = dict(manifest)
        manifest["format_version"] = FORMAT_VERSION
        if flat is not None:
            manifest[FLAT_KEY] = flat
        manifest["counts"] = {
            "sources": len(sources), "chunks": len(chunks), "vectors": int(index.ntotal),
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


def open_index(index_dir: Path) -> IndexData:
    """Open the current generation and check it: manifest shape and format, every file's size,
    the checksums of the records read now (the rest are checked when loaded), the row counts."""
    opened = open_generation(index_dir)
    try:
        index = _read_generation(opened.path, opened.manifest_bytes)
    except BaseException:
        opened.hold.close()
        raise
    index.note, index._hold = opened.note, opened.hold
    return index


def _read_generation(path: Path, manifest_bytes: bytes) -> IndexData:
    manifest = parse_manifest(manifest_bytes, path / MANIFEST)
    check_sizes(path, manifest)
    if manifest.get("onnx"):
        resolve_inside(path, manifest["onnx"]["dir"])
    counts = manifest["counts"]
    try:
        raw_sources = json.loads(read_verified(path, manifest, "sources.json").decode("utf-8"))
        sources = [source_from_json(d) for d in raw_sources]
        chunks = []
        for line in read_verified(path, manifest, "chunks.jsonl").decode("utf-8").splitlines():
            row = json.loads(line)
            chunks.append(StoredChunk(Chunk.from_json(row), row["text_sha"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(f"{path}: chunk or source records unreadable ({exc}); {REBUILD}") from None
    if len(chunks) != counts["chunks"] or len(sources) != counts["sources"]:
        raise IndexCorrupt(f"{path}: record counts differ from the manifest; {REBUILD}")
    return IndexData(path=path, manifest=manifest, sources=sources, chunks=chunks)
