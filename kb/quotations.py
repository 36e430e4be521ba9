"""Quotations of a guide in our notes must be the guide's own words (pure, on loaded files).

The marker (corpus/README.md, "Correction notes"): in a note's body, every passage in double
quotation marks ("…" or “…”) inside a sentence that names the FAQ (the word "FAQ", as in "the
FAQ's" or "as the FAQ says") quotes the guide the note corrects (`corrects:`). It must appear in
that guide's text word for word: the same words, letters in the same case and the same
punctuation; only line breaks and runs of spaces, and straight against curly quotation marks and
apostrophes, may differ. A sentence that quotes the law as well as the FAQ is written as two.
"""

from __future__ import annotations

import re

from kb.errors import CorpusError, quoted
from kb.models import CorpusFile
from kb.text import split_sentences

# The word that attributes a sentence's quotations to the guide: "the FAQ", "the FAQ's".
_ATTRIBUTION = re.compile(r"\bFAQ\b")
_QUOTATION = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _normal(text: str) -> str:
    """Text compared word for word: quotation marks straightened, whitespace runs made one space."""
    return " ".join(text.translate(_STRAIGHT).split())


def guide_quotations(note: CorpusFile) -> list[tuple[int, str]]:
    """(1-based line in the file, quoted words) for each quotation a note attributes to the FAQ."""
    found = []
    lines = note.body.split("\n")
    start = 0
    # Paragraphs and list blocks, each with the body line it starts on: a sentence never spans two.
    for i in range(len(lines) + 1):
        if i < len(lines) and lines[i].strip():
            continue
        block = "\n".join(lines[start:i])
        for sentence in split_sentences(block):
            if not _ATTRIBUTION.search(sentence):
                continue
            for m in _QUOTATION.finditer(sentence):
                words = m.group(1) or m.group(2)
                pattern = r"\s+".join(re.escape(w) for w in words.split())
                at = re.search(pattern, block)
                offset = block[: at.start()].count("\n") if at else 0
                found.append((note.body_line + start + offset, words))
        start = i + 1
    return found


def check_guide_quotations(files: list[CorpusFile]) -> None:
    """CorpusError (file and line) for the first quotation of the FAQ in a note that the guide it
    corrects does not contain word for word."""
    by_id = {f.source.id: f for f in files}
    guides = [f for f in files if f.source.authority == "secondary"]
    for note in files:
        if note.source.authority != "note":
            continue
        named = dict.fromkeys(t.split("#", 1)[0] for t in note.source.corrects)  # Q2 and Q19: one guide
        targets = [by_id[i] for i in named if i in by_id] or guides
        texts = [_normal(t.body) for t in targets]
        for line, words in guide_quotations(note):
            if not any(_normal(words) in text for text in texts):
                where = ", ".join(t.source.path for t in targets) or "no guide in the corpus"
                raise CorpusError(
                    f"{note.source.path}:{line}: the quotation {quoted(words)} is attributed to the "
                    f"FAQ but is not word for word in {where} (quote it exactly, or drop the "
                    "quotation marks)"
                )
