"""A question, parsed once: its text for each search, the citations and bills it names.

Every later step (lexical search, dense search, citation lookup, abstention, answer sentences)
reads this record instead of re-deriving its part of the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.citations import CitationRef, find_citations
from kb.glossary import expand_query, plain_terms, reads_as_spanish, translate_query
from kb.text import compiled_on_use, require_text

_BILL = re.compile(r"\b(AB|SB)\s?-?(\d{1,4})\b", re.IGNORECASE)
# "my AB 60 license", "AB 60 applicants", "my AB 60 photo", "licencia AB60": the bill's number used
# as the name of a license, of the people who hold one or of what the DMV keeps on them, not a
# question about the bill itself.
_NAMED = r"(?:licen[cs]es?|licencias?|lisences?|cards?|ids?|holders?|applicants?|drivers?|" \
         r"documents?|papers?|program|dl|photos?|pictures?|records?|info\w*|data|files?|applications?|apps?)"
_AS_NAME_AFTER = re.compile(rf"\s*{_NAMED}\b", re.IGNORECASE)
_AS_NAME_BEFORE = compiled_on_use(rf"\b{_NAMED}\s*(?:de\s+|del\s+)?$", re.IGNORECASE)


# A bare section number, as staff type it: "1798.24(o)", "12801.9", "7284.6(a)(1)(D)", "1798.90.55(b)", a
# whole-number section with a subdivision ("2724(b)"), or one of three to five digits ("15160")
# that is not a year (1900-2099). No code is named: the corpus resolves it (lookup.py), and a
# number it does not hold ("0.615", "500") is ignored there. Not after "$", a word character or
# a dot, nor before a unit, so amounts and versions are not read as sections.
_BARE = re.compile(
    r"(?<![\w$.§])(?P<sec>\d{1,5}(?:\.\d{1,3}){1,2}[a-z]?(?![\w.])|\d{3,5}(?=\([A-Za-z0-9])"
    r"|(?<![ABSabs][Bb] )(?<![ABSabs][Bb]-)(?!(?:19|20)\d\d\b)\d{3,5}(?![\w.(-]))"
    r"(?P<subs>(?:\([A-Za-z0-9]{1,5}\)){0,8})(?!\s*(?:%|percent|dollars|miles|mph))"
)


def bare_sections(text: str, taken: tuple[tuple[int, int], ...] = ()) -> list[CitationRef]:
    """Section numbers typed without a code or section sign, outside the spans in `taken`."""
    out = []
    for m in _BARE.finditer(text):
        if any(start < m.end() and m.start() < end for start, end in taken):
            continue
        out.append(CitationRef("", m.group("sec"), tuple(re.findall(r"\(([A-Za-z0-9]{1,5})\)", m.group("subs")))))
    return out


def bills_in(text: str) -> frozenset[str]:
    """Bills named in `text`, normalised: "ab60", "AB-60" and "AB 60" are all "AB 60"."""
    return frozenset(f"{house.upper()} {int(number)}" for house, number in _BILL.findall(text))


@dataclass(frozen=True)
class Query:
    text: str  # as asked, stripped
    lexical: str  # for BM25: the text with the corpus's terms for glossary words appended
    dense: str  # for the embedding: glossary words replaced by the corpus's (English) terms
    citations: tuple[CitationRef, ...]  # in the order they appear
    bills: frozenset[str]  # "AB 60", "SB 54"
    bills_asked: frozenset[str] = frozenset()  # those asked about, not used to name a license


def parse_query(text: str, what: str = "question") -> Query:
    """The record every retrieval step reads; InputError when `text` is empty."""
    text = require_text(text, what)
    found = find_citations(text)
    english = translate_query(text)
    lexical = expand_query(text)
    if english != text and reads_as_spanish(text):
        lexical = f"{lexical} {english}"
    return Query(
        text=text,
        lexical=lexical,
        dense=plain_terms(english),
        citations=tuple(ref for ref, _span in found) + tuple(bare_sections(text, tuple(span for _r, span in found))),
        bills=bills_in(text),
        bills_asked=frozenset(
            f"{m.group(1).upper()} {int(m.group(2))}" for m in _BILL.finditer(text)
            if not _AS_NAME_AFTER.match(text, m.end()) and not _AS_NAME_BEFORE().search(text[: m.start()])
        ),
    )
