"""Retrieval details: the question parsed once, window collapse, fusion, lookup, bills."""

from dataclasses import replace

import pytest

from conftest import STATUTE, write_corpus
from kb.chunking import ChunkerSettings
from kb.errors import CitationNotFound, InputError
from kb.indexing import build_index
from kb.query import parse_query
from kb.retrieval import Retriever, RetrievalSettings
from kb.store import open_index


def _open(settings):
    return Retriever(open_index(settings.index_dir), settings)


def test_a_question_is_parsed_once_into_every_form_search_needs():
    q = parse_query("  ¿Puede la migra ver mi licencia AB60? Veh. Code § 12801.9(j) y SB-54  ")
    assert q.text.startswith("¿Puede") and not q.text.endswith(" ")
    assert "license" in q.lexical and "licencia" in q.lexical  # BM25 keeps the user's words too
    assert "licencia" not in q.dense and "license" in q.dense  # the English model sees English
    assert [c.format() for c in q.citations] == ["Cal. Veh. Code § 12801.9(j)"]
    assert q.bills == {"AB 60", "SB 54"}
    assert q.bills_asked == {"SB 54"}  # "licencia AB60" names the license, not the bill
    # ... as "my AB 60 photo" and "AB 60 records" name what the DMV keeps on license holders
    assert parse_query("can ICE get my AB 60 photo or other AB 60 records").bills_asked == frozenset()
    assert parse_query("when did AB 60 take effect").bills_asked == {"AB 60"}
    with pytest.raises(InputError, match="empty"):
        parse_query("   ")


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


def test_fusion_modes_return_the_same_candidates(built):
    r = _open(built)
    q = parse_query("residence address")
    score = {row for row, _ in r.searcher.ranked(q, "hybrid")}
    r.searcher.tuning = replace(RetrievalSettings(), fusion="rrf")
    rrf = {row for row, _ in r.searcher.ranked(q, "hybrid")}
    assert rrf == score


def test_a_filtered_ranking_keeps_only_the_rows_asked_for(built):
    r = _open(built)
    q = parse_query("When was the license law passed?")
    law = r.searcher.ranked(q, keep=lambda row: r.source_of(row).is_primary)
    assert law and all(r.source_of(row).is_primary for row, _ in law)
    assert not r.source_of(r.searcher.ranked(q)[0][0]).is_primary  # the FAQ and note win unfiltered


def test_unknown_mode_is_refused(built):
    with pytest.raises(InputError, match="unknown mode 'fuzzy'"):
        _open(built).searcher.ranked(parse_query("x"), "fuzzy")


def test_a_cited_section_comes_first_in_search(built):
    hits = _open(built).search("insurers 18 U.S.C. § 9721(b)(1)", k=3)
    assert hits[0].chunk.citation == "18 U.S.C. § 9721(b)(1)"


def test_bare_section_resolves_when_unique_and_lookup_is_case_tolerant(built):
    r = _open(built)
    ref, hits = r.cite("§ 9999.1(A)")
    assert ref.format() == "Cal. Veh. Code § 9999.1(A)"
    assert hits[0].chunk.citation == "Cal. Veh. Code § 9999.1(a)"


def test_bare_section_numbers_resolve_in_cite_and_in_questions(built):
    r = _open(built)
    ref, hits = r.cite("9999.1(a)(1)")  # typed as staff type it: no code, no section sign
    assert ref.format() == "Cal. Veh. Code § 9999.1(a)(1)"
    assert hits[0].chunk.citation == "Cal. Veh. Code § 9999.1(a)(1)"
    assert r.cite("9721(b)")[0].format() == "18 U.S.C. § 9721(b)"
    q = parse_query("what does 9999.1(a)(2) say")
    assert r.resolver.names_known_law(q)
    assert r.lookup_rows(q) and r.index.chunks[r.lookup_rows(q)[0]].chunk.citation == "Cal. Veh. Code § 9999.1(a)(2)"
    # Numbers that are not sections the corpus holds name no law: amounts, scores, versions.
    assert r.cite("9721")[0].format() == "18 U.S.C. § 9721"  # a whole number the corpus holds
    for text in ("I paid $9999.1 for it", "a cosine of 0.615", "version 2.5 of the app", "in 2019, 500 people",
                 "version 2.13.0 of the app", "at 192.168.1.1"):
        assert not r.resolver.names_known_law(parse_query(text)), text
    # A section numbered in three parts, as the Civil Code's 1798.90.55 is.
    (three,) = parse_query("what does 1798.90.55(b) say").citations
    assert (three.section, three.labels) == ("1798.90.55", ("b",))


def test_cite_of_an_unheld_section_names_what_to_do(built):
    with pytest.raises(CitationNotFound, match=r"the corpus has no 18 U.S.C. § 1 \(`kb sources`"):
        _open(built).cite("18 USC 1")


def test_cite_of_a_section_of_any_california_code_is_reported_missing_with_its_url(built):
    with pytest.raises(CitationNotFound) as exc:
        _open(built).cite("Penal Code 832.7")
    assert str(exc.value) == (
        "the corpus has no Cal. Penal Code § 832.7 (`kb sources` lists what it holds); the official "
        "text is at https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=PEN&sectionNum=832.7.")


def test_cite_of_a_missing_subdivision_lists_those_the_section_has(built):
    with pytest.raises(CitationNotFound, match=r"has no subdivision \(z\) \(it has \(a\), \(b\)\)"):
        _open(built).cite("VC 9999.1(z)")


def test_a_subdivision_missing_from_a_partial_digest_is_not_reported_missing_from_the_law(built):
    """18 U.S.C. § 9721's file says `subdivisions: partial`: the law may have (a); our digest has not."""
    with pytest.raises(CitationNotFound) as exc:
        _open(built).cite("18 U.S.C. § 9721(a)")
    assert str(exc.value) == (
        "our digest of 18 U.S.C. § 9721 holds only some of its subdivisions ((b)), not (a): its file is "
        "marked `subdivisions: partial` and its note says what could not be read; the official text: "
        "https://www.law.cornell.edu/uscode/text/18/9721")


def test_names_known_law(built):
    r = _open(built)
    assert r.resolver.names_known_law(parse_query("what does VC 9999.1 say"))
    assert not r.resolver.names_known_law(parse_query("what does VC 1234 say"))
    assert not r.resolver.names_known_law(parse_query("tell me about AB 60"))  # no bill in the test corpus


def test_lexical_strength_is_zero_for_words_outside_the_corpus(built):
    r = _open(built)
    assert r.searcher.lexical_strength(parse_query("zebra giraffe")) == 0.0
    assert r.searcher.lexical_strength(parse_query("residence addresses confidential")) > 0.5


def test_a_subdivisions_questions_are_searched_as_its_keys_and_never_quoted(tmp_path, settings):
    from test_chunking import WITH_CONTEXT

    from kb.answer import AnswerSettings, answer_question

    write_corpus(settings.corpus_dir, {"ca/veh-9999.1.md": WITH_CONTEXT})
    build_index(settings)
    r = _open(settings)
    q = parse_query("can the police get my address?")
    row, cosine = r.searcher.dense(q, n=1)[0]
    assert r.index.chunks[row].chunk.citation == "Cal. Veh. Code § 9999.1(a)(1)" and cosine > 0.99
    items, _vectors = r.index.sentences()
    assert [i.text for i in items if i.kind == "key"][-1] == "can the police get my address?"
    # The file's context is stored once, for telling on-topic questions from others.
    assert [i.text for i in items if i.kind == "context"] == [
        "The Test Records Act: what the department may do with addresses; binds the department."]
    assert r.searcher.best_context_cosine(parse_query("The Test Records Act: what the department may do "
                                                      "with addresses; binds the department.")) > 0.99
    answer = answer_question(r, q, settings=AnswerSettings(context_floor=0.0))  # hashing vectors
    assert not answer.abstained and answer.sentences
    assert all("?" not in s.text for s in answer.sentences)
