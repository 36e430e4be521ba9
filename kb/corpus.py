"""Find and read corpus files, validate their front matter, and hash them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from kb.errors import CorpusError, quoted
from kb.frontmatter import split_front_matter
from kb.hashing import sha256_text, stamp
from kb.models import AUTHORITIES, STATUSES, CorpusFile, Source
from kb.quotations import check_guide_quotations

# `subdivisions: partial`: the file digests only some subdivisions (gaps are expected, kb/structure.py;
# `kb cite` says the digest, not the law, lacks one).
PARTIAL = ("subdivisions", "partial")

REQUIRED = ("id", "title", "citation", "jurisdiction", "authority", "as_of")
# What a digest was written from: the complete official text, or only a secondary page.
VERIFIED = ("official", "secondary")
_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_CORRECTS = re.compile(r"^[a-z0-9][a-z0-9.\-]*#[A-Za-z0-9.\-]+$")
# Files in the corpus folder that are about the corpus, not part of it.
IGNORED_NAMES = frozenset({"README.md"})
# Limits that keep a bad file to one message in bounded time and memory (see corpus/README.md).
# The largest corpus file is 30 KB and its longest line 1,141 characters (2026-12-02): one
# section or guide per file stays far below both. A single 750 KB line once took minutes to chunk.
MAX_FILE_BYTES = 1_000_000
MAX_LINE_CHARS = 20_000
# A front matter value longer than this is not a title or a citation; it would only slow the
# citation parser and flood the error line.
MAX_FIELD_CHARS = 2_000


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


def _field(meta: dict, name: str, shown: str, hint: str = "") -> str:
    value = meta.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CorpusError(f"{shown}: front matter lacks '{name}'{f' ({hint})' if hint else ''}")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if not isinstance(value, (str, int, float)):
        raise CorpusError(f"{shown}: front matter field '{name}' must be a single value")
    text = str(value).strip()
    if len(text) > MAX_FIELD_CHARS:
        raise CorpusError(f"{shown}: {name} {quoted(text)} has {len(text):,} characters; "
                          f"at most {MAX_FIELD_CHARS:,}")
    return text


_HINTS = {
    "id": "a unique lowercase id such as ca-veh-12801.9",
    "title": "a short title",
    "citation": "the official citation, e.g. Cal. Veh. Code § 12801.9",
    "jurisdiction": "CA, US, NY ...",
    "authority": "one of " + ", ".join(AUTHORITIES),
    "as_of": "add it as YYYY-MM-DD",
    "url": "the official URL of the text",
}


def validate_front_matter(meta: dict, rel: str, sha: str) -> Source:
    """A Source from the front matter, or a CorpusError naming the file and the field."""
    values = {name: _field(meta, name, rel, _HINTS[name]) for name in REQUIRED}
    if not _ID.match(values["id"]):
        raise CorpusError(f"{rel}: id {quoted(values['id'])} may use only a-z, 0-9, '.' and '-'")
    if values["authority"] not in AUTHORITIES:
        raise CorpusError(
            f"{rel}: authority {quoted(values['authority'])} is not one of {', '.join(AUTHORITIES)}"
        )
    try:
        dt.date.fromisoformat(values["as_of"])
    except ValueError:
        raise CorpusError(f"{rel}: as_of {quoted(values['as_of'])} is not a date (write YYYY-MM-DD)") from None
    # A secondary guide may have no known address; everything else must point at its text.
    url = "" if values["authority"] == "secondary" and not meta.get("url") else _field(
        meta, "url", rel, _HINTS["url"]
    )
    status = str(meta.get("status") or "in force").strip()
    if status not in STATUSES:
        raise CorpusError(f"{rel}: status {quoted(status)} is not one of {', '.join(STATUSES)}")
    corrects = _string_list(meta, "corrects", rel, "'faq-dmv-ice#Q1' (document id#label)")
    for target in corrects:
        if not isinstance(target, str) or not _CORRECTS.match(target):
            raise CorpusError(
                f"{rel}: corrects entry {quoted(target)} must look like 'faq-dmv-ice#Q1' (document id#label)"
            )
    # California and federal law must be citable by `kb cite`; other states' files are
    # comparisons whose citations (session laws, bills) the parser need not know.
    history = _string_list(meta, "history", rel, "one event each")
    cites = _string_list(meta, "cites", rel, "citations, e.g. [\"Cal. Veh. Code § 1808.48\"]")
    label = meta.get("label") or ""
    if not isinstance(label, str) or len(label) > 120:
        raise CorpusError(f"{rel}: label must be one short line (at most 120 characters) saying what the source is")
    verified = str(meta.get("verified") or "").strip()
    if verified and verified not in VERIFIED:
        raise CorpusError(f"{rel}: verified {quoted(verified)} is not one of {', '.join(VERIFIED)}")
    if values["authority"] in ("statute", "regulation") and values["jurisdiction"].upper() in ("CA", "US"):
        _check_citation(values["citation"], rel)
    return Source(
        id=values["id"],
        title=values["title"],
        citation=values["citation"],
        jurisdiction=values["jurisdiction"].upper(),
        authority=values["authority"],
        url=url,
        as_of=values["as_of"],
        status=status,
        path=rel,
        sha256=sha,
        corrects=tuple(corrects),
        history=tuple(h.strip() for h in history),
        cites=tuple(c.strip() for c in cites),
        label=label.strip(),
        verified=verified,
        partial=str(meta.get(PARTIAL[0]) or "").strip() == PARTIAL[1],
    )


def _string_list(meta: dict, name: str, rel: str, what: str) -> list[str]:
    """A field that is one string or a list of strings (absent or empty: none). A number, a
    boolean or a mapping is refused, naming the file and the field: iterating a mapping would
    silently read its keys, iterating a number would be a TypeError traceback."""
    value = meta.get(name)
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    bad = value if not isinstance(value, list) else next(v for v in value if not isinstance(v, str))
    raise CorpusError(
        f"{rel}: {name} must be a string or a list of strings ({what}), not "
        f"{_kind(bad)} {quoted(bad)}"
    )


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "the boolean"
    if isinstance(value, (int, float)):
        return "the number"
    if isinstance(value, dict):
        return "the mapping"
    if isinstance(value, list):
        return "the list"
    return f"a {type(value).__name__}"


def _check_citation(citation: str, rel: str) -> None:
    from kb.citations import find_citations

    if not find_citations(citation):
        raise CorpusError(
            f"{rel}: citation {quoted(citation)} is not in a form kb can parse "
            "(write the official form, e.g. 'Cal. Veh. Code § 12801.9' or '18 U.S.C. § 2721')"
        )


MAX_CONTEXT_CHARS = 400  # issue 13: a short context, so the passage's own words still dominate
MAX_QUESTIONS = 3  # per subdivision: one to three questions in users' own words
MAX_QUESTION_CHARS = 300
_LABEL_PATH = re.compile(r"^(?:\([A-Za-z0-9]{1,5}\))*$")


def read_context(meta: dict, rel: str) -> str:
    """Front matter `context:`: one line of at most MAX_CONTEXT_CHARS characters, or ""."""
    value = meta.get("context")
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{rel}: context must be one line of text saying the act's name, what the "
                          "section governs and whom it binds")
    text = value.strip()
    if "\n" in text:
        raise CorpusError(f"{rel}: context must be one line (it has a line break)")
    if len(text) > MAX_CONTEXT_CHARS:
        raise CorpusError(f"{rel}: context has {len(text):,} characters; at most {MAX_CONTEXT_CHARS}")
    return text


def read_questions(meta: dict, rel: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Front matter `questions:`: label path ("(a)(1)(D)", "" for the section's own text) ->
    one to three questions. Whether each path names a subdivision is checked when chunking."""
    value = meta.get("questions")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise CorpusError(f"{rel}: questions must map a label path such as \"(a)(1)\" (or \"\" for the "
                          "section's own text) to a list of one to three questions")
    out = []
    for path, items in value.items():
        path = "" if path is None else path
        if not isinstance(path, str) or not _LABEL_PATH.match(path.strip()):
            raise CorpusError(f"{rel}: questions: {quoted(str(path))} is not a label path "
                              "(write it like \"(a)(1)(D)\", or \"\" for the section's own text)")
        shown = quoted(path) if path else '""'
        if isinstance(items, str):
            items = [items]
        if (not isinstance(items, list) or not 1 <= len(items) <= MAX_QUESTIONS
                or not all(isinstance(i, str) and i.strip() and "\n" not in i.strip() for i in items)):
            raise CorpusError(f"{rel}: questions: {shown} needs a list of 1 to "
                              f"{MAX_QUESTIONS} one-line questions")
        for item in items:
            if len(item.strip()) > MAX_QUESTION_CHARS:
                raise CorpusError(f"{rel}: questions: {shown} has a question of "
                                  f"{len(item.strip()):,} characters; at most {MAX_QUESTION_CHARS}")
        out.append((path.strip(), tuple(i.strip() for i in items)))
    return tuple(out)


def read_corpus_file(path: Path, corpus_dir: Path) -> CorpusFile:
    rel = path.relative_to(corpus_dir).as_posix()
    text = read_text(path, rel)
    meta, body, body_line = split_front_matter(text, rel)
    source = validate_front_matter(meta, rel, sha256_text(text))
    return CorpusFile(source=source, body=body, body_line=body_line, abspath=path,
                      history_lines=_key_span(text, "history", body_line),
                      text=text, body_offset=len(text) - len(body),
                      context=read_context(meta, rel), questions=read_questions(meta, rel))


def _key_span(text: str, key: str, body_line: int) -> tuple[int, int]:
    """1-based lines of a top-level front matter key and its indented or listed values."""
    lines = text.split("\n")[: body_line - 1]
    start = next((i for i, ln in enumerate(lines) if ln.startswith(f"{key}:")), None)
    if start is None:
        return (0, 0)
    end = start
    while end + 1 < len(lines) and lines[end + 1].startswith((" ", "-", "\t")):
        end += 1
    return (start + 1, end + 1)


def load_corpus(corpus_dir: Path) -> list[CorpusFile]:
    """Every corpus file, validated as a whole: unique ids, corrections that point somewhere,
    quotations of the FAQ in notes that are the FAQ's own words."""
    files = [read_corpus_file(p, corpus_dir) for p in find_corpus_files(corpus_dir)]
    seen: dict[str, str] = {}
    for f in files:
        other = seen.setdefault(f.source.id, f.source.path)
        if other != f.source.path:
            raise CorpusError(
                f"{f.source.path}: id {quoted(f.source.id)} is already used by {other} (ids must be unique)"
            )
    for f in files:
        for target in f.source.corrects:
            if target.split("#", 1)[0] not in seen:
                raise CorpusError(
                    f"{f.source.path}: corrects {quoted(target)}, but no corpus file has id "
                    f"{quoted(target.split('#', 1)[0])}"
                )
    check_guide_quotations(files)
    return files


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
