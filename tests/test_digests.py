"""Digests say what they are: our words marked as ours, remarks kept out of the law's passages,
quotations of the FAQ word for word, and each file's `verified` shown."""

import json
import re

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL, FAQ, NOTE, STATUTE, write_corpus
from kb.chunking import ChunkerSettings, chunk_file
from kb.cli import app
from kb.config import REPO_ROOT
from kb.corpus import load_corpus
from kb.models import Hit
from kb.quotations import guide_quotations
from kb.render import DIGEST_FOOTER, DIGEST_MARK, WIDTH
from kb.text import split_sentences

CORPUS = REPO_ROOT / "corpus"
FILES = load_corpus(CORPUS)

# Words that only an editor's remark uses: who wrote the digest ("we", "our"), what was or was not
# read or checked. A subdivision's passage states its rule; remarks go under `## Notes`, cited
# "[Notes]", so `kb ask` never quotes them as the law. (Found in nine subdivisions of five files
# on 2026-12-06, among them REAL ID § 202(c)(1)'s "the amended wording was not read".)
EDITORIAL = re.compile(
    r"\b(?:we|our|us|kb|this digest|(?:was|were|is|are) (?:not )?read|could not be read|"
    r"not (?:verified|researched|checked|confirmed|ruled out)|unverified|earlier (?:draft|writer))\b",
    re.IGNORECASE,
)


def _subdivision_passages():
    count = lambda text: len(text.split())  # noqa: E731 (one window per passage: never split)
    for f in FILES:
        for chunk in chunk_file(f, count, ChunkerSettings(max_tokens=10**6)):
            hit = Hit(chunk, f.source, 0.0)
            if hit.is_digest and not chunk.is_summary:
                yield f, chunk


def test_the_editorial_word_list_catches_remarks_and_spares_rules():
    assert EDITORIAL.search("DHS describes the change; the amended wording was not read.")
    assert EDITORIAL.search("Per our digest of that definition, it covers efforts")
    assert EDITORIAL.search("Its content could not be read in any source.")
    assert not EDITORIAL.search("The DMV may sell copies of its records; the director sets the charge.")
    assert not EDITORIAL.search("A state must verify each document with the issuing agency; trust matters.")


def test_no_subdivision_passage_of_law_holds_an_editors_remark():
    passages = list(_subdivision_passages())
    assert len(passages) > 300  # every subdivision of every statute, not an empty selection
    remarks = [f"{f.source.path}:{c.start_line} {c.citation}: {m.group(0)!r}"
               for f, c in passages for m in [EDITORIAL.search(c.text)] if m]
    assert remarks == []


def test_every_quotation_of_the_faq_in_a_note_is_the_faqs_own_words():
    faq = next(f for f in FILES if f.source.id == "faq-dmv-ice")
    text = " ".join(faq.body.replace("’", "'").replace("“", '"').replace("”", '"').split())
    quotations = [(n.source.path, line, words) for n in FILES if n.source.authority == "note"
                  for line, words in guide_quotations(n)]
    assert len(quotations) >= 10
    assert [q for q in quotations if " ".join(q[2].split()) not in text] == []
    assert ("notes/faq-q07-consequences.md", 24, "related to their immigration status") in quotations


def test_the_q20_note_opens_with_the_developments_and_their_status():
    note = next(f for f in FILES if f.source.id == "note-faq-q20-developments")
    lead = split_sentences(note.body.strip().split("\n\n", 1)[0])[0]
    for development in ("July 1, 2027", "State-to-State", "AB 2156"):
        assert development in lead
    assert "enacted law" in lead and "news reports" in lead and "not read" in lead


# --- the build refuses a misquotation of the FAQ --------------------------------------------

QUOTING_NOTE = NOTE.replace(
    "The guide's year is wrong: the license law passed in 2013 (Cal. Veh. Code § 9999.1).",
    "The guide's year is wrong: the license law passed in 2013 (Cal. Veh. Code § 9999.1).\n\n"
    "- The FAQ says the law {quote}, which no statute says.",
)


@pytest.fixture
def run(tmp_path):
    def invoke(*args, files=None):
        corpus = write_corpus(tmp_path / "corpus", files)
        (tmp_path / "index").mkdir(exist_ok=True)  # ask, search and cite build only into a folder that exists
        opts = ["--corpus", str(corpus), "--model", FAKE_MODEL, "--index", str(tmp_path / "index")]
        return CliRunner().invoke(app, [*args, *opts])
    return invoke


def _files(quote: str) -> dict[str, str]:
    return {"ca/veh-9999.1.md": STATUTE, "secondary/faq-test.md": FAQ,
            "notes/faq-q1.md": QUOTING_NOTE.replace("{quote}", quote)}


def test_build_refuses_a_quotation_of_the_faq_that_is_not_its_own_words(run):
    files = _files('"passed in 2018"')  # correcting two questions of one guide names it once
    files["notes/faq-q1.md"] = files["notes/faq-q1.md"].replace("[faq-test#Q1]", "[faq-test#Q1, faq-test#Q2]")
    result = run("build", files=files)
    line = files["notes/faq-q1.md"].split("\n").index("- The FAQ says the law \"passed in 2018\", which no statute says.") + 1
    assert result.exit_code == 1
    assert result.stderr == (
        f"kb: error: notes/faq-q1.md:{line}: the quotation 'passed in 2018' is attributed to the FAQ but "
        "is not word for word in secondary/faq-test.md (quote it exactly, or drop the quotation "
        "marks)\n"
    )


@pytest.mark.parametrize("quote", ['"passed in 2019"', "“passed in\n  2019, the guide says”"])
def test_build_accepts_the_faqs_words_in_straight_or_curly_quotes_across_lines(run, quote):
    result = run("build", "--json", files=_files(quote))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["sources"] == 3


def test_a_quotation_in_a_sentence_that_does_not_name_the_faq_is_not_checked(run):
    files = _files('"passed in 2019"')
    files["notes/faq-q1.md"] = files["notes/faq-q1.md"].replace("The FAQ says", "The statute says")
    files["notes/faq-q1.md"] = files["notes/faq-q1.md"].replace('"passed in 2019"', '"keeps addresses"')
    assert run("build", files=files).exit_code == 0


# --- the output marks digests and shows `verified` -------------------------------------------

def test_json_marks_passages_of_law_as_digests_and_keeps_their_url(run):
    result = run("search", "residence addresses confidential", "--json", "-k", "20")
    assert result.exit_code == 0, result.stderr
    by_citation = {p["citation"]: p for p in json.loads(result.stdout)["results"]}
    law = by_citation["Cal. Veh. Code § 9999.1(a)"]
    assert law["digest"] is True and law["url"].startswith("https://leginfo.legislature.ca.gov/")
    assert by_citation["Cal. Veh. Code § 9999.1"]["digest"] is True  # the section's summary
    assert by_citation["Cal. Veh. Code § 9999.1 [History]"]["digest"] is False  # our commentary
    others = [p for p in by_citation.values() if p["authority"] in ("note", "secondary")]
    assert others and all(p["digest"] is False for p in others)


def test_human_answer_marks_digests_on_the_citation_line_and_explains_in_one_footer_line(run):
    result = run("ask", "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    law = [ln for ln in lines if ln.startswith("[") and "Cal. Veh. Code § 9999.1" in ln]
    subdivisions = [ln for ln in law if "[History]" not in ln]
    assert subdivisions and all(ln.endswith(f"as of 2026-11-25 · {DIGEST_MARK}") for ln in subdivisions)
    assert all(not ln.endswith(DIGEST_MARK) for ln in law if "[History]" in ln)  # our commentary
    assert lines[-2:] == [DIGEST_FOOTER, "Whole passages: kb ask --full, or kb cite CITATION."]
    assert len(DIGEST_FOOTER) <= WIDTH and len(lines) <= 40


def test_a_digest_read_only_in_an_unofficial_copy_says_so_on_its_citation_line(run):
    from conftest import STATUTE

    files = {"ca/veh-9999.1.md": STATUTE.replace("verified: official", "verified: secondary")}
    result = run("ask", "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)", files=files)
    assert result.exit_code == 0, result.stderr
    text = result.stdout.replace("\n    ", " ")  # citation lines wrapped at 80 columns
    law = [ln for ln in text.splitlines() if ln.startswith("[") and "§ 9999.1(a)" in ln]
    assert law and all(f"as of 2026-11-25 · {DIGEST_MARK} (unofficial copy)" in ln for ln in law)
    # (An official one ends "· our digest": the test above.)


def test_cite_marks_the_passage_as_our_digest(run):
    result = run("cite", "Cal. Veh. Code § 9999.1(a)")
    assert result.exit_code == 0, result.stderr
    assert f"Test section on records — statute, as of 2026-11-25, {DIGEST_MARK}" in result.stdout


def test_sources_show_each_files_verified_value(run):
    text = run("sources")
    assert text.exit_code == 0, text.stderr
    out = " ".join(text.stdout.split())
    assert "Test section on records — statute, as of 2026-11-25, verified: official (ca/veh-9999.1.md)" in out
    assert "Test FAQ — secondary, as of 2026-11-25 (secondary/faq-test.md)" in out  # it says nothing
    data = json.loads(run("sources", "--json").stdout)
    assert {s["id"]: s["verified"] for s in data["sources"]} == {
        "ca-veh-9999.1": "official", "us-usc-18-9721": "secondary", "faq-test": None, "note-faq-test-q1": "official"}
    assert [s["id"] for s in data["sources"] if s["partial"]] == ["us-usc-18-9721"]  # `subdivisions: partial`
    assert "18 U.S.C. § 9721" in out and "verified: secondary, some subdivisions only" in out


def test_a_verified_value_other_than_official_or_secondary_is_refused(run):
    files = {"ca/veh-9999.1.md": STATUTE.replace("verified: official", "verified: checked")}
    result = run("sources", files=files)
    assert result.exit_code == 1
    assert result.stderr == "kb: error: ca/veh-9999.1.md: verified 'checked' is not one of official, secondary\n"
