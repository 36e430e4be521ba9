"""Proof that kb made a folder: the marker file it writes inside every folder it may delete.

kb deletes a path only when it can prove it created it. The proof is `.kb-owner`, a small JSON
file kb writes itself, first thing, into the index folder and into every folder it makes inside
it, carrying the index's identity (a random id chosen when the index was created):

    index/.kb-owner                        {"kb_owner": 1, "index": "<id>", "kind": "index"}
    index/generations/000007/.kb-owner     {"kb_owner": 1, "index": "<id>", "kind": "generation"}
    index/generations/.onnx-<pid>-<t>/...  {"kb_owner": 1, "index": "<id>", "kind": "onnx"}

Names and keys are never proof: a folder someone else made under a kb-like name, or a copy of a
generation from another index, is left alone. Inside a proven generation kb deletes only the
files its manifest lists (and the manifest and marker); a file someone added is kept, and the
user told.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

MARKER = ".kb-owner"
_VERSION = 1
KINDS = ("index", "generation", "onnx")


def read_regular(path: Path, limit: int) -> bytes | None:
    """Up to `limit` bytes of `path` when it is a regular file (not a symlink), else None.
    Opened without blocking and checked on the open descriptor: a named pipe or a device put in
    kb's place never hangs a reader."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, left = [], limit
        while left > 0:
            block = os.read(fd, min(left, 1 << 16))
            if not block:
                break
            chunks.append(block)
            left -= len(block)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def new_index_id() -> str:
    import secrets  # only a new index needs it; every reader imports this module (random, hmac…)

    return secrets.token_hex(16)


def read_marker(folder: Path) -> dict | None:
    """The marker in `folder` when kb wrote one there (and `folder` is not a symlink), else None."""
    if folder.is_symlink():
        return None
    data = read_regular(folder / MARKER, 4096)
    if data is None:
        return None
    try:
        marker = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not (isinstance(marker, dict) and marker.get("kb_owner") == _VERSION
            and isinstance(marker.get("index"), str) and marker.get("kind") in KINDS):
        return None
    return marker


def write_marker(folder: Path, index_id: str, kind: str) -> None:
    """Mark `folder` (just made by kb) as this index's. Written whole and flushed; never over an
    existing marker (O_EXCL)."""
    data = json.dumps({"kb_owner": _VERSION, "index": index_id, "kind": kind}).encode() + b"\n"
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def index_id(index_dir: Path) -> str | None:
    """The identity of the index at `index_dir`, or None when kb did not make that folder."""
    marker = read_marker(Path(os.path.realpath(index_dir)))  # `--index` may be a symlink to it
    return marker["index"] if marker and marker["kind"] == "index" else None


def owned(folder: Path, index: str | None) -> bool:
    """Whether `folder` carries this index's marker (so kb made it, for this index)."""
    if index is None:
        return False
    marker = read_marker(folder)
    return marker is not None and marker["index"] == index and marker["kind"] != "index"


def remove_temporary(folder: Path, index: str | None) -> bool:
    """Remove a temporary folder a build made (`.build-…`, `.onnx-…`) when it carries this
    index's marker: never published, it holds only what that build wrote. False when not ours."""
    if not owned(folder, index):
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True


def remove_generation(folder: Path, listed: list[str]) -> list[str]:
    """Delete from a generation folder (already proven ours) the files kb wrote there — those
    its manifest lists, the manifest, the marker — and the folders they leave empty. Anything
    else is someone's file: kept in place, and its path (relative) returned."""
    from kb.manifest import MANIFEST, safe_relative

    for rel in listed:
        path = folder / rel
        if safe_relative(rel) and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    for here, dirs, _files in os.walk(folder, topdown=False):
        for d in dirs:
            try:
                os.rmdir(os.path.join(here, d))  # only when empty: never a user's folder's contents
            except OSError:
                pass
    kept = sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*")
        if (p.name != MARKER or p.parent != folder) and (p.is_symlink() or not p.is_dir())
    )
    (folder / MARKER).unlink(missing_ok=True)  # last: until now, a killed prune is resumable
    if not kept and not any(folder.iterdir()):
        try:
            folder.rmdir()
        except OSError:
            pass
    return kept


def tree_bytes(folder: Path) -> int:
    """Bytes in the files under `folder` (0 when it is gone)."""
    total = 0
    for here, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(here, name)).st_size
            except OSError:
                pass
    return total
