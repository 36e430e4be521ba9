"""End to end with the real packaged model: the shipped corpus, the design questions of issue 3,
the retrieval gate of issue 4, and ONNX/sentence-transformers agreement of issue 5.

Slow (a full build embeds ~2,900 texts): marked `slow`, run in CI all the same.
"""

from dataclasses import replace

import pytest

from kb.config import REPO_ROOT, resolve_settings

pytestmark = pytest.mark.slow

# Regression gate: the held-out figures measured on 2026-11-25 (README, "Retrieval quality"),
# less a margin of two or three questions.
HELDOUT_HYBRID_RECALL_AT_5_FLOOR = 0.82
HELDOUT_ABSTENTION_FLOOR = 0.83  # unanswerable questions abstained on (11 of 12 measured)
HELDOUT_WRONG_ABSTENTION_CEILING = 0.12


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from kb.api import open_session
    from kb.indexing import build_index

    settings = resolve_settings(corpus=REPO_ROOT / "corpus", index=tmp_path_factory.mktemp("real") / "index",
                                environ={})
    report = build_index(settings)
    assert report.encoder == "onnx" and report.embedded == report.chunks
    return open_session(settings)


def test_the_ab60_question_gets_a_cited_primary_law_answer(real):
    from kb.api import ask

    answer = ask(real, "Can ICE get the documents I gave the DMV for my AB 60 license?")
    assert not answer.abstained
    assert any(h.chunk.citation.startswith("Cal. Veh. Code § 12800.7") for h in answer.hits[:3])
    assert answer.sentences and not answer.sentences[0].secondary
    assert "2019" not in " ".join(s.text for s in answer.sentences if "AB 60" in s.text and "passed" in s.text)


@pytest.mark.parametrize("question,section", [
    ("Can ICE get my AB 60 application documents?", "Cal. Veh. Code § 12800.7"),
    ("Can police use CLETS for immigration enforcement?", "Cal. Gov. Code § 15160"),
    ("Does federal law allow the DMV to disclose records to government agencies?", "18 U.S.C. § 2721"),
    ("Is my home address in DMV records confidential?", ""),
    ("What data may the DMV share with ICE?", ""),
    ("how do I opt out?", ""),
])
def test_design_questions_rank_primary_law_in_the_top_3(real, question, section):
    from kb.api import ask

    answer = ask(real, question)
    assert not answer.abstained
    top = answer.hits[:3]
    assert any(h.source.is_primary for h in top)
    if section:
        assert any(h.chunk.citation.startswith(section) for h in top)


def test_opt_out_answer_says_there_is_no_general_opt_out(real):
    from kb.api import ask

    answer = ask(real, "how do I opt out?")
    text = " ".join(s.text for s in answer.sentences)
    assert "cannot opt out" in text or "no general opt-out" in text.lower()
    shown = {h.source.id for h in answer.hits} | {c.source.id for h in answer.hits for c in h.corrections}
    assert "note-faq-q14-opt-out" in shown  # the narrower protections, named with their law


def test_unrelated_question_abstains(real):
    from kb.api import ask

    assert ask(real, "how do I renew my US passport?").abstained


def test_heldout_regression_gate(real):
    from kb.evaluation import evaluate, load_questions

    questions = [q for q in load_questions(REPO_ROOT / "tests/eval/questions.yaml") if q.split == "heldout"]
    report = evaluate(real.retriever, questions, modes=("hybrid",))
    assert report["modes"][0]["recall@5"] >= HELDOUT_HYBRID_RECALL_AT_5_FLOOR
    assert report["abstention"]["unanswerable_abstained"] >= HELDOUT_ABSTENTION_FLOOR
    assert report["abstention"]["answerable_wrongly_abstained"] <= HELDOUT_WRONG_ABSTENTION_CEILING
    assert report["lookups"]["exact"] == 1.0


def test_onnx_and_sentence_transformers_return_the_same_top_10(real):
    from kb.evaluation import load_questions
    from kb.retrieval import Retriever

    st = Retriever(real.retriever.index, replace(real.retriever.settings, encoder="sentence-transformers"))
    questions = [q.question for q in load_questions(REPO_ROOT / "tests/eval/questions.yaml") if q.kind != "lookup"]
    differ = []
    for q in questions:
        a = [h.chunk.id for h in real.retriever.search(q, k=10)]
        b = [h.chunk.id for h in st.search(q, k=10)]
        if a != b:
            differ.append(q)
    assert type(st.searcher.encoder()).__name__ == "SentenceTransformerEmbedder"
    assert differ == []


def test_missing_onnx_export_falls_back_to_sentence_transformers_and_says_so(real):
    from kb.retrieval import Retriever

    model = real.retriever.index.path / "onnx" / "model.onnx"
    hidden = model.with_name("model.onnx.hidden")
    model.rename(hidden)
    try:
        notices: list[str] = []
        r = Retriever(real.retriever.index, real.retriever.settings, notices=notices)
        hits = r.search("Can police use CLETS for immigration enforcement?", k=3)
        assert type(r.searcher.encoder()).__name__ == "SentenceTransformerEmbedder"
        assert any("ONNX encoder" in n and "sentence-transformers (slower)" in n for n in notices)
        assert hits[0].chunk.citation.startswith("Cal. Gov. Code § 15160")
    finally:
        hidden.rename(model)
