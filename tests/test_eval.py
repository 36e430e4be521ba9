import json

import pytest

from kb.errors import InputError
from kb.evaluation import calibrate_threshold, evaluate, format_report, load_questions, matches
from kb.models import Chunk
from kb.retrieval import Retriever
from kb.store import open_index

QUESTIONS = {
    "questions": [
        {"id": "a1", "split": "tune", "kind": "answerable", "question": "residence addresses confidential courts",
         "expect": ["Cal. Veh. Code § 9999.1(a)"]},
        {"id": "a2", "split": "tune", "kind": "answerable", "question": "government agency personal information",
         "expect": ["18 U.S.C. § 9721"]},
        {"id": "u1", "split": "tune", "kind": "unanswerable", "question": "zebra migration in kenya"},
        {"id": "l1", "split": "tune", "kind": "lookup", "question": "VC 9999.1(a)(1)",
         "target": "Cal. Veh. Code § 9999.1(a)(1)"},
        {"id": "l2", "split": "tune", "kind": "lookup", "question": "VC 9999.1(z)",
         "target": "Cal. Veh. Code § 9999.1(z)"},
    ]
}


def _chunk(citation: str, source_id: str = "x") -> Chunk:
    return Chunk("id", source_id, citation, (), "", (), "t", "text", 1, 1)


def test_matching_rule():
    assert matches("Cal. Veh. Code § 1808", _chunk("Cal. Veh. Code § 1808"))
    assert matches("Cal. Veh. Code § 1808", _chunk("Cal. Veh. Code § 1808(a)(1)"))
    assert matches("Cal. Veh. Code § 1808", _chunk("Cal. Veh. Code § 1808 [History]"))
    assert not matches("Cal. Veh. Code § 1808", _chunk("Cal. Veh. Code § 1808.21"))
    assert matches("id:faq", _chunk("anything", source_id="faq"))


def test_report_on_a_small_index(built, tmp_path):
    path = tmp_path / "q.json"
    path.write_text(json.dumps(QUESTIONS))
    r = Retriever(open_index(built.index_dir), built)
    report = evaluate(r, load_questions(path))
    assert report["questions"] == {"answerable": 2, "unanswerable": 1, "lookup": 2}
    assert [m["mode"] for m in report["modes"]] == ["hybrid", "dense", "lexical"]
    lexical = report["modes"][2]
    assert lexical["recall@10"] == 1.0 and 0 < lexical["mrr"] <= 1.0
    assert report["lookups"]["exact"] == 0.5
    assert report["lookups"]["failures"][0]["id"] == "l2"
    assert report["abstention"]["unanswerable_abstained"] == 1.0
    text = format_report(report, "tune")
    assert "R@5" in text and "lookup miss l2" in text


def test_everyday_questions_are_reported_per_split_and_topic(built, tmp_path):
    items = [
        {"id": "e1", "split": "tune", "kind": "answerable", "topic": "addresses", "group": "everyday",
         "question": "what does 9999.1(a) say", "expect": ["Cal. Veh. Code § 9999.1(a)"]},
        {"id": "e2", "split": "heldout", "kind": "answerable", "topic": "addresses", "group": "everyday",
         "question": "what does 9999.1(a) say", "expect": ["18 U.S.C. § 9721(b)(1)"]},
        {"id": "e3", "split": "tune", "kind": "unanswerable", "topic": "off-topic", "group": "everyday",
         "question": "zebra migration in kenya"},
    ]
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"questions": items}))
    r = Retriever(open_index(built.index_dir), built)
    report = evaluate(r, load_questions(path))
    rows = {(row["split"], row["topic"]): row for row in report["abstention"]["topics"]}
    assert rows[("tune", "addresses")]["lead_on_point"] == 1.0
    assert rows[("tune", "addresses")]["expected_shown"] == 1.0
    assert rows[("heldout", "addresses")]["lead_on_point"] == 0.0  # § 9721 does not answer it
    assert rows[("heldout", "all")]["questions"] == 1
    assert rows[("tune", "off-topic")]["off_topic_abstained"] == 1.0
    assert [m["id"] for m in report["abstention"]["topic_misses"]] == ["e2"]
    assert "everyday questions by split and topic" in format_report(report, "all")


def test_expected_citation_missing_from_the_index_is_an_error(built, tmp_path):
    bad = {"questions": [dict(QUESTIONS["questions"][0], expect=["Cal. Veh. Code § 1"])]}
    path = tmp_path / "q.json"
    path.write_text(json.dumps(bad))
    r = Retriever(open_index(built.index_dir), built)
    with pytest.raises(Exception, match="expected 'Cal. Veh. Code § 1' matches no passage"):
        evaluate(r, load_questions(path))


@pytest.mark.parametrize("item,message", [
    ({"id": "x", "split": "tune", "kind": "answerable", "question": "q"}, "needs expect"),
    ({"id": "x", "split": "later", "kind": "answerable", "question": "q", "expect": ["a"]}, "split one of"),
    ({"id": "x", "kind": "answerable", "question": "q"}, "needs id, split, kind and question"),
])
def test_malformed_question_files_are_refused(tmp_path, item, message):
    path = tmp_path / "q.yaml"
    path.write_text(json.dumps({"questions": [item]}))
    with pytest.raises(InputError, match=message):
        load_questions(path)


def test_calibration_takes_the_middle_of_the_feasible_range():
    answerable = [0.5, 0.62, 0.7, 0.8] + [0.9] * 16  # 20 answerable: 1 may be sacrificed
    unanswerable = [0.3, 0.4, 0.55]
    # Highest allowed: 0.62 (only 0.5 falls below); lowest catching all: just above 0.55.
    assert calibrate_threshold(answerable, unanswerable, 20) == round((0.5501 + 0.62) / 2, 4)


def test_shipped_question_set_is_well_formed():
    from kb.config import REPO_ROOT

    questions = load_questions(REPO_ROOT / "tests" / "eval" / "questions.yaml")
    kinds = {k: sum(q.kind == k for q in questions) for k in ("answerable", "unanswerable", "lookup")}
    assert kinds["answerable"] >= 100 and kinds["unanswerable"] >= 15 and kinds["lookup"] >= 20
    # A blind block moves to the tuning half once measured, so the held-out share falls as blocks
    # are added; each half stays at least 30 % of the set (the n-block, measured in the eighth
    # session, took it from 35.6 % to 32.9 %; the p-block, measured in the tenth, stays held out,
    # 35.1 %), and the held-out half large enough to measure on (400 questions).
    for split in ("tune", "heldout"):
        assert sum(q.split == split for q in questions) >= 0.3 * len(questions)
    assert sum(q.split == "heldout" for q in questions) >= 400


def test_a_near_miss_answered_as_closest_is_reported_apart_from_abstention(built, tmp_path):
    # Nevada is a state whose law the corpus does not hold: asked of California too, kb answers,
    # marked closest (kb/answer.py).
    items = [
        {"id": "n1", "split": "tune", "kind": "unanswerable",
         "question": "in Nevada, as in California, can a government agency receive personal information"},
        {"id": "a1", "split": "tune", "kind": "answerable", "question": "government agency personal information",
         "expect": ["18 U.S.C. § 9721"]},
    ]
    path = tmp_path / "q.json"
    path.write_text(json.dumps({"questions": items}))
    r = Retriever(open_index(built.index_dir), built)
    from kb.answer import AnswerSettings

    # Hashing vectors: no abstention by cosine, so only the closest marking can decline it.
    open_settings = AnswerSettings(abstain_below=0.0, context_floor=0.0)
    a = evaluate(r, load_questions(path), answer_settings=open_settings)["abstention"]
    assert a["unanswerable_abstained"] == 0.0 and a["unanswerable_declined_or_closest"] == 1.0
    assert a["answerable_marked_closest"] == 0.0
