"""Plain-text helpers shared by chunking and answering: sentence splitting, and regular
expressions compiled when first used."""

from __future__ import annotations

import functools
import re
from typing import Callable

# Abbreviations that end in a period without ending a sentence, common in legal writing: among
# them the California codes' ("Health & Saf. Code", "Welf. & Inst. Code", "Pub. Util. Code").
_ABBREVIATIONS = frozenset(
    """
    cal veh gov civ code regs tit subd subds para paras sec secs stats stat ch chs no nos
    art div pt pts pub l u.s u.s.c c.f.r cir app supp cf e.g i.e etc v vs inc corp co dept
    jan feb mar apr jun jul aug sep sept oct nov dec st mr ms dr rev ann f.3d f.2d f.4th
    n.y traf wash or colo ill ilcs approx al p.a sen rep hon asm assy
    saf welf inst util educ bus prof pen evid fam lab ins elec fin harb nav ex sess
    """.split()
)
# The version of split_sentences' rules, stored with the chunker settings in an index's manifest
# (kb.config.ChunkerSettings): an index split by older rules is stale and is rebuilt.
# 2: the codes' abbreviations above ("Health & Saf.") and initials ("N.D. Cal.") end no sentence.
SENTENCE_RULES = 2


def compiled_on_use(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning `pattern` compiled, compiled on its first call only: for patterns
    that only builds, or only some questions, need. Python's `re` compiles at ~0.1-1 ms a
    pattern, and compiling all ~80 of kb's on import was ~20 ms of a cold `kb ask` (issue 15)."""
    return functools.cache(lambda: re.compile(pattern, flags))


# Sentence splitting (builds; a question splits none).
_BOUNDARY = compiled_on_use(r"(?<=[.?!])[\"”’)]*\s+(?=[\"“(\[]?[A-Z0-9§])")
_MARKER = compiled_on_use(r"^(?:[-*+]|\d+\.|#+)\s+")
_LIST_ITEM = compiled_on_use(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.)\s)")


def clean_input(text: str) -> str:
    """The user's text as kb may echo and embed it: bytes that were not UTF-8 (kept by Python as
    surrogates) become U+FFFD, and control characters are dropped (tabs and newlines become
    spaces), so an escape sequence typed or pasted into a question never reaches the terminal."""
    import unicodedata

    if _has_surrogate(text):
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate that did not come from a byte
            raw = text.encode("utf-8", "surrogatepass")
        text = raw.decode("utf-8", "replace")
    return "".join(
        " " if ch in "\t\n\r" else ch
        for ch in text if ch in "\t\n\r" or unicodedata.category(ch) != "Cc"
    )


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def require_text(text: str, what: str = "question") -> str:
    """`text` stripped, or InputError when nothing is left to search for."""
    if not text.strip():
        from kb.errors import InputError

        raise InputError(f"the {what} is empty: ask something, e.g. kb ask \"how do I opt out?\"")
    return text.strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; blank lines and list items always end a sentence."""
    out: list[str] = []
    for block in _LIST_ITEM().split(text):
        block = _MARKER().sub("", " ".join(block.split()))
        if not block:
            continue
        start = 0
        for m in _BOUNDARY().finditer(block):
            before = block[start : m.start()].rstrip("\"”’)")
            word = before.rsplit(" ", 1)[-1].rstrip(".?!").lower().lstrip("(")
            if word in _ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", word):  # "a", "N.D"
                continue
            out.append(block[start : m.start()].strip())
            start = m.end()
        tail = block[start:].strip()
        if tail:
            out.append(tail)
    return [s for s in out if s]


def normalize_space(text: str) -> str:
    """`text` with every run of whitespace (line breaks included) made one space, stripped:
    how a sentence reads once split, and how `kb verify` compares a saved one with the file."""
    return " ".join(text.split())


_WORD = compiled_on_use(r"\S+")


class _Words:
    """The words of text[start:end] joined by single spaces, with where each word is in the
    text: a sentence (whitespace normalised) is found with one str.find, and mapped back."""

    def __init__(self, text: str, start: int, end: int):
        from itertools import accumulate

        found = list(_WORD().finditer(text, start, end))
        words = [m.group() for m in found]
        self.at = [m.start() for m in found]  # where each word starts in the text
        self.joined_at = [0, *accumulate(len(w) + 1 for w in words)][:-1]  # and in `joined`
        self.joined = " ".join(words)

    def find(self, sentence: str, after: int = 0) -> tuple[tuple[int, int], int] | None:
        """((first, last + 1) in the text, end in `joined`) of the first match of `sentence`
        starting a word at or after `after` (a position in `joined`), or None."""
        import bisect

        needle = " ".join(sentence.split())
        if not needle:
            return None
        i = self.joined.find(needle, after)
        while i != -1:
            k = bisect.bisect_right(self.joined_at, i) - 1
            # It starts a word, or follows only opening marks in it: a front matter value in
            # quotes or brackets (history: ["Added by …"]) is found without them.
            if k >= 0 and not self.joined[self.joined_at[k]:i].strip(_OPENING):
                j = i + len(needle)
                last = bisect.bisect_right(self.joined_at, j - 1) - 1
                return (self.at[k] + i - self.joined_at[k], self.at[last] + j - self.joined_at[last]), j
            i = self.joined.find(needle, i + 1)
        return None


_OPENING = "\"'“‘([{"


def locate(sentence: str, text: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
    """(first, last + 1) of `sentence` in text[start:end], whitespace matched loosely (a
    sentence read across a line break is one space here), or None when it is not there.

    Sentences are found, not traced through the splitter: whatever split_sentences does, a
    sentence it returns is the file's words in the file's order, so text[first:last + 1] is that
    sentence with the file's own line breaks. The match starts at a word; its last word may end
    before a closing quote or bracket the splitter left on the next side.
    """
    found = _Words(text, start, len(text) if end is None else end).find(sentence)
    return found[0] if found else None


def locate_all(sentences: list[str], text: str, start: int = 0, end: int | None = None
               ) -> list[tuple[int, int] | None]:
    """The span of each of `sentences` in text[start:end], found in order: each search starts
    where the previous sentence ended, so a sentence that occurs twice gets its own place."""
    words = _Words(text, start, len(text) if end is None else end)
    out: list[tuple[int, int] | None] = []
    after = 0
    for sentence in sentences:
        found = words.find(sentence, after)
        out.append(found[0] if found else None)
        if found is not None:
            after = found[1]
    return out
