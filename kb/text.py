"""Plain-text helpers shared by chunking and answering: sentence splitting."""

from __future__ import annotations

import re

# Abbreviations that end in a period without ending a sentence, common in legal writing.
_ABBREVIATIONS = frozenset(
    """
    cal veh gov civ code regs tit subd subds para paras sec secs stats stat ch chs no nos
    art div pt pts pub l u.s u.s.c c.f.r cir app supp cf e.g i.e etc v vs inc corp co dept
    jan feb mar apr jun jul aug sep sept oct nov dec st mr ms dr rev ann f.3d f.2d f.4th
    n.y traf wash or colo ill ilcs approx al p.a
    """.split()
)
_BOUNDARY = re.compile(r"(?<=[.?!])[\"”’)]*\s+(?=[\"“(\[]?[A-Z0-9§])")
_MARKER = re.compile(r"^(?:[-*+]|\d+\.|#+)\s+")
_LIST_ITEM = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)")


def require_text(text: str, what: str = "question") -> str:
    """`text` stripped, or InputError when nothing is left to search for."""
    if not text.strip():
        from kb.errors import InputError

        raise InputError(f"the {what} is empty: ask something, e.g. kb ask \"how do I opt out?\"")
    return text.strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; blank lines and list items always end a sentence."""
    out: list[str] = []
    for block in _LIST_ITEM.split(text):
        block = _MARKER.sub("", " ".join(block.split()))
        if not block:
            continue
        start = 0
        for m in _BOUNDARY.finditer(block):
            before = block[start : m.start()].rstrip("\"”’)")
            word = before.rsplit(" ", 1)[-1].rstrip(".?!").lower().lstrip("(")
            if word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", word):
                continue
            out.append(block[start : m.start()].strip())
            start = m.end()
        tail = block[start:].strip()
        if tail:
            out.append(tail)
    return [s for s in out if s]
