"""Read corpus files and validate their front matter (finding, reading and hashing them:
kb/corpus_files.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from kb.corpus_files import find_corpus_files, read_text
from kb.errors import CorpusError, quoted
from kb.frontmatter import split_front_matter
from kb.hashing import sha256_text
from kb.models import AUTHORITIES, STATUSES, CorpusFile, Source
from kb.quotations import check_guide_quotations
from kb.subject import ASKED_ABOUT

# `subdivisions: partial`: the file digests only some subdivisions (gaps are expected, kb/structure.py;
# `kb cite` says the digest, not the law, lacks one).
PARTIAL = ("subdivisions", "partial")

REQUIRED = ("id", "title", "citation", "jurisdiction", "authority", "as_of")
# What a digest was written from: the complete official text, or only a secondary page.
VERIFIED = ("official", "secondary")
_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_CORRECTS = re.compile(r"^[a-z0-9][a-z0-9.\-]*#[A-Za-z0-9.\-]+$")
# A front matter value longer than this is not a title or a citation; it would only slow the
# citation parser and flood the error line.
MAX_FIELD_CHARS = 2_000


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
    asked_about = str(meta.get("asked_about") or "").strip()
    if asked_about and asked_about not in ASKED_ABOUT:
        raise CorpusError(f"{rel}: asked_about {quoted(asked_about)} is not one of {', '.join(ASKED_ABOUT)} "
                          "(leave it out for a law that answers any question on the corpus's subject)")
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
        asked_about=asked_about,
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
# ... or, in a file whose passages are headed rather than lettered (a report, a note, a case), a
# heading in square brackets: "[What Nlets is]".
_HEADING_PATH = re.compile(r"^\[[^\[\]\n]{1,200}\]$")


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
    """Front matter `questions:`: label path ("(a)(1)(D)", "" for the section's own text, or a
    heading in brackets, "[What Nlets is]") -> one to three questions. Whether each path names a
    subdivision or heading of the file is checked when chunking."""
    value = meta.get("questions")
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise CorpusError(f"{rel}: questions must map a label path such as \"(a)(1)\" (or \"\" for the "
                          "section's own text) to a list of one to three questions")
    out = []
    for path, items in value.items():
        path = "" if path is None else path
        if not isinstance(path, str) or not (_LABEL_PATH.match(path.strip()) or _HEADING_PATH.match(path.strip())):
            raise CorpusError(f"{rel}: questions: {quoted(str(path))} is not a label path "
                              "(write it like \"(a)(1)(D)\", \"\" for the section's own text, or a "
                              "heading of the file in brackets, like \"[What Nlets is]\")")
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
