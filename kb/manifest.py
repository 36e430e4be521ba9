"""The manifest of one generation: its shape, and the checksum of every file beside it.

`files` maps each file's path inside the generation (`chunks.jsonl`, `lexical/vocab.index.json`,
`onnx/model.onnx`) to its size and sha256. A reader checks the bytes it actually uses against it;
`kb build --check` checks every file. A manifest of any other shape is `IndexCorrupt`, never a
KeyError or TypeError further down.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import re
from pathlib import Path, PurePosixPath
from typing import Callable

from kb.errors import IndexCorrupt, IndexOutdated, quoted
from kb.hashing import stamp

# 1: the single-folder layout, without checksums for lexical/ and onnx/; 2: without character
# offsets of passages and sentences in their files (issue 16); 3: without chunk_table.npy,
# sentence_table.npy, source_table.npy and lookup.json, sources.json one JSON array, without
# vectors.npy (the aligned copy of vectors.faiss's rows that questions search), and without the
# stamps of sources and files (issue 15).
FORMAT_VERSION = 4
MANIFEST = "manifest.json"
REBUILD = "run `kb build --full` to rebuild it"
# The files every generation has; lexical/ and onnx/ files are listed as they were written.
REQUIRED_FILES = ("sources.json", "source_table.npy", "chunks.jsonl", "chunk_table.npy", "lookup.json",
                  "vectors.faiss", "vectors.npy", "sentences.jsonl", "sentences.npy", "sentence_table.npy")
# Every file name kb writes into a generation (bm25s's names under lexical/, the ONNX export's):
# what pruning removes from a generation of this index whose manifest is unreadable.
KNOWN_FILES = REQUIRED_FILES + tuple(f"lexical/{n}" for n in (
    "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy", "kb_tokenizer.json",
    "params.index.json", "vocab.index.json", "nonoccurrence_array.index.npy")) + tuple(
    f"onnx/{n}" for n in ("model.onnx", "model.safetensors", "tokenizer.json", "onnx_config.json"))
# The files of the index's model folder (kb/embedding/folder.py), each listed when the manifest has "onnx".
ONNX_FILES = ("model.onnx", "model.safetensors", "tokenizer.json", "onnx_config.json")
# kb's ownership marker (kb/ownership.py): in every generation, never listed in its manifest.
OWNER_MARKER = ".kb-owner"
# A manifest lists ~60 sources and ~20 files (about 20 KB); anything far larger is not ours.
MAX_MANIFEST_BYTES = 16 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SHA256_OF = operator.methodcaller("get", "sha256")


# A file's times come from a clock that advances once a kernel tick (1-10 ms on Linux, HZ 1000
# to 100): a change made within the tick of the previous one can leave its mtime and ctime as
# they were. Stamps are recorded only once the newest file is this much older than now, so any
# later change shows in them ("racily clean", as git calls the case it guards against).
TICK_NS = 20_000_000


def checksum_tree(folder: Path) -> dict[str, dict]:
    """Size, sha256 and stamp (kb.hashing.stamp, see `check_files`) of every file under
    `folder` but the manifest, flushed to disk on the way (so a generation is complete on disk
    before the manifest that declares it is written). Each file's stamp is taken before it is
    hashed: a change in between shows as a stamp that differs, never as a stale checksum."""
    import time

    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    paths = [p for p in paths if p.relative_to(folder).as_posix() not in (MANIFEST, OWNER_MARKER)]
    stats = [p.stat() for p in paths]
    newest = max((max(st.st_mtime_ns, st.st_ctime_ns) for st in stats), default=0)
    wait = newest + TICK_NS - time.time_ns()
    if wait > 0:
        time.sleep(wait / 1e9)
        stats = [p.stat() for p in paths]
    out = {}
    for path, st in zip(paths, stats):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
            os.fsync(fh.fileno())
        out[path.relative_to(folder).as_posix()] = {"sha256": digest.hexdigest(), "bytes": st.st_size,
                                                    "stamp": stamp(st)}
    return out


def parse_manifest(data: bytes, where: Path) -> dict:
    """The manifest in `data` (read from `where`), checked for shape, or IndexCorrupt."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise IndexCorrupt(f"{where}: {len(data):,} bytes, too large to be a kb manifest; {REBUILD}")
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise IndexCorrupt(f"{where}: not valid JSON ({quoted(str(exc))}); {REBUILD}") from None
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise IndexCorrupt(f"{where}: not a kb manifest; {REBUILD}")
    version = manifest["format_version"]
    if isinstance(version, int) and not isinstance(version, bool) and 0 < version < FORMAT_VERSION:
        raise IndexOutdated(f"{where}: built by an older kb (index format {version}, this kb reads "
                            f"format {FORMAT_VERSION}); run `kb build` to rebuild it")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise IndexCorrupt(
            f"{where}: index format {quoted(version)}, this kb reads format {FORMAT_VERSION}; {REBUILD}")
    _check_shape(manifest, where)
    return manifest


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_shape(m: dict, where: Path) -> None:
    def bad(what: str):
        raise IndexCorrupt(f"{where}: {what}; {REBUILD}")

    model = m.get("model")
    if not (isinstance(model, dict) and isinstance(model.get("id"), str) and model["id"]
            and isinstance(model.get("name"), str) and _is_count(model.get("dim")) and model["dim"] > 0
            and _is_count(model.get("max_seq_length"))):
        bad("'model' must hold id, name, dim and max_seq_length")
    if not isinstance(m.get("chunker"), dict):
        bad("'chunker' must be an object")
    sources = m.get("sources")
    # Checked in C (map, set): a manifest lists every corpus file, 4,500 at 50 copies (issue 15).
    if not (isinstance(sources, dict) and set(map(type, sources.values())) <= {dict}
            and set(map(type, map(_SHA256_OF, sources.values()))) <= {str}):
        bad("'sources' must map each source path to its sha256")
    counts = m.get("counts")
    if not isinstance(counts, dict) or not all(
            _is_count(counts.get(k)) for k in ("sources", "chunks", "vectors", "sentences")):
        bad("'counts' must hold sources, chunks, vectors and sentences")
    files = m.get("files")
    if not isinstance(files, dict):
        bad("'files' must map each file to its size and sha256")
    for rel, entry in files.items():
        if not safe_relative(rel):
            bad(f"file {quoted(rel)} points outside the index")
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
                and _SHA256.match(entry["sha256"]) and _is_count(entry.get("bytes"))):
            bad(f"the entry for {quoted(rel)} in 'files' lacks a size or sha256")
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        bad(f"'files' lacks {', '.join(missing)}")
    onnx = m.get("onnx")
    if onnx is not None:
        if not (isinstance(onnx, dict) and isinstance(onnx.get("model_id"), str)
                and isinstance(onnx.get("sha256"), str) and isinstance(onnx.get("dir"), str)):
            bad("'onnx' must hold model_id, sha256 and dir")
        if not safe_relative(onnx["dir"]):
            bad(f"onnx.dir {quoted(onnx['dir'])} points outside the index")
        unlisted = [f"{onnx['dir']}/{name}" for name in ONNX_FILES if f"{onnx['dir']}/{name}" not in files]
        if unlisted:
            bad(f"'files' lacks {', '.join(unlisted)}")


def safe_relative(rel: object) -> bool:
    """A path that stays inside the folder it is joined to: relative, no '..', no empty part."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        return False
    path = PurePosixPath(rel)
    return not path.is_absolute() and all(part not in ("", ".", "..") for part in rel.split("/"))


def resolve_inside(folder: Path, rel: str) -> Path:
    """`folder / rel`, or IndexCorrupt when a symlink on the way leads out of `folder`."""
    path = folder / rel
    if not path.resolve().is_relative_to(folder.resolve()):
        raise IndexCorrupt(f"{path}: points outside the index (a symlink); {REBUILD}")
    return path


def read_verified(folder: Path, manifest: dict, rel: str, settled: frozenset[str] = frozenset()) -> bytes:
    """The bytes of `rel`, read once and checked against the manifest: the caller parses exactly
    the bytes that were checked. A file in `settled` (its stamp as recorded at build, see
    `check_files`) is checked by size only: hashing every file a question reads grew with the
    corpus (238 MB at the corpus copied 50 times, issue 15); `kb build --check` hashes them all."""
    entry = manifest["files"].get(rel)
    path = folder / rel
    if entry is None:
        raise IndexCorrupt(f"{path}: not listed in the manifest; {REBUILD}")
    try:
        data = resolve_inside(folder, rel).read_bytes()
    except FileNotFoundError:
        raise IndexCorrupt(f"{path}: missing; {REBUILD}") from None
    except OSError as exc:
        raise IndexCorrupt(f"{path}: cannot be read ({exc.strerror}); {REBUILD}") from None
    if len(data) != entry["bytes"] or (
            rel not in settled and hashlib.sha256(data).hexdigest() != entry["sha256"]):
        raise IndexCorrupt(f"{path}: truncated or changed since the build (checksum mismatch); {REBUILD}")
    return data


def check_files(folder: Path, manifest: dict) -> frozenset[str]:
    """IndexCorrupt for the first listed file that is missing or of another size: cheap (one
    stat each, no reading), so every open catches a truncated or deleted file before anything
    is answered. Returns the files whose stamp (mtime, ctime, inode) is the one recorded at
    build: written once by kb and not touched since, they need no hashing before a question."""
    settled = []
    for rel, entry in manifest["files"].items():
        path = folder / rel
        try:
            st = path.stat()
        except FileNotFoundError:
            raise IndexCorrupt(f"{path}: missing; {REBUILD}") from None
        except OSError as exc:
            raise IndexCorrupt(f"{path}: cannot be read ({exc.strerror}); {REBUILD}") from None
        if st.st_size != entry["bytes"]:
            raise IndexCorrupt(f"{path}: truncated or changed since the build (size differs); {REBUILD}")
        if entry.get("stamp") == stamp(st):
            settled.append(rel)
    return frozenset(settled)


def damaged_files(folder: Path, manifest: dict) -> list[str]:
    """One message per listed file that is missing, unreadable, or whose sha256 differs."""
    problems = []
    onnx = manifest.get("onnx")
    for rel in sorted(manifest["files"]) + ([onnx["dir"]] if onnx else []):
        try:
            resolve_inside(folder, rel)
        except IndexCorrupt as exc:
            problems.append(str(exc))
    for rel, entry in sorted(manifest["files"].items()):
        path = folder / rel
        try:
            digest = hashlib.sha256()
            size = 0
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
                    size += len(block)
        except FileNotFoundError:
            problems.append(f"{path}: missing; {REBUILD}")
            continue
        except OSError as exc:
            problems.append(f"{path}: cannot be read ({exc.strerror}); {REBUILD}")
            continue
        if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
            problems.append(f"{path}: truncated or changed since the build (checksum mismatch); {REBUILD}")
    # A file the manifest does not list is one a reader would refuse (a manifest that lost an
    # entry), or one someone added: either way the generation is not as it was built.
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        if rel not in manifest["files"] and rel not in (MANIFEST, OWNER_MARKER):
            problems.append(f"{path}: not listed in the manifest; {REBUILD}")
    return problems


def verified_reader(folder: Path) -> Callable[[str], bytes]:
    """A reader of files in `folder` that checks them against `folder/manifest.json` when there is
    one (a generation), and reads them as they are when there is none (a bare BM25 folder)."""
    try:
        data = (folder.parent / MANIFEST).read_bytes()
    except FileNotFoundError:
        return lambda name: (folder / name).read_bytes()
    except OSError as exc:
        raise IndexCorrupt(f"{folder.parent / MANIFEST}: cannot be read ({exc.strerror}); {REBUILD}") from None
    manifest = parse_manifest(data, folder.parent / MANIFEST)
    prefix = folder.name + "/"
    return lambda name: read_verified(folder.parent, manifest, prefix + name)
