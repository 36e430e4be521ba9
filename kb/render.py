"""Answers, passages and reports as text for people (80 columns) or JSON for programs."""

from __future__ import annotations

import json
import re
import textwrap

from kb.citations import CitationRef
from kb.indexing import BuildReport, StaleReport
from kb.jurisdictions import is_home, state_name
from kb.models import Answer, Hit, Source, group_of

WIDTH = 80
HEIGHT = 40  # an answer without --full fits an 80 × 40 terminal: the law's sources come first
PASSAGE_CHARS = 700  # human output shows this much of a passage; --json and `kb cite` show all


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
        "corrections": [passage_json(n) for n in hit.corrections],
    }


def source_json(s: Source) -> dict:
    return {
        "id": s.id, "citation": s.citation, "title": s.title, "source": s.path, "url": s.url,
        "authority": s.authority, "jurisdiction": s.jurisdiction, "as_of": s.as_of, "status": s.status,
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
    if a.abstained:
        out["reason"] = a.reason
    if a.closest:
        out["closest"] = True  # no passage decides the question: these are the nearest law
    return out


def search_json(query: str, hits: list[Hit]) -> dict:
    return {"query": query, "results": [passage_json(h) for h in hits]}


def cite_json(query: str, ref: CitationRef, hits: list[Hit]) -> dict:
    return {"query": query, "normalized": ref.format(), "matches": [passage_json(h) for h in hits]}


def sources_json(sources: list[Source]) -> dict:
    return {"sources": [source_json(s) for s in sources]}


def build_json(r: BuildReport) -> dict:
    return {
        "index": str(r.path), "sources": r.sources, "chunks": r.chunks, "embedded": r.embedded,
        "reused": r.reused, "added": list(r.added), "changed": list(r.changed),
        "removed": list(r.removed), "encoder": r.encoder, "seconds": round(r.seconds, 3),
        "embed_seconds": round(r.embed_seconds, 3), "embedded_texts": r.embedded_texts,
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
    lines = [f"[{n}] {c.citation}{part}", _wrap(f"{s.title} — {_label(s)}")]
    if s.url:
        lines.append(f"    {s.url}")
    lines.append(f"    {s.path}:{c.start_line}-{c.end_line}")
    lines.append(_wrap(_clip(c.text, limit)))
    for note in hit.corrections:
        lines.append(_wrap(f"! Corrected by {note.chunk.citation} ({note.source.path}):"))
        lines.append(_wrap(_clip(note.chunk.text, limit), indent="      "))
    return "\n".join(lines)


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
        fixes = ", ".join(f"[{number[x.chunk.id]}]" if x.chunk.id in number else x.source.id
                          for x in hit.corrections)
        fix = f" · corrected by {fixes}" if fixes else ""
        lines = [f"[{n}] {c.citation} · {s.label or s.authority}{status}{fix}"]
    else:
        state = "" if is_home(s.jurisdiction) else f" · {state_name(s.jurisdiction)} law, not California's"
        lines = [f"[{n}] {c.citation} · {s.authority}{status}{state}, as of {s.as_of}"]
        if s.url:
            lines.append(f"    {s.url}")  # never broken: it must stay copyable
    first = textwrap.fill(lines[0], WIDTH, subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join([first, *lines[1:]])


def terminal_rows(text: str, width: int = WIDTH) -> int:
    """Rows `text` takes on a terminal `width` columns wide (a long URL wraps)."""
    return sum(max(1, -(-len(line) // width)) for line in text.splitlines())


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


def _answer_with(a: Answer, hits: list[Hit], full: bool, dropped: int = 0) -> str:
    number = {h.chunk.id: i + 1 for i, h in enumerate(hits)}
    out = []
    if a.sentences:
        out.append("No passage decides this exactly; the closest the law comes:" if a.closest else "Answer:")
        for s in a.sentences:
            marks = "".join(f"[{number[c]}]" for c in s.chunk_ids if c in number)
            tag = {"note": " (our note)", "agency": " (the agency's statement, not law)"}.get(s.authority, "")
            out.append(_wrap(f"{s.text} {marks}{tag}", "  "))
    else:
        out.append("No single sentence answers this; the passages below are the closest.")
    group = None
    for h in hits:
        if group_of(h.source, h.chunk) != group:
            group = group_of(h.source, h.chunk)
            out.append("\n" + GROUP_HEADINGS[group])
        if full:
            out.append(passage_text(number[h.chunk.id], h, limit=None))
            out.append("")
        else:
            out.append(_source_line(number[h.chunk.id], h, number))
    if not full:
        more = f" and {dropped} more source{'s' if dropped != 1 else ''}" if dropped else ""
        out.append(f"\nWhole passages{more}: kb ask --full, or kb cite CITATION.")
    return "\n".join(out).rstrip()


def hits_text(hits: list[Hit], limit: int | None = PASSAGE_CHARS) -> str:
    if not hits:
        return "No passages found."
    return "\n\n".join(passage_text(i + 1, h, limit) for i, h in enumerate(hits))


def cite_text(ref: CitationRef, hits: list[Hit]) -> str:
    head = f"{ref.format()}: {len(hits)} passage{'s' if len(hits) != 1 else ''}"
    return head + "\n\n" + hits_text(hits, limit=None)


def sources_text(sources: list[Source]) -> str:
    rows = []
    for s in sources:
        status = "" if s.status == "in force" else f" [{s.status}]"
        rows.append(f"{s.citation}{status}\n" + _wrap(f"{s.title} — {s.authority}, as of {s.as_of} ({s.path})"))
    return "\n".join(rows) + f"\n\n{len(sources)} sources"


def build_text(r: BuildReport) -> str:
    changes = ", ".join(
        f"{len(items)} {label}" for label, items in
        (("added", r.added), ("changed", r.changed), ("removed", r.removed)) if items
    ) or "no source changes"
    return (
        f"Index {r.path}: {r.sources} sources, {r.chunks} chunks ({changes}).\n"
        f"Embedded {r.embedded} chunks, reused {r.reused}, with {r.encoder} in {r.seconds:.1f} s."
    )


def check_text(r: StaleReport) -> str:
    if r.missing:
        return f"No index at {r.index_path}: run `kb build`."
    if not r.stale:
        return f"Index {r.index_path} is up to date."
    lines = [f"Index {r.index_path} is stale:"]
    for label, items in (("added", r.added), ("changed", r.changed), ("removed", r.removed)):
        lines.extend(f"  {label}: {p}" for p in items)
    lines.extend(f"  {reason}" for reason in r.reasons)
    lines.append("Run `kb build` to update it.")
    return "\n".join(lines)
