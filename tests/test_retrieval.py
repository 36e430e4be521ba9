"""Retrieval details: window collapse, primary-law band, bills, sentence and lexical signals."""

from dataclasses import replace

import pytest

from conftest import STATUTE, write_corpus
from kb.chunking import ChunkerSettings
from kb.errors import CitationNotFound, InputError
from kb.indexing import build_index
from kb.retrieval import Retriever, RetrievalSettings
from kb.store import open_index


def _open(settings):
    return Retriever(open_index(settings.index_dir), settings)


def test_windows_of_one_passage_appear_once(tmp_path, monkeypatch):
    from kb.config import Settings

    long = " ".join(f"Sentence {i} says the department keeps residence records." for i in range(80))
    root = write_corpus(tmp_path / "c", {"s.md": STATUTE.replace("Paragraph two covers attorneys.", long)})
    monkeypatch.setattr("kb.indexing.chunker_settings_for", lambda spec, emb=None: ChunkerSettings(max_tokens=100))
    settings = Settings(root, tmp_path / "i", "hashing-64")
    build_index(settings)
    r = _open(settings)
    assert sum(sc.chunk.citation.endswith("(a)(2)") for sc in r.index.chunks) > 2
    hits = r.search("department keeps residence records sentence", k=10)
    citations = [h.chunk.citation for h in hits]
    assert len(citations) == len(set(citations))


def test_primary_band_puts_primary_law_first(built):
    r = _open(built)
    query = "When was the license law passed?"
    plain = r.search(query, k=5, primary_band=0.0)
    banded = r.search(query, k=5, primary_band=0.01)
    assert not plain[0].source.is_primary  # the FAQ and the note match this wording best
    first_other = next(i for i, h in enumerate(banded) if not h.source.is_primary)
    assert all(h.source.is_primary for h in banded[:first_other])
    assert first_other >= 1


def test_fusion_modes_return_the_same_candidates(built):
    r = _open(built)
    rrf = {row for row, _ in r.ranked("residence address", "hybrid")}
    r.tuning = replace(RetrievalSettings(), fusion="score")
    score = {row for row, _ in r.ranked("residence address", "hybrid")}
    assert rrf == score


def test_unknown_mode_is_refused(built):
    with pytest.raises(InputError, match="unknown mode 'fuzzy'"):
        _open(built).ranked("x", "fuzzy")


def test_bare_section_resolves_when_unique_and_lookup_is_case_tolerant(built):
    r = _open(built)
    ref, hits = r.cite("§ 9999.1(A)")
    assert ref.format() == "Cal. Veh. Code § 9999.1(A)"
    assert hits[0].chunk.citation == "Cal. Veh. Code § 9999.1(a)"


def test_cite_of_an_unheld_section_names_what_to_do(built):
    with pytest.raises(CitationNotFound, match=r"the corpus has no 18 U.S.C. § 1 \(`kb sources`"):
        _open(built).cite("18 USC 1")


def test_names_known_law(built):
    r = _open(built)
    assert r.names_known_law("what does VC 9999.1 say")
    assert not r.names_known_law("what does VC 1234 say")
    assert not r.names_known_law("tell me about AB 60")  # the test corpus names no bill


def test_lexical_strength_is_zero_for_words_outside_the_corpus(built):
    r = _open(built)
    assert r.lexical_strength("zebra giraffe") == 0.0
    assert r.lexical_strength("residence addresses confidential") > 0.5
