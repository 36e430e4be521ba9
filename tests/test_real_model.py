"""End to end with the real packaged model: the shipped corpus, the design questions of issue 3,
the retrieval gate of issue 4, and ONNX/sentence-transformers agreement of issue 5.

Slow (a full build embeds ~2,900 texts): marked `slow`, run in CI all the same.
"""

import re
from dataclasses import replace

import pytest

from kb.config import REPO_ROOT, resolve_settings

pytestmark = pytest.mark.slow

# Regression gate: the held-out figures measured on 2026-12-07 on the final code of the fourteenth
# session (README, "Retrieval quality and answers"), less a margin of a few questions. The everyday
# held-out half is the f-block (129 on topic, 17 off topic), the g-block (70 and 10), the h-block
# (70 and 10), the p-, r-, v-, x- and y-blocks (each 85 and 10, and 5 near misses), each written by
# someone who never saw kb's answers (the k- to o-blocks, each measured once while held out, moved
# to the tuning half; the p- to y-blocks stay held out); the held-out split holds 805 answerable
# questions, 124 unanswerable and 19 lookups.
HELDOUT_HYBRID_RECALL_AT_5_FLOOR = 0.86  # measured 0.896
# Unanswerable questions abstained on: measured 0.637 (79 of 124). Lowered from 0.64 when the
# y-block joined (its 15 unanswerable: 9 abstained) and because the fourteenth session's code
# answers one held-out x-block off-topic question it declined before (80 of 124, 0.645, with
# d18107d; the question unread: held out). Earlier: 0.670 (63 of 94) in the twelfth session;
# lowered from 0.70 when the r-block joined, and one held-out near miss (q164) is answered since
# the IPA's amendment sections (Civ. Code §§ 1798.35-.37) joined the corpus.
HELDOUT_ABSTENTION_FLOOR = 0.62
# ... or answered with the closest law, saying no passage decides them (a state or bill the
# corpus holds no law of, a subdivision it lacks, a figure no passage states): measured 0.819
# (77 of 94; 0.835, 66 of 79, before the v-block, whose 15 gave 11; 0.906 on the 64 before the
# r-block). Lowered from 0.82 when the v-block joined: main's code measures the same. Lowered from
# 0.80 when the y-block joined (its 15 gave 11): measured 0.798 (99 of 124), the same with d18107d.
HELDOUT_DECLINED_OR_CLOSEST_FLOOR = 0.78
HELDOUT_WRONG_ABSTENTION_CEILING = 0.03  # measured 0.016 (13 of 805)
HELDOUT_FIRST_SENTENCE_FLOOR = 0.62  # measured 0.691: the first answer sentence from an expected passage
HELDOUT_CITES_EXPECTED_FLOOR = 0.74  # measured 0.842: some answer sentence from an expected passage
# Answers whose every sentence is primary law or our notes: measured 0.973 (0.992 before the ninth
# session); the rest open with an agency document the question names ("bulletin 18-10-CJIS"),
# labelled as the agency's, or with a report we digested on a question about a reported event
# ("did AB 2156 pass"), labelled as reported (answers_with_reports, measured 0.021). The FAQ never.
HELDOUT_LAW_OR_NOTES_FLOOR = 0.94
HELDOUT_WITH_REPORTS_CEILING = 0.05
# The everyday questions of issue 13 (the f-, g-, h-, p-, r- and v-blocks).
EVERYDAY_LEAD_ON_POINT_FLOOR = 0.72  # measured 0.775 (406 of 524)
EVERYDAY_EXPECTED_SHOWN_FLOOR = 0.85  # measured 0.889 (466 of 524)
EVERYDAY_WRONGLY_ABSTAINED_CEILING = 0.04  # measured 0.019 (10 of 524)
OFF_TOPIC_ABSTAINED_FLOOR = 0.70  # measured 0.776 (52 of 67)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    from kb.api import open_session
    from kb.indexing import build_index

    settings = resolve_settings(corpus=REPO_ROOT / "corpus", index=tmp_path_factory.mktemp("real") / "index",
                                environ={})
    report = build_index(settings)
    assert report.encoder == "onnx" and report.embedded == report.chunks
    return open_session(settings)


def _lead(answer):
    """The hit (passage and source) that the answer's first sentence is quoted from."""
    return {h.chunk.id: h for h in answer.hits}[answer.sentences[0].chunk_ids[0]]


def _law_shown(answer, n=3):
    return [h.chunk.citation for h in answer.hits[:n] if h.source.is_primary]


def test_the_ab60_documents_question_is_answered_from_12801_9_j(real):
    from kb.api import ask

    answer = ask(real, "Can ICE get the documents I gave the DMV for my AB 60 license?")
    assert not answer.abstained
    assert {"Cal. Veh. Code § 12801.9(j)", "Cal. Veh. Code § 12800.7(b)"} & set(_law_shown(answer))
    assert answer.sentences and answer.sentences[0].authority in ("statute", "note")


@pytest.mark.parametrize("question", ["Can ICE get my information from the DMV?", "What did AB 1766 change?"])
def test_section_1808_48_is_among_the_first_three_passages(real, question):
    from kb.api import ask

    answer = ask(real, question)
    assert not answer.abstained
    assert "Cal. Veh. Code § 1808.48" in [h.chunk.citation for h in answer.hits[:3]]


@pytest.mark.parametrize("question,section", [
    ("Can police use CLETS for immigration enforcement?", "Cal. Gov. Code § 15160"),
    ("Does federal law allow the DMV to disclose records to government agencies?", "18 U.S.C. § 2721"),
    ("Is my home address in DMV records confidential?", "Cal. Veh. Code § 1808.21"),
])
def test_design_questions_show_their_statute_in_the_top_3(real, question, section):
    from kb.api import ask

    answer = ask(real, question)
    assert not answer.abstained
    assert any(c.startswith(section) for c in _law_shown(answer))


def test_opt_out_answer_says_there_is_no_opt_out(real):
    from kb.api import ask

    answer = ask(real, "how do I opt out?")
    first = answer.sentences[0]
    assert first.authority == "note" and "no california or federal law provides an opt-out" in first.text.lower()
    assert any(h.source.is_primary for h in answer.hits)


def _seed_questions():
    import re

    faq = (REPO_ROOT / "corpus/secondary/faq-dmv-ice.md").read_text(encoding="utf-8")
    return re.findall(r"^## Q\d+\. (.+)$", faq, re.M)


def _terminal_rows(text: str, width: int = 80) -> int:
    return sum(max(1, -(-len(line) // width)) for line in text.splitlines())


@pytest.mark.parametrize("question", _seed_questions())
def test_every_seed_question_is_answered_from_law_or_notes_and_fits_80_by_40(real, question):
    from kb.api import ask
    from kb.render import answer_text

    answer = ask(real, question)
    assert not answer.abstained and answer.sentences
    assert all(s.authority in ("statute", "regulation", "case", "note") for s in answer.sentences)
    assert _terminal_rows(answer_text(answer)) <= 40


def test_unrelated_question_abstains(real):
    from kb.api import ask

    assert ask(real, "how do I renew my US passport?").abstained


def test_heldout_regression_gate(real):
    from kb.evaluation import evaluate, load_questions

    questions = [q for q in load_questions(REPO_ROOT / "tests/eval/questions.yaml") if q.split == "heldout"]
    report = evaluate(real.retriever, questions, modes=("hybrid",))
    assert report["modes"][0]["recall@5"] >= HELDOUT_HYBRID_RECALL_AT_5_FLOOR
    assert report["abstention"]["unanswerable_abstained"] >= HELDOUT_ABSTENTION_FLOOR
    assert report["abstention"]["unanswerable_declined_or_closest"] >= HELDOUT_DECLINED_OR_CLOSEST_FLOOR
    assert report["abstention"]["answerable_wrongly_abstained"] <= HELDOUT_WRONG_ABSTENTION_CEILING
    assert report["lookups"]["exact"] == 1.0
    assert report["abstention"]["answers_with_secondary"] == 0.0  # never the FAQ
    assert report["abstention"]["answers_from_law_or_notes"] >= HELDOUT_LAW_OR_NOTES_FLOOR
    assert report["abstention"]["answers_with_reports"] <= HELDOUT_WITH_REPORTS_CEILING
    assert report["abstention"]["first_sentence_from_expected"] >= HELDOUT_FIRST_SENTENCE_FLOOR
    assert report["abstention"]["answer_cites_expected"] >= HELDOUT_CITES_EXPECTED_FLOOR
    topics = {row["topic"]: row for row in report["abstention"]["topics"] if row["split"] == "heldout"}
    assert topics["all"]["lead_on_point"] >= EVERYDAY_LEAD_ON_POINT_FLOOR
    assert topics["all"]["expected_shown"] >= EVERYDAY_EXPECTED_SHOWN_FLOOR
    assert topics["all"]["wrongly_abstained"] <= EVERYDAY_WRONGLY_ABSTAINED_CEILING
    assert topics["off-topic"]["off_topic_abstained"] >= OFF_TOPIC_ABSTAINED_FLOOR


# The seed FAQ's legal questions (Q1-Q4, Q8, Q10, Q14-Q16, Q19, Q20): issue 13 keeps at least 10
# of their 11 word-for-word answers citing the law that decides them (10 measured, as before).
LEGAL_SEED = ("Q1", "Q2", "Q3", "Q4", "Q8", "Q10", "Q14", "Q15", "Q16", "Q19", "Q20")


def test_seed_legal_answers_cite_the_deciding_law_and_never_the_faq(real):
    import re

    from kb.api import ask
    from kb.evaluation import load_questions, matches

    faq = (REPO_ROOT / "corpus/secondary/faq-dmv-ice.md").read_text(encoding="utf-8")
    asked = dict(re.findall(r"^## (Q\d+)\. (.+)$", faq, re.M))
    expect = {q.question: q.expect for q in load_questions(REPO_ROOT / "tests/eval/questions.yaml")}
    citing = 0
    for label in LEGAL_SEED:
        answer = ask(real, asked[label])
        by_id = {h.chunk.id: h for h in answer.hits}
        quoted = [by_id[c] for s in answer.sentences for c in s.chunk_ids if c in by_id]
        assert not any(h.source.authority == "secondary" for h in quoted)
        law = [e for e in expect[asked[label]] if not e.startswith("id:")]
        citing += any(h.source.is_primary and matches(e, h.chunk) for h in quoted for e in law)
    assert citing >= 10


def test_the_issue_13_examples_lead_with_the_law_that_decides_them(real):
    from kb.api import ask

    address = ask(real, "can local police give ICE my home address")
    by_id = {h.chunk.id: h for h in address.hits}
    assert "Cal. Gov. Code § 7284.6(a)(1)(D)" in [by_id[s.chunk_ids[0]].chunk.citation for s in address.sentences[:2]]
    photo = ask(real, "does the DMV sell license photos to companies")
    assert not photo.abstained
    assert {h.chunk.citation for h in photo.hits} & {"Cal. Veh. Code § 12800.5(a)(2)", "Cal. Veh. Code § 13005.5(a)(2)"}
    # Another state's law only for a question naming the state.
    assert all(h.source.jurisdiction in ("CA", "US") for h in ask(real, "can ICE use facial recognition on my license photo").hits
               if h.source.is_primary)
    # A notice rule is never quoted without the sentence exempting government requesters.
    notice = ask(real, "Does the DMV tell me when immigration agents look up my record?")
    texts = " ".join(s.text for s in notice.sentences)
    if "notifying the person" in texts:
        assert "do not apply to any governmental entity" in texts


def test_a_penalty_question_naming_a_section_is_not_answered_with_another_laws_penalty(real):
    from kb.api import ask

    # § 1808.48 states no penalty of its own; the DPPA's fine (18 U.S.C. § 2723) punishes DPPA
    # violations, not this section's.
    answer = ask(real, "is there a penalty for violating 1808.48")
    by_id = {h.chunk.id: h for h in answer.hits}
    cited = [by_id[s.chunk_ids[0]].chunk.citation for s in answer.sentences]
    assert cited and cited[0].startswith("Cal. Veh. Code § 1808.48")
    assert not any(c.startswith("18 U.S.C. § 2723") for c in cited)
    # Without a section named, a rule setting a penalty leads (before: § 1808.48, which sets none).
    crime = ask(real, "what happens to a cop who looks up DMV info for ICE")
    assert re.search(r"misdemeanor|civil penalties", crime.sentences[0].text)
    # "… a crime" ending the question asks for one too (before: our note on the arguments
    # against sharing led, quoting no penalty).
    shared = ask(real, "is sharing DMV data with ICE a crime")
    assert re.search(r"misdemeanor|civil penalties", shared.sentences[0].text)


@pytest.mark.parametrize("question", ["can the DMV tell immigration where I live",
                                      "will the DMV report me to immigration if I apply",
                                      # the police and the DMV's records named: the limit binding
                                      # both (before: Gov. Code § 7284.6(a)(1)(E), the police's)
                                      "can the sheriff pull someone's DMV photo for ICE"])
def test_immigration_named_as_the_agency_is_answered_by_the_dmv_ban(real, question):
    from kb.api import ask

    # "Immigration" as the agency told, like "ICE". Before: § 1808.48 ranked 162nd for the first
    # (led by § 12800.7(a), the DMV's identity checks), and the second led with § 12800.7(a) too.
    answer = ask(real, question)
    assert not answer.abstained
    assert _lead(answer).chunk.citation == "Cal. Veh. Code § 1808.48"


def test_a_landlord_reporting_an_ab60_holder_is_not_read_as_the_dmv_reporting(real):
    from kb.api import ask

    # "report me to ICE" asks whether the DMV discloses only when the DMV itself is named: here the
    # license is what the landlord saw (a first version led with Gov. Code § 7284.6(a)(1)(B)).
    lead = _lead(ask(real, "can my landlord report me to ICE because of my AB 60 license")).chunk.citation
    assert lead.startswith("Cal. Veh. Code § 12801.9(g)"), lead


@pytest.mark.parametrize("question", ["can the DMV keep my home address private",
                                      "does the DMV keep my address confidential",
                                      "can I make my address confidential at the DMV"])
def test_a_generic_address_question_is_not_answered_by_one_jobs_confidentiality(real, question):
    from kb.api import ask

    # Before: a legislator's, a parking officer's and a CPS social worker's rules (Veh. Code
    # § 1808.4(a)(3), (19), (10)) led, their questions ("I'm a …, can I keep my address
    # confidential with the DMV?") matching anyone's.
    lead = _lead(ask(real, question)).chunk.citation
    assert lead.startswith(("Cal. Veh. Code § 1808.21", "Cal. Code Regs., tit. 13, § 350.03")), lead


def test_the_federal_limits_apply_marking_is_explained_not_answered_with_the_closest_law(real):
    from kb.api import ask

    # No statute prescribes the words; before the note, the answer was "closest" and led with the
    # IPA's definition of a governmental entity (Civ. Code § 1798.3(i)).
    answer = ask(real, "what does federal limits apply mean")
    assert not answer.abstained and not answer.closest
    assert "REAL ID" in answer.sentences[0].text
    assert answer.sentences[0].authority in ("note", "statute")


def test_asked_when_something_began_a_date_still_to_come_does_not_answer(real):
    from kb.api import ask

    # Before: § 13001.5's "starting no later than July 1, 2027" (the AB 60 ID card) led.
    began = ask(real, "when did California start giving licenses to undocumented people")
    assert re.search(r"\b201[35]\b", began.sentences[0].text) and "2027" not in began.sentences[0].text
    # "Since when", in English or Spanish: the History's earliest event (before: the summary's
    # 2027, then an amendment effective in 2024).
    for since in ("since when can undocumented people get a license in california",
                  "¿desde cuándo pueden los indocumentados sacar licencia en California?"):
        first = ask(real, since).sentences[0].text
        assert re.search(r"\b201[35]\b", first) and not re.search(r"\b202[47]\b", first), since
    # Asked when it will start, the 2027 date is the answer.
    will = ask(real, "when will the DMV start issuing AB 60 ID cards")
    assert "2027" in will.sentences[0].text


@pytest.mark.parametrize(("question", "section"), [("what does AB 60 do", "Cal. Veh. Code § 12801.9"),
                                                   ("what does the TRUTH Act require", "Cal. Gov. Code § 7283")])
def test_asked_what_a_law_does_its_sections_own_summary_leads(real, question, section):
    from kb.api import ask

    # Before: AB 60's inoperative ID-card notice (§ 12801.9(d)(1)(B)) and the TRUTH Act's
    # definition of a community forum (§ 7283(a)) led.
    lead = _lead(ask(real, question)).chunk
    assert lead.citation.startswith(section) and lead.is_summary and not lead.labels


@pytest.mark.parametrize("question", ["does the S2S system get my social security number", "is CLETS connected to nlets",
                                      "what is the state to state system"])
def test_what_only_reports_tell_of_is_answered_from_the_report_labelled(real, question):
    from kb.api import ask

    # No rule of law names the State-to-State system or Nlets; our digest of the reports leads,
    # labelled as reports (before: Veh. Code § 1653.5(f) and Gov. Code § 15160's CLETS policies led,
    # and "what is the state to state system" was refused as off topic, 0.480 < 0.490).
    answer = ask(real, question)
    assert _lead(answer).source.is_report and answer.closest


def test_onnx_and_sentence_transformers_return_the_same_top_10(real):
    pytest.importorskip("sentence_transformers", reason="the reference needs kb[models]")
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


def test_missing_model_folder_falls_back_to_the_packaged_model_and_says_so(real):
    from kb.retrieval import Retriever

    model = real.retriever.index.path / "onnx" / "model.onnx"
    hidden = model.with_name("model.onnx.hidden")
    model.rename(hidden)
    try:
        notices: list[str] = []
        r = Retriever(real.retriever.index, real.retriever.settings, notices=notices)
        hits = r.search("Can police use CLETS for immigration enforcement?", k=3)
        # The model that built the index, run by numpy from its own folder: no torch needed.
        assert type(r.searcher.encoder()).__name__ == "NumpyBertEmbedder"
        assert any("is missing or does not match the index" in n and "kb build" in n for n in notices)
        assert hits[0].chunk.citation.startswith("Cal. Gov. Code § 15160")
    finally:
        hidden.rename(model)


def test_every_eval_answer_sentence_is_its_file_at_the_offsets_it_names(real):
    """Issue 16, with the real model (tests/test_locations.py runs it with the hashing one)."""
    import json

    from kb import api, render
    from kb.evaluation import load_questions
    from test_locations import assert_sentence_at_its_place

    checked = 0
    for question in load_questions(REPO_ROOT / "tests" / "eval" / "questions.yaml"):
        data = json.loads(render.dumps(render.answer_json(api.ask(real, question.question))))
        for item in data["answer"]:
            assert_sentence_at_its_place(item, REPO_ROOT / "corpus")
            checked += 1
    assert checked > 400  # 554 on 2026-12-06: the eval set's answers, not an empty loop


def test_a_question_imports_neither_torch_nor_onnxruntime(real):
    """Issue 15: `kb ask` embeds the question with numpy over the index's weights; onnxruntime is
    for builds, torch for nothing in the default install."""
    import json
    import subprocess
    import sys

    settings = real.retriever.settings
    code = (
        "import json, sys\n"
        "from kb.cli import app\n"
        f"app(['ask', 'Can ICE get my information from the DMV?', '--json', '--corpus', "
        f"{str(settings.corpus_dir)!r}, '--index', {str(settings.index_dir)!r}], standalone_mode=False)\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers', 'onnxruntime', 'onnx'}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & heavy)), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["answer"]  # it answered
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(("question", "label"), [("can undocumented people get a driver's license", "(a)(1)"),
                                                 ("can I get an ID card without papers", "(a)(2)")])
def test_the_card_asked_about_picks_the_rule_that_issues_it(real, question, label):
    from kb.api import ask

    # Veh. Code § 12801.9(a)(1) issues the license, (a)(2) the ID card. Before: the ID card's rule
    # led the license question (its words "without papers", "undocumented" as close as (a)(1)'s).
    assert _lead(ask(real, question)).chunk.citation == f"Cal. Veh. Code § 12801.9{label}"


def test_a_county_hospital_is_not_answered_from_police_law(real):
    from kb.api import ask

    # Before: "county" made the hospital a body the corpus's law binds, and the TRUTH Act's rule
    # for local jails (Gov. Code § 7283.1(b)) answered as if it decided the question.
    answer = ask(real, "can the county hospital tell ICE I'm undocumented")
    assert answer.abstained and "county hospital" in answer.reason
    assert answer.hits[0].chunk.citation == "Cal. Gov. Code § 7284.8(a)"


def test_a_definition_not_asked_about_does_not_lead(real):
    from kb.api import ask

    # Before: who is a "public agency" under the ALPR law (Civ. Code § 1798.90.5(f)) led; the rule
    # on sharing plate-reader data, (b) of § 1798.90.55, came second.
    lead = _lead(ask(real, "can ICE get my info from a license plate reader")).chunk.citation
    assert lead == "Cal. Civ. Code § 1798.90.55(b)", lead


def test_finding_someone_through_the_dmv_is_answered_from_its_address_rules(real):
    from kb.api import ask

    # Before: refused as off the subject (best similarity 0.590 < 0.615): "find me" was no word
    # of records, so the DMV alone put it in one group of the subject's words.
    answer = ask(real, "can my ex use the DMV to find me")
    assert not answer.abstained
    assert _lead(answer).chunk.citation.startswith("Cal. Veh. Code § 1808.21")


def test_a_federal_permission_matched_exactly_still_follows_californias_ban(real):
    from kb.api import ask

    # Before: 8 U.S.C. § 1357(g) (287(g) agreements) led, a question it answers having matched;
    # Gov. Code § 7284.6(a)(1)(G) forbids California's police to perform those functions.
    lead = _lead(ask(real, "can local police enforce immigration law")).chunk.citation
    assert lead == "Cal. Gov. Code § 7284.6(a)(1)(G)", lead
    # Asked what federal law sets up, the federal passage answers.
    assert _lead(ask(real, "what is a 287(g) agreement")).chunk.citation == "8 U.S.C. § 1357(g)"
    # No California ban behind it: the DPPA's towing notice keeps the lead.
    assert _lead(ask(real, "can a tow company get my address from the DMV")).chunk.citation == "18 U.S.C. § 2721(b)(7)"


@pytest.mark.parametrize("question", ["¿la cárcel le puede avisar a ICE cuando salga mi hermano?",
                                      "the sheriff's office sends ICE an email before each inmate is released, "
                                      "can they do that"])
def test_telling_ice_of_a_release_is_answered_by_the_release_date_rule(real, question):
    from kb.api import ask

    # Before: the TRUTH Act's copy of the request to the person (Gov. Code § 7283.1(b)) led the
    # first, and the ban on office space for immigration authorities (§ 7284.6(a)(5)) the second.
    assert _lead(ask(real, question)).chunk.citation == "Cal. Gov. Code § 7284.6(a)(1)(C)"


def test_plate_reader_cameras_are_answered_from_the_alpr_law(real):
    from kb.api import ask

    # Before: declined, "the corpus holds no law on what plate reader cameras may share".
    answer = ask(real, "do plate reader cameras send my info to ICE")
    assert not answer.abstained
    assert _lead(answer).chunk.citation == "Cal. Civ. Code § 1798.90.55(b)"
