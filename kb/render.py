"""Answers, passages and reports as text for people (80 columns) or JSON for programs."""

from __future__ import annotations

import json
import re
import textwrap
from typing import TYPE_CHECKING

from kb.citations import CitationRef
from kb.jurisdictions import is_home, state_name
from kb.models import Answer, CorpusStamp, Hit, Source, group_of
from kb.text import compiled_on_use

if TYPE_CHECKING:  # annotations only: `kb ask` renders an answer and imports nothing of the build
    from kb.indexing import BuildReport
    from kb.staleness import StaleReport

WIDTH = 80
HEIGHT = 40  # an answer without --full fits an 80 × 40 terminal: the law's sources come first
PASSAGE_CHARS = 700
NOTE_TITLE_CHARS = 60  # a correcting note named inline: enough words to recognise it  # human output shows this much of a passage; --json and `kb cite` show all


# --- JSON (the contract in README.md: keep it stable) --------------------------------------

def passage_json(hit: Hit) -> dict:
    c, s = hit.chunk, hit.source
    return {
        "id": c.id,
        "citation": c.citation,
        "title": s.title,
        "source": s.path,
        "url": s.url,
        "authority": s.authority,
        "jurisdiction": s.jurisdiction,
        "as_of": s.as_of,
        "status": s.status,
        "score": round(hit.score, 6),
        "text": c.text,
        "lines": [c.start_line, c.end_line],
        "group": group_of(s, c),
        # Our wording of the law, not its official text (quoted words are the law's own): `url`
        # has the official text.
        "digest": hit.is_digest,
        "corrections": [passage_json(n) for n in hit.corrections],
        # Issue 16: where `text` is in its file (characters, first and last + 1; a window's own
        # span), the file's sha256 (of its text with newlines normalised) and `verified:`.
        "chars": [c.char_start, c.char_end],
        "sha256": s.sha256,
        "verified": s.verified,
    }


def source_json(s: Source) -> dict:
    return {
        "id": s.id, "citation": s.citation, "title": s.title, "source": s.path, "url": s.url,
        "authority": s.authority, "jurisdiction": s.jurisdiction, "as_of": s.as_of, "status": s.status,
        "verified": s.verified or None, "partial": s.partial,
    }


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def answer_json(a: Answer) -> dict:
    out = {
        "question": a.question,
        "abstained": a.abstained,
        "answer": [
            {"text": s.text, "passages": list(s.chunk_ids), "secondary": s.secondary,
             "authority": s.authority}
            for s in a.sentences
        ],
        "passages": [passage_json(h) for h in a.hits],
    }
    if a.abstained or a.reason:
        out["reason"] = a.reason
    _add_locations(out, a)
    if a.closest:
        out["closest"] = True  # no passage decides the question: these are the nearest law
    return out


def _add_locations(out: dict, a: Answer) -> None:
    """Issue 16, added to answer_json: each sentence's file, lines, characters, file hash,
    citation with subdivision, as_of, verified and URL; the corpus hash and kb's version."""
    by_id = {h.chunk.id: h for h in a.hits}
    for item, s in zip(out["answer"], a.sentences):
        hit = by_id.get(s.chunk_ids[0]) if s.chunk_ids else None
        if hit is None:
            continue
        item.update({
            "citation": hit.chunk.citation, "source": hit.source.path,
            "lines": list(s.lines) if s.lines else None,
            "chars": [s.start, s.end] if s.start is not None else None,
            "sha256": hit.source.sha256, "as_of": hit.source.as_of, "verified": hit.source.verified,
            "url": hit.source.url,
        })
    if a.corpus is not None:
        out["kb_version"] = a.corpus.kb_version
        out["corpus"] = corpus_json(a.corpus)


def corpus_json(stamp: CorpusStamp) -> dict:
    return {"sha256": stamp.sha256, "files": stamp.files, "date": stamp.date}


def search_json(query: str, hits: list[Hit], stamp: CorpusStamp | None = None) -> dict:
    return _stamped({"query": query, "results": [passage_json(h) for h in hits]}, stamp)


def cite_json(query: str, ref: CitationRef, hits: list[Hit], stamp: CorpusStamp | None = None) -> dict:
    return _stamped({"query": query, "normalized": ref.format(), "matches": [passage_json(h) for h in hits]},
                    stamp)


def _stamped(out: dict, stamp: CorpusStamp | None) -> dict:
    if stamp is not None:
        out["kb_version"] = stamp.kb_version
        out["corpus"] = corpus_json(stamp)
    return out


def sources_json(sources: list[Source]) -> dict:
    return {"sources": [source_json(s) for s in sources]}


def build_json(r: BuildReport) -> dict:
    return {
        "index": str(r.path), "sources": r.sources, "chunks": r.chunks, "embedded": r.embedded,
        "reused": r.reused, "added": list(r.added), "changed": list(r.changed),
        "removed": list(r.removed), "encoder": r.encoder, "seconds": round(r.seconds, 3),
        "embed_seconds": round(r.embed_seconds, 3), "embedded_texts": r.embedded_texts,
        "unchanged": r.unchanged,
    }


def check_json(r: StaleReport) -> dict:
    return {
        "index": str(r.index_path), "stale": r.stale, "missing": r.missing, "added": list(r.added),
        "changed": list(r.changed), "removed": list(r.removed), "reasons": list(r.reasons),
    }


# --- text ------------------------------------------------------------------------------------

_ITEM = re.compile(r"\n(?=\s*(?:[-*+]|\d+\.)\s)")


_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


def _wrap(text: str, indent: str = "    ") -> str:
    """Fill paragraphs to the terminal width; list items start on their own line; Markdown
    bold markers are dropped (the terminal would show them as asterisks)."""
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    blocks = [b for p in text.split("\n\n") for b in _ITEM.split(p) if b.strip()]
    out = []
    for block in blocks:
        block = " ".join(block.split())
        marker = re.match(r"^(?:[-*+]|\d+\.)\s", block)
        hang = indent + " " * (len(marker.group(0)) if marker else 0)
        out.append(textwrap.fill(block, WIDTH, initial_indent=indent, subsequent_indent=hang))
    return "\n".join(out)


def _clip(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def _label(s: Source) -> str:
    parts = [s.authority]
    if s.status != "in force":
        parts.append(s.status.upper())
    parts.append(f"as of {s.as_of}")
    return ", ".join(parts)


def passage_text(n: int, hit: Hit, limit: int | None = PASSAGE_CHARS) -> str:
    c, s = hit.chunk, hit.source
    part = f" (part {c.part + 1} of {c.parts})" if c.parts > 1 else ""
    digest = f", {DIGEST_MARK}" if hit.is_digest else ""
    lines = [f"[{n}] {c.citation}{part}", _wrap(f"{s.title} — {_label(s)}{digest}")]
    if s.url:
        lines.append(f"    {s.url}")
    lines.append(f"    {s.path}:{c.start_line}-{c.end_line}")
    lines.append(_wrap(_clip(c.text, limit)))
    for note in hit.corrections:
        lines.append(_wrap(f"! Corrected by {note.chunk.citation} ({note.source.path}):"))
        lines.append(_wrap(_clip(note.chunk.text, limit), indent="      "))
    return "\n".join(lines)


# A passage of law is our digest of it, not its official text: the citation line says so, and
# one footer line (within 80 columns) says what that means and where the text is.
DIGEST_MARK = "our digest"
DIGEST_FOOTER = "Our digest: the law in our words; quoted words are its own. Official text: URL."
SECONDARY_COPY = " (unofficial copy)"  # a file with `verified: secondary`


# How each group of sources is introduced under an answer: what it is, in plain words.
GROUP_HEADINGS = {
    "law": "The law:",
    "note": "Our notes (kb's own commentary, not law; each cites the law it relies on):",
    "agency": "Agency material (the agency's statements, not law):",
    "secondary": "Secondary sources (not law):",
}


def _source_line(n: int, hit: Hit, number: dict[str, int]) -> str:
    """One to three lines for a source: citation, authority and as-of date, then its URL."""
    c, s = hit.chunk, hit.source
    group = group_of(s, c)
    status = f", {s.status.upper()}" if s.status != "in force" else ""
    if group == "note" and s.is_primary:  # our Notes or History on a section: ours, not its text
        lines = [f"[{n}] {c.citation}", f"    {s.path} · our note on the {s.authority}, as of {s.as_of}"]
    elif group == "note":
        lines = [f"[{n}] {_clip(s.title, WIDTH - 8)}", f"    {s.path} · note, as of {s.as_of}"]
    elif group == "secondary":
        # A note not listed above is named by its title: its id is for programs (`kb cite` opens it).
        fixes = ", ".join(f"[{number[x.chunk.id]}]" if x.chunk.id in number
                          else f"our note “{_clip(x.source.title, NOTE_TITLE_CHARS)}”"
                          for x in hit.corrections)
        fix = f" · corrected by {fixes}" if fixes else ""
        lines = [f"[{n}] {c.citation} · {s.label or s.authority}{status}{fix}"]
    else:
        # Read only in an unofficial copy (`verified: secondary`): staff should know before citing.
        copy = SECONDARY_COPY if s.verified == "secondary" else ""
        digest = f" · {DIGEST_MARK}{copy}" if hit.is_digest else ""
        state = "" if is_home(s.jurisdiction) else f" · {state_name(s.jurisdiction)} law, not California's"
        lines = [f"[{n}] {c.citation} · {s.authority}{status}{state}, as of {s.as_of}{digest}"]
        if s.url:
            lines.append(f"    {s.url}")  # never broken: it must stay copyable
    first = textwrap.fill(lines[0], WIDTH, subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join([first, *lines[1:]])


def terminal_rows(text: str, width: int = WIDTH) -> int:
    """Rows `text` takes on a terminal `width` columns wide (a long URL wraps)."""
    return sum(max(1, -(-len(line) // width)) for line in text.splitlines())


# How an answer sentence that is not primary law is marked.
SENTENCE_TAGS = {"note": "our note", "agency": "the agency's statement, not law", "secondary": "reported, not law"}


def _closest_line(a: Answer, why: str) -> str:
    """The line above an answer no passage decides: what follows is the closest law, or, when
    a report leads (a question about a reported event), what reports say."""
    if a.sentences and a.sentences[0].authority == "secondary":
        return f"No passage of law decides this{why}; what reports say:"
    return f"No passage decides this exactly{why}; the closest the law comes:"


def answer_text(a: Answer, full: bool = False) -> str:
    """The answer, then its sources by group (law, notes, agency, secondary), one to three
    lines each, in at most HEIGHT rows: sources no answer sentence quotes are dropped from the
    end (secondary first, the law last) when there is no room, and the last line says how many.
    `full` shows every source with its whole passage instead."""
    if a.abstained:
        out = [_wrap(f"No answer: {a.reason}. The corpus may not cover this question.", "")]
        if a.hits:
            out.append("\nNearest passages (not an answer):")
            out.extend(_wrap(f"{h.chunk.citation} — {h.source.title}", "  ") for h in a.hits[:3])
        return "\n".join(out)
    hits = list(a.hits)
    text = _answer_with(a, hits, full)
    quoted = {c for s in a.sentences for c in s.chunk_ids}
    order = {"secondary": 0, "agency": 1, "note": 2, "law": 3}
    droppable = sorted((h for h in hits if h.chunk.id not in quoted),
                       key=lambda h: (order[group_of(h.source, h.chunk)], -hits.index(h)))
    while not full and terminal_rows(text) > HEIGHT and droppable:
        hits.remove(droppable.pop(0))
        text = _answer_with(a, hits, full, dropped=len(a.hits) - len(hits))
    return text


def _passage_numbers(hits: list[Hit]) -> dict[str, int]:
    """Each hit's number, by passage: the windows of one long passage (same citation and
    heading) share one number, so an answer quoting two of them cites the passage once."""
    first: dict[tuple, int] = {}
    return {h.chunk.id: first.setdefault((h.chunk.citation, h.chunk.heading_trail), len(first) + 1)
            for h in hits}


def _marks(chunk_ids, number: dict[str, int], form: str = "[{}]") -> str:
    return "".join(form.format(n) for n in dict.fromkeys(number[c] for c in chunk_ids if c in number))


def _answer_with(a: Answer, hits: list[Hit], full: bool, dropped: int = 0) -> str:
    number = _passage_numbers(hits)
    out = []
    if a.sentences:
        if a.closest:
            why = f" ({a.reason})" if a.reason else ""
            out.append(_wrap(_closest_line(a, why), ""))
        else:
            out.append("Answer:")
        for s in a.sentences:
            marks = _marks(s.chunk_ids, number)
            tag = f" ({SENTENCE_TAGS[s.authority]})" if s.authority in SENTENCE_TAGS else ""
            out.append(_wrap(f"{s.text} {marks}{tag}", "  "))
    else:
        out.append("No single sentence answers this; the passages below are the closest.")
    group, listed = None, set()
    for h in hits:
        if not full and number[h.chunk.id] in listed:  # another window of a passage listed
            continue
        listed.add(number[h.chunk.id])
        if group_of(h.source, h.chunk) != group:
            group = group_of(h.source, h.chunk)
            out.append("\n" + GROUP_HEADINGS[group])
        if full:  # every window's text, each marked "part i of n"
            out.append(passage_text(number[h.chunk.id], h, limit=None))
            out.append("")
        else:
            out.append(_source_line(number[h.chunk.id], h, number))
    footer = [DIGEST_FOOTER] if any(h.is_digest for h in hits) else []
    if not full:
        more = f" and {dropped} more source{'s' if dropped != 1 else ''}" if dropped else ""
        footer.append(f"Whole passages{more}: kb ask --full, or kb cite CITATION.")
    if footer:
        out.append("\n" + "\n".join(footer))
    return "\n".join(out).rstrip()


def hits_text(hits: list[Hit], limit: int | None = PASSAGE_CHARS) -> str:
    if not hits:
        return "No passages found."
    return "\n\n".join(passage_text(i + 1, h, limit) for i, h in enumerate(hits))


def cite_text(ref: CitationRef, hits: list[Hit]) -> str:
    head = textwrap.fill(f"{ref.format()}: {len(hits)} passage{'s' if len(hits) != 1 else ''}", WIDTH,
                         break_on_hyphens=False)  # a bill's or a list's name can be long
    return head + "\n\n" + hits_text(hits, limit=None)


def sources_text(sources: list[Source]) -> str:
    rows = []
    for s in sources:
        status = "" if s.status == "in force" else f" [{s.status}]"
        verified = f", verified: {s.verified}" if s.verified else ""
        verified += ", some subdivisions only" if s.partial else ""
        rows.append(f"{s.citation}{status}\n"
                    + _wrap(f"{s.title} — {s.authority}, as of {s.as_of}{verified} ({s.path})"))
    return "\n".join(rows) + f"\n\n{len(sources)} sources"


def build_text(r: BuildReport) -> str:
    if r.unchanged:
        return (f"Index {r.path} is up to date ({r.sources} sources, {r.chunks} chunks): "
                "nothing changed, nothing written.")
    changes = ", ".join(
        f"{len(items)} {label}" for label, items in
        (("added", r.added), ("changed", r.changed), ("removed", r.removed)) if items
    ) or "no source changes"
    return (
        f"Index {r.path}: {r.sources} sources, {r.chunks} chunks ({changes}).\n"
        f"Embedded {r.embedded} chunks, reused {r.reused}; embedded {r.embedded_texts - r.embedded} "
        f"answer sentences and questions new since the last build; with {r.encoder} in {r.seconds:.1f} s."
    )


def check_text(r: StaleReport) -> str:
    if r.missing:  # reasons: what killed first builds left (kb/leftovers.py)
        return "\n".join([f"No index at {r.index_path}: run `kb build`.", *(f"  {x}" for x in r.reasons)])
    if not r.stale:
        return f"Index {r.index_path} is up to date."
    lines = [f"Index {r.index_path} is stale:"]
    for label, items in (("added", r.added), ("changed", r.changed), ("removed", r.removed)):
        lines.extend(f"  {label}: {p}" for p in items)
    lines.extend(f"  {reason}" for reason in r.reasons)
    lines.append("Run `kb build` to update it.")
    return "\n".join(lines)


# --- Markdown: an answer to paste into a memo (issue 16) -------------------------------------

DISCLAIMER = (
    "The passages are kb's digests of the law, written in our own words (a few quoted phrases "
    "aside), not its official text: read the official text at each footnote's address before "
    "relying on one. Nothing here is legal advice."
)
# A line starting with one of these opens a block ("1. ", "- ", "# ", "> ", "| "): an answer
# sentence starting so is escaped, so that it stays one paragraph.
_BLOCK_MARK = compiled_on_use(r"^([-+*#>|=~`]|\d{1,9}[.)])(?=\s|$)")
# Characters that make inline Markdown (emphasis, code, links, HTML, entities, tables).
_MD_INLINE = compiled_on_use(r"([\\`*_\[\]<>~|&])")


def _md_plain(text: str) -> str:
    """`text` (a user's question) as literal Markdown: whatever it holds reads as typed."""
    return _unblock(_MD_INLINE().sub(r"\\\1", " ".join(text.split())))


def _unblock(text: str) -> str:
    """A line that would open a block ("1. ", "- ", "# ", "> ") escaped to stay a paragraph."""
    m = _BLOCK_MARK().match(text)
    if m:
        mark = m.group(1)
        text = (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark) + text[m.end():]
    return text


def _md_inline(text: str) -> str:
    """The corpus's own Markdown (bold, lists, tables stay), unable to open an HTML tag or a
    footnote reference of its own."""
    return text.replace("<", "&lt;").replace("[^", "[\\^")


def _md_line(text: str) -> str:
    """A one-line text of the corpus (a sentence, a citation) as one paragraph of Markdown."""
    return _unblock(_md_inline(" ".join(text.split())))


def _md_url(url: str) -> str:
    """An autolink: the whole URL, trailing "." of leginfo addresses included, stays the link."""
    return f"<{url}>" if url and not re.search(r"[\s<>]", url) else _md_plain(url)


def _footnote(hit: Hit) -> str:
    """Official citation with subdivision, authority, as-of date and URL; for our notes, the
    note and the law it cites; for secondary sources, what they are."""
    c, s = hit.chunk, hit.source
    status = f", {s.status}" if s.status != "in force" else ""
    group = group_of(s)
    if group == "note":
        cites = "; ".join(s.cites)
        relies = f" It relies on {_md_line(cites)}." if cites else ""
        return (f"Our note (kb's commentary, not law): “{_md_line(s.title)}”, `{s.path}`, as of {s.as_of}."
                f"{relies}")
    if group == "secondary":
        return f"{_md_line(c.citation)} · {_md_line(s.label or s.authority)}{status}, as of {s.as_of}."
    url = f" {_md_url(s.url)}" if s.url else ""
    verified = {"official": ", digested from the official text",
                "secondary": ", digested from a secondary copy"}.get(s.verified, "")
    return f"{_md_line(c.citation)} ({s.authority}{status}, as of {s.as_of}{verified}).{url}"


def _md_lines(a: int, b: int) -> str:
    return f"line {a}" if a == b else f"lines {a}–{b}"


def _md_quote(text: str) -> list[str]:
    return [f"> {_md_inline(line)}".rstrip() if line.strip() else ">" for line in text.split("\n")]


def _md_corpus_line(stamp: CorpusStamp | None, answer: bool = True) -> str:
    if stamp is None:
        return "*Corpus version not recorded.*"
    again = " `kb verify` re-checks this answer's JSON against a later corpus." if answer else ""
    return (f"*From kb {stamp.kb_version}'s corpus sha256 `{stamp.sha256[:16]}` ({stamp.files} files), "
            f"{stamp.date}; each footnote gives the date its source is stated as of.{again}*")


def answer_markdown(a: Answer) -> str:
    """The question, the answer sentences with footnotes (citation, as-of date, URL), the
    passages they quote, the disclaimer and the corpus line: Markdown to paste into a memo
    (CommonMark with footnotes, as markdown-it-py and most editors read it)."""
    out = ["## Question", "", f"> {_md_plain(a.question)}", "", "## Answer", ""]
    if a.abstained:
        out += [f"No answer: {_md_line(a.reason)}. The corpus may not cover this question.", ""]
        out += ["---", "", f"*{DISCLAIMER}*", "", _md_corpus_line(a.corpus)]
        return "\n".join(out) + "\n"
    by_id = {h.chunk.id: h for h in a.hits}
    quoted_hits: list[Hit] = []
    for s in a.sentences:
        for cid in s.chunk_ids:
            if cid in by_id and by_id[cid] not in quoted_hits:
                quoted_hits.append(by_id[cid])
    number = _passage_numbers(quoted_hits)
    if not a.sentences:
        out += ["No single sentence answers this; the passages below are the closest.", ""]
    elif a.closest:
        why = f" ({_md_line(a.reason)})" if a.reason else ""
        out += [_closest_line(a, why), ""]
    for s in a.sentences:
        marks = _marks(s.chunk_ids, number, "[^{}]")
        tag = f" *({SENTENCE_TAGS[s.authority]})*" if s.authority in SENTENCE_TAGS else ""
        out += [f"{_md_line(' '.join(s.text.split()))}{marks}{tag}", ""]
    if quoted_hits:
        out += ["## Passages quoted", ""]
        for h in quoted_hits:
            where = f"`{h.source.path}`, {_md_lines(h.chunk.start_line, h.chunk.end_line)}"
            part = f" (part {h.chunk.part + 1} of {h.chunk.parts})" if h.chunk.parts > 1 else ""
            out += [f"**{_md_line(h.chunk.citation)}**{part}[^{number[h.chunk.id]}] · {where}", ""]
            out += _md_quote(h.chunk.text) + [""]
    out += ["---", "", f"*{DISCLAIMER}*", "", _md_corpus_line(a.corpus), ""]
    # One footnote a passage, however many of its windows are quoted.
    firsts = {number[h.chunk.id]: h for h in reversed(quoted_hits)}
    out += [f"[^{n}]: {_footnote(firsts[n])}" for n in sorted(firsts)]
    return "\n".join(out).rstrip() + "\n"


def cite_markdown(ref: CitationRef, hits: list[Hit], stamp: CorpusStamp | None = None) -> str:
    """`kb cite --format markdown`: each passage of the citation quoted, with a footnote."""
    out = [f"## {_md_line(ref.format())}", ""]
    for i, h in enumerate(hits, start=1):
        where = f"`{h.source.path}`, {_md_lines(h.chunk.start_line, h.chunk.end_line)}"
        out += [f"**{_md_line(h.chunk.citation)}**[^{i}] · {where}", ""]
        out += _md_quote(h.chunk.text) + [""]
    out += ["---", "", f"*{DISCLAIMER}*", "", _md_corpus_line(stamp, answer=False), ""]
    out += [f"[^{i}]: {_footnote(h)}" for i, h in enumerate(hits, start=1)]
    return "\n".join(out).rstrip() + "\n"


# --- kb verify (issue 16) ---------------------------------------------------------------------

def _place_json(place) -> dict | None:
    if place is None:
        return None
    return {"citation": place.citation, "source": place.source,
            "lines": list(place.lines) if place.lines else None,
            "chars": list(place.chars) if place.chars else None, "as_of": place.as_of or None}


def verify_json(run) -> dict:
    """`kb verify --json`: every saved sentence's outcome, and where it is now."""
    answers = []
    for r in run.reports:
        sentences = []
        for c in r.checks:
            item = {"number": c.sentence.number, "status": c.status, "text": c.sentence.text,
                    "saved": _place_json(c.sentence.place), "now": _place_json(c.now)}
            if c.status == "changed":
                item["now_text"] = c.now_text
            if c.reason:
                item["reason"] = c.reason
            sentences.append(item)
        answers.append({"file": r.path, "question": r.question, "stands": r.stands,
                        "abstained": r.abstained, "saved_corpus": r.saved_corpus or None,
                        "corpus_changed": bool(r.saved_corpus) and r.saved_corpus != run.corpus_sha256,
                        "sentences": sentences})
    return {"stands": run.stands, "counts": run.counts(),
            "corpus": {"sha256": run.corpus_sha256, "files": run.files}, "answers": answers}


def _where(place) -> str:
    lines = ""
    if place.lines:
        a, b = place.lines
        lines = f", line {a}" if a == b else f", lines {a}–{b}"
    return f"{place.citation} ({place.source}{lines})"


def verify_text(run) -> str:
    """One block per saved answer: each sentence's outcome, then a summary line."""
    out = []
    for r in run.reports:
        out.append(_wrap(f"{r.path}: {r.question}", ""))
        if not r.checks:
            out.append("  no answer sentences to check" + (" (the answer abstained)" if r.abstained else ""))
        for c in r.checks:
            head = f"  {c.sentence.number}. {c.status:<9} "
            if c.status == "unchanged":
                body = _where(c.now)
                was, now = c.sentence.place.as_of, c.now.as_of
                if was and now and was != now:  # same words; the footnote's date needs updating
                    body += f"; its file is now as of {now} (was {was})"
            elif c.status == "moved":
                body = f"{c.sentence.place.citation} → now {_where(c.now)}"
            elif c.status == "changed":
                body = f"{_where(c.now)}: the sentence is no longer in it"
            else:
                body = f"{c.sentence.place.citation}: {c.reason}"
            out.append(textwrap.fill(head + body, WIDTH, subsequent_indent=" " * 15, break_on_hyphens=False))
            if c.status != "unchanged":  # moved: the same words, shown to find them in the memo
                label = "sentence" if c.status == "moved" else "was"
                out.append(_wrap(f"{label}: {c.sentence.text}", " " * 15))
            if c.status == "changed":
                out.append(_wrap(f"now: {' '.join(c.now_text.split())}", " " * 15))
        if r.saved_corpus and r.saved_corpus != run.corpus_sha256:
            out.append(f"  corpus changed since it was saved (sha256 {r.saved_corpus[:12]} then, "
                       f"{run.corpus_sha256[:12]} now)")
        out.append("")
    counts = run.counts()
    total = sum(counts.values())
    failing = total - counts["unchanged"]
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "no sentences"
    n_answers = len(run.reports)
    verdict = ("every sentence still stands" if not failing else
               f"{failing} sentence{'s' if failing != 1 else ''} no longer stand{'s' if failing == 1 else ''} as saved")
    out.append(_wrap(f"{n_answers} answer{'s' if n_answers != 1 else ''}, {total} sentence"
                     f"{'s' if total != 1 else ''}: {summary}; {verdict}.", ""))
    return "\n".join(out)
