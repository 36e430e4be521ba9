"""kb ask: extractive answers, primary law first, corrected claims never quoted, abstention."""

from dataclasses import replace

from conftest import FAQ, FEDERAL, STATUTE, write_corpus
from kb.answer import AnswerSettings, answer_question
from kb.indexing import build_index
from kb.retrieval import Retriever
from kb.store import open_index


def _retriever(settings):
    build_index(settings)
    return Retriever(open_index(settings.index_dir), settings)


def test_every_answer_sentence_is_text_of_a_cited_passage(built):
    r = Retriever(open_index(built.index_dir), built)
    answer = answer_question(r, "Which government agency may receive personal information?",
                             settings=AnswerSettings(abstain_below=0.0))
    assert not answer.abstained and answer.sentences
    by_id = {h.chunk.id: h for h in answer.hits}
    for sentence in answer.sentences:
        (chunk_id,) = sentence.chunk_ids
        assert sentence.text in " ".join(by_id[chunk_id].chunk.text.split())


def test_primary_law_answers_before_a_secondary_source(tmp_path):
    faq = FAQ.replace("Yes, by filling in a form, the guide says.",
                      "Any government agency may receive personal information, the guide says.")
    root = write_corpus(tmp_path / "corpus", {"s.md": STATUTE, "f.md": FEDERAL, "faq.md": faq})
    from kb.config import Settings

    settings = Settings(root, tmp_path / "index", "hashing-64")
    answer = answer_question(_retriever(settings), "may any government agency receive personal information",
                             settings=AnswerSettings(abstain_below=0.0))
    assert answer.sentences
    assert all(not s.secondary for s in answer.sentences)
    assert all("guide says" not in s.text for s in answer.sentences)


def test_a_corrected_faq_claim_is_never_an_answer_sentence(built):
    r = Retriever(open_index(built.index_dir), built)
    answer = answer_question(r, "When was the license law passed? 2019?",
                             settings=AnswerSettings(abstain_below=0.0))
    assert all("passed in 2019" not in s.text for s in answer.sentences)
    faq = [h for h in answer.hits if h.chunk.anchor == "faq-test#Q1"]
    assert faq and faq[0].corrections  # shown, with its correction attached


def test_unrelated_question_abstains_with_a_reason(built):
    r = Retriever(open_index(built.index_dir), built)
    answer = answer_question(r, "zebra migration patterns in kenya")
    assert answer.abstained and answer.sentences == ()
    assert "needed 0.58" in answer.reason


def test_a_question_naming_a_section_is_never_abstained_on(built):
    r = Retriever(open_index(built.index_dir), built)
    answer = answer_question(r, "zebra Cal. Veh. Code § 9999.1(a)(2)", settings=AnswerSettings(abstain_below=0.99))
    assert not answer.abstained
    assert answer.hits[0].chunk.citation == "Cal. Veh. Code § 9999.1(a)(2)"


def test_a_question_naming_a_known_bill_is_never_abstained_on(built):
    r = Retriever(open_index(built.index_dir), built)
    strict = AnswerSettings(abstain_below=0.99, lexical_rescue=99.0)
    assert answer_question(r, "what about AB 4242", settings=strict).abstained  # unknown bill
    path = built.corpus_dir / "ca/veh-9999.1.md"
    path.write_text(path.read_text().replace("Added by a test bill in 2013.", "Added by AB 4242 in 2013."))
    r = _retriever(built)
    assert not answer_question(r, "what about AB 4242", settings=strict).abstained


def test_relative_floor_drops_weak_sentences(built):
    r = Retriever(open_index(built.index_dir), built)
    loose = answer_question(r, "government agency personal information",
                            settings=AnswerSettings(abstain_below=0.0, min_sentence_cosine=-1, relative_floor=0.0))
    tight = answer_question(r, "government agency personal information",
                            settings=replace(AnswerSettings(abstain_below=0.0, min_sentence_cosine=-1), relative_floor=0.999))
    assert len(tight.sentences) == 1 < len(loose.sentences)
