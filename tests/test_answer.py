"""kb ask: answers from the law, notes that lead when they answer, the FAQ apart, abstention."""

import dataclasses
import re

import numpy as np
import pytest

from conftest import CASE_FRONT_MATTER, FAQ, FEDERAL, NOTE, OPT_OUT_NOTE, STATUTE, write_corpus
from kb.answer import (AnswerSettings, _home_rule_before_federal_permission, _law_ranking, _rule_before_exception,
                       _rule_before_item, _SentenceTable, answer_question, asks_when, stands_alone)
from kb.config import Settings
from kb.indexing import build_index
from kb.models import group_of
from kb.query import parse_query
from kb.retrieval import Retriever
from kb.search import Ranking
from kb.store import open_index

LOOSE = AnswerSettings(abstain_below=0.0)


def _retriever(settings):
    build_index(settings)
    return Retriever(open_index(settings.index_dir), settings)


def _corpus(tmp_path, **extra):
    files = {"ca/veh-9999.1.md": STATUTE, "us/usc-18-9721.md": FEDERAL, "secondary/faq-test.md": FAQ,
             "notes/faq-q1.md": NOTE, "notes/faq-q2.md": OPT_OUT_NOTE, **extra}
    root = write_corpus(tmp_path / "corpus", files)
    return _retriever(Settings(root, tmp_path / "index", "hashing-64"))


def test_every_answer_sentence_is_text_of_a_listed_passage(built):
    r = Retriever(open_index(built.index_dir), built)
    answer = answer_question(r, "Which government agency may receive personal information?", settings=LOOSE)
    assert not answer.abstained and answer.sentences
    by_id = {h.chunk.id: h for h in answer.hits}
    for sentence in answer.sentences:
        (chunk_id,) = sentence.chunk_ids
        assert sentence.text in " ".join(by_id[chunk_id].chunk.text.split())


def test_a_secondary_source_never_supplies_an_answer_sentence(tmp_path):
    faq = FAQ.replace("Yes, by filling in a form, the guide says.",
                      "Any government agency may receive personal information, the guide says.")
    r = _corpus(tmp_path, **{"secondary/faq-test.md": faq})
    answer = answer_question(r, "may any government agency receive personal information", settings=LOOSE)
    assert answer.sentences
    assert all(s.authority != "secondary" and "guide says" not in s.text for s in answer.sentences)
    assert answer.sentences[0].authority == "statute"


def test_sources_are_listed_law_first_and_the_faq_last_with_its_correction(tmp_path):
    r = _corpus(tmp_path)
    answer = answer_question(r, "Can I opt out?", settings=LOOSE)
    groups = [group_of(h.source) for h in answer.hits]
    assert groups == sorted(groups, key=["law", "note", "agency", "secondary"].index)
    faq = [h for h in answer.hits if h.chunk.anchor == "faq-test#Q2"]
    assert faq and faq[0].corrections[0].source.id == "note-faq-test-q2"


def test_a_note_that_answers_leads_and_the_law_it_cites_follows(tmp_path):
    r = _corpus(tmp_path)
    answer = answer_question(r, "Can I opt out?", settings=LOOSE)
    first, *rest = answer.sentences
    assert first.authority == "note" and first.text.startswith("There is no opt-out form")
    assert len(first.text.split(". ")) == 1  # the conclusion only, not the whole note
    by_id = {h.chunk.id: h for h in answer.hits}
    cited = {"18 U.S.C. § 9721(b)(1)", "Cal. Veh. Code § 9999.1(a)"}
    assert rest and {by_id[s.chunk_ids[0]].chunk.citation for s in rest} <= cited


def test_no_note_leads_when_the_law_matches_better(tmp_path):
    r = _corpus(tmp_path)
    answer = answer_question(r, "subparagraph A request must be in writing", settings=LOOSE)
    assert answer.sentences[0].authority == "statute"
    assert all(s.authority != "note" for s in answer.sentences)


def test_each_passage_gives_at_most_two_sentences(tmp_path):
    long = " ".join(f"The department must keep record number {i} about government agencies private."
                    for i in range(12))
    r = _corpus(tmp_path, **{"ca/veh-9999.1.md": STATUTE.replace("Paragraph two covers attorneys.", long)})
    answer = answer_question(r, "department keep records government agencies private",
                             settings=AnswerSettings(abstain_below=0.0, second_sentence=-1.0, max_sentences=10))
    per_passage = {}
    for s in answer.sentences:
        per_passage[s.chunk_ids[0]] = per_passage.get(s.chunk_ids[0], 0) + 1
    assert per_passage and max(per_passage.values()) <= 2


def test_a_sentence_that_leans_on_the_one_before_is_not_quoted_alone():
    assert stands_alone("The DMV shall not disclose the documents.")
    assert stands_alone("“Immigration enforcement” is defined in § 7284.4(f).")
    assert stands_alone("The department may not sell addresses.")
    for leaning in ("It applies only to the DMV.", "This paragraph covers insurers.",
                    "Such a request must be in writing.", "Also, the agency may refuse.",
                    "The ban applies notwithstanding any other law.", "The section sets no penalty."):
        assert not stands_alone(leaning)


def test_the_law_is_found_even_when_guide_passages_crowd_the_fused_list(tmp_path):
    # 260 guide passages share the question's words; primary law is still ranked on its own.
    crowd = "\n\n".join(f"## Q{i}. Can agencies get residence addresses {i}?\n\nResidence addresses "
                        f"agencies confidential department, answer {i}." for i in range(1, 261))
    faq = FAQ.split("## Q1.")[0] + crowd + "\n"
    r = _corpus(tmp_path, **{"secondary/faq-test.md": faq})
    answer = answer_question(r, "residence addresses confidential department agencies", settings=LOOSE)
    assert answer.sentences and answer.sentences[0].authority == "statute"
    assert answer.hits[0].source.is_primary


def test_unrelated_question_abstains_with_a_reason(built):
    r = Retriever(open_index(built.index_dir), built)
    answer = answer_question(r, "zebra migration patterns in kenya")
    assert answer.abstained and answer.sentences == ()
    assert "needed 0.615" in answer.reason


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


def test_a_named_bill_puts_the_sections_it_enacted_first_and_the_law_leads(tmp_path):
    statute = STATUTE.replace("as_of: 2026-11-25\n", "as_of: 2026-11-25\nhistory: [\"Added by AB 4242 (2013)\"]\n", 1)
    faq = FAQ.replace("Can I opt out?", "What did AB 4242 change?")
    r = _corpus(tmp_path, **{"ca/veh-9999.1.md": statute, "secondary/faq-test.md": faq})
    answer = answer_question(r, "What did AB 4242 change?", settings=LOOSE)
    assert answer.hits[0].source.id == "ca-veh-9999.1"
    assert answer.sentences[0].authority == "statute"  # not the note correcting the FAQ question


def test_commentary_on_a_section_is_listed_but_never_quoted_as_the_law(tmp_path):
    statute = STATUTE.replace("Added by a test bill in 2013.",
                              "Our commentary says government agencies may receive personal information.")
    r = _corpus(tmp_path, **{"ca/veh-9999.1.md": statute})
    answer = answer_question(r, "may government agencies receive personal information commentary",
                             settings=LOOSE)
    assert all("Our commentary" not in s.text for s in answer.sentences)


# --- issue 13, item 4: a lead that answers ----------------------------------------------------

OPEN = AnswerSettings(abstain_below=0.0, context_floor=0.0)  # hashing vectors: no abstention

NOTICE = """\
---
id: ca-civ-9999.2
title: Requester procedures and notice
citation: Cal. Civ. Code § 9999.2
jurisdiction: CA
authority: statute
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=9999.2.
as_of: 2026-11-25
history: ["Added by a test act, effective Jan. 1, 1990"]
---

Section 9999.2 sets the department's requester procedures.

## Text

The department must notify the person whenever records about them are requested. The procedures do not apply to any governmental entity, which gets records without notice.
"""

NEW_YORK = """\
---
id: ny-test-1
title: New York test law on records
citation: "N.Y. Veh. & Traf. Law § 999"
jurisdiction: NY
authority: statute
url: https://example.test/ny
as_of: 2026-11-25
---

The commissioner must notify the person whenever records about them are requested.
"""


def test_a_quoted_rule_keeps_the_exception_its_passage_attaches(tmp_path):
    r = _corpus(tmp_path, **{"ca/civ-9999.2.md": NOTICE})
    answer = answer_question(r, "what does Cal. Civ. Code § 9999.2 say about notifying the person", settings=OPEN)
    texts = [s.text for s in answer.sentences]
    rule = "The department must notify the person whenever records about them are requested."
    assert rule in texts
    assert any("do not apply to any governmental entity" in t for t in texts[texts.index(rule):])


def test_a_when_question_is_answered_from_history_shown_as_our_note(tmp_path):
    r = _corpus(tmp_path, **{"ca/civ-9999.2.md": NOTICE})
    answer = answer_question(r, "when was Cal. Civ. Code § 9999.2 enacted?", settings=OPEN)
    first = answer.sentences[0]
    assert first.text == "Added by a test act, effective Jan. 1, 1990" and first.authority == "note"
    hit = next(h for h in answer.hits if h.chunk.id == first.chunk_ids[0])
    assert hit.chunk.citation == "Cal. Civ. Code § 9999.2 [History]"
    assert group_of(hit.source, hit.chunk) == "note"  # ours, never under "The law"


def test_another_states_law_answers_only_a_question_naming_that_state(tmp_path):
    from kb.render import answer_text

    r = _corpus(tmp_path, **{"ny/ny-test-1.md": NEW_YORK})
    plain = answer_question(r, "must the commissioner notify the person when records are requested", settings=OPEN)
    assert all(h.source.jurisdiction != "NY" for h in plain.hits)
    named = answer_question(r, "in New York must the commissioner notify the person when records are requested",
                            settings=OPEN)
    ny = [h for h in named.hits if h.source.jurisdiction == "NY"]
    assert ny
    assert f"{ny[0].chunk.citation} · statute · New York law, not California's" in answer_text(named)
    assert not named.closest and not plain.closest


NEW_YORK_NAMED = NEW_YORK.replace("id: ny-test-1", "id: ny-test-2").replace("§ 999", "§ 998").replace(
    "title: New York test law on records", "title: New York Green Light law on records").replace(
    "The commissioner must notify", "The Green Light law took effect in 2019. Under the Green Light law, the "
    "commissioner must notify")


def test_another_states_law_gives_no_sentence_for_a_word_its_name_shares_unless_the_state_is_named(tmp_path):
    # "tail light" shares a word with New York's "Green Light law", which few passages name: the
    # sentence naming it was quoted, New York's law answering a question about California.
    r = _corpus(tmp_path, **{"ny/ny-test-2.md": NEW_YORK_NAMED})
    rare = dataclasses.replace(OPEN, rare_share=0.3)  # in this small corpus, one passage in twenty is rare
    plain = answer_question(r, "the cop said my tail light was out, must the department notify me when my records "
                               "are requested", settings=rare)
    assert plain.sentences and all(h.source.jurisdiction != "NY" for h in plain.hits)
    # Named, in Spanish too: its law answers.
    for question in ("in New York must the commissioner notify the person when records are requested",
                     "en Nueva York, ¿el commissioner tiene que notify the person when records are requested?"):
        named = answer_question(r, question, settings=OPEN)
        assert any(h.source.jurisdiction == "NY" for h in named.hits), question
    # A state's law named by its popular name names the state (before: "what is the Green Light
    # law" left New York's law out and was answered with California's).
    by_name = answer_question(r, "under the Green Light law must the commissioner notify me when records are requested",
                              settings=OPEN)
    assert any(h.source.jurisdiction == "NY" for h in by_name.hits)


def test_a_question_naming_a_state_the_corpus_holds_no_law_of_gets_only_the_closest_law(tmp_path):
    from kb.render import answer_json, answer_markdown, answer_text

    r = _corpus(tmp_path, **{"ny/ny-test-1.md": NEW_YORK})
    # Asked of California too, its law is the closest the corpus comes.
    answer = answer_question(r, "in Nevada or Arizona, as in California, must the commissioner notify the person "
                                "when records are requested", settings=OPEN)
    assert answer.sentences and answer.closest
    assert answer.reason == "the corpus holds no law of Arizona or Nevada"
    assert answer_text(answer).startswith("No passage decides this exactly (the corpus holds no law of Arizona or "
                                          "Nevada);")
    assert "No passage decides this exactly (the corpus holds no law of Arizona or Nevada)" in answer_markdown(answer)
    assert answer_json(answer)["closest"] is True and "Nevada" in answer_json(answer)["reason"]


def test_a_question_only_about_a_state_the_corpus_holds_no_law_of_is_declined(tmp_path):
    # Twentieth session: "does the Texas DMV give ICE my address" was answered, as the closest,
    # with California's Values Act, which reads as if it bound Texas.
    r = _corpus(tmp_path, **{"ny/ny-test-1.md": NEW_YORK})
    for question in ("in Nevada or Arizona must the commissioner notify the person when records are requested",
                     "en Carolina del Norte, ¿el commissioner tiene que notify the person when records are requested?"):
        answer = answer_question(r, question, settings=OPEN)
        assert answer.abstained and not answer.sentences, question
        assert answer.reason.startswith("the corpus holds no law of "), answer.reason
        assert "federal law, which binds every state, and for comparison the law of New York" in answer.reason
    assert "North Carolina" in answer_question(r, "en Carolina del Norte, ¿el commissioner tiene que notify the "
                                                  "person?", settings=OPEN).reason
    # Not when it names a law that reaches every state, or the state is asked about beside one held.
    for question in ("in Nevada does federal law make the commissioner notify the person when records are requested",
                     "in Nevada or New York must the commissioner notify the person when records are requested"):
        assert not answer_question(r, question, settings=OPEN).abstained, question


# --- issue 13, second session: limits that travel with a rule; the immigration limit first ----

PHOTOS = """\
---
id: ca-veh-9999.3
title: Photos, cards and a deadline
citation: Cal. Veh. Code § 9999.3
jurisdiction: CA
authority: statute
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.3.
as_of: 2026-11-25
history: ["Added by a test act, effective Jan. 1, 2023"]
---

Section 9999.3 covers license photographs, employers and identification cards.

## (a)

Notwithstanding any other law, the department shall not sell a licensee's photograph to a company unless the licensee asks. The bar does not apply to a contractor that prints the cards.

## (b)

### (1)

An employer violates the law if it refuses to hire a person because the person shows a card.

### (2)

Notwithstanding (1), an employer may still check the documents federal work authorization law requires.

## (c)

The department must start issuing identification cards to these applicants no later than July 1, 2027.
"""

BAN = """\
---
id: ca-veh-9999.4
title: Immigration enforcement ban
citation: Cal. Veh. Code § 9999.4
jurisdiction: CA
authority: statute
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.4.
as_of: 2026-11-25
---

## Text

No agency or person may obtain or use information the department keeps for the purpose of immigration enforcement.
"""


def _texts(r, question, settings=OPEN):
    return [s.text for s in answer_question(r, question, settings=settings).sentences]


def test_a_rule_with_its_own_conditions_still_brings_the_carve_out_its_passage_states(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": PHOTOS})
    texts = _texts(r, "does the department sell a licensee's photograph to a company")
    rule = next(t for t in texts if t.startswith("Notwithstanding any other law, the department shall not sell"))
    assert "The bar does not apply to a contractor that prints the cards." in texts[texts.index(rule):]


def test_a_sibling_written_as_the_exception_follows_the_rule(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": PHOTOS})
    texts = _texts(r, "can an employer refuse to hire a person because the person shows a card")
    rule = "An employer violates the law if it refuses to hire a person because the person shows a card."
    assert rule in texts
    assert ("Notwithstanding (1), an employer may still check the documents federal work authorization law "
            "requires.") in texts[texts.index(rule):]


def test_a_when_question_about_a_duty_leads_with_the_rules_own_date(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": PHOTOS})
    duty = _texts(r, "when does the department have to start issuing identification cards")
    assert "July 1, 2027" in duty[0]
    made = _texts(r, "when was Cal. Veh. Code § 9999.3 enacted?")
    assert made[0] == "Added by a test act, effective Jan. 1, 2023"  # how a law was made: History


def test_a_question_whether_ice_may_get_dmv_records_leads_with_the_immigration_limit(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.4.md": BAN})
    # Without the rule this question leads with § 9999.1(a), which shares more of its words.
    question = "can ICE get confidential residence addresses the department keeps and releases to courts"
    texts = _texts(r, question)
    assert texts[0].startswith("No agency or person may obtain or use information the department keeps")
    # Using the records is asked about as getting them is: the limit forbids both.
    used = _texts(r, "does ICE run searches on confidential residence addresses the department keeps for courts")
    assert used[0].startswith("No agency or person may obtain or use information the department keeps")
    # So is passing them on, told in the past tense.
    gave = _texts(r, "an officer looked up the residence addresses the department keeps for courts and "
                     "gave them to ICE")
    assert gave[0].startswith("No agency or person may obtain or use information the department keeps")
    # Matching faces against the records is using them.
    from kb.answer import _ACCESS_ASKED

    assert _ACCESS_ASKED.search("can ICE's app match my face against DMV pictures")
    assert _ACCESS_ASKED.search("do they compare faces with the DMV's photos")
    # Looking someone up, with the person between the words, is getting the records.
    assert _ACCESS_ASKED.search("can ICE look me up in CLETS")
    assert _ACCESS_ASKED.search("they looked my brother up in the DMV")
    # "AB 60 photo" names the license's photo, not the bill: the question is still about the records.
    photo = _texts(r, "can ICE get the AB 60 photo of a license holder from the confidential residence records "
                      "the department keeps")
    assert photo[0].startswith("No agency or person may obtain or use information the department keeps")
    # Without the immigration words the general rule on addresses answers as before.
    assert not _texts(r, "can courts get confidential residence addresses the department keeps and releases "
                         "to courts")[0].startswith("No agency")
    # Immigration as the setting of the person's own affairs, or whether the person will find out,
    # asks nothing of immigration enforcement's access: the limit does not jump ahead.
    for own in ("my immigration lawyer wants the confidential residence addresses the department keeps and "
                "releases to courts",
                "is there a way to find out whether ICE got the confidential residence addresses the department "
                "keeps and releases to courts",
                # "ICE" reads as "ICE immigration enforcement" in the question's English form.
                "I'm in ICE detention, can my brother get the confidential residence addresses the department "
                "keeps and releases to courts"):
        assert not _texts(r, own)[0].startswith("No agency"), own


def test_a_rule_is_never_quoted_without_its_carve_out_even_when_the_answer_is_full(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": PHOTOS})
    tight = AnswerSettings(abstain_below=0.0, context_floor=0.0, max_sentences=1)
    texts = _texts(r, "does the department sell a licensee's photograph to a company", tight)
    # Never the rule without the carve-out its passage states.
    assert not any(t.startswith("Notwithstanding any other law") for t in texts) or \
        "The bar does not apply to a contractor that prints the cards." in texts


def test_a_permission_comes_with_its_parents_permits_not_requires_sentence(tmp_path):
    federal = FEDERAL.replace(
        "## (b)\n",
        "## (b)\n\nThe uses in this subsection are permitted: nothing in this subsection requires a department "
        "to make those disclosures.\n")
    r = _corpus(tmp_path, **{"us/usc-18-9721.md": federal})
    texts = _texts(r, "may any government agency receive personal information to carry out its functions")
    rule = "Any government agency may receive personal information to carry out its functions."
    assert rule in texts
    assert any("nothing in this subsection requires" in t for t in texts[texts.index(rule):])


def test_a_when_question_about_a_bill_is_answered_by_the_history_naming_that_bill(tmp_path):
    photos = PHOTOS.replace('history: ["Added by a test act, effective Jan. 1, 2023"]',
                            'history: ["Amended by Stats. 2024, ch. 9 (AB 77), effective Jan. 1, 2025", '
                            '"Added by Stats. 2022, ch. 1 (AB 55), effective Jan. 1, 2023"]')
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": photos})
    assert _texts(r, "when did AB 55 take effect?")[0] == "Added by Stats. 2022, ch. 1 (AB 55), effective Jan. 1, 2023"
    assert _texts(r, "when did AB 77 become law")[0] == "Amended by Stats. 2024, ch. 9 (AB 77), effective Jan. 1, 2025"


def test_asked_who_wrote_a_bill_the_history_naming_it_answers(tmp_path):
    # "who wrote SB 54" led with Gov. Code § 7284.2(f), the Legislature's findings; the History
    # line "Added by SB 54 (De León) …" names the author.
    photos = PHOTOS.replace('history: ["Added by a test act, effective Jan. 1, 2023"]',
                            'history: ["Added by Stats. 2022, ch. 1 (AB 55, Smith), effective Jan. 1, 2023"]')
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": photos})
    for asked in ("who wrote AB 55", "who was the author of AB 55?"):
        assert _texts(r, asked)[0] == "Added by Stats. 2022, ch. 1 (AB 55, Smith), effective Jan. 1, 2023", asked


# --- a question naming something the corpus seldom mentions gets a sentence that names it -----

NETWORKS = """\
---
id: ca-veh-9999.5
title: Interstate networks
context: "Test Vehicle Code section on how other states' agencies reach the department's records, Nlets among them."
citation: Cal. Veh. Code § 9999.5
jurisdiction: CA
authority: statute
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.5.
as_of: 2026-11-25
source_read: https://example.test/page
verified: official
---

Other states' agencies may ask the department for its records.

## (a)
The department answers record requests from other states' agencies one by one.

## (b)
The department keeps a log of every record request it answers.

## Notes
Agencies elsewhere also query the records through Nlets, the interstate network, without the department's review. The department reports once a year how many Nlets queries reached its records.
"""


def test_a_question_naming_a_network_gets_the_sentence_that_names_it_second(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.5.md": NETWORKS})
    # A name: capitalised mid-sentence, and in a file's context. "Agencies" opens sentences only.
    assert "nlets" in r.index.names() and "agencies" not in r.index.names()
    question = "do other states' agencies get the department's records from it through Nlets"
    # (Every passage of the file holds the word through its context: a third of this small corpus.)
    named = _texts(r, question, AnswerSettings(abstain_below=0.0, context_floor=0.0, rare_share=0.5))
    assert "Nlets" not in named[0] and "Nlets" in named[1]
    # Without the rule (no term counts as seldom mentioned), nothing in the first two says Nlets.
    plain = _texts(r, question, AnswerSettings(abstain_below=0.0, context_floor=0.0, rare_share=0.0))
    assert not any("Nlets" in t for t in plain[:2])


NLETS_REPORT = """\
---
id: us-dev-test-nlets
title: "Reports on Nlets queries of the department's records"
citation: "Test reports on Nlets (2025)"
jurisdiction: US
authority: secondary
label: "news and letters: reported, not law"
url: https://example.test/nlets
as_of: 2025-11-12
verified: secondary
---

Letters to governors reported that immigration agents ran Nlets queries against the department's records. The letters asked each governor to limit what Nlets carries.
"""


def test_a_question_naming_what_only_reports_tell_of_gets_their_sentence_second(tmp_path):
    # Twentieth session: "can ICE use Nlets to get California DMV data" quoted the DMV's ban and
    # then our note; what is reported of Nlets (a report we digested) is quoted second, as reported.
    # Only for what only reports tell of (REPORTED_ONLY): otherwise reports are listed, not quoted.
    law = NETWORKS[:NETWORKS.index("## Notes")]
    r = _corpus(tmp_path, **{"ca/veh-9999.5.md": law, "ca/veh-9999.4.md": BAN,
                             "developments/us-dev-test-nlets.md": NLETS_REPORT})
    answer = answer_question(r, "can immigration agents get the department's records through Nlets",
                             settings=AnswerSettings(abstain_below=0.0, context_floor=0.0, rare_share=0.5))
    assert answer.sentences[0].text.startswith("No agency or person may obtain or use information")
    assert answer.sentences[1].text.startswith("Letters to governors reported") and answer.sentences[1].authority == "secondary"


def test_content_words_keep_section_numbers():
    """A note restating § 1808.48 is recognised by its words and section number (restated):
    a later module-level regex once shadowed the one that keeps numbers, silently."""
    from kb.answer import _content_words

    assert {"1808.48", "1798.24"} <= _content_words("Under § 1808.48 and Civ. Code § 1798.24, no one may.")


def _statute(number: str, title: str, body: str, code: str = "VEH", extra: str = "") -> str:
    """A California statute file for a test corpus: front matter (`extra`, more fields) and body."""
    law = {"VEH": "Veh.", "GOV": "Gov."}[code]
    return (f"---\nid: ca-{code.lower()}-{number}\ntitle: {title}\ncitation: Cal. {law} Code § {number}\n"
            f"jurisdiction: CA\nauthority: statute\nurl: https://leginfo.legislature.ca.gov/faces/"
            f"codes_displaySection.xhtml?lawCode={code}&sectionNum={number}.\nas_of: 2026-11-25\n{extra}---\n\n{body}")


HISTORY_NOTES = _statute("9999.6", "Records of a test program", """\
Section 9999.6 keeps the department's test program records confidential.

## (a)

The department must keep test program records confidential.

## History

Enacted in 1996 as section 42 of a test act. A parallel rule on test program records was enacted for the department's own test program section.
""")


def test_a_when_question_quotes_the_history_sentence_that_names_a_year(tmp_path):
    # The remark beside the event shares more of the question's words; the year answers it.
    r = _corpus(tmp_path, **{"ca/veh-9999.6.md": HISTORY_NOTES})
    texts = _texts(r, "when was the test program records section enacted")
    assert texts[0] == "Enacted in 1996 as section 42 of a test act."


TWO_ACTS = {
    "ca/gov-9999.40.md": _statute("9999.40", "Notices to people in jail", """\
Section 9999.40 sets the notices a jail gives people in custody under the TRUTH Act.

## (a)

A jail must give a person in custody a copy of any hold request it receives.

## History

Added by AB 2792 (Bonta), chapter 768, Statutes of 2016.
""", code="GOV", extra='history:\n  - "Added by AB 2792 (Stats. 2016, ch. 768)"\n'),
    "ca/gov-9999.41.md": _statute("9999.41", "Limits on jails", """\
Section 9999.41 sets what a jail may not do under the Values Act.

## (a)

A jail may not hold a person for immigration enforcement.

## History

In what year it took effect: the act took effect in the year 2018, after SB 54 was approved in 2017.
""", code="GOV", extra='history:\n  - "Added by SB 54 (Stats. 2017, ch. 495)"\n'),
}


def test_a_when_question_naming_an_act_by_its_popular_name_is_answered_from_its_bills_history(tmp_path):
    # "la ley TRUTH": the TRUTH Act is AB 2792, whose History event answers, not the Values Act's
    # History sentence that shares the words "took effect".
    r = _corpus(tmp_path, **TWO_ACTS)
    for question in ("¿en qué año entró en vigor la ley TRUTH?", "what year did the TRUTH Act take effect"):
        texts = _texts(r, question)
        assert texts[0].startswith("Added by AB 2792"), (question, texts)


def test_a_when_question_answered_with_a_year_quotes_no_unrelated_rule_after_it(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": PHOTOS})
    loose = answer_question(r, "when was Cal. Veh. Code § 9999.3 enacted?",
                            settings=AnswerSettings(abstain_below=0.0, second_sentence=1.01))
    # Only the event; the photo, employer and card rules of the same section do not answer "when"
    # (the card rule states a date, so it may follow).
    assert loose.sentences[0].text == "Added by a test act, effective Jan. 1, 2023"
    assert all("2027" in s.text for s in loose.sentences[1:])
    close = answer_question(r, "when was Cal. Veh. Code § 9999.3 enacted?",
                            settings=AnswerSettings(abstain_below=0.0, second_sentence=-1.0))
    assert len(close.sentences) > len(loose.sentences)  # a rule close to the question still follows


def test_a_third_rule_is_quoted_only_when_it_bears_on_the_question(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.3.md": PHOTOS})
    # ("decline", not "refuse": an employer refusing a card would put the employer rule first.)
    question = "must the department issue identification cards, sell photographs, or let employers decline to hire"

    def passages(second_sentence):
        settings = AnswerSettings(abstain_below=0.0, law_floor=0.0, second_sentence=second_sentence)
        answer = answer_question(r, question, settings=settings)
        return {s.chunk_ids[0] for s in answer.sentences if s.authority == "statute"}

    assert len(passages(-1.0)) >= 3  # every rule bears on the question: three passages quoted
    assert len(passages(1.01)) == 2  # none does: the first two, by rank, and no third


LISTED = _statute("9999.7", "Relief a court may award", """\
Section 9999.7 lists the relief a court may award for misuse of department records.

## (a)

A court may award the relief listed in paragraphs (1) to (2).

### (1)

The court may award punitive damages for willful misuse of department records.

### (2)

The court may award attorney fees.
""")


def test_a_rule_pointing_to_its_listed_items_is_followed_by_the_item_asked_about(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.7.md": LISTED})
    question = "may a court award the relief listed in paragraphs for punitive damages"
    rule = "A court may award the relief listed in paragraphs (1) to (2)."

    def texts(item_floor):
        settings = AnswerSettings(abstain_below=0.0, context_floor=0.0, law_passages=1, item_floor=item_floor)
        return _texts(r, question, settings=settings)

    found = texts(-1.0)
    assert rule in found
    assert found[found.index(rule) + 1] == "The court may award punitive damages for willful misuse of department records."
    alone = texts(1.01)  # no item close enough: the rule is not followed by an item it lists
    assert alone[0] == rule and len(alone) == 1


NETWORK_LIMIT = _statute("9999.8", "A test network", """\
Section 9999.8 governs the test network through which agencies reach department data. Its subscribers may not use department data from it for immigration enforcement.

## (a)

The Attorney General sets the network's policies.

## (b)

A subscriber may not use information other than criminal history from the network for immigration enforcement.
""", code="GOV")


def test_a_question_naming_a_law_leads_with_that_laws_own_immigration_limit(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.8.md": NETWORK_LIMIT})
    texts = _texts(r, "does Cal. Gov. Code § 9999.8 let ICE see department data")
    # Not the summary, whose first sentence (all an answer quotes of it) only describes the network.
    assert texts[0] == ("A subscriber may not use information other than criminal history from the network for "
                        "immigration enforcement.")


KEYED = _statute("9999.9", "Test section with a question it answers", """\
Section 9999.9 sets the department's office hours.

## (a)

The department's offices open at eight each weekday.
""", extra='questions:\n  "(a)": ["when does the bakery open on sundays"]\n')


def test_off_the_subject_a_key_counts_only_near_a_paraphrase(tmp_path):
    # "bakery ... sundays" shares no word group with the corpus's subject (kb/subject.py); only a
    # key is close to it (cosine 1.0 with itself), no passage is.
    r = _corpus(tmp_path, **{"ca/veh-9999.9.md": KEYED})
    question = "when does the bakery open on sundays"
    near = answer_question(r, question, settings=AnswerSettings(context_floor=0.0, key_floor=0.72))
    assert not near.abstained
    far = answer_question(r, question, settings=AnswerSettings(context_floor=0.0, key_floor=1.01))
    assert far.abstained and "best similarity" in far.reason


# --- issue 13, fifth session: whom a limit binds; laws and bodies the corpus does not hold -----

TWO_LIMITS = _statute("9999.10", "Two limits on immigration enforcement", """\
Section 9999.10 sets two limits on sharing a person's home address for immigration enforcement.

## (a)

A law enforcement agency may not give a person's home address, from any database, to anyone for immigration enforcement.

## (b)

No one may obtain information the DMV keeps for the purpose of immigration enforcement.
""", code="GOV")


def test_the_immigration_limit_that_leads_binds_whoever_the_question_says_holds_the_records(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.10.md": TWO_LIMITS})
    police = "A law enforcement agency may not give a person's home address"
    dmv = "No one may obtain information the DMV keeps"
    # (a) shares more of this question's words ("home address", "give"); (b) binds the DMV it names.
    assert _texts(r, "is it legal for the DMV to give ICE my home address from its database")[0].startswith(dmv)
    assert _texts(r, "is it legal for the police to give ICE my home address from a database")[0].startswith(police)
    # In Spanish too: "la migra", "sacaron" (obtained) and "licencia" read through the glossary.
    assert _texts(r, "la migra sacaron mi domicilio de mi licencia del DMV?")[0].startswith(dmv)



def test_a_dmv_limit_ranked_below_others_leads_a_question_on_what_the_dmv_tells_ice(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.10.md": TWO_LIMITS})
    police = "A law enforcement agency may not give a person's home address"
    dmv = "No one may obtain information the DMV keeps"
    question = "does the DMV tell ICE my home address from a database"
    # Only the first passage of law is near enough to be weighed (rerank_depth=1): the police's
    # limit, which shares the question's words. The DMV's limit, found further down, leads.
    near = AnswerSettings(abstain_below=0.0, context_floor=0.0, rerank_depth=1)
    assert _texts(r, question, settings=dataclasses.replace(near, ban_depth=1))[0].startswith(police)
    assert _texts(r, question, settings=near)[0].startswith(dmv)
    # "tell ICE" asks whether the DMV discloses; "tell me" asks for notice, which no limit answers.
    assert not _texts(r, "does the DMV tell me if ICE gets my home address from a database", settings=near)[0].startswith(dmv)


NETWORK_LIMITS = _statute("9999.20", "Two limits on police records", """\
Section 9999.20 limits what police records may be used for in immigration enforcement.

## (a)

A law enforcement agency may not answer a request from deputies or ICE for a home address for immigration enforcement.

## (b)

A subscriber to CLETS may not use information sent through it for immigration enforcement.
""", code="GOV")


def test_a_question_naming_a_network_leads_with_that_networks_own_limit(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.20.md": NETWORK_LIMITS})
    clets = "A subscriber to CLETS may not use"
    # (a) binds the police the question names ("deputies") and shares more of its words.
    assert not _texts(r, "can deputies answer ICE's home address request for immigration records")[0].startswith(clets)
    assert _texts(r, "can deputies answer ICE's home address request for immigration records through CLETS")[0].startswith(clets)


RULE_AND_ITEMS = _statute("9999.21", "Tax numbers", """\
Section 9999.21 keeps an applicant's tax number confidential.

## (a)

An applicant's tax number is not a public record, and the department shall not disclose the tax number except as in (1) and (2).

### (1)

The department may disclose the tax number to the state tax board, which uses the number for collecting unpaid income taxes from residents and businesses.

### (2)

The department may disclose the tax number to a court hearing a case in which the applicant is a party.
""")


def _rows_by_citation(r):
    """Citation -> row, for every passage of the index (a citation's last row)."""
    return {r.index.chunks[row].chunk.citation: row for row in range(len(r.index.chunks))}


def _lead_after(reorder, r, question, rows):
    """The row leading the law once `reorder` (an answer step reordering the passages of law) has
    seen `rows` ranked in that order, for `question`."""
    query = parse_query(question)
    ranked = Ranking(np.asarray(rows, dtype=np.int64), np.linspace(2.0, 1.9, len(rows)))
    return reorder(r, query, _SentenceTable(r, query), ranked, AnswerSettings())[0][0]


def test_a_rule_ranked_just_below_its_item_leads_unless_the_question_is_closer_to_the_item(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.21.md": RULE_AND_ITEMS})
    rows = {r.index.chunks[row].chunk.citation: row for row in r.resolver.source_rows("ca-veh-9999.21")}
    rule, item = rows["Cal. Veh. Code § 9999.21(a)"], rows["Cal. Veh. Code § 9999.21(a)(1)"]

    def lead(question):
        return _lead_after(_rule_before_item, r, question, [item, rule])

    # Asked about the rule, it comes before the case it excepts; asked about the case, the item leads.
    assert lead("is an applicant's tax number a public record the department shall not disclose") == rule
    assert lead("may the department disclose the tax number to the state tax board for unpaid income taxes") == item


def test_a_limit_stored_in_windows_is_found_and_quoted_by_its_first_window(tmp_path, monkeypatch):
    from kb.config import ChunkerSettings

    filler = " ".join(f"Filler clause {i} concerns unrelated paperwork." for i in range(30))
    limits = _statute("9999.22", "Two limits", f"""\
Section 9999.22 limits two kinds of sharing for immigration enforcement.

## (a)

A law enforcement agency may not give a person's home address to anyone for immigration enforcement.

## (b)

No one may obtain information the DMV keeps for the purpose of immigration enforcement. {filler} A data broker that buys DMV records and resells them is one such person.
""", code="GOV")
    monkeypatch.setattr("kb.indexing.chunker_settings_for", lambda spec, emb=None: ChunkerSettings(max_tokens=120))
    r = _corpus(tmp_path, **{"ca/gov-9999.22.md": limits})
    assert sum(c.chunk.citation == "Cal. Gov. Code § 9999.22(b)" for c in r.index.chunks) > 1  # stored in windows
    # (b)'s last window holds the question's words; its rule, binding the DMV named, is in its first.
    texts = _texts(r, "a data broker buys DMV records and resells them to ICE, is that legal")
    assert texts[0].startswith("No one may obtain information the DMV keeps")


def test_a_later_window_ranked_best_is_quoted_after_its_passages_rule(tmp_path, monkeypatch):
    from kb.config import ChunkerSettings

    filler = " ".join(f"Filler clause {i} concerns unrelated paperwork." for i in range(30))
    papers = _statute("9999.23", "Applicants' papers", f"""\
Section 9999.23 keeps applicants' papers confidential.

## (b)

The department shall not disclose an applicant's papers except in response to a subpoena. {filler} A subpoena qualifies only if it is for individual records in a criminal case.
""")
    monkeypatch.setattr("kb.indexing.chunker_settings_for", lambda spec, emb=None: ChunkerSettings(max_tokens=120))
    r = _corpus(tmp_path, **{"ca/veh-9999.23.md": papers})
    texts = _texts(r, "does a subpoena qualify if it is for individual records in a criminal case")
    qualifier = "A subpoena qualifies only if it is for individual records in a criminal case."
    # The qualifier's window ranks best; the rule it qualifies, in the first window, comes first.
    assert qualifier in texts and texts[0].startswith("The department shall not disclose an applicant's papers")


FEDERAL_PERMISSION = FEDERAL.replace(
    "Any government agency may receive personal information to carry out its functions.",
    "A state DMV may disclose personal information to a landlord checking a tenant.")


def test_californias_rule_leads_a_federal_permission_ranked_just_above_it(tmp_path):
    r = _corpus(tmp_path, **{"us/usc-18-9721.md": FEDERAL_PERMISSION})
    cites = _rows_by_citation(r)
    federal, california = cites["18 U.S.C. § 9721(b)(1)"], cites["Cal. Veh. Code § 9999.1(a)"]

    def lead(question):
        return _lead_after(_home_rule_before_federal_permission, r, question, [federal, california])

    # The federal rule only permits; California's rule on its DMV's records decides.
    assert lead("can my landlord get my residence address from the department") == california
    # Asked what federal law says, federal law leads.
    assert lead("under federal law can my landlord get my address from the DMV") == federal
    assert lead("does the DPPA let my landlord get my address") == federal
    # Federal law counts as "home" for answering, but what leads a federal permission is
    # California's rule, not another federal passage ranked between them (the summary here).
    summary = cites["18 U.S.C. § 9721"]
    assert _lead_after(_home_rule_before_federal_permission, r, "can my landlord get my residence address from the "
                       "department", [federal, summary, california]) == california


UNRELATED_BAN = _statute("9999.75", "Applicants' papers", """\
Section 9999.75 keeps applicants' papers confidential.

## (a)

The department shall not disclose the identity papers an applicant hands in.
""")


def _permission_and_ban(tmp_path, permission: str, ban_path: str, ban: str):
    """A corpus whose federal passage permits `permission` and whose California file `ban_path`
    holds `ban`; with the federal permission ranked first, California's (a) second."""
    federal = FEDERAL.replace("Any government agency may receive personal information to carry out its functions.",
                              permission)
    r = _corpus(tmp_path, **{"us/usc-18-9721.md": federal, ban_path: ban})
    cites = _rows_by_citation(r)
    citation = "Cal. Veh. Code § " + ban_path.removeprefix("ca/veh-").removesuffix(".md") + "(a)"
    return r, [cites["18 U.S.C. § 9721(b)(1)"], cites[citation]]


def test_a_california_ban_on_something_else_does_not_lead_a_federal_permission(tmp_path):
    # "can a private investigator get my DMV record" led with Veh. Code § 12800.7(b), on the
    # documents applicants give the DMV, before the DPPA's use for licensed investigators: a ban,
    # but not on what was asked (twentieth session).
    r, ranked = _permission_and_ban(tmp_path, "A state DMV may disclose personal information to a licensed private "
                                    "investigator.", "ca/veh-9999.75.md", UNRELATED_BAN)
    question = "can a licensed private investigator get personal information from the DMV"
    assert _lead_after(_home_rule_before_federal_permission, r, question, ranked) == ranked[0]


IMMIGRATION_BAN = _statute("9999.74", "No records for immigration enforcement", """\
Section 9999.74 bars using department records for immigration enforcement.

## (a)

No person may obtain department records for the purpose of immigration enforcement.
""")


def test_a_rule_limiting_immigration_enforcement_leads_a_federal_permission_only_on_that_subject(tmp_path):
    # "can someone get my DMV records with a subpoena" had led with Veh. Code § 1808.48.
    r, ranked = _permission_and_ban(tmp_path, "A state DMV may disclose personal information for use in a court case, "
                                    "by subpoena.", "ca/veh-9999.74.md", IMMIGRATION_BAN)
    for question, leads in (("can someone get my department records with a subpoena", ranked[0]),
                            ("can ICE get my department records with a subpoena", ranked[1])):
        assert _lead_after(_home_rule_before_federal_permission, r, question, ranked) == leads, question


def test_a_leading_when_clause_is_a_condition_not_a_question_about_dates():
    assert asks_when("when did AB 60 take effect") and asks_when("when was SB 54 signed")
    assert asks_when("what year did the DMV stop selling addresses") and asks_when("cuándo entró en vigor AB 1747")
    assert asks_when("from what date could people apply without a social security number")
    assert asks_when("which bill created the ID card, and what year was it")
    assert asks_when("the feds asked for a rehearing. on what date was that turned down")
    assert not asks_when("what date of birth does the DMV need") and not asks_when("by what means can ICE get it")
    assert asks_when("¿en qué fecha firmó el gobernador la ley?") and asks_when("que año se aprobó AB 60")
    assert asks_when("since what date has 1808.48 been in effect")
    assert asks_when("when ab 60 started")  # no question after it: the date is what is asked
    assert not asks_when("when police answer ICE's rap sheet request through CLETS can they add the address")
    assert not asks_when("when the AB 60 ID cards come out, do the rules cover them")
    # Whether a law is still in force: its History answers, not a rule's own operative date.
    from kb.answer import _STILL_IN_FORCE

    assert asks_when("is the TRUTH act still in effect") and asks_when("has SB 54 been repealed")
    assert _STILL_IN_FORCE().search("is AB 60 still the law") and not _STILL_IN_FORCE().search("when did AB 60 start")
    assert not asks_when("is my license still valid if ICE detains me")  # the license, not a law
    assert not asks_when("when DMV hands my record to the police, what does it write down")


MENTIONS_A_BILL = _statute("9999.11", "A section that mentions another bill", """\
Section 9999.11 keeps the department's records of employers confidential.

## (a)

The department must keep records of employers confidential; AB 9450 of another year made no change to this rule.
""", extra='history: ["Added by AB 9411, effective Jan. 1, 2020"]\n')


def test_a_question_about_a_bill_the_corpus_only_mentions_gets_the_closest_law_saying_so(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.11.md": MENTIONS_A_BILL})
    mentioned = answer_question(r, "under AB 9450 can my employer see the department's records", settings=OPEN)
    assert mentioned.sentences and mentioned.closest
    assert mentioned.reason == "the corpus holds no text of AB 9450, which it only mentions"
    unknown = answer_question(r, "under AB 9452 can my employer see the department's records", settings=OPEN)
    assert unknown.closest and unknown.reason == "the corpus holds no text of AB 9452"
    held = answer_question(r, "under AB 9411 can my employer see the department's records", settings=OPEN)
    assert not held.closest and held.reason == ""  # its history names the bill: the corpus holds it


REPORT = """\
---
id: ca-dev-ab9477
title: "AB 9477 (2026), a pending bill on employers' records"
citation: "AB 9477 (Cal. 2025–2026 Reg. Sess.)"
jurisdiction: CA
authority: secondary
label: "a pending bill known from summaries; not law as read"
url: https://leginfo.legislature.ca.gov/faces/billNavClient.xhtml?bill_id=202520260AB9477
as_of: 2026-07-10
status: pending
---

AB 9477 would let employers see the department's records of employers.
"""


def test_a_question_about_a_bill_known_only_from_a_report_says_so(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.11.md": MENTIONS_A_BILL, "developments/ca-dev-ab9477.md": REPORT})
    answer = answer_question(r, "what would AB 9477 change for employers and the department's records", settings=OPEN)
    assert answer.closest and answer.reason == "the corpus holds only reports of AB 9477, listed below, not its text"
    assert all(s.authority != "secondary" for s in answer.sentences)  # a report is listed, never quoted


def test_a_question_about_records_no_law_here_governs_is_refused_saying_whose(tmp_path):
    r = _corpus(tmp_path)
    outside = answer_question(r, "does USCIS give my application file to ICE", settings=OPEN)
    assert outside.abstained and not outside.sentences and outside.hits  # the closest listed, not quoted
    assert outside.reason.startswith("the corpus holds no law on the records of USCIS: it covers")
    # Whoever the question asks about sharing, when no law here binds them, not only those listed.
    post = answer_question(r, "can the post office tell ICE where I live", settings=OPEN)
    assert post.abstained and post.reason.startswith(
        "the corpus holds no law on what the post office may share with immigration enforcement")
    # Naming the DMV as well, the question is about records the corpus's law governs.
    both = answer_question(r, "does the DMV give my USCIS application file to ICE", settings=OPEN)
    assert not both.abstained and "USCIS" not in both.reason and not both.closest
    # A question citing a section asks about that law, whoever it names.
    cited = answer_question(r, "does § 9999.1 let the post office tell ICE where I live", settings=OPEN)
    assert not cited.abstained


def test_a_cited_subdivision_the_corpus_lacks_is_said_to_be_missing(tmp_path):
    r = _corpus(tmp_path)
    missing = answer_question(r, "what does Cal. Veh. Code § 9999.1(c) say about addresses", settings=OPEN)
    assert missing.sentences and missing.closest  # the section's other passages, as the closest law
    assert missing.reason == "the corpus holds Cal. Veh. Code § 9999.1 but not its subdivision (c)"
    by_id = {h.chunk.id: h for h in missing.hits}
    assert by_id[missing.sentences[0].chunk_ids[0]].chunk.citation.startswith("Cal. Veh. Code § 9999.1")
    # So does a bare number with a subdivision the section lacks, staff's shorthand, though
    # another file shares more of the question's words.
    bare = answer_question(r, "what does 9999.1(z) say about any government agency receiving personal information",
                           settings=OPEN)
    assert bare.reason == "the corpus holds Cal. Veh. Code § 9999.1 but not its subdivision (z)"
    assert {h.chunk.id: h for h in bare.hits}[bare.sentences[0].chunk_ids[0]].chunk.citation.startswith(
        "Cal. Veh. Code § 9999.1")
    partial = answer_question(r, "what does 18 U.S.C. § 9721(c) say", settings=OPEN)
    assert partial.reason == "the corpus holds our digest of 18 U.S.C. § 9721 but not its subdivision (c)"
    section = answer_question(r, "what does Cal. Veh. Code § 9998 say about addresses", settings=OPEN)
    assert section.reason == "the corpus holds no text of Cal. Veh. Code § 9998"
    held = answer_question(r, "what does Cal. Veh. Code § 9999.1(a) say", settings=OPEN)
    assert held.reason == "" and not held.closest


HOLDS = _statute("9999.12", "Holds for immigration enforcement", """\
Section 9999.12 governs holding people in jail for immigration enforcement.

## (a)

A person in jail is eligible for release once a judge releases the person on their own recognizance or bail is posted.

## (b)

A law enforcement agency may not detain a person on the basis of a hold request, for immigration enforcement.
""", code="GOV")


def test_whether_a_jail_may_keep_someone_for_ice_leads_with_the_ban_on_holding(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.12.md": HOLDS})
    ban = "A law enforcement agency may not detain a person on the basis of a hold request"
    # (a) shares more of the question's words; the ban on holding for ICE decides it.
    texts = _texts(r, "the judge released my brother on his own recognizance but the jail is keeping him for ICE, "
                      "is he eligible for release")
    assert texts[0].startswith(ban)
    # Reporting numbers of transfers is not holding anyone: the ban does not jump ahead there.
    report = _texts(r, "is a person in jail eligible for release once a judge releases the person, do they report "
                       "transfers to ICE")
    assert not report[0].startswith(ban)


AGREEMENTS = _statute("9999.13", "Agreements with immigration authorities", """\
Section 9999.13 governs agreements between counties and immigration authorities.

## (a)

Nothing in this section requires a county to sign an agreement with immigration authorities, and a county may ask about one.

## (b)

A law enforcement agency may not perform the functions of an immigration officer under a 287(g) agreement, for immigration enforcement.
""", code="GOV")


def test_whether_a_county_may_work_with_ice_leads_with_the_limit_on_doing_so(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.13.md": AGREEMENTS})
    ban = "A law enforcement agency may not perform the functions of an immigration officer"
    # (a) shares more of the question's words; the limit on local agencies decides it.
    question = "is my county required to sign an agreement with immigration authorities to work with ICE, can it ask"
    assert _texts(r, question)[0].startswith(ban)


THREE_PARTIES = _statute("9999.12", "Discrimination against holders of a card", """\
Section 9999.12 forbids discrimination against a person who holds or presents the department's card.

## (g)

Discriminating against a person because the person holds or presents the card is unlawful.

### (1)

A business establishment violates the civil rights act if it discriminates against a person because the person presents the card.

### (2)

An employer violates the employment act if it discriminates against a person because the person holds or presents the card, or turns the person away for presenting it.

### (3)

A state or local governmental authority violates the funding act if it discriminates against a person because the person presents the card.
""")


def test_of_sibling_rules_the_one_binding_the_party_the_question_names_leads(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.12.md": THREE_PARTIES})
    employer, business = "An employer violates", "A business establishment violates"
    government = "A state or local governmental authority violates"
    # (2) shares the most words with each question ("turns the person away", "holds or presents").
    asked = "they turned me away because I hold and present the card, a person who holds or presents it"
    assert _texts(r, f"my boss: {asked}")[0].startswith(employer)
    assert _texts(r, f"the gym: {asked}")[0].startswith(business)
    assert _texts(r, f"the county clinic: {asked}")[0].startswith(government)
    # A cited subdivision is answered as cited, whoever the question names.
    assert _texts(r, f"Cal. Veh. Code § 9999.12(g)(2) at the gym: {asked}")[0].startswith(employer)


def test_a_rule_binding_no_party_yields_to_its_item_binding_the_party_named(tmp_path):
    from kb.answer import _sibling_binding

    r = _corpus(tmp_path, **{"ca/veh-9999.12.md": THREE_PARTIES})
    cites = _rows_by_citation(r)
    rule, employer = cites["Cal. Veh. Code § 9999.12(g)"], cites["Cal. Veh. Code § 9999.12(g)(2)"]
    business = cites["Cal. Veh. Code § 9999.12(g)(1)"]
    query = parse_query("my boss saw the card, is discriminating against me unlawful")
    ranked = Ranking(np.asarray([rule, business, employer], dtype=np.int64), np.linspace(2.0, 1.9, 3))
    table = _SentenceTable(r, query)
    assert _sibling_binding(r, table, rule, ranked, frozenset({"employer"}), AnswerSettings()) == employer
    assert _sibling_binding(r, table, rule, ranked, frozenset(), AnswerSettings()) is None
    # A rule binding no party that is not the items' parent keeps its place.
    summary = cites["Cal. Veh. Code § 9999.12"]
    assert _sibling_binding(r, table, summary, ranked, frozenset({"employer"}), AnswerSettings()) is None


def test_an_errand_is_refused_even_when_it_names_a_law_the_corpus_holds(tmp_path):
    r = _corpus(tmp_path)
    for errand in ("can I renew my AB 60 license online", "my car got towed, how do I get it out of impound",
                   "mi licencia se vence, ¿puedo renovar en línea?"):
        answer = answer_question(r, errand, settings=OPEN)
        assert answer.abstained and "errand" in answer.reason, errand
    # The same errand asking about records or immigration is about the corpus's subject.
    for about in ("when I renew my license can the DMV share my address with ICE",
                  "the tow yard impounded my car, can they get my license photo from the DMV"):
        assert not answer_question(r, about, settings=OPEN).abstained, about


BULLETIN = """\
---
id: ca-agency-test-bulletin
title: A test department bulletin on record keeping
citation: "Test Dep't, Information Bulletin No. 77-12-TEST (Jan. 2, 2020)"
jurisdiction: CA
authority: agency
url: https://example.gov/bulletins
as_of: 2020-01-02
---

Information Bulletin 77-12-TEST asks agencies to review how they keep department records private.

## What it asks

The bulletin asks each agency to review its record keeping policy once a year.
"""


def test_a_question_naming_an_agency_document_is_answered_first_by_its_statement_labelled(tmp_path):
    r = _corpus(tmp_path, **{"agency/test-bulletin.md": BULLETIN})
    for question in ("what does bulletin 77-12-TEST ask about keeping department records private",
                     "what did the department's bulletin ask about keeping department records private"):
        first = answer_question(r, question, settings=OPEN).sentences[0]
        assert first.authority == "agency", question
    # Named by number, the document answers though another bulletin ranks first.
    from kb.answer import _named_document
    from kb.query import parse_query

    other = BULLETIN.replace("ca-agency-test-bulletin", "ca-agency-other-bulletin").replace("77-12-TEST", "88-01-OTHER")
    r = _corpus(tmp_path / "two", **{"agency/test-bulletin.md": BULLETIN, "agency/other-bulletin.md": other})
    rows = {sid: r.resolver.source_rows(sid)[0] for sid in ("ca-agency-test-bulletin", "ca-agency-other-bulletin")}
    ranked = [(rows["ca-agency-other-bulletin"], 2.0), (rows["ca-agency-test-bulletin"], 1.0)]
    named = _named_document(r, parse_query("what does bulletin 77-12-TEST ask"), ranked)
    assert named and {r.source_of(row).id for row in named} == {"ca-agency-test-bulletin"}
    by_kind = _named_document(r, parse_query("what does the bulletin ask"), ranked)
    assert by_kind and {r.source_of(row).id for row in by_kind} == {"ca-agency-other-bulletin"}
    # Not named: the law answers, and the agency's statement is at most listed.
    unnamed = answer_question(r, "must the department keep records private", settings=OPEN)
    assert unnamed.sentences[0].authority != "agency"


def test_a_long_passage_gives_its_second_sentence_from_any_of_its_windows(tmp_path, monkeypatch):
    from kb.config import ChunkerSettings

    filler = " ".join(f"Filler clause {i} concerns unrelated paperwork." for i in range(30))
    long_rule = _statute("9999.13", "Cards at work", f"""\
Section 9999.13 limits what an employer may ask for.

## (a)

An employer may not ask a worker to show the card because of how it was issued. {filler} A worker's driver's license may be asked for only when driving is part of the job.
""")
    monkeypatch.setattr("kb.indexing.chunker_settings_for", lambda spec, emb=None: ChunkerSettings(max_tokens=120))
    r = _corpus(tmp_path, **{"ca/veh-9999.13.md": long_rule})
    assert sum(c.chunk.citation == "Cal. Veh. Code § 9999.13(a)" for c in r.index.chunks) > 1  # stored in windows
    # The first window answers best; the sentence on a driver's license is in a later one.
    texts = _texts(r, "may an employer ask a worker to show the card because of how it was issued, "
                      "or a driver's license",
                   settings=AnswerSettings(abstain_below=0.0, context_floor=0.0, second_sentence=0.2))
    assert texts[0].startswith("An employer may not ask a worker to show the card")
    assert "A worker's driver's license may be asked for only when driving is part of the job." in texts


DEFINITIONS = _statute("9999.14", "Definitions for a test act", """\
Section 9999.14 defines the terms of a test act on officers and agencies.

## (a)

A "border officer" under the test act is any officer who performs immigration enforcement functions at a port of entry or near the border.

## (b)

An "agency" under the test act means any county or city agency that keeps records on officers.

## (c)

An agency may not give an officer's home address to anyone who asks for it without a court order.
""", code="GOV")


def test_a_question_asking_what_a_term_means_leads_with_its_definition(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.14.md": DEFINITIONS})
    defined = 'A "border officer" under the test act is any officer'
    # (c) shares more of the question's words; the definition decides whether the officer is one.
    for question in ("is a county agency officer who asks for a home address a 'border officer' under the test act",
                     "does border officer include an officer at a county agency asking for a home address",
                     "would an agency officer asking for a home address count as a border officer"):
        assert _texts(r, question)[0].startswith(defined), question
    # Using the term is not asking what it means.
    plain = _texts(r, "can a border officer get an officer's home address from a county agency without a court order")
    assert not plain[0].startswith(defined)


POLICIES = _statute("9999.15", "Model policies for places", """\
Section 9999.15 has the Attorney General write model policies for some public places.

## (a)

The Attorney General shall publish model policies limiting help to immigration enforcement at public schools, health
facilities and shelters.

## (b)

A county agency may not give ICE the records it keeps about a kid or a family without a court order.
""", code="GOV")


def test_a_question_about_a_place_the_model_policies_name_is_declined_with_them_listed_first(tmp_path):
    # No rule says what a school may share: declined (the eval's writers, asked for questions kb
    # should decline, wrote these), saying the closest the law comes is the model policies, whose
    # passage is listed first though (b) shares more of the question's words.
    r = _corpus(tmp_path, **{"ca/gov-9999.15.md": POLICIES})
    answer = answer_question(r, "can the school give ICE the records it keeps about my kid", settings=OPEN)
    assert answer.abstained and not answer.sentences
    assert answer.reason.startswith("the corpus holds no law on what the school may share with immigration "
                                    "enforcement, beyond the model policies Gov. Code § 7284.8(a)")
    assert answer.hits[0].chunk.text.startswith("The Attorney General shall publish model policies")
    # Named with more words ("school district"): the place is the school, which the policies name.
    district = answer_question(r, "can my kid's school district give ICE the records it keeps about my kid", settings=OPEN)
    assert district.abstained
    assert district.hits[0].chunk.text.startswith("The Attorney General shall publish model policies")


def test_a_place_a_county_runs_is_still_a_place_of_the_model_policies(tmp_path):
    # "the county hospital": a county runs it, yet no rule here says what a hospital may share
    # (the county word once made it a body the corpus's law binds, and DMV and police law answered).
    # Declined, the policies listed first: they say "health facilities", not "hospital".
    r = _corpus(tmp_path, **{"ca/gov-9999.15.md": POLICIES})
    answer = answer_question(r, "can the county hospital tell ICE I'm undocumented", settings=OPEN)
    assert answer.abstained and not answer.sentences
    assert answer.reason.startswith("the corpus holds no law on what the county hospital may share")
    assert answer.hits[0].chunk.text.startswith("The Attorney General shall publish model policies")
    # Who shares unsaid, the place named where it happens (in Spanish, "del condado" after it).
    spanish = answer_question(r, "si voy al hospital del condado, ¿me reportan a inmigración?", settings=OPEN)
    assert spanish.abstained and spanish.reason.startswith("the corpus holds no law on what the hospital may share")
    assert spanish.hits[0].chunk.text.startswith("The Attorney General shall publish model policies")


UPLOAD_REPORT = """\
---
id: dev-test-upload
title: "Reports of the state's 2026 decision to upload license data to a national pointer system"
citation: "News reports of the 2026 upload decision"
jurisdiction: CA
authority: secondary
label: "news reports; not law"
url: https://example.org/upload
as_of: 2026-07-02
status: pending
verified: secondary
source_read: ["https://example.org/upload"]
---

According to news reports, the legislature voted in June 2026 to have the department upload every license holder's data to a national pointer system run by a nonprofit of motor vehicle agencies.
"""


def test_a_report_we_digested_leads_a_question_about_the_reported_event_labelled_as_reports(tmp_path):
    from kb.render import answer_text

    r = _corpus(tmp_path, **{"developments/dev-test-upload.md": UPLOAD_REPORT})
    answer = answer_question(r, "did the legislature vote to upload license holders data to the national pointer system",
                             settings=LOOSE)
    lead = answer.sentences[0]
    assert lead.authority == "secondary" and lead.text.startswith("According to news reports, the legislature voted")
    # No law decides it, and the answer says what the sentence is.
    assert answer.closest and answer.reason == "the corpus holds reports on this, not law"
    text = " ".join(answer_text(answer).split())
    assert text.startswith("No passage of law decides this (the corpus holds reports on this, not law); "
                           "what reports say: According to news reports")
    assert re.search(r"run by a nonprofit of motor vehicle agencies\. \[\d\] \(reported, not law\)", text)
    # Asked about the law, the law leads and the report stays below it.
    law = answer_question(r, "may any government agency receive personal information", settings=LOOSE)
    assert law.sentences[0].authority == "statute" and not law.closest
    # Never with a report ranked below the law: report_lead above any score leads nothing.
    never = answer_question(r, "did the legislature vote to upload license holders data to the national pointer system",
                            settings=dataclasses.replace(LOOSE, report_lead=100.0))
    assert all(s.authority != "secondary" for s in never.sentences)


FEHA_DEFINITIONS = _statute("9999.24", "Definitions for a test fair employment act", """\
Section 9999.24 holds the definitions for a test fair employment act.

## (a)

"Employer" means any person regularly employing five or more persons.
""", code="GOV")
DEFINITIONS_RULE = _statute("9999.25", "License holders at work", """\
Section 9999.25 makes it unlawful for an employer to fire a worker for holding a test license.

## (a)

An employer shall not fire or refuse to hire a worker because the worker holds a test license.
""")


def test_a_rule_leads_a_summary_that_only_says_what_its_section_is(tmp_path):
    from kb.answer import _rule_before_summary

    r = _corpus(tmp_path, **{"ca/gov-9999.24.md": FEHA_DEFINITIONS, "ca/veh-9999.25.md": DEFINITIONS_RULE})
    cites = _rows_by_citation(r)
    about, rule = cites["Cal. Gov. Code § 9999.24"], cites["Cal. Veh. Code § 9999.25(a)"]
    stating = cites["Cal. Veh. Code § 9999.25"]  # a summary that states its section's rule

    def lead(rows, question="can my boss fire me for holding a test license"):
        query = parse_query(question)
        ranked = Ranking(np.asarray(rows, dtype=np.int64), np.linspace(2.0, 1.9, len(rows)))
        return _rule_before_summary(r, _SentenceTable(r, query), ranked, AnswerSettings())[0][0]

    assert lead([about, rule]) == rule
    assert lead([stating, rule]) == stating  # "makes it unlawful": a rule, which may lead
    assert lead([about, stating]) == about  # no rule but another summary behind it: unchanged
    # Asked what something is, saying what the section is answers it ("what is CLETS" had led
    # with the Attorney General's policies for CLETS, not the summary saying what CLETS is).
    assert lead([about, rule], "what is the test fair employment act") == about
    assert lead([about, rule], "what is FEHA") == about
    assert lead([about, rule], "¿qué es el test fair employment act?") == about  # in Spanish, as typed


def test_a_rule_leads_a_definition_the_question_does_not_ask_about(tmp_path):
    from kb.answer import _rule_before_definition

    r = _corpus(tmp_path, **{"ca/gov-9999.14.md": DEFINITIONS})
    cites = _rows_by_citation(r)
    officer, agency, rule = (cites[f"Cal. Gov. Code § 9999.14({x})"] for x in "abc")

    def lead(question, rows):
        ranked = Ranking(np.asarray(rows, dtype=np.int64), np.linspace(2.0, 1.9, len(rows)))
        out = _rule_before_definition(r, parse_query(question), ranked, AnswerSettings())
        return out.rows[:2].tolist()

    # Using "agency" is not asking what it is: the rule leads, the definition follows it.
    assert lead("can a county agency give my home address to ICE", [agency, rule]) == [rule, agency]
    # Asked what the term means, the definition stays first (as _definition_asked puts it).
    assert lead("does agency include a county agency", [agency, rule]) == [agency, rule]
    # Nothing but definitions ranked: unchanged.
    assert lead("can a county agency give my home address to ICE", [agency, officer]) == [agency, officer]


def test_a_reports_closest_sentence_is_found_in_any_window_of_its_passage(tmp_path, monkeypatch):
    from kb.answer import _Composer
    from kb.config import ChunkerSettings

    filler = " ".join(f"Filler clause {i} concerns unrelated paperwork." for i in range(30))
    long_report = UPLOAD_REPORT.replace(
        "motor vehicle agencies.\n",
        f"motor vehicle agencies. {filler} No source read says whether the governor has blocked federal agents "
        "from the pointer system.\n")
    monkeypatch.setattr("kb.indexing.chunker_settings_for", lambda spec, emb=None: ChunkerSettings(max_tokens=120))
    r = _corpus(tmp_path, **{"developments/dev-test-upload.md": long_report})
    rows = [row for row in r.resolver.source_rows("dev-test-upload") if r.index.chunks[row].chunk.is_summary]
    assert len(rows) > 1 and r.index.chunks[rows[0]].chunk.part == 0  # stored in windows
    query = parse_query("has the governor blocked federal agents from the pointer system")
    composer = _Composer(r, _SentenceTable(r, query), AnswerSettings())
    composer.add_closest(rows[0])  # the first window, whose sentences say nothing of a block
    assert [s.text for s in composer.sentences] == [
        "No source read says whether the governor has blocked federal agents from the pointer system."]


def test_a_question_asking_for_a_figure_no_answer_sentence_gives_is_answered_as_the_closest_law(tmp_path):
    r = _corpus(tmp_path)
    counted = answer_question(r, "how many residence addresses does the department keep confidential", settings=LOOSE)
    assert counted.sentences and counted.closest
    assert counted.reason == "the corpus holds no passage stating the figure asked for"
    spanish = answer_question(r, "¿cuántas direcciones guarda el departamento como confidenciales?", settings=LOOSE)
    assert spanish.closest and spanish.reason.endswith("no passage stating the figure asked for")
    # Not asked for a figure, or the figure given (a section's number is no figure): as before.
    plain = answer_question(r, "does the department keep residence addresses confidential", settings=LOOSE)
    assert not plain.closest and "figure" not in plain.reason
    assert not answer_question(r, "can the police give ICE my phone number", settings=LOOSE).reason.endswith(
        "figure asked for")


def test_a_figure_is_an_amount_or_count_not_a_sections_number_or_a_date():
    from kb.answer import _gives_figure

    assert _gives_figure("a fine of up to $5,000") and _gives_figure("within ten days")
    assert _gives_figure("about 325,000 people were told") and _gives_figure("kept for at least 7 years")
    for cited in ("under § 12801.9(d)(1)(B) the license must", "8 U.S.C. § 1373 and Stats. ch. 524",
                  "Section 12801 in this version became operative on January 1, 2015",
                  "on the next card revision on or after January 1, 2023", "enacted in 2013",
                  "one of the following"):
        assert not _gives_figure(cited), cited


def test_how_many_asks_for_a_figure_only_when_it_opens_the_question_or_a_clause():
    from kb.answer import _ASKS_FIGURE

    for asked in ("how much does a real id cost", "of the 292,000 lookups last year, how many were ours",
                  "is there a fee, and how much is it", "what was the assembly vote count on AB 60",
                  "whats the phone number for the help line", "what color is the card",
                  "what is the DMV's phone number for privacy complaints",
                  "how long does it take to get an AB 60 license"):  # a duration (nineteenth session)
        assert _ASKS_FIGURE().search(asked), asked
    assert not _ASKS_FIGURE().search("can the DMV give out my phone number")  # personal information, no figure
    # A yes-or-no question about a duty to publish counts asks for no count itself.
    assert not _ASKS_FIGURE().search("is the attorney general supposed to publish numbers on how many people "
                                     "task forces arrested")


ADDRESS_RULE = _statute("9999.31", "Residence addresses", """\
Section 9999.31 keeps residence addresses in department records confidential.

## (a)

Any residence address in any department record is confidential and may not be disclosed to any person, except to a court or a law enforcement agency.

## (b)

The department may restrict the release of any mailing address in its records.
""")
ADDRESS_EXCEPTION = _statute("9999.32", "Exceptions for banks", """\
Section 9999.32 lets banks with a signed waiver obtain addresses.

## (a)

Section 9999.31 does not apply to a bank that states under penalty of perjury that it holds a written waiver signed by the person whose address it requests.
""")
OWN_EXCEPTIONS = _statute("9999.33", "Limits on jails", """\
Section 9999.33 limits what jails do for immigration enforcement.

## (a)

A jail shall not detain a person on the basis of an immigration hold request.

## (b)

Section 9999.33 does not prevent a jail from giving immigration agents access to interview a person in custody.
""", code="GOV")


def test_a_ban_leads_an_exception_to_it_ranked_just_above_it(tmp_path):
    from kb.answer import _rule_before_exception

    r = _corpus(tmp_path, **{"ca/veh-9999.31.md": ADDRESS_RULE, "ca/veh-9999.32.md": ADDRESS_EXCEPTION,
                             "ca/gov-9999.33.md": OWN_EXCEPTIONS})
    cites = _rows_by_citation(r)
    ban, permits = cites["Cal. Veh. Code § 9999.31(a)"], cites["Cal. Veh. Code § 9999.31(b)"]
    bank = cites["Cal. Veh. Code § 9999.32(a)"]
    hold, interview = cites["Cal. Gov. Code § 9999.33(a)"], cites["Cal. Gov. Code § 9999.33(b)"]

    def order(question, rows):
        query = parse_query(question)
        ranked = Ranking(np.asarray(rows, dtype=np.int64), np.linspace(2.0, 1.9, len(rows)))
        return list(_rule_before_exception(r, _SentenceTable(r, query), ranked, AnswerSettings()).rows[:2])

    # The exception names the section it excepts: that section's ban comes first, the exception
    # second, though a passage of that section that forbids nothing ranks above the ban.
    assert order("can my landlord get my address from the department", [bank, permits, ban]) == [ban, bank]
    # Asked about the excepted case itself, much closer to the question than the ban, it leads.
    assert order("bank states under penalty of perjury it holds a written waiver signed by the person "
                 "whose address it requests", [bank, ban]) == [bank, ban]
    # A section's own exception gives way only to the ban ranked right behind it.
    assert order("can the jail keep my brother for immigration", [interview, hold]) == [hold, interview]
    assert order("can the jail keep my brother for immigration", [interview, bank, hold])[0] == interview
    # An exception does not lead unless it is first; a ban alone is unchanged.
    assert order("can my landlord get my address", [ban, bank]) == [ban, bank]


REQUESTS = _statute("9999.34", "Requests to inspect records", """\
Section 9999.34 sets the procedures for requests to inspect department records.

## (b)

### (1)

The department must require a person asking to inspect a record to identify themselves and state a reason. The procedures must also provide for notifying the person the record concerns of what was provided and to whom.

### (2)

The procedures required by paragraph (1) do not apply to a governmental entity or to a court.
""", extra='questions:\n  "(b)(1)": ["Can immigration agents inspect my record at the department?"]\n')


def test_a_sibling_exception_to_a_numbered_paragraph_follows_the_rule_at_once(tmp_path):
    # "The procedures required by paragraph (1) do not apply to …": plural, and naming the
    # paragraph by its number. Quoted right after the rule it excepts, before the rule's further
    # sentences: a government requester is not identified or reported.
    r = _corpus(tmp_path, **{"ca/veh-9999.34.md": REQUESTS})
    texts = _texts(r, "does a person asking to inspect a record have to identify themselves and state a reason")
    rule = ("The department must require a person asking to inspect a record to identify themselves and "
            "state a reason.")
    exception = "The procedures required by paragraph (1) do not apply to a governmental entity or to a court."
    assert rule in texts and exception in texts
    assert texts.index(exception) == texts.index(rule) + 1


def test_a_question_on_being_told_is_not_answered_exactly_by_a_key_on_access(tmp_path):
    from kb.answer import _exact_law, _kind

    r = _corpus(tmp_path, **{"ca/veh-9999.34.md": REQUESTS})
    row = next(row for row in range(len(r.index.chunks))
               if r.index.chunks[row].chunk.citation == "Cal. Veh. Code § 9999.34(b)(1)")
    # Hashing vectors: the shared words make the key near (and the rule's own words need no floor).
    near = AnswerSettings(key_match=0.3, key_own_floor=0.0)

    def exact(question):
        query = parse_query(question)
        table = _SentenceTable(r, query)
        assert max(table.cosines(table.keys(row))) >= near.key_match  # near enough by its words
        return _exact_law(query, Ranking(np.asarray([row], dtype=np.int64), np.asarray([1.0])), table, near)

    # The key asks whether the agents may inspect the record; the question whether I am told.
    assert exact("will the department tell me if immigration agents inspect my record") is None
    assert exact("can immigration agents inspect my record at the department office") == row
    assert _kind("when did immigration agents get to inspect records") != _kind(
        "Can immigration agents inspect my record at the department?")


OWN_ACCESS = _statute("9999.36", "A person's access to their own records", """\
Section 9999.36 gives a person access to the records the department keeps on them.

## (a)

Every individual may ask the department whether it keeps records on them and see those records.
""", extra='questions:\n  "(a)": ["Can I see my own records at the department?"]\n')


def test_a_person_asking_for_their_own_record_is_answered_by_the_right_of_access(tmp_path):
    # "can I inspect my record" shares its words with the procedures for others' requests
    # (§ 9999.34(b)(1), whose key asks whether agents may inspect it), which rank first; the rule
    # whose key asks for one's own record leads.
    r = _corpus(tmp_path, **{"ca/veh-9999.34.md": REQUESTS, "ca/veh-9999.36.md": OWN_ACCESS})
    question = "can I inspect my record at the department, must I identify myself and state a reason"
    law = [r.index.chunks[row].chunk.citation for row, _score in _law_ranking(r, parse_query(question))]
    assert law.index("Cal. Veh. Code § 9999.34(b)(1)") < law.index("Cal. Veh. Code § 9999.36(a)")
    texts = _texts(r, question)
    assert texts[0] == "Every individual may ask the department whether it keeps records on them and see those records."
    # Someone else's request is not the person's own: the procedures stay first.
    other = _texts(r, "must a person asking to inspect my record at the department identify themselves and state a reason")
    assert other[0].startswith("The department must require a person asking to inspect a record")


@pytest.mark.parametrize(("question", "own"), [
    ("can I ask the DMV whether it keeps a record on me", True),
    ("how do I get a copy of my DMV file", True),
    ("the DMV won't show me my file, is that allowed", True),
    ("I asked DMV for my records and they said my name isn't enough", True),
    ("does the DMV have to help me make my records request specific enough", True),
    ("can ICE see my file if I renew my license", False),  # someone else seeks it
    ("can police get my records", False),
    ("will the DMV tell me if someone looked up my record", False),  # notice, not access
    ("how do I get my DMV record corrected", False),  # a correction (Civ. Code § 1798.35)
    ("can i get my license back", False),
])
def test_a_question_asking_for_ones_own_record_is_told_apart(question, own):
    from kb.answer import asks_own_record

    assert asks_own_record(question) is own


DECISION = CASE_FRONT_MATTER + """
The court of appeals left the test state's limits on helping immigration enforcement in force.

## Holding

The panel affirmed the denial of a preliminary injunction against the test act.
"""


def test_a_question_on_what_a_court_decided_leads_with_the_decision(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.4.md": BAN, "cases/us-v-testland-2030.md": DECISION})
    # The question cites the section the decision was about: that section would lead, as a
    # section named in a question does.
    question = "did a court strike down Cal. Veh. Code § 9999.4, the ban on immigration enforcement"
    texts = _texts(r, question)
    assert texts[0] in ("The court of appeals left the test state's limits on helping immigration enforcement in force.",
                        "The panel affirmed the denial of a preliminary injunction against the test act.")
    assert any(t.startswith("No agency or person may obtain or use information") for t in texts[1:])
    # A rule's own words about courts ask nothing of a decision.
    from kb.answer import _ASKS_DECISION

    assert not _ASKS_DECISION().search("can a court order the department to release my records")
    assert not _ASKS_DECISION().search("do I need a court order to see my file")
    assert _ASKS_DECISION().search("what did the ninth circuit say about SB 54")
    assert _ASKS_DECISION().search("was SB 54 upheld")
    # A suit asked about that names no law or case is not answered by a decision on another
    # subject ("did the DMV ever get sued for sharing data with ICE" led with ICE v. Gomez).
    suit = "did the department ever get sued for giving information to immigration enforcement"
    assert not _texts(r, suit)[0].startswith(("The court of appeals", "The panel affirmed"))
    assert _texts(r, "did the feds sue over SB 54, the test act")[0].startswith(("The court of appeals", "The panel affirmed"))


JAIL_NOTICE = _statute("9999.35", "Notice of hold requests", """\
Section 9999.35 sets what a jail tells a person about hold requests.

## (a)

A local law enforcement agency that receives a hold request must give the person a copy of it and tell the person whether it will comply.
""", code="GOV")
DMV_NOTICE = _statute("9999.36", "Notice of record inspections", """\
Section 9999.36 sets when the DMV tells a person about inspections of their record.

## (a)

The DMV must notify a person when someone inspects the person's driver's license record, except a governmental entity.
""")


def test_a_question_on_being_told_by_the_dmv_puts_the_dmvs_rules_before_a_jails(tmp_path):
    from kb.answer import _holder_first

    r = _corpus(tmp_path, **{"ca/gov-9999.35.md": JAIL_NOTICE, "ca/veh-9999.36.md": DMV_NOTICE})
    cites = _rows_by_citation(r)
    jail, dmv = cites["Cal. Gov. Code § 9999.35(a)"], cites["Cal. Veh. Code § 9999.36(a)"]

    def order(question):
        query = parse_query(question)
        ranked = Ranking(np.asarray([jail, dmv], dtype=np.int64), np.asarray([2.0, 1.9]))
        return list(_holder_first(r, query, _SentenceTable(r, query), ranked, AnswerSettings()).rows[:2])

    # The jail's notice binds the police; the question asks what the DMV tells.
    assert order("will the DMV tell me if ICE looks up my record") == [dmv, jail]
    # Not asked whether the person is told, or asked of the police: the ranking stands.
    assert order("can ICE look up my DMV record") == [jail, dmv]
    assert order("will the jail tell me if ICE sends a hold request") == [jail, dmv]


FEDERAL_PERMITS = """\
---
id: us-usc-18-9722
title: Test federal disclosure rules
citation: 18 U.S.C. § 9722
jurisdiction: US
authority: statute
url: https://www.law.cornell.edu/uscode/text/18/9722
as_of: 2026-11-25
verified: secondary
---

Federal rules on what a state motor vehicle department may disclose.

## (a)

A state department shall not disclose the information in paragraphs (1) and (2).

### (1)

A state department shall not disclose personal information from a motor vehicle record, except as subsection (b) provides.

### (2)

A state department shall not disclose a licensee's photograph, except for the uses permitted in (b)(1) and (b)(2).

## (b)

### (1)

A state department may disclose personal information for use by any government agency in carrying out its functions.

### (2)

A state department may disclose personal information for use by an employer to verify a commercial driver's license.
"""


def test_an_exception_named_by_its_label_follows_the_rule_for_the_party_asked_about(tmp_path):
    from kb.answer import _Composer

    r = _corpus(tmp_path, **{"us/usc-18-9722.md": FEDERAL_PERMITS})
    cites = _rows_by_citation(r)
    government = "A state department may disclose personal information for use by any government agency in carrying out its functions."
    employer = "A state department may disclose personal information for use by an employer to verify a commercial driver's license."

    def quoted(question, citation):
        query = parse_query(question)
        composer = _Composer(r, _SentenceTable(r, query), AnswerSettings(item_floor=0.0))
        composer.add_law(cites[citation])
        return [s.text for s in composer.sentences]

    # "except for the uses permitted in (b)(1) and (b)(2)": the one for the party asked about
    # (the FBI reads as a government agency) follows the bar, not the employer's.
    photo = quoted("can the department give my photograph to the FBI", "18 U.S.C. § 9722(a)(2)")
    assert photo[0].startswith("A state department shall not disclose a licensee's photograph")
    assert government in photo and employer not in photo
    assert employer in quoted("can my employer get my photograph from the department", "18 U.S.C. § 9722(a)(2)")
    # "except as subsection (b) provides": an item of (b); and an item quoted under its rule ("the
    # information in paragraphs (1) and (2)") brings its exception as a rule does.
    assert government in quoted("can the department share my information with the IRS", "18 U.S.C. § 9722(a)(1)")
    shared = quoted("can the department share personal information from a motor vehicle record with the IRS",
                    "18 U.S.C. § 9722(a)")
    assert shared[1].startswith("A state department shall not disclose personal information") and government in shared
    # No party named: nothing added on words alone.
    assert quoted("can the department share my personal information", "18 U.S.C. § 9722(a)(1)") == [
        "A state department shall not disclose personal information from a motor vehicle record, except as "
        "subsection (b) provides."]


RELIEF = _statute("9999.37", "Relief for misuse of records", """\
Section 9999.37 lets a person harmed by misuse of department records go to court.

## (a)

A person who misuses department records is liable to the person they concern, who may bring a civil action.

## (b)

The judge may award such other preliminary and equitable relief as it finds appropriate.
""", extra='questions:\n  "(b)": ["can a court order someone to stop misusing my records"]\n')


def test_a_key_alone_does_not_make_a_passage_whose_own_words_are_far_the_exact_answer(tmp_path):
    from kb.answer import _exact_law

    r = _corpus(tmp_path, **{"ca/veh-9999.37.md": RELIEF})
    row = next(row for row in range(len(r.index.chunks))
               if r.index.chunks[row].chunk.citation == "Cal. Veh. Code § 9999.37(b)")
    query = parse_query("can a court order someone to stop misusing my records")
    table = _SentenceTable(r, query)
    ranked = Ranking(np.asarray([row], dtype=np.int64), np.asarray([1.0]))
    assert max(table.cosines(table.keys(row))) >= 0.8  # the key is the question, nearly word for word
    assert max(table.cosines(table.quotable(row))) < AnswerSettings().key_own_floor  # its rule is not
    assert _exact_law(query, ranked, table, AnswerSettings()) is None
    assert _exact_law(query, ranked, table, AnswerSettings(key_own_floor=0.0)) == row


CARD_NOTICE = _statute("9999.50", "The card's notice", """\
Section 9999.50 sets the notice printed on every license.

## (b)

Every license must carry the notice federal limits apply, and that it does not establish eligibility for employment.
""")
HOLDERS_RULES = _statute("9999.59", "Discrimination against holders", """\
Section 9999.59 forbids discrimination against holders of licenses issued under it.

## (g)

### (1)

A business establishment violates the civil rights act if it discriminates against a person because the person holds a license issued under this section.

### (2)

An employer violates the employment act if it discriminates against a person because the person holds a license issued under this section.
""")


def test_an_employer_holding_a_license_against_its_holder_is_answered_by_the_rule_binding_employers(tmp_path):
    # The card's notice shares most words with the question and ranks first; it binds no
    # employer. The rule forbidding an employer to discriminate against a holder leads.
    r = _corpus(tmp_path, **{"ca/veh-9999.50.md": CARD_NOTICE, "ca/veh-9999.59.md": HOLDERS_RULES})
    question = "my boss saw federal limits apply on my license, can he fire me for it"
    law = [r.index.chunks[row].chunk.citation for row, _score in _law_ranking(r, parse_query(question))]
    assert law[0] == "Cal. Veh. Code § 9999.50(b)"
    texts = _texts(r, question)
    assert texts[0].startswith("An employer violates the employment act if it discriminates")
    # A store asked about: the business rule, not the employer's.
    assert _texts(r, "a store saw federal limits apply on my license and refused it")[0].startswith(
        "A business establishment violates")
    # Nothing held against the holder: the notice still answers what it says.
    assert _texts(r, "what does federal limits apply on my license mean")[0].startswith("Every license must carry")


INQUIRY = _statute("9999.60", "Limits on police helping immigration enforcement", """\
Section 9999.60 limits what law enforcement agencies may do for immigration enforcement.

## (a)

### (1)

A law enforcement agency may not use its personnel for immigration enforcement purposes, including the items below.

#### (A)

Inquiring into a person's immigration status.

## (e)

A peace officer who pulled a driver over may not detain the driver solely because the driver is unlicensed.
""", code="GOV")


def test_the_police_asking_where_someone_is_from_is_answered_by_the_rule_on_inquiring_into_status(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.60.md": INQUIRY})
    question = "a cop pulled me over and asked where im from, is that allowed for the officer"
    law = [r.index.chunks[row].chunk.citation for row, _score in _law_ranking(r, parse_query(question))]
    assert law[0] == "Cal. Gov. Code § 9999.60(e)"  # "pulled … over", "officer": its words are nearer
    assert "Inquiring into a person's immigration status." in _texts(r, question)[0]
    # Asked about being pulled over, not about being asked, the rule on inquiring is not sought.
    from kb.answer import _ASKS_STATUS

    assert _ASKS_STATUS().search("the jail form asked my dad his country of citizenship")
    assert _ASKS_STATUS().search("the deputy asked if he's here legally")
    assert not _ASKS_STATUS().search("a cop pulled me over for driving unlicensed, can the officer detain me")
    assert not _ASKS_STATUS().search("the officer asked for my license and registration")


AGENCY_SUIT = _statute("9999.45", "Suing a state agency", """\
Section 9999.45 lets an individual bring a civil action against a state agency.

## (c)

An individual may sue a state agency that fails to comply with the privacy act in a way that harms the individual.
""")
PERSON_SUIT = _statute("9999.53", "Suing a person who leaks records", """\
Section 9999.53 lets an individual sue a person who leaks department information.

## Text

Any person who intentionally discloses department information about my information is liable for leaking it.
""")


def test_a_question_on_suing_the_dmv_itself_is_answered_by_the_suit_against_an_agency(tmp_path):
    from kb.answer import _SUES_AGENCY

    r = _corpus(tmp_path, **{"ca/veh-9999.45.md": AGENCY_SUIT, "ca/veh-9999.53.md": PERSON_SUIT})
    question = "can I sue the DMV for leaking my information"
    law = [r.index.chunks[row].chunk.citation for row, _score in _law_ranking(r, parse_query(question))]
    assert law.index("Cal. Veh. Code § 9999.53") < law.index("Cal. Veh. Code § 9999.45(c)")
    assert _texts(r, question)[0] in (
        "Section 9999.45 lets an individual bring a civil action against a state agency.",
        "An individual may sue a state agency that fails to comply with the privacy act in a way that harms the individual.")
    # Suing a worker, or someone else, is not suing the agency.
    assert _SUES_AGENCY().search("can I sue to the DMV for giving my information to ICE")  # "demandar al DMV"
    assert not _SUES_AGENCY().search("can I sue the DMV worker who leaked my address")
    assert not _SUES_AGENCY().search("can I sue my neighbor for leaking my information")
    assert _SUES_AGENCY().search("can I take the DMV to court over it")
    assert not _SUES_AGENCY().search("does the DMV share my info when taking the DMV written test")
    # Money asked for what the agency did is a suit against it ("can I get money if the DMV leaked
    # my address" had led with Veh. Code § 1808.45's misdemeanor).
    assert _SUES_AGENCY().search("can I get money if the DMV leaked my address")
    assert _SUES_AGENCY().search("can I get compensation from the DMV for sharing my info")
    assert not _SUES_AGENCY().search("can I get money if someone misused my DMV record")  # a person's act
    # Such rules are few and ranked by the conduct asked about: one far down still answers.
    from kb.answer import _suit_against_agency

    rows = _rows_by_citation(r)
    other, suit = rows["Cal. Veh. Code § 9999.53"], rows["Cal. Veh. Code § 9999.45(c)"]
    deep = Ranking(np.asarray([other] * 60 + [suit], dtype=np.int64), np.linspace(2.0, 1.0, 61))
    query = parse_query("can I get money if the DMV leaked my address")
    assert _suit_against_agency(r, query, _SentenceTable(r, query), deep, AnswerSettings()) == [suit]


CLERK_RULE = _statute("9999.21", "Home addresses are confidential", """\
Section 9999.21 keeps home addresses in department records confidential.

## (a)

A department clerk may not sell or give out a person's home address from department records.
""")
MISUSE_PENALTY = _statute("9999.46", "Penalty for misusing records", """\
Section 9999.46 sets the penalty for misusing department records.

## Text

Anyone who willfully discloses information from a department record without authority commits a misdemeanor, punishable by a fine.
""")


def test_a_question_on_whether_conduct_is_a_crime_is_answered_by_the_rule_setting_the_penalty(tmp_path):
    from kb.answer import _JOB_ASKED, _PENALTY_ASKED, _SETS_PENALTY

    r = _corpus(tmp_path, **{"ca/veh-9999.21.md": CLERK_RULE, "ca/veh-9999.46.md": MISUSE_PENALTY})
    question = "a department clerk sold my home address, is that a crime"
    law = [r.index.chunks[row].chunk.citation for row, _score in _law_ranking(r, parse_query(question))]
    assert law.index("Cal. Veh. Code § 9999.21(a)") < law.index("Cal. Veh. Code § 9999.46")  # the conduct is nearer
    assert "commits a misdemeanor" in _texts(r, question)[0]
    # Asked what the rule is, not whether breaking it is punished: the rule leads.
    assert "commits a misdemeanor" not in _texts(r, "can a department clerk sell my home address")[0]
    # A question naming one section asks about that section's penalty, not another law's.
    assert "commits a misdemeanor" not in _texts(r, "is there a penalty for violating section 9999.21")[0]
    assert _PENALTY_ASKED().search("what happens to a cop who looks up DMV info for ICE")
    assert _PENALTY_ASKED().search("what's the penalty for selling DMV records")
    assert not _PENALTY_ASKED().search("can police give ICE my criminal history")  # "criminal" alone is no penalty
    assert not _PENALTY_ASKED().search("he has a felony conviction, can the jail transfer him to ICE")
    # Losing a job is asked of a worker, not of a license holder ("can I be fired for my AB 60 license").
    assert _JOB_ASKED().search("can the DMV clerk be fired for leaking my address")
    assert not _JOB_ASKED().search("can I be fired for having an AB 60 license")
    # An arrest power for a felony sets no penalty.
    assert not _SETS_PENALTY().search("An officer may arrest a person without a warrant for any federal felony.")
    assert _SETS_PENALTY().search("A knowing violation of paragraph (1) is a misdemeanor.")
    # Crimes "punishable as either misdemeanors or felonies" are a kind of crime, not a penalty set.
    assert not _SETS_PENALTY().search("Not for crimes punishable as either misdemeanors or felonies.")
    assert _SETS_PENALTY().search("A violation is a misdemeanor punishable by a fine.")
    # ... nor is the Values Act's list of qualifying crimes (Gov. Code § 7282.5(a)(2), (a)(3)(G)).
    assert not _SETS_PENALTY().search("The person was convicted of a felony punishable by imprisonment in the state prison.")
    assert not _SETS_PENALTY().search("Driving under the influence qualifies only for a conviction that is a felony.")
    assert _SETS_PENALTY().search("A disclosure that results in bodily injury is a felony.")
    # A question ending "… a crime?" asks whether conduct is punished.
    assert _PENALTY_ASKED().search("is sharing DMV data with ICE a crime?")


WORKER_DISCIPLINE = _statute("9999.55", "Discipline of agency employees", """Section 9999.55 sets the discipline for agency employees who break the privacy act.

## Text

An intentional violation of the privacy act by an employee of any agency is a cause for discipline, including termination.
""", code="GOV")


def test_asked_what_happens_to_a_worker_discipline_answers_as_well_as_a_penalty(tmp_path):
    # "what happens to a DMV employee who gives my info to ICE": Civ. Code § 1798.55's discipline,
    # ranked second, was passed over for a subpoena rule's contempt ("may be punished").
    r = _corpus(tmp_path, **{"ca/veh-9999.21.md": CLERK_RULE, "ca/gov-9999.55.md": WORKER_DISCIPLINE})
    texts = _texts(r, "what happens to a department employee who gives out my home address")
    assert texts[0].startswith("An intentional violation of the privacy act by an employee of any agency")
    # Not asked of a worker, discipline is no penalty: the rule on the conduct leads.
    other = _texts(r, "what happens to a department that gives out my home address")
    assert not other[0].startswith("An intentional violation of the privacy act")


def test_a_penalty_or_suit_question_whose_law_sets_none_says_so(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.21.md": CLERK_RULE, "ca/veh-9999.46.md": MISUSE_PENALTY})
    unpunished = answer_question(r, "is there a penalty for violating section 9999.21", settings=OPEN)
    assert unpunished.closest and "no penalty or remedy in Cal. Veh. Code § 9999.21" in unpunished.reason
    sued = answer_question(r, "can I sue under Veh. Code 9999.21 if a clerk sold my address", settings=OPEN)
    assert "no penalty or remedy in Cal. Veh. Code § 9999.21" in sued.reason
    # A section that sets one, or a question not about penalties, says nothing of the kind.
    assert "no penalty" not in answer_question(r, "is there a penalty for violating section 9999.46", settings=OPEN).reason
    assert "no penalty" not in answer_question(r, "who does section 9999.21 bind", settings=OPEN).reason
    # Not naming a section: the section leading the answer, when nothing quoted sets a penalty.
    alone = _corpus(tmp_path / "alone", **{"ca/veh-9999.21.md": CLERK_RULE})
    sue = answer_question(alone, "can I sue a department clerk who sold my home address", settings=OPEN)
    assert sue.closest and "no penalty or remedy in Cal. Veh. Code § 9999.21" in sue.reason
    assert "no penalty" not in answer_question(alone, "can a department clerk sell my home address", settings=OPEN).reason


def test_plate_reader_scans_are_not_the_departments_records(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.4.md": BAN})
    # Asked about plate-reader cameras, the question is not about the records the DMV keeps: the
    # DMV's immigration limit does not jump ahead of what ranks best.
    scans = "can ICE get the confidential residence addresses from license plate reader cameras near the courts"
    assert not _texts(r, scans)[0].startswith("No agency or person may obtain or use information the department keeps")
    # ... unless the question names the DMV as well.
    named = "can ICE get the confidential residence addresses the DMV keeps, matched to license plate reader scans"
    assert _texts(r, named)[0].startswith("No agency or person may obtain or use information the department keeps")


PLATE_READER_LAW = _statute("9999.90", "Plate reader data", """\
Section 9999.90 governs data from plate reader cameras.

## (a)

A person whose license plate data is knowingly misused may sue the person who misused it.
""", extra="asked_about: plate readers\n")
DMV_SUIT = _statute("9999.24", "Suing over department records", """\
Section 9999.24 lets a person sue over department records.

## (a)

A person whose department record is knowingly passed on may sue the person who passed it on.
""")


def test_a_law_on_one_kind_of_record_answers_only_questions_naming_it(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.90.md": PLATE_READER_LAW, "ca/veh-9999.24.md": DMV_SUIT})
    assert r.index.source("ca-veh-9999.90").asked_about == "plate readers"
    # "Ran my plate" is a look-up in the department's records, not a plate-reader camera.
    towed = "a tow yard ran my license plate and misused the data, can I sue him"
    ranked = [r.index.chunks[row].chunk.source_id for row, _score in _law_ranking(r, parse_query(towed))]
    assert "ca-veh-9999.24" in ranked and "ca-veh-9999.90" not in ranked
    assert "license plate data" not in " ".join(_texts(r, towed))
    cameras = " ".join(_texts(r, "the city's plate reader cameras misused my license plate data, can I sue"))
    assert "license plate data" in cameras


VALUES_ACT_BANS = """\
---
id: ca-gov-9284.6
title: Test limits on helping immigration enforcement
citation: Cal. Gov. Code § 9284.6
jurisdiction: CA
authority: statute
url: https://example.test/9284.6
as_of: 2026-11-25
verified: secondary
subdivisions: partial
---

Test section limiting what law enforcement agencies do for immigration enforcement.

## (c)

A California law enforcement agency may not provide release dates to immigration authorities for immigration enforcement.

## (d)

A California law enforcement agency may not detain a person on the basis of a hold request for immigration enforcement.
"""


def test_among_the_police_limits_the_one_on_the_act_asked_about_leads(tmp_path):
    from kb.answer import _leading_ban

    r = _corpus(tmp_path, **{"ca/gov-9284.6.md": VALUES_ACT_BANS})
    rows = {r.index.chunks[row].chunk.citation: row for row in r.resolver.source_rows("ca-gov-9284.6")}
    release, hold = rows["Cal. Gov. Code § 9284.6(c)"], rows["Cal. Gov. Code § 9284.6(d)"]

    def ban(question):
        query = parse_query(question)
        ranked = Ranking(np.asarray([release, hold], dtype=np.int64), np.asarray([2.0, 1.9]))
        return _leading_ban(r, query, _SentenceTable(r, query), ranked, set(), AnswerSettings())

    # Asked about keeping someone past release, the hold limit leads though the release-date one
    # ranks first (before: the first limit binding the police, whatever it limits).
    assert ban("can the county jail keep my husband till monday so ICE has time to come get him") == hold
    assert ban("will the county jail tell ICE his release date") == release


DMV_RECORDS_BAN = _statute("9999.48", "Test ban on the DMV's records for immigration enforcement", """\
Section 9999.48 bars using the DMV's records for immigration enforcement.

## (a)

No government agency, law enforcement agency or other person may obtain, use or disclose information the DMV keeps for the purpose of immigration enforcement.
""")

POLICE_INFORMATION_BAN = VALUES_ACT_BANS + """
## (e)

A California law enforcement agency may not provide personal information about a person to immigration authorities for immigration enforcement.
"""


def test_asked_of_the_police_not_of_dmv_records_their_own_limit_leads(tmp_path):
    # "does LAPD share information with immigration" led with Veh. Code § 1808.48, the DMV's ban,
    # which binds any law enforcement agency obtaining the DMV's information; the Values Act's limit
    # on the police's own information, § 7284.6(a)(1)(D), answers it (twentieth session).
    from kb.answer import _leading_ban

    r = _corpus(tmp_path, **{"ca/gov-9284.6.md": POLICE_INFORMATION_BAN, "ca/veh-9999.48.md": DMV_RECORDS_BAN})
    dmv = next(row for row in r.resolver.source_rows("ca-veh-9999.48") if r.index.chunks[row].chunk.labels == ("a",))
    police = next(row for row in r.resolver.source_rows("ca-gov-9284.6") if r.index.chunks[row].chunk.labels == ("e",))

    def ban(question):
        query = parse_query(question)
        ranked = Ranking(np.asarray([dmv, police], dtype=np.int64), np.asarray([2.0, 1.9]))
        return _leading_ban(r, query, _SentenceTable(r, query), ranked, set(), AnswerSettings())

    assert ban("does LAPD share information with immigration") == police
    assert ban("can the sheriff give ICE my information") == police
    # A DMV record named (a license), or the DMV: its ban leads, as ranked.
    assert ban("can police give ICE my license info") == dmv
    assert ban("can the DMV give ICE my information") == dmv


ARREST_BANS = VALUES_ACT_BANS + """
## (f)

A California law enforcement agency may not make arrests based on civil immigration warrants for immigration enforcement.
"""


def test_asked_whether_the_police_may_arrest_for_immigration_their_limit_on_arrests_leads(tmp_path):
    # "¿la policía puede arrestar a alguien nomás porque tiene una orden de deportación?" led with
    # Gov. Code § 7284.6(b)(1), the exception for reentry after an aggravated felony, as if the
    # answer were yes; the limit on arrests on civil immigration warrants, (a)(1)(E), answers it.
    from kb.answer import _asks_to_hold_or_help, _leading_ban

    assert _asks_to_hold_or_help("my brother has an old deportation order, can local cops arrest him for that")
    assert not _asks_to_hold_or_help("can ICE arrest me without a warrant")  # ICE's own powers: 8 U.S.C. § 1357
    assert not _asks_to_hold_or_help("can police call ICE if I get arrested for shoplifting")  # not the act asked
    r = _corpus(tmp_path, **{"ca/gov-9284.6.md": ARREST_BANS})
    rows = {r.index.chunks[row].chunk.citation: row for row in r.resolver.source_rows("ca-gov-9284.6")}
    release, arrest = rows["Cal. Gov. Code § 9284.6(c)"], rows["Cal. Gov. Code § 9284.6(f)"]
    query = parse_query("can the police arrest someone for an old deportation order")
    ranked = Ranking(np.asarray([release, arrest], dtype=np.int64), np.asarray([2.0, 1.9]))
    assert _leading_ban(r, query, _SentenceTable(r, query), ranked, set(), AnswerSettings()) == arrest


def test_the_kind_of_card_named_is_a_license_or_an_id_card():
    from kb.answer import _cards_named

    assert _cards_named("can undocumented people get a driver's license") == {"license"}
    assert _cards_named("when can I get a state ID") == {"id card"}
    assert _cards_named("the DMV must issue an identification card") == {"id card"}
    # A consular identification document is no ID card: the question is still about a license.
    assert _cards_named("The DMV must accept a valid consular identification document") == frozenset()
    assert _cards_named("my AB 60 license or ID card") == {"license", "id card"}


DAMAGES = _statute("9999.31", "Suits for disclosing test records", """\
Section 9999.31 lets a person sue whoever discloses their test records.

## (a)

Any person who discloses information from a test record without consent is liable to the individual the record concerns. The individual may also recover reasonable attorney's fees from the person who disclosed the test record. In a successful action the court awards a minimum of $2,500 in exemplary damages.
""")


def test_asked_how_much_the_sentence_naming_the_sum_is_quoted(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.31.md": DAMAGES})
    texts = _texts(r, "how much can I recover if a person discloses my test record without consent")
    assert texts[0].startswith("Any person who discloses information from a test record")
    # The sum, though the fees sentence shares more of the question's words.
    assert texts[1] == "In a successful action the court awards a minimum of $2,500 in exemplary damages."
    # Not asked for a sum: no sentence for naming one.
    plain = _texts(r, "can I recover attorney's fees if a person discloses my test record without consent")
    assert not any("$2,500" in text for text in plain)


def test_telling_ice_of_a_release_asks_whether_the_police_may_help():
    from kb.answer import _asks_to_hold_or_help

    assert _asks_to_hold_or_help("can the jail tell ICE when my brother is released")
    assert _asks_to_hold_or_help("can the jail notify ICE when released my brother")  # the glossary's Spanish
    # With a conviction given, whether § 7282.5's exception applies is the question.
    assert not _asks_to_hold_or_help("he has a felony DUI conviction, can the jail notify ICE about his release")
    assert not _asks_to_hold_or_help("can the school tell ICE when my son is released from class")  # no police


VALUES_LIMIT = _statute("9999.32", "Test values act", """\
Section 9999.32 limits what law enforcement agencies do for immigration enforcement.

## (a)

A California law enforcement agency shall not inquire into a person's immigration status.
""", code="GOV")


def test_a_rule_binding_the_police_answers_a_question_on_others_only_as_the_closest_law(tmp_path):
    r = _corpus(tmp_path, **{"ca/gov-9999.32.md": VALUES_LIMIT})
    # Asked of a landlord, or of what federal immigration agents may do (eighteenth session).
    for question, others in (("can a landlord inquire into my immigration status", "landlords"),
                             ("can ICE question me about my immigration status", "federal immigration agents")):
        answer = answer_question(r, question, settings=OPEN)
        assert answer.sentences[0].text.startswith("A California law enforcement agency shall not inquire"), question
        assert answer.closest and (f"no rule deciding this for {others}: the rule quoted binds law enforcement "
                                   "agencies") in answer.reason, question
    police = answer_question(r, "can the police inquire into my immigration status", settings=OPEN)
    assert not police.closest and "no rule deciding" not in police.reason
    # Entering a home: no law here decides it, whatever the police's rule shares with it.
    home = answer_question(r, "can ICE come into my house to inquire into my immigration status", settings=OPEN)
    assert home.abstained and "no law on when immigration agents may enter a home" in home.reason


AGENTS_POWER = FEDERAL.replace("Any government agency may receive personal information to carry out its functions.",
                               "An authorized immigration officer may search any vehicle near the border without a warrant.")


DOCUMENTS_ACCEPTED = _statute("9999.76", "Documents the department accepts", """\
Section 9999.76 lists documents the department accepts.

## (a)

The department must accept an asylum application form as proof of identity.
""")


@pytest.mark.parametrize(("files", "asked", "lead", "gap", "decided"), [
    # "can police search my car without a warrant" had led with 8 U.S.C. § 1357(a)(3), Border
    # Patrol's searches near the border, as if it decided it.
    ({"us/usc-18-9721.md": AGENTS_POWER}, "can police search my vehicle near the border without a warrant",
     "An authorized immigration officer may search",
     "no rule deciding this for the police: the rule quoted binds federal immigration officers",
     "can immigration officers search my vehicle near the border without a warrant"),
    # "can ICE deport me if I have a pending asylum case" had led with Veh. Code § 12801.9(c)(5),
    # the DMV's acceptance of Form I-589. (Since the twentieth session a question on one's own
    # immigration case alone is declined: this one tells of a form given to the department.)
    ({"ca/veh-9999.76.md": DOCUMENTS_ACCEPTED}, "can ICE deport me if I gave the department an asylum application form",
     "The department must accept an asylum application form",
     "no rule deciding this for federal immigration agents: the rule quoted binds the DMV",
     "does the department accept an asylum application form as proof of identity"),
])
def test_a_rule_binding_someone_else_answers_only_as_the_closest_law(tmp_path, files, asked, lead, gap, decided):
    r = _corpus(tmp_path, **files)
    answer = answer_question(r, asked, settings=OPEN)
    assert answer.sentences[0].text.startswith(lead)
    assert answer.closest and gap in answer.reason
    other = answer_question(r, decided, settings=OPEN)  # asked of whom the rule binds
    assert not other.closest and "no rule deciding" not in other.reason


RARE_WORDS = _statute("9999.70", "Certifying victims", """\
Section 9999.70 lets police certify a victim for a zygote visa.

## (a)

A law enforcement agency may certify a crime victim for a zygote visa application under § 9999.79.
""")


def test_rare_words_alone_answer_only_a_question_with_a_word_of_the_subject(tmp_path):
    # Strong lexical match, no close passage: answered when one of the question's words is of the
    # corpus's subject (kb/subject.py) or it asks what a term means, refused otherwise ("can I get
    # unemployment if I was fired" had been answered with the EDD's access to SSN information).
    r = _corpus(tmp_path, **{"ca/veh-9999.70.md": RARE_WORDS})
    strict = AnswerSettings(abstain_below=0.99, on_subject_floor=0.99, context_floor=0.0, lexical_rescue=0.25)
    refused = "how do I fill in a zygote application"
    answered = ("what is a zygote certification", "¿qué es la zygote application?", "what is 9999.79",  # a term asked about
                "how does an undocumented crime victim apply for a zygote",  # "undocumented": a word of immigration
                "can the county give out my zygote",  # a government body
                "how do I opt out of zygotes")  # a word of records ("how do I opt out?")
    for question in (refused, *answered):
        assert r.searcher.lexical_strength(parse_query(question)) >= 0.25, question
    assert answer_question(r, refused, settings=strict).abstained
    for question in answered:
        assert not answer_question(r, question, settings=strict).abstained, question
    # A visa is one's own immigration case (twentieth session): declined whatever the words' strength.
    visa = answer_question(r, "how do I apply for a zygote visa", settings=strict)
    assert visa.abstained and visa.reason.startswith("the corpus holds no law on a person's own immigration case")


PARTY_KEY = _statute("9999.71", "Holders of the card", """\
Section 9999.71 protects holders of the test card.

## (a)

A business establishment may not refuse service because a person presents the test card.
""", extra='questions:\n  "(a)": ["Can a store refuse my test card?"]\n')


def test_a_key_asking_of_a_business_counts_only_for_a_question_naming_one(tmp_path):
    r = _corpus(tmp_path, **{"ca/veh-9999.71.md": PARTY_KEY})
    row = next(row for row in r.resolver.source_rows("ca-veh-9999.71")
               if r.index.chunks[row].chunk.citation == "Cal. Veh. Code § 9999.71(a)")
    for question, counts in (("Can a store refuse my test card?", True), ("Can a shop refuse my test card?", True),
                             ("Can a clerk refuse my test card?", False)):
        query = parse_query(question)
        assert bool(_SentenceTable(r, query).keys(row)) == counts, question
        # Nor does it lift its passage in the ranking: its cosine counts for nothing.
        _own, key = r.searcher.best_cosines(query)
        assert (key > 0.0) == counts, question


EMPLOYER_RULES = _statute("9999.73", "Employers and the test card", """\
Section 9999.73 bars employers from discriminating against holders of the test card.

## (a)

### (1)

An employer violates the law if it discriminates against a person because the person holds the test card.

### (2)

An employer does not violate the law by asking whether a person holds the test card when federal law requires it.
""")


def test_what_does_not_violate_a_rule_follows_the_rule(tmp_path):
    # Ranked first, "does not violate" read as the answer: "can my employer ask if I have an AB 60
    # license" led with Veh. Code § 12801.9(g)(2)(B), federal law's I-9 duties.
    r = _corpus(tmp_path, **{"ca/veh-9999.73.md": EMPLOYER_RULES})
    rows = {r.index.chunks[row].chunk.citation: row for row in r.resolver.source_rows("ca-veh-9999.73")}
    rule, exception = rows["Cal. Veh. Code § 9999.73(a)(1)"], rows["Cal. Veh. Code § 9999.73(a)(2)"]
    query = parse_query("can my employer ask whether I hold the test card")
    ranked = Ranking(np.asarray([exception, rule], dtype=np.int64), np.asarray([2.0, 1.99]))
    assert _rule_before_exception(r, _SentenceTable(r, query), ranked, AnswerSettings())[0][0] == rule



NONCRIMINAL_BAN = _statute("9999.48", "No department records for immigration enforcement", """\
Section 9999.48 bars immigration enforcement from the department's records.

## (a)

No law enforcement agency or other person may obtain noncriminal history information the department holds for immigration enforcement.
""")
CRIMINAL_HISTORY = _statute("9999.75", "Police answering immigration requests", """\
Section 9999.75 lets police answer some immigration requests.

## (a)

Section 9999.75 does not prevent a law enforcement agency from answering an immigration request for a person's criminal history.
""", code="GOV")


def test_a_question_on_a_criminal_record_is_not_led_by_a_ban_on_other_records(tmp_path):
    # "can police give ICE my criminal record" had led with Veh. Code § 1808.48, which bars only
    # "noncriminal history information", before Gov. Code § 7284.6(b)(2).
    r = _corpus(tmp_path, **{"ca/veh-9999.48.md": NONCRIMINAL_BAN, "ca/gov-9999.75.md": CRIMINAL_HISTORY})
    lead = answer_question(r, "can the police give ICE my criminal record", settings=OPEN).sentences[0].text
    assert lead.startswith("Section 9999.75 does not prevent a law enforcement agency from answering")
    other = answer_question(r, "can the police give ICE my information from the department", settings=OPEN)
    assert other.sentences[0].text.startswith("No law enforcement agency or other person may obtain")


INSPECTION_NOTICE = _statute("9999.10", "Inspecting registration records", """\
Section 9999.10 sets the department's procedures for people who ask to inspect a record.

## (b)

### (1)

The department must establish procedures that require a person asking to inspect a record to identify themselves, and must tell the person the record concerns.

### (2)

The procedures required by paragraph (1) do not apply to a governmental entity or a court.
""")


def test_an_exception_naming_the_paragraph_it_excepts_follows_that_rule(tmp_path):
    # "does the DMV have to tell me when someone gets my record" led with Veh. Code § 1810(b)(2)
    # ("The procedures required by paragraph (1) do not apply to a governmental entity …"), which
    # read as "no"; the duty to tell, (b)(1), is the rule it excepts.
    from kb.answer import _EXCEPTS

    assert _EXCEPTS().match("The procedures required by paragraph (1) do not apply to a governmental entity.")
    assert _EXCEPTS().match("The no-SSN route in (c) does not apply to commercial licenses.")
    assert not _EXCEPTS().match("The department must establish procedures required by paragraph (1).")
    r = _corpus(tmp_path, **{"ca/veh-9999.10.md": INSPECTION_NOTICE})
    rows = {r.index.chunks[row].chunk.citation: row for row in r.resolver.source_rows("ca-veh-9999.10")}
    rule, exception = rows["Cal. Veh. Code § 9999.10(b)(1)"], rows["Cal. Veh. Code § 9999.10(b)(2)"]
    ranked = Ranking(np.asarray([exception, rule], dtype=np.int64), np.asarray([2.0, 1.99]))
    someone = parse_query("will the DMV tell me when someone inspects my record")
    assert _rule_before_exception(r, _SentenceTable(r, someone), ranked, AnswerSettings())[0][0] == rule
    # Asked of the requesters the exception names (the police, a government agency), it decides.
    police = parse_query("the police inspected my record, was the DMV supposed to tell me")
    assert _rule_before_exception(r, _SentenceTable(r, police), ranked, AnswerSettings())[0][0] == exception


SUBPOENA_NOTE = """\
---
id: note-test-subpoenas
title: "An open question"
citation: "kb note on an open question"
jurisdiction: CA
authority: note
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1.
as_of: 2026-11-25
verified: official
cites: ["Cal. Veh. Code § 9999.1"]
questions:
  "":
    - "Can an agency subpoena the department's records?"
---

Nothing is settled: no court has ruled on it yet.
"""
SUBPOENA_LAW = _statute("9999.12", "Agency subpoenas", """\
Section 9999.12 lets an agency issue subpoenas.

## (a)

An agency can subpoena the department's records in any matter it investigates.
""", extra='questions:\n  "(a)": ["Can an agency subpoena records of the department in an investigation?"]\n')


def test_a_note_whose_own_question_is_asked_leads(tmp_path):
    # "can ICE subpoena the DMV" led with a Colorado court's order to a sheriff; our note on
    # subpoenas for DMV records, whose question it is, now leads.
    r = _corpus(tmp_path, **{"notes/test-subpoenas.md": SUBPOENA_NOTE, "ca/veh-9999.12.md": SUBPOENA_LAW})
    texts = _texts(r, "Can an agency subpoena the department's records?")
    assert texts[0] == "Nothing is settled: no court has ruled on it yet."
    # Our notes are on California's law: asked about another state's, the note does not lead.
    other = _texts(r, "Can an agency subpoena the department's records in Nevada, as in California?")
    assert other[0] != "Nothing is settled: no court has ruled on it yet."


def test_asked_whether_a_law_it_names_is_valid_the_decision_leads(tmp_path):
    # "is SB 54 legal" led with Gov. Code § 7284.2(g), the Legislature's intent that the act is
    # no authority for police to enforce immigration law; the Ninth Circuit decided it.
    r = _corpus(tmp_path, **{"ca/veh-9999.4.md": BAN, "cases/us-v-testland-2030.md": DECISION})
    texts = _texts(r, "is SB 54 immigration enforcement ban legal")
    assert texts[0] in ("The court of appeals left the test state's limits on helping immigration enforcement in force.",
                        "The panel affirmed the denial of a preliminary injunction against the test act.")
    from kb.answer import _ASKS_VALIDITY

    assert _ASKS_VALIDITY().search("is the california values act constitutional?")
    assert _ASKS_VALIDITY().search("did the feds sue california over sb 54")
    for asks_what_it_allows in ("is it legal for my boss to ask for my license", "is my AB 60 license valid",
                                "is SB 54 legal in texas"):
        assert not _ASKS_VALIDITY().search(asks_what_it_allows), asks_what_it_allows


EMPLOYER_CONFIDENTIAL = _statute("9999.77", "Employers and license information", """\
Section 9999.77 binds employers that obtain license information.

## (a)

An employer that obtains license information must keep it confidential and may not disclose it to anyone unauthorized.
""")


def test_asked_of_an_employer_the_departments_ban_on_immigration_use_does_not_lead(tmp_path):
    # "can my boss give my license info to immigration" led with Veh. Code § 1808.48, the ban on
    # anyone using the DMV's records for immigration enforcement; an employer holds no DMV record,
    # and § 12801.9(h), binding employers, decides it.
    r = _corpus(tmp_path, **{"ca/veh-9999.48.md": NONCRIMINAL_BAN, "ca/veh-9999.77.md": EMPLOYER_CONFIDENTIAL})
    asked = "can my employer disclose my license information to ICE"
    assert _texts(r, asked)[0].startswith("An employer that obtains license information must keep it confidential")
    # Asked of the department, the ban leads as before.
    dmv = _texts(r, "can the department give ICE my license information")
    assert dmv[0].startswith("No law enforcement agency or other person may obtain noncriminal history information")


def test_what_immigration_agents_may_do_at_a_school_or_hospital_is_declined_naming_the_closest_law(tmp_path):
    r = _corpus(tmp_path)
    answer = answer_question(r, "can ICE arrest me at my kid's school", settings=OPEN)
    assert answer.abstained and "Gov. Code § 7284.8(a)" in answer.reason and "Civ. Code § 43.54" in answer.reason
    assert not answer_question(r, "can ICE arrest me at the courthouse", settings=OPEN).reason.startswith(
        "the corpus holds no law on what immigration agents may do")


PRISON_NOTICE = _statute("9999.80", "State prisons and hold requests", """\
Section 9999.80 sets what the Department of Corrections and Rehabilitation tells a person about hold requests.

## (a)

When the Department of Corrections and Rehabilitation receives a hold request, it must give the person a copy of the request.
""", code="GOV", extra='questions:\n  "(a)": ["does the jail have to give me a copy of the hold request"]\n')


def test_asked_about_a_county_jail_the_local_agencys_duty_leads_over_the_state_prisons(tmp_path):
    # "does the jail have to give me a copy of the ICE detainer" led with Gov. Code § 7284.10(a)(2),
    # the state prisons' duty, its key matching word for word; § 7283.1(b) binds the county jail.
    r = _corpus(tmp_path, **{"ca/gov-9999.35.md": JAIL_NOTICE, "ca/gov-9999.80.md": PRISON_NOTICE})
    texts = _texts(r, "does the jail have to give me a copy of the hold request")
    assert texts[0].startswith("A local law enforcement agency that receives a hold request must give the person a copy")
    prison = _texts(r, "does the state prison have to give me a copy of the hold request")
    assert prison[0].startswith("When the Department of Corrections and Rehabilitation receives a hold request")


BANK_EXCEPTION = _statute("9999.22", "Banks and home addresses", """\
Section 9999.22 lets banks with a waiver have home addresses.

## (a)

Section 9999.21 does not apply to a bank that holds a waiver the person signed.
""")


def test_an_exception_to_another_section_follows_that_sections_rule_ranked_far_behind(tmp_path):
    # "can a reporter get my address from the DMV" led with Veh. Code § 1808.22(a) (a bank with a
    # waiver): § 1808.21(a), the rule it excepts, ranked 21st, just past rerank_depth.
    r = _corpus(tmp_path, **{"ca/veh-9999.21.md": CLERK_RULE, "ca/veh-9999.22.md": BANK_EXCEPTION})
    rows = _rows_by_citation(r)
    exception, ban = rows["Cal. Veh. Code § 9999.22(a)"], rows["Cal. Veh. Code § 9999.21(a)"]
    filler = rows["Cal. Veh. Code § 9999.1"]
    ranked = Ranking(np.asarray([exception] + [filler] * 30 + [ban], dtype=np.int64), np.linspace(2.0, 1.0, 32))
    query = parse_query("can a reporter get my home address from the department")
    assert _rule_before_exception(r, _SentenceTable(r, query), ranked, AnswerSettings())[0][0] == ban


@pytest.mark.parametrize("question, term, asks", [
    # Twentieth session: "how do i see what records a state agency has about me" led with the IPA's
    # definition of "record" (Civ. Code § 1798.3(g)) as if asked what a record is; § 1798.32 answers.
    ("how do i see what records a state agency has about me", "record", False),
    ("what personal information can the police share", "personal information", False),
    ("what is a record", "record", True),
    ("what records?", "record", True),
    ("what counts as a record under the IPA", "record", True),
    ("does a record include my photo", "record", True),
    ("is my license file a 'record'", "record", True),
])
def test_what_a_term_means_is_asked_with_a_verb_or_alone(question, term, asks):
    from kb.answer import _asks_meaning

    assert _asks_meaning(question, term) == asks


def test_a_question_on_a_persons_own_immigration_case_is_declined_saying_so(tmp_path):
    r = _corpus(tmp_path)
    answer = answer_question(r, "how do I apply for asylum", settings=OPEN)
    assert answer.abstained and not answer.sentences
    assert answer.reason.startswith("the corpus holds no law on a person's own immigration case")
    # A question citing a section asks about that law.
    assert not answer_question(r, "does § 9999.1 say anything about asylum", settings=OPEN).abstained


def test_the_act_asked_about_is_the_one_after_the_asking_verb():
    # "mi hermano está detenido …, ¿el sheriff le puede avisar a ICE el día que sale?" led with the
    # hold limit ("detenido" read as a hold); the release date is what it asks about.
    from kb.answer import _acts_asked

    assert _acts_asked("my brother is detained in the county jail, can the sheriff notify ICE the day he is released") == {
        "release date"}
    assert _acts_asked("can the county jail keep my husband till monday so ICE can come get him") == {"hold"}
    assert _acts_asked("my brother is detained in the county jail") == set()  # nothing asked: the whole text decides


CONVICTIONS_AND_CHARGES = _statute("9282.5", "Test exceptions for convictions and charges", """\
Section 9282.5 lets the jail tell immigration authorities of a release in two cases.

## (a)

The jail may tell immigration authorities of a release date when the person has been convicted of a serious felony.

## (b)

The jail may tell immigration authorities of a release date when a magistrate has found probable cause on a felony charge.
""", code="GOV")


def test_asked_of_a_conviction_the_rule_on_pending_charges_does_not_lead(tmp_path):
    # "if someone has a prior felony conviction for residential burglary can the jail tell ICE what
    # day he gets released" led with Gov. Code § 7282.5(b), on charges a magistrate held to answer.
    from kb.answer import _conviction_before_charge

    r = _corpus(tmp_path, **{"ca/gov-9282.5.md": CONVICTIONS_AND_CHARGES})
    cites = _rows_by_citation(r)
    charges, convictions = cites["Cal. Gov. Code § 9282.5(b)"], cites["Cal. Gov. Code § 9282.5(a)"]
    ranked = [charges, convictions]
    assert _lead_after(_conviction_before_charge, r, "he has a felony conviction, can the jail tell ICE his release date",
                       ranked) == convictions
    # A charge still pending, or no conviction told of: as ranked.
    assert _lead_after(_conviction_before_charge, r, "he was held to answer on a felony charge but has no conviction "
                       "yet, can the jail tell ICE his release date", ranked) == charges
    assert _lead_after(_conviction_before_charge, r, "can the jail tell ICE his release date", ranked) == charges


def test_license_photos_asked_about_are_the_dmvs_records_for_its_ban(tmp_path):
    # "does ICE run facial recognition searches on california driver license photos" led with
    # 8 U.S.C. § 1357(f)(2) (ICE's own photographs of those it arrests): the DMV's ban, ranked below
    # the first rerank_depth, was looked for further down only when the DMV was named.
    from kb.answer import _leading_ban

    r = _corpus(tmp_path, **{"ca/veh-9999.48.md": DMV_RECORDS_BAN})
    cites = _rows_by_citation(r)
    other, ban = cites["Cal. Veh. Code § 9999.1(a)"], cites["Cal. Veh. Code § 9999.48(a)"]
    shallow = dataclasses.replace(AnswerSettings(), rerank_depth=1)

    def lead(question):
        query = parse_query(question)
        ranked = Ranking(np.asarray([other, ban], dtype=np.int64), np.asarray([2.0, 1.9]))
        return _leading_ban(r, query, _SentenceTable(r, query), ranked, set(), shallow)

    assert lead("does ICE run facial recognition searches on driver license photos") == ban
    assert lead("can ICE get a copy of my driver license from my boss") is None  # a card someone else holds


OFFENSES = ["Burglary", "Arson", "Forgery", "Kidnapping", "Robbery", "Extortion", "Perjury", "Bribery",
            "Carjacking", "Stalking", "Vandalism"]
LONG_LIST_OF_OFFENSES = _statute("9282.6", "Test qualifying offenses", "Section 9282.6 lists qualifying offenses.\n\n"
    "## (a)\n\nThe jail may tell immigration authorities of a release when the person was convicted of a qualifying "
    "offense listed in paragraphs (1) to (11).\n\n" + "".join(
        f"### ({n})\n\n{name} is a qualifying offense listed in this subdivision.\n\n" for n, name in enumerate(OFFENSES, 1)),
    code="GOV")


def test_in_a_long_list_only_an_item_sharing_a_word_with_the_question_follows_its_rule(tmp_path):
    # "client has a misdemeanor conviction from 6 years ago, does that still let the jail notify ICE
    # or is there a 5 year lookback" quoted, second, Gov. Code § 7282.5(a)(3)(AB) (offenses committed
    # on bail) as the item closest by cosine (0.44), about no offense the question named.
    from kb.answer import _Composer

    r = _corpus(tmp_path, **{"ca/gov-9282.6.md": LONG_LIST_OF_OFFENSES})
    rule = _rows_by_citation(r)["Cal. Gov. Code § 9282.6(a)"]

    def quoted(question):
        query = parse_query(question)
        composer = _Composer(r, _SentenceTable(r, query), AnswerSettings(item_floor=-1.0))  # any item is close enough
        composer.add_law(rule)
        return [s.text for s in composer.sentences]

    assert quoted("he has a burglary conviction, can the jail tell immigration authorities of his release")[1:] == [
        "Burglary is a qualifying offense listed in this subdivision."]
    assert len(quoted("he has a conviction from six years ago, can the jail tell immigration authorities of his "
                      "release")) == 1  # no offense named: no item


EMPLOYER_CONFIDENTIALITY = _statute("9801.9", "Test card protections", """\
Section 9801.9 protects holders of the test card.

## (h)

An employer that obtains information from a test card must keep it confidential and may not disclose it.

## (i)

Information the DMV collects for the test card is not a public record, and the DMV may not disclose it.
""")


def test_asked_whether_an_employer_may_pass_on_a_card_its_confidentiality_rule_leads(tmp_path):
    # "can my employer tell ICE about my AB 60 license" led with Veh. Code § 12801.9(i), the DMV's
    # confidentiality rule; (h), binding the employer, decides it (twentieth session).
    from kb.answer import _rule_on_sharing

    r = _corpus(tmp_path, **{"ca/veh-9801.9.md": EMPLOYER_CONFIDENTIALITY})
    cites = _rows_by_citation(r)
    dmv, employer = cites["Cal. Veh. Code § 9801.9(i)"], cites["Cal. Veh. Code § 9801.9(h)"]
    query = parse_query("can my employer tell ICE about my test card")
    table = _SentenceTable(r, query)
    ranked = Ranking(np.asarray([dmv, employer], dtype=np.int64), np.asarray([2.0, 1.9]))
    assert _rule_on_sharing(r, table, dmv, ranked, frozenset({"employer"}), AnswerSettings()) == employer
    assert _rule_on_sharing(r, table, employer, ranked, frozenset({"employer"}), AnswerSettings()) is None  # leads already
    answer = answer_question(r, "can my employer tell ICE about my driver's license", settings=OPEN)
    assert answer.sentences[0].text.startswith("An employer that obtains information from a test card")
