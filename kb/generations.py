"""The index folder: complete generations behind one pointer, switched by one atomic rename.

    index/
      .kb-owner             kb's marker: this folder is an index kb made, and its identity
      CURRENT               {"kb_index": 2, "generation": "000007", "index": id}: what readers open
      .lock                 held by the one `kb build` writing here
      generations/
        000006/             the previous generation, kept for readers that opened it
        000007/             the current one: a complete index with its own manifest.json
        .build-<pid>-<t>/   a generation being written (kb/leftovers.py removes it if <pid> dies)
        .onnx-<pid>-<t>/    an ONNX export being made or copied (the same)

A build writes a new generation under a temporary name, renames it to its id, then replaces
CURRENT (written beside it, then `os.replace`d): a reader sees the old generation or the new one,
never a mix and never none. A reader resolves CURRENT once, then holds a shared `flock` on that
generation's manifest for as long as it reads; pruning skips a generation so held.

kb writes into a folder only when it is missing, empty, or holds an index kb made (its marker,
kb/ownership.py), and deletes only folders carrying that marker, and in a generation only the
files its manifest lists. A folder inside an index is never taken for an index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kb.errors import IndexForeign, IndexMissing, IndexWriteError
from kb.leftovers import process_token
from kb.manifest import FORMAT_VERSION, MANIFEST
from kb.ownership import (
    MARKER, index_id, new_index_id, owned, read_marker, read_regular, remove_generation, write_marker,
)
from kb.testhooks import pause_at

try:  # POSIX; elsewhere readers are protected only by keeping the previous generation
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

POINTER = "CURRENT"
GENERATIONS = "generations"
LOCK = ".lock"
_ID = re.compile(r"^\d{6,}$")
# What the single-folder layout (format 1) kept at the top of the index folder, and what the
# generations layout kept before it carried kb's marker: kb cannot prove it wrote these.
LEGACY_NAMES = ("manifest.json", "sources.json", "chunks.jsonl", "vectors.faiss", "sentences.jsonl",
                "sentences.npy", "lexical", "onnx", POINTER, GENERATIONS, ".lock")
_NEVER = "pass --index a new or empty folder (kb never replaces what it did not build)"


# --- where things are ----------------------------------------------------------------------


def generations_dir(index_dir: Path) -> Path:
    return index_dir / GENERATIONS


def generation_ids(index_dir: Path) -> list[str]:
    """The ids of the generations present (complete or not), oldest first."""
    try:
        names = os.listdir(generations_dir(index_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted((n for n in names if _ID.match(n)), key=int)


def temp_dir(index_dir: Path, kind: str) -> Path:
    """A temporary folder for this process: `generations/.build-<pid>-<start>`."""
    return generations_dir(index_dir) / f".{kind}-{process_token()}"


def make_temp_dir(index_dir: Path, kind: str) -> Path:
    """Make this process's temporary folder of `kind` inside the index and mark it as this
    index's (first thing, so a later build may remove it should this one be killed)."""
    folder = temp_dir(index_dir, kind)
    ident = index_id(index_dir)
    if ident is None:
        raise IndexWriteError(f"{index_dir}: kb's marker ({MARKER}) is missing; run `kb build` to recreate it")
    if folder.exists() and owned(folder, ident):  # this very process's earlier attempt
        import shutil

        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir()
    try:
        write_marker(folder, ident, "generation" if kind == "build" else kind)
    except BaseException:
        (folder / MARKER).unlink(missing_ok=True)
        folder.rmdir()
        raise
    return folder


def read_pointer(index_dir: Path) -> str | None:
    """The generation CURRENT names, or None when it is missing or not a kb pointer (a folder or
    a named pipe in its place is read as missing, without blocking)."""
    raw = read_regular(index_dir / POINTER, 4096)
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or "kb_index" not in data:
        return None
    gid = data.get("generation")
    return gid if isinstance(gid, str) and _ID.match(gid) else None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_pointer(index_dir: Path, gid: str) -> None:
    """Point CURRENT at `gid`: written beside it, flushed, then renamed over it in one step."""
    pointer = index_dir / POINTER
    if pointer.is_dir() and not pointer.is_symlink():
        try:
            pointer.rmdir()  # an empty folder in its place holds nothing: make room
        except OSError:
            raise IndexWriteError(
                f"{pointer} is a folder holding files, not kb's pointer file; move it out of the "
                "index, then run `kb build`") from None
    tmp = index_dir / f".pointer-{process_token()}"
    with tmp.open("w", encoding="utf-8") as fh:
        # The index's id: proof, should this process be killed now, that kb wrote this file.
        fh.write(json.dumps({"kb_index": FORMAT_VERSION, "generation": gid,
                             "index": index_id(index_dir)}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    pause_at("pointer-written")
    os.replace(tmp, pointer)
    _fsync_dir(index_dir)


def publish(tmp: Path, index_dir: Path) -> str:
    """Give the complete generation in `tmp` the next id, then switch CURRENT to it."""
    ids = generation_ids(index_dir)
    gid = f"{int(ids[-1]) + 1 if ids else 1:06d}"
    folder = generations_dir(index_dir) / gid
    os.rename(tmp, folder)
    try:
        _fsync_dir(generations_dir(index_dir))
        pause_at("generation-renamed")  # the window between the two renames
        write_pointer(index_dir, gid)
    except Exception:  # a full disk, say: CURRENT still names the old generation; drop the new one
        (index_dir / f".pointer-{process_token()}").unlink(missing_ok=True)
        remove_generation(folder, listed_files(folder))
        raise
    return gid


# --- whose folder is it --------------------------------------------------------------------


def _is_legacy(index_dir: Path) -> bool:
    data = read_regular(index_dir / MANIFEST, 1 << 20)
    try:
        data = json.loads(data.decode("utf-8")) if data is not None else None
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "model" in data


def _shown(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _enclosing_index(index_dir: Path) -> Path | None:
    """The index folder `index_dir` lies inside (a generation, a folder within one), if any."""
    for parent in index_dir.parents:
        if index_id(parent) is not None:
            return parent
        # An index of an earlier kb has no marker, but its generations sit under CURRENT's folder.
        if parent.name == GENERATIONS and (parent.parent / POINTER).exists():
            return parent.parent
    return None


def classify(index_dir: Path) -> str:
    """"missing", "empty" (nothing, or only kb's lock file) or "kb" (an index kb made: its marker
    is there); IndexForeign for anything else, including a folder inside an index and an index
    an earlier kb made without a marker (the message says what to remove)."""
    index_dir = Path(os.path.abspath(index_dir))
    inside = _enclosing_index(index_dir)
    if inside is not None:
        raise IndexForeign(f"{index_dir} is inside the index at {inside}, not an index itself; "
                           f"pass --index {inside}")
    if not index_dir.exists() and not index_dir.is_symlink():
        return "missing"
    if not index_dir.is_dir():
        raise IndexForeign(f"{index_dir} is a file, not an index folder; {_NEVER}")
    marker = read_marker(Path(os.path.realpath(index_dir)))  # `--index` may be a symlink to it
    if marker is not None and marker["kind"] == "index":
        return "kb"
    if marker is not None:  # a generation or export folder moved out of its index
        raise IndexForeign(f"{index_dir} is a {marker['kind']} folder of a kb index, not an index; {_NEVER}")
    names = sorted(os.listdir(index_dir))
    if not names or names == [".lock"]:
        return "empty"
    earlier = [n for n in names if n in LEGACY_NAMES]
    if (POINTER in names or GENERATIONS in names or _is_legacy(index_dir)) and earlier:
        raise IndexForeign(
            f"{index_dir} holds an index from an earlier kb without kb's ownership marker, and kb "
            f"deletes only what it can prove it wrote: remove {_shown(earlier)} yourself (e.g. "
            f"`rm -r` them), then run `kb build`")
    raise IndexForeign(f"{index_dir} holds files kb did not write ({_shown(names)}); {_NEVER}")


def mark_index(index_dir: Path) -> None:
    """Give a new (missing or empty) index folder its marker and identity (under the build lock)."""
    if read_marker(index_dir) is None:
        write_marker(index_dir, new_index_id(), "index")


# --- reading one generation ----------------------------------------------------------------


class ReaderHold:
    """The open manifest of the generation a reader uses, share-locked until closed: pruning
    skips a generation while any reader holds it, so files opened later are still there."""

    def __init__(self, handle):
        self._handle = handle

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the lock
            self._handle = None

    def __del__(self):
        self.close()


@dataclass(frozen=True)
class Opened:
    path: Path  # the generation folder
    manifest_bytes: bytes  # read from the locked file itself
    hold: ReaderHold
    note: str  # why this is not the generation CURRENT names, or ""


def _complete(index_dir: Path) -> list[str]:
    """Ids of generations that have a manifest (were renamed into place whole), newest first."""
    gens = generations_dir(index_dir)
    return [g for g in reversed(generation_ids(index_dir)) if (gens / g / MANIFEST).is_file()]


def open_generation(index_dir: Path) -> Opened:
    """The generation CURRENT names, or the newest complete one when CURRENT is missing or names
    none; IndexMissing when there is none at all."""
    if _is_legacy(index_dir) and not generation_ids(index_dir):
        raise IndexMissing(f"the index at {index_dir} is in an older layout: run `kb build` to rebuild it")
    for _attempt in range(5):  # a generation pruned between reading CURRENT and locking it
        gid, note = read_pointer(index_dir), ""
        if gid is None or not (generations_dir(index_dir) / gid / MANIFEST).is_file():
            complete = _complete(index_dir)
            if not complete:
                raise IndexMissing(f"no index at {index_dir}: run `kb build` to create it")
            note = (f"no valid CURRENT pointer in {index_dir}: the newest complete generation, "
                    f"{complete[0]}, is read; run `kb build` to restore the pointer")
            gid = complete[0]
        path = generations_dir(index_dir) / gid
        try:
            handle = (path / MANIFEST).open("rb")
        except FileNotFoundError:
            continue
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        try:
            still_there = os.path.samestat(os.fstat(handle.fileno()), os.stat(path / MANIFEST))
        except FileNotFoundError:
            still_there = False
        if not still_there:  # pruned while we waited for the lock
            handle.close()
            continue
        from kb.manifest import MAX_MANIFEST_BYTES

        return Opened(path, handle.read(MAX_MANIFEST_BYTES + 1), ReaderHold(handle), note)
    raise IndexMissing(f"the index at {index_dir} kept changing while it was opened; try again")


# --- the build's housekeeping (under the build lock) ---------------------------------------


def restore_pointer(index_dir: Path, is_valid: Callable[[Path], bool]) -> str:
    """When CURRENT is missing or names a missing or damaged generation, point it at the newest
    valid one. Returns a notice, or "" when nothing needed restoring."""
    gid = read_pointer(index_dir)
    gens = generations_dir(index_dir)
    if gid is not None and (gens / gid / MANIFEST).is_file() and is_valid(gens / gid):
        return ""
    for candidate in _complete(index_dir):
        if candidate != gid and is_valid(gens / candidate):
            write_pointer(index_dir, candidate)
            why = "was missing" if gid is None else f"named {gid}, missing or damaged"
            return f"the index pointer {why}; restored {candidate}, the newest valid generation"
    return ""


def prune(index_dir: Path, keep: set[str], notices: list[str] | None = None) -> list[str]:
    """Delete generations not in `keep` that no reader holds and that carry this index's marker;
    the ids deleted. Of each, only the files its manifest lists: anything someone put there is
    kept (in `generations/.trash-…`) and `notices` says so."""
    gens = generations_dir(index_dir)
    ident = index_id(index_dir)
    deleted = []
    for gid in generation_ids(index_dir):
        if gid in keep or not owned(gens / gid, ident):
            continue
        try:
            handle = (gens / gid / MANIFEST).open("rb")
        except FileNotFoundError:
            handle = None  # an incomplete generation: no reader can hold it
        try:
            if handle is not None and fcntl is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader is using it: a later build deletes it
            listed = listed_files(gens / gid)
            trash = gens / f".trash-{process_token()}-{gid}"
            os.rename(gens / gid, trash)  # readers arriving now find it gone and retry
        finally:
            if handle is not None:
                handle.close()
        pause_at("pruning")
        kept = remove_generation(trash, listed)
        if kept and notices is not None:
            notices.append(kept_notice(trash, kept))
        deleted.append(gid)
    return deleted


def kept_notice(folder: Path, kept: list[str]) -> str:
    return (f"kept {folder}: it holds files kb did not write ({_shown(kept)}); move them out "
            "and delete the folder")


def listed_files(generation: Path) -> list[str]:
    """The files a generation's manifest lists; kb's own file names when the manifest is
    unreadable (the folder is proven kb's by its marker; only these names are removed)."""
    from kb.manifest import KNOWN_FILES, parse_manifest
    from kb.errors import IndexCorrupt

    raw = read_regular(generation / MANIFEST, 16 << 20)
    try:
        if raw is not None:
            return sorted(parse_manifest(raw, generation / MANIFEST)["files"])
    except IndexCorrupt:
        pass
    return list(KNOWN_FILES)
