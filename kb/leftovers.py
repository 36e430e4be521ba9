"""Temporary folders of builds that died, and how a later build tells them from a live build's.

Every temporary name a build makes carries its process token, `<pid>-<start time>`:
`.build-4242-1733150000` (a generation being written), `.onnx-4242-…` (an ONNX export),
`.trash-4242-…-000003` (a pruned generation being deleted), `.pointer-4242-…` (a new CURRENT).
A kill leaves them behind; the next build, holding the build lock, removes those whose process is
gone. The start time guards against a reused pid: a live process with the same pid but another
start time did not make the folder.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

# ".build-<pid>-<start>", optionally followed by "." or "-" and more (export_onnx's own
# ".onnx-<pid>-<start>.tmp-xxxx" and ".old-xxxx" folders, "-<generation>" on trash).
_TEMP = re.compile(r"^\.(?:build|onnx|trash|pointer)-(\d+)-(\d+)(?:[.-]|$)")
# What the single-folder layout (before generations) left beside the index: ".index.tmp-<pid>".
_OLD_STYLE = r"^\.{name}\.(?:tmp|old|onnx)-(\d+)(?:\.(?:tmp|old)-\w+)?$"


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


def remove_dead(folder: Path) -> list[str]:
    """Remove the temporary files and folders in `folder` whose process is gone; their names."""
    removed = []
    own = process_token()
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return removed
    for entry in entries:
        m = _TEMP.match(entry.name)
        if not m:
            continue
        pid, start = int(m.group(1)), int(m.group(2))
        if f"{pid}-{start}" == own or is_alive(pid, start):
            continue
        _remove(entry)
        removed.append(entry.name)
    return removed


def remove_dead_old_style(index_dir: Path) -> list[str]:
    """Remove `.NAME.tmp-PID`, `.NAME.old-PID` and `.NAME.onnx-PID` folders beside the index
    that builds of the single-folder layout left when killed (their names hold only a pid)."""
    pattern = re.compile(_OLD_STYLE.format(name=re.escape(index_dir.name)))
    removed = []
    try:
        entries = list(index_dir.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not entry.is_symlink() and not is_alive(int(m.group(1))):
            _remove(entry)
            removed.append(entry.name)
    return removed


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
