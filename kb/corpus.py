"""Find and read corpus files, validate their front matter, and hash them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from kb.errors import CorpusError
from kb.hashing import sha256_text
from kb.models import AUTHORITIES, STATUSES, CorpusFile, Source

REQUIRED = ("id", "title", "citation", "jurisdiction", "authority", "as_of")
_ID = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")
_CORRECTS = re.compile(r"^[a-z0-9][a-z0-9.\-]*#[A-Za-z0-9.\-]+$")
# Files in the corpus folder that are about the corpus, not part of it.
IGNORED_NAMES = frozenset({"README.md"})


def find_corpus_files(corpus_dir: Path) -> list[Path]:
    """Every Markdown source under `corpus_dir`, sorted so builds are deterministic."""
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist (pass --corpus DIR or set KB_CORPUS)"
        )
    files = sorted(
        p
        for p in corpus_dir.rglob("*.md")
        if p.is_file() and not (p.parent == corpus_dir and p.name in IGNORED_NAMES)
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    )
    if not files:
        raise CorpusError(f"corpus folder {corpus_dir} holds no .md files: add sources first")
    return files


def read_text(path: Path, shown: str) -> str:
    """The file as text with normalised newlines, or a CorpusError naming the problem."""
    data = path.read_bytes()
    if b"\x00" in data:
        raise CorpusError(f"{shown}: binary file (NUL byte found); corpus files must be Markdown text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{shown}: not UTF-8 text (bad byte at offset {exc.start}); re-save it as UTF-8"
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, shown: str) -> tuple[dict, str, int]:
    """(front matter, body, 1-based line where the body starts)."""
    import yaml  # only corpus reading needs it; keeps `kb --help` light

    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    tokens = MarkdownIt("zero").use(front_matter_plugin).parse(text)
    if not tokens or tokens[0].type != "front_matter" or tokens[0].map is None:
        raise CorpusError(
            f"{shown}: no YAML front matter (start the file with a '---' line, the fields, "
            "and a closing '---'; see corpus/README.md)"
        )
    token = tokens[0]
    try:
        meta = yaml.safe_load(token.content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{shown}: front matter is not valid YAML{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{shown}: front matter must be a mapping of fields (key: value)")
    end = token.map[1]  # 0-based, end-exclusive: the first line after the closing '---'
    lines = text.split("\n")
    return meta, "\n".join(lines[end:]), end + 1


def _field(meta: dict, name: str, shown: str, hint: str = "") -> str:
    value = meta.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CorpusError(f"{shown}: front matter lacks '{name}'{f' ({hint})' if hint else ''}")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if not isinstance(value, (str, int, float)):
        raise CorpusError(f"{shown}: front matter field '{name}' must be a single value")
    return str(value).strip()


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
        raise CorpusError(f"{rel}: id '{values['id']}' may use only a-z, 0-9, '.' and '-'")
    if values["authority"] not in AUTHORITIES:
        raise CorpusError(
            f"{rel}: authority '{values['authority']}' is not one of {', '.join(AUTHORITIES)}"
        )
    try:
        dt.date.fromisoformat(values["as_of"])
    except ValueError:
        raise CorpusError(f"{rel}: as_of '{values['as_of']}' is not a date (write YYYY-MM-DD)") from None
    # A secondary guide may have no known address; everything else must point at its text.
    url = "" if values["authority"] == "secondary" and not meta.get("url") else _field(
        meta, "url", rel, _HINTS["url"]
    )
    status = str(meta.get("status") or "in force").strip()
    if status not in STATUSES:
        raise CorpusError(f"{rel}: status '{status}' is not one of {', '.join(STATUSES)}")
    corrects = meta.get("corrects") or []
    if isinstance(corrects, str):
        corrects = [corrects]
    for target in corrects:
        if not isinstance(target, str) or not _CORRECTS.match(target):
            raise CorpusError(
                f"{rel}: corrects entry {target!r} must look like 'faq-dmv-ice#Q1' (document id#label)"
            )
    # California and federal law must be citable by `kb cite`; other states' files are
    # comparisons whose citations (session laws, bills) the parser need not know.
    history = meta.get("history") or []
    if isinstance(history, str):
        history = [history]
    if not all(isinstance(h, str) for h in history):
        raise CorpusError(f"{rel}: history must be a list of strings, one event each")
    cites = meta.get("cites") or []
    if isinstance(cites, str):
        cites = [cites]
    if not all(isinstance(c, str) for c in cites):
        raise CorpusError(f"{rel}: cites must be a list of citations, e.g. [\"Cal. Veh. Code § 1808.48\"]")
    label = meta.get("label") or ""
    if not isinstance(label, str) or len(label) > 120:
        raise CorpusError(f"{rel}: label must be one short line (at most 120 characters) saying what the source is")
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
    )


def _check_citation(citation: str, rel: str) -> None:
    from kb.citations import find_citations

    if not find_citations(citation):
        raise CorpusError(
            f"{rel}: citation '{citation}' is not in a form kb can parse "
            "(write the official form, e.g. 'Cal. Veh. Code § 12801.9' or '18 U.S.C. § 2721')"
        )


def read_corpus_file(path: Path, corpus_dir: Path) -> CorpusFile:
    rel = path.relative_to(corpus_dir).as_posix()
    text = read_text(path, rel)
    meta, body, body_line = split_front_matter(text, rel)
    source = validate_front_matter(meta, rel, sha256_text(text))
    return CorpusFile(source=source, body=body, body_line=body_line, abspath=path,
                      history_lines=_key_span(text, "history", body_line))


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
    """Every corpus file, validated as a whole: unique ids, corrections that point somewhere."""
    files = [read_corpus_file(p, corpus_dir) for p in find_corpus_files(corpus_dir)]
    seen: dict[str, str] = {}
    for f in files:
        other = seen.setdefault(f.source.id, f.source.path)
        if other != f.source.path:
            raise CorpusError(
                f"{f.source.path}: id '{f.source.id}' is already used by {other} (ids must be unique)"
            )
    for f in files:
        for target in f.source.corrects:
            if target.split("#", 1)[0] not in seen:
                raise CorpusError(
                    f"{f.source.path}: corrects '{target}', but no corpus file has id "
                    f"'{target.split('#', 1)[0]}'"
                )
    return files


def hash_corpus(corpus_dir: Path) -> dict[str, str]:
    """Path (relative) -> sha256 of the normalised text, without parsing: for staleness checks."""
    out = {}
    for path in find_corpus_files(corpus_dir):
        rel = path.relative_to(corpus_dir).as_posix()
        out[rel] = sha256_text(read_text(path, rel))
    return out
