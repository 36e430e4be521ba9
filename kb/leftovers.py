"""Temporary folders of builds that died, and how a later build tells them from a live build's.

Every temporary name a build makes carries its process token, `<pid>-<start time>`:
`.build-4242-1733150000` (a generation being written), `.onnx-4242-…` (an ONNX export),
`.trash-4242-…-000003` (a pruned generation being deleted), `.pointer-4242-…` (a new CURRENT).
A kill leaves them behind; the next build, holding the build lock, removes those whose process is
gone and that carry the index's marker (kb/ownership.py): a name alone proves nothing. The start
time guards against a reused pid: a live process with the same pid but another start time did
not make the folder. An ONNX export's own temporary folders are made inside its `.onnx-…` folder,
so they go with it. Nothing outside the index folder is ever looked at.
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.text import compiled_on_use

# ".build-<pid>-<start>", optionally followed by "." or "-" and more (export_onnx's own
# ".onnx-<pid>-<start>.tmp-xxxx" and ".old-xxxx" folders, "-<generation>" on trash).
_TEMP = compiled_on_use(r"^\.(?:build|onnx|trash|pointer)-(\d+)-(\d+)(?:[.-]|$)")


def _start_time(pid: int) -> int:
    """The process's start time in clock ticks since boot (Linux), or 0 when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return 0 if fields[0] == "Z" else int(fields[19])  # field 22 of proc(5); a zombie is gone
    except (IndexError, ValueError):
        return 0


def process_token(pid: int | None = None) -> str:
    """`<pid>-<start time>` of a process (this one by default)."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}-{_start_time(pid)}"


def is_alive(pid: int, start: int = 0) -> bool:
    """Whether the process that made a folder still runs: signal 0 probes without sending."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    if Path("/proc").is_dir():
        now = _start_time(pid)
        if now == 0 or (start and now != start):
            return False  # a zombie, or the pid now belongs to another process
    return True


def _dead(name: str) -> bool | None:
    """Whether the process a temporary name belongs to is gone (None: not a temporary name)."""
    m = _TEMP().match(name)
    if not m:
        return None
    pid, start = int(m.group(1)), int(m.group(2))
    return f"{pid}-{start}" != process_token() and not is_alive(pid, start)


def remove_dead(index_dir: Path, notices: list[str] | None = None) -> list[str]:
    """Remove what builds of this index left when killed: temporary folders in `generations/`
    carrying this index's marker, and `.pointer-…` files naming this index, whose process is
    gone. Nothing else, and nothing outside the index. Returns their names."""
    from kb.generations import GENERATIONS, kept_notice
    from kb.ownership import index_id, owned, remove_generation, remove_temporary

    ident = index_id(index_dir)
    if ident is None:
        return []
    removed = []
    gens = index_dir / GENERATIONS
    for entry in _entries(gens):
        if not _dead(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        if entry.name.startswith(".trash-"):  # a pruned generation: only its listed files
            if owned(entry, ident):
                from kb.generations import listed_files

                kept = remove_generation(entry, listed_files(entry))
                if kept and notices is not None:
                    notices.append(kept_notice(entry, kept))
                elif not kept:
                    removed.append(entry.name)
        elif remove_temporary(entry, ident):
            removed.append(entry.name)
    for entry in _entries(index_dir):
        if entry.name.startswith(".pointer-") and _dead(entry.name) and _names_index(entry, ident):
            entry.unlink(missing_ok=True)
            removed.append(entry.name)
    return removed


def report(index_dir: Path) -> list[str]:
    """For `kb build --check`: one line per leftover in the index — what a killed build left
    (the next build removes it) and what kb did not write (kb never removes it)."""
    from kb.generations import GENERATIONS
    from kb.ownership import index_id, owned, tree_bytes

    ident = index_id(index_dir)
    lines = []
    for entry in _entries(index_dir / GENERATIONS):
        if entry.name.isdigit():
            continue
        dead, ours = _dead(entry.name), owned(entry, ident)
        if dead is False and ours:
            continue  # a build writing now
        size = f"{tree_bytes(entry) / 2**20:.1f} MB" if entry.is_dir() else "a file"
        if dead and ours:
            lines.append(f"{entry}: left by a killed build ({size}); run `kb build` to remove it")
        else:
            lines.append(f"{entry}: not written by this index ({size}); kb will not delete it: "
                         "move out what you need and remove it yourself")
    for entry in _entries(index_dir):
        if entry.name.startswith(".pointer-") and _dead(entry.name):
            lines.append(f"{entry}: left by a killed build; run `kb build` to remove it"
                         if ident and _names_index(entry, ident) else
                         f"{entry}: not written by this index; kb will not delete it")
    return lines


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _names_index(path: Path, ident: str) -> bool:
    """Whether a `.pointer-…` file is one kb wrote for this index (it names the index's id)."""
    import json

    from kb.ownership import read_regular

    raw = read_regular(path, 4096)
    try:
        data = json.loads(raw.decode("utf-8")) if raw is not None else None
    except (UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and data.get("index") == ident
