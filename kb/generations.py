"""The index folder: complete generations behind one pointer, switched by one atomic rename.

    index/
      CURRENT               {"kb_index": 2, "generation": "000007"}: the generation readers open
      .lock                 held by the one `kb build` writing here
      generations/
        000006/             the previous generation, kept for readers that opened it
        000007/             the current one: a complete index with its own manifest.json
        .build-<pid>-<t>/   a generation being written (kb/leftovers.py removes it if <pid> dies)

A build writes a new generation under a temporary name, renames it to its id, then replaces
CURRENT (written beside it, then `os.replace`d): a reader sees the old generation or the new one,
never a mix and never none. A reader resolves CURRENT once, then holds a shared `flock` on that
generation's manifest for as long as it reads; pruning skips a generation so held.

kb writes into a folder only when it is missing, empty, or already holds a kb index, and deletes
only names it made itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kb.errors import IndexForeign, IndexMissing
from kb.leftovers import process_token
from kb.manifest import FORMAT_VERSION, MANIFEST
from kb.testhooks import pause_at

try:  # POSIX; elsewhere readers are protected only by keeping the previous generation
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

POINTER = "CURRENT"
GENERATIONS = "generations"
LOCK = ".lock"
_ID = re.compile(r"^\d{6,}$")
_KB_NAMES = re.compile(r"^(?:\.lock|generations|\.pointer-\d+-\d+)$")
# What the single-folder layout (format 1) kept at the top of the index folder.
LEGACY_NAMES = ("manifest.json", "sources.json", "chunks.jsonl", "vectors.faiss", "sentences.jsonl",
                "sentences.npy", "lexical", "onnx")
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


def read_pointer(index_dir: Path) -> str | None:
    """The generation CURRENT names, or None when it is missing or not a kb pointer."""
    try:
        with (index_dir / POINTER).open("rb") as fh:
            data = json.loads(fh.read(4096).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
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
    tmp = index_dir / f".pointer-{process_token()}"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"kb_index": FORMAT_VERSION, "generation": gid}) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    pause_at("pointer-written")
    os.replace(tmp, index_dir / POINTER)
    _fsync_dir(index_dir)


def publish(tmp: Path, index_dir: Path) -> str:
    """Give the complete generation in `tmp` the next id, then switch CURRENT to it."""
    ids = generation_ids(index_dir)
    gid = f"{int(ids[-1]) + 1 if ids else 1:06d}"
    os.rename(tmp, generations_dir(index_dir) / gid)
    _fsync_dir(generations_dir(index_dir))
    pause_at("generation-renamed")  # the window between the two renames
    write_pointer(index_dir, gid)
    return gid


# --- whose folder is it --------------------------------------------------------------------


def _is_legacy(index_dir: Path) -> bool:
    try:
        with (index_dir / MANIFEST).open("rb") as fh:
            data = json.loads(fh.read(1 << 20).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "model" in data


def classify(index_dir: Path) -> str:
    """"missing", "empty", "kb" (holds a kb index, or only what a killed first build left) or
    "legacy" (a kb index in the single-folder layout); IndexForeign for anything else."""
    if not index_dir.exists() and not index_dir.is_symlink():
        return "missing"
    if not index_dir.is_dir():
        raise IndexForeign(f"{index_dir} is a file, not an index folder; {_NEVER}")
    names = sorted(os.listdir(index_dir))
    if not names:
        return "empty"
    if read_pointer(index_dir) is not None or generation_ids(index_dir):
        return "kb"
    if _is_legacy(index_dir):
        return "legacy"
    if all(_KB_NAMES.match(n) for n in names):
        return "kb"
    foreign = [n for n in names if not _KB_NAMES.match(n)]
    shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
    raise IndexForeign(f"{index_dir} holds files kb did not write ({shown}); {_NEVER}")


def remove_legacy(index_dir: Path) -> None:
    """Remove what the single-folder layout kept at the top of the folder (and nothing else)."""
    for name in LEGACY_NAMES:
        path = index_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists() or path.is_symlink():
            path.unlink(missing_ok=True)


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


def prune(index_dir: Path, keep: set[str]) -> list[str]:
    """Delete generations not in `keep` that no reader holds; the ids deleted."""
    gens = generations_dir(index_dir)
    deleted = []
    for gid in generation_ids(index_dir):
        if gid in keep:
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
            trash = gens / f".trash-{process_token()}-{gid}"
            os.rename(gens / gid, trash)  # readers arriving now find it gone and retry
        finally:
            if handle is not None:
                handle.close()
        pause_at("pruning")
        shutil.rmtree(trash, ignore_errors=True)
        deleted.append(gid)
    return deleted
