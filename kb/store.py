"""The index on disk: a versioned folder of plain files, written aside and swapped in whole.

    index/
      manifest.json   format version, model, chunker, per-source sha256, counts, file checksums
      sources.json    the Source records, in corpus order
      chunks.jsonl    line i describes FAISS row i
      vectors.faiss   normalised vectors, inner product
      sentences.jsonl candidate answer sentences: {"row": chunk row, "text", "sha"}, line i = vector i
      sentences.npy   their normalised vectors (float32, saved without pickle)
      lexical/        the BM25 index (bm25s: .npy arrays saved without pickle, JSON vocabulary)
      onnx/           the exported query encoder (optional; see kb/onnx_embedding.py)

The manifest is written last, so a folder without one is an unfinished build.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import IndexCorrupt, IndexMissing
from kb.hashing import sha256_file
from kb.models import Chunk, Source

if TYPE_CHECKING:
    import numpy as np

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Files whose checksums the manifest records and `open_index` verifies.
CHECKED_FILES = ("sources.json", "chunks.jsonl", "vectors.faiss", "sentences.jsonl", "sentences.npy")
_REBUILD = "run `kb build --full` to rebuild it"


@dataclass(frozen=True)
class Sentence:
    row: int  # the chunk it comes from
    text: str
    sha: str  # sha256 of the text: equal hashes reuse the vector on rebuild


@dataclass(frozen=True)
class StoredChunk:
    chunk: Chunk
    text_sha: str  # sha256 of what was embedded: equal hashes reuse the vector on rebuild


@dataclass
class IndexData:
    """An opened, verified index. Vectors and the BM25 model load on first use."""

    path: Path
    manifest: dict
    sources: list[Source]
    chunks: list[StoredChunk]
    _faiss: object = field(default=None, repr=False)
    _sentences: tuple | None = field(default=None, repr=False)

    @property
    def model_id(self) -> str:
        return self.manifest["model"]["id"]

    def source_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    def faiss_index(self):
        if self._faiss is None:
            import faiss  # ~0.3 s: only dense search needs it

            try:
                self._faiss = faiss.read_index(str(self.path / "vectors.faiss"))
            except RuntimeError as exc:
                raise IndexCorrupt(f"{self.path / 'vectors.faiss'}: unreadable ({exc}); {_REBUILD}") from None
        return self._faiss

    def sentences(self) -> tuple[list[Sentence], "np.ndarray"]:
        """Answer-sentence candidates and their vectors, loaded on first use."""
        if self._sentences is None:
            import numpy as np

            with (self.path / "sentences.jsonl").open(encoding="utf-8") as fh:
                items = [Sentence(**json.loads(line)) for line in fh]
            vectors = np.load(self.path / "sentences.npy", allow_pickle=False)
            if len(vectors) != len(items):
                raise IndexCorrupt(f"{self.path}: sentence records and vectors differ in count; {_REBUILD}")
            self._sentences = (items, vectors)
        return self._sentences

    def vectors(self) -> "np.ndarray":
        """All stored vectors, row i for chunk i (for reuse in incremental builds)."""
        import numpy as np

        index = self.faiss_index()
        if index.ntotal == 0:
            return np.zeros((0, index.d), dtype=np.float32)
        return index.reconstruct_n(0, index.ntotal)


def source_to_json(s: Source) -> dict:
    return {
        "id": s.id, "title": s.title, "citation": s.citation, "jurisdiction": s.jurisdiction,
        "authority": s.authority, "url": s.url, "as_of": s.as_of, "status": s.status,
        "path": s.path, "sha256": s.sha256, "corrects": list(s.corrects), "history": list(s.history),
        "cites": list(s.cites), "label": s.label,
    }


def source_from_json(d: dict) -> Source:
    return Source(**{**d, "corrects": tuple(d.get("corrects", ())), "history": tuple(d.get("history", ())),
                     "cites": tuple(d.get("cites", ()))})


def write_index(
    target: Path,
    manifest: dict,
    sources: list[Source],
    chunks: list[StoredChunk],
    vectors: "np.ndarray",
    sentences: list[Sentence],
    sentence_vectors: "np.ndarray",
    extra_writers=(),
) -> None:
    """Write a complete index into a sibling temporary folder, then swap it in for `target`.

    `extra_writers` are callables taking the temporary folder (the BM25 index, the ONNX export);
    if any step fails, the temporary folder is removed and `target` is left as it was.
    """
    import faiss  # building the index file needs it

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        (tmp / "sources.json").write_text(
            json.dumps([source_to_json(s) for s in sources], ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
        with (tmp / "chunks.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for sc in chunks:
                row = sc.chunk.to_json() | {"text_sha": sc.text_sha}
                fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        with (tmp / "sentences.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for sent in sentences:
                fh.write(json.dumps({"row": sent.row, "text": sent.text, "sha": sent.sha}, ensure_ascii=False) + "\n")
        import numpy as np

        np.save(tmp / "sentences.npy", np.asarray(sentence_vectors, dtype=np.float32), allow_pickle=False)
        index = faiss.IndexFlatIP(manifest["model"]["dim"])
        if len(vectors):
            index.add(vectors)
        faiss.write_index(index, str(tmp / "vectors.faiss"))
        for write in extra_writers:
            write(tmp)
        manifest = dict(manifest)
        manifest["format_version"] = FORMAT_VERSION
        manifest["counts"] = {
            "sources": len(sources), "chunks": len(chunks), "vectors": int(index.ntotal),
            "sentences": len(sentences),
        }
        manifest["files"] = {
            name: {"sha256": sha256_file(tmp / name), "bytes": (tmp / name).stat().st_size}
            for name in CHECKED_FILES
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, target: Path) -> None:
    """Replace `target` by `tmp`. Each rename is atomic; between the two, the old index sits in
    a sibling `.NAME.old-PID` folder, which the next build removes."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def read_manifest(path: Path) -> dict:
    mf = path / MANIFEST
    if not path.is_dir() or not mf.is_file():
        raise IndexMissing(f"no index at {path}: run `kb build` to create it")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexCorrupt(f"{mf}: not valid JSON ({exc}); {_REBUILD}") from None
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise IndexCorrupt(f"{mf}: not a kb manifest; {_REBUILD}")
    if manifest["format_version"] != FORMAT_VERSION:
        raise IndexCorrupt(
            f"{mf}: index format {manifest['format_version']}, this kb reads format "
            f"{FORMAT_VERSION}; {_REBUILD}"
        )
    return manifest


def open_index(path: Path, verify: bool = True) -> IndexData:
    """Open and check an index: format version, file sizes and checksums, row counts."""
    manifest = read_manifest(path)
    try:
        files = manifest["files"]
        counts = manifest["counts"]
        manifest["model"]["id"], manifest["model"]["dim"]
    except (KeyError, TypeError):
        raise IndexCorrupt(f"{path / MANIFEST}: fields missing; {_REBUILD}") from None
    for name in CHECKED_FILES:
        f = path / name
        if not f.is_file():
            raise IndexCorrupt(f"{f}: missing; {_REBUILD}")
        if f.stat().st_size != files[name]["bytes"] or (verify and sha256_file(f) != files[name]["sha256"]):
            raise IndexCorrupt(f"{f}: truncated or changed since the build (checksum mismatch); {_REBUILD}")
    try:
        sources = [source_from_json(d) for d in json.loads((path / "sources.json").read_text(encoding="utf-8"))]
        chunks = []
        with (path / "chunks.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                chunks.append(StoredChunk(Chunk.from_json(row), row["text_sha"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(f"{path}: chunk or source records unreadable ({exc}); {_REBUILD}") from None
    if len(chunks) != counts["chunks"] or len(sources) != counts["sources"]:
        raise IndexCorrupt(f"{path}: record counts differ from the manifest; {_REBUILD}")
    return IndexData(path=path, manifest=manifest, sources=sources, chunks=chunks)
