"""The shipped corpus: every file carries what a user needs to trust and check it."""

import datetime as dt
import re

import pytest

from kb.citations import find_citations
from kb.config import REPO_ROOT
from kb.corpus import load_corpus
from kb.models import PRIMARY_AUTHORITIES

CORPUS = REPO_ROOT / "corpus"
FILES = load_corpus(CORPUS)
TODAY = dt.date(2026, 11, 25)


def _meta(f):
    import yaml

    text = f.abspath.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))


@pytest.mark.parametrize("f", FILES, ids=lambda f: f.source.path)
def test_front_matter_is_complete(f):
    s, meta = f.source, _meta(f)
    assert s.citation and s.title and s.jurisdiction
    assert dt.date.fromisoformat(s.as_of) <= TODAY
    if s.authority != "secondary":
        assert s.url.startswith("https://") or s.url.startswith("http://")
    if s.authority in PRIMARY_AUTHORITIES | {"agency", "note"}:
        assert meta.get("source_read"), "say which page the digest was written from"
        assert meta.get("verified") in ("official", "secondary")
    if s.authority in ("statute", "regulation") and s.jurisdiction in ("CA", "US"):
        assert find_citations(s.citation)


@pytest.mark.parametrize("f", FILES, ids=lambda f: f.source.path)
def test_body_starts_with_a_plain_language_summary(f):
    first = f.body.strip().split("\n\n", 1)[0]
    assert not first.startswith("#") and len(first) > 80


def test_every_required_source_family_is_present():
    citations = {f.source.citation for f in FILES}
    for required in ("Cal. Veh. Code § 12801.9", "Cal. Veh. Code § 12800.7", "Cal. Veh. Code § 1808.21",
                     "Cal. Gov. Code § 7284.6", "Cal. Gov. Code § 15160", "18 U.S.C. § 2721",
                     "8 U.S.C. § 1373", "Cal. Code Regs., tit. 13, § 350.14", "Cal. Civ. Code § 1798.24"):
        assert required in citations


def test_the_faq_is_secondary_and_its_known_errors_are_corrected():
    faq = next(f for f in FILES if f.source.id == "faq-dmv-ice")
    assert faq.source.authority == "secondary"
    questions = re.findall(r"^## (Q\d+)\. ", faq.body, re.M)
    assert questions == [f"Q{i}" for i in range(1, 21)]
    corrected = {t.split("#")[1] for f in FILES for t in f.source.corrects}
    assert {"Q1", "Q14"} <= corrected  # the 2019 date for AB 60; the opt-out form
    assert corrected <= set(questions)


def test_notes_cite_primary_law_in_a_parseable_form():
    notes = [f for f in FILES if f.source.authority == "note"]
    assert notes
    for f in notes:
        cites = _meta(f).get("cites") or []
        assert cites, f.source.path
        assert all(find_citations(c) for c in cites), f.source.path


def test_a_bill_that_is_not_law_says_would():
    for f in FILES:
        if f.source.status in ("pending", "failed"):
            assert re.search(r"\bwould\b|not law|pending|not confirmed|unverified", f.body, re.I), f.source.path


def test_every_passage_of_law_and_every_note_opens_with_a_sentence_that_stands_alone():
    """kb ask quotes a passage's opening sentence alone: "This section…" or "It also…" would be
    read without the sentence it leans on."""
    from kb.answer import stands_alone
    from kb.chunking import ChunkerSettings, chunk_file
    from kb.text import split_sentences

    leaning = []
    for f in FILES:
        if f.source.authority not in ("statute", "regulation", "case", "note"):
            continue
        for c in chunk_file(f, lambda text: len(text.split()), ChunkerSettings(max_tokens=10**6)):
            opening = split_sentences(c.text)[:1]
            # Passages under a bracketed heading ("[Opening rule]", "[Notes]") are checked by
            # the composer itself: it quotes their opening only when it stands alone.
            if not c.citation.endswith("]") and opening and not stands_alone(opening[0]):
                leaning.append(f"{c.citation}: {opening[0][:60]}")
    assert leaning == []
