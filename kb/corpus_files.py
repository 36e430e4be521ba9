"""Find the corpus's files, read them as text, stamp and hash them: what the check before every
question needs (kb/staleness.py), without parsing any front matter (kb/corpus.py does that)."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kb.errors import CorpusError
from kb.hashing import sha256_text, stamp

# Files in the corpus folder that are about the corpus, not part of it.
IGNORED_NAMES = frozenset({"README.md"})
# Limits that keep a bad file to one message in bounded time and memory (see corpus/README.md).
# The largest corpus file is 30 KB and its longest line 1,141 characters (2026-12-02): one
# section or guide per file stays far below both. A single 750 KB line once took minutes to chunk.
MAX_FILE_BYTES = 1_000_000
MAX_LINE_CHARS = 20_000


@dataclass(frozen=True)
class CorpusScan:
    files: tuple[Path, ...]  # sorted, so builds are deterministic
    notices: tuple[str, ...]  # symlinked folders skipped
    stats: tuple[os.stat_result, ...] = ()  # each file's, as listed (a symlink's: its target's)


def scan_corpus(corpus_dir: Path) -> CorpusScan:
    """Every Markdown source under `corpus_dir`, and what was skipped.

    Hidden files and folders are skipped, and so is a symlinked folder (a notice says so): the
    corpus is what lies inside it. A symlinked file is read when its target is inside the corpus
    and refused when it leads outside or nowhere.
    """
    listed, notices = _list_corpus(corpus_dir)
    paths = [Path(full) for full, _rel, _st in listed]
    order = sorted(range(len(paths)), key=paths.__getitem__)
    return CorpusScan(tuple(paths[i] for i in order), tuple(sorted(notices)),
                      tuple(listed[i][2] for i in order))


def _list_corpus(corpus_dir: Path) -> tuple[list[tuple[str, str, os.stat_result]], list[str]]:
    """(path, path relative to the corpus, stat) of every corpus file, unsorted, and notices.

    One lstat per file (os.scandir's, from the folder's own listing), and path strings rather
    than Path objects: the check before every question lists the corpus, and a regular file
    (nearly all of them) needs nothing more (issue 15: the listing is what that check costs per
    file)."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist (pass --corpus DIR or set KB_CORPUS)"
        )
    root = corpus_dir.resolve()
    listed, notices = [], []
    folders = [(str(corpus_dir), "")]  # (folder, its path relative to the corpus plus "/")
    while folders:
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as entries:
                entries = list(entries)
        except OSError as exc:
            _walk_error(exc)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():  # follows a symlink: os.walk would list it, and skip it
                if entry.is_symlink():
                    notices.append(f"corpus folder {prefix}{name} is a symlink and was skipped "
                                   "(kb reads only folders inside the corpus)")
                else:
                    folders.append((entry.path, f"{prefix}{name}/"))
                continue
            if not name.endswith(".md") or (not prefix and name in IGNORED_NAMES):
                continue
            rel = prefix + name
            if not rel.isascii():
                _require_utf8_name(rel)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # removed while listed
            if stat.S_ISLNK(st.st_mode):
                path = Path(entry.path)
                if not path.exists():
                    raise CorpusError(f"{rel}: a symlink to a missing file; remove it or restore its target")
                target = path.resolve()
                if not target.is_relative_to(root):
                    raise CorpusError(f"{rel}: a symlink to {target}, outside the corpus; copy the file "
                                      "into the corpus instead")
                try:
                    st = os.stat(entry.path)
                except OSError:
                    continue
            if stat.S_ISREG(st.st_mode):
                listed.append((entry.path, rel, st))
    if not listed:
        raise CorpusError(f"corpus folder {corpus_dir} holds no .md files: add sources first")
    return listed, notices


def _require_utf8_name(rel: str) -> None:
    """A file name that is not UTF-8 (Python keeps its bytes as surrogates) could be neither
    stored in the index's JSON nor printed: refuse it, showing the bad bytes as \\xNN escapes."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
        raise CorpusError(f"{shown}: the file name is not UTF-8; rename it (e.g. with `mv`)") from None


def _walk_error(exc: OSError) -> None:
    raise CorpusError(f"{exc.filename}: cannot read this corpus folder ({exc.strerror})")


def find_corpus_files(corpus_dir: Path) -> list[Path]:
    """Every Markdown source under `corpus_dir`, sorted so builds are deterministic."""
    return list(scan_corpus(corpus_dir).files)


def _read_capped(path: Path, shown: str) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # never more, whatever the file's size
    except OSError as exc:
        raise CorpusError(f"{shown}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        try:
            size = path.stat().st_size
        except OSError:
            size = len(data)
        raise CorpusError(
            f"{shown}: {size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit for one corpus file "
            "(split it: one section or guide per file, see corpus/README.md)"
        )
    return data


def read_text(path: Path, shown: str) -> str:
    """The file as text with normalised newlines, or a CorpusError naming the problem."""
    data = _read_capped(path, shown)
    if b"\x00" in data:
        raise CorpusError(f"{shown}: binary file (NUL byte found); corpus files must be Markdown text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{shown}: not UTF-8 text (bad byte at offset {exc.start}); re-save it as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_LINE_CHARS:
        for number, line in enumerate(text.split("\n"), start=1):
            if len(line) > MAX_LINE_CHARS:
                raise CorpusError(
                    f"{shown}: line {number} has {len(line):,} characters, over the "
                    f"{MAX_LINE_CHARS:,}-character limit (break it into paragraphs)"
                )
    return text


# A file modified this close to when its stamp was recorded may change again within the same
# timestamp tick (a few ms on ext4, 2 s for FAT's mtime), size and all: its stamp is not
# recorded, so it is always hashed ("racily clean", as git calls it; like git, by mtime).
RACY_NS = 2_000_000_000


def stamp_corpus(corpus_dir: Path, scan: CorpusScan) -> dict[str, dict]:
    """Path (relative) -> {"stamp": kb.hashing.stamp} of the scanned files, as listed before they
    are read, for the manifest: a later staleness check trusts a file whose stamp is unchanged.
    Files changed within RACY_NS of now are left out, so they are always hashed."""
    import time

    now = time.time_ns()
    out = {}
    for path, st in zip(scan.files, scan.stats):
        if now - st.st_mtime_ns >= RACY_NS:
            out[path.relative_to(corpus_dir).as_posix()] = {"stamp": stamp(st)}
    return out


def hash_corpus(corpus_dir: Path, known: dict[str, dict] | None = None) -> dict[str, str]:
    """Path (relative) -> sha256 of the normalised text, without parsing: for staleness checks.

    With `known` (the manifest's sources: path -> {"sha256", "stamp"}), a file whose size and
    stamp are those recorded at build (kb.hashing.stamp) is taken as unchanged and not read: the check before each question then costs a directory listing and an lstat per
    file, not a read of the whole corpus (0.34 s at 50 copies, issue 15). Added and removed
    files still show, from the listing. Without `known` (`kb build --check`), every file is read
    and hashed.
    """
    known = known or {}
    out = {}
    for full, rel, st in _list_corpus(corpus_dir)[0]:
        entry = known.get(rel)
        if entry is not None and entry.get("stamp") == stamp(st):  # a racy file has none
            out[rel] = entry["sha256"]
            continue
        path = Path(full)
        try:
            out[rel] = sha256_text(read_text(path, rel))
        except CorpusError:
            # Unusable (too large, not text): it differs from whatever was built, and `kb build`
            # says why. Hash what was read, so the check stays cheap and never raises here.
            out[rel] = "unreadable:" + _raw_sha(path)
    return out


def _raw_sha(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return hashlib.sha256(fh.read(MAX_FILE_BYTES + 1)).hexdigest()
    except OSError:
        return ""
