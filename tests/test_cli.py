"""The command line contract: exit codes, messages, and the JSON schema other tools read."""

import json

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL, FAQ, OPT_OUT_NOTE, generation, write_corpus
from kb.cli import app

PASSAGE_KEYS = {"id", "citation", "title", "source", "url", "authority", "jurisdiction", "as_of",
                "status", "score", "text", "lines", "group", "digest", "corrections", "chars", "sha256",
                "verified"}
# Issue 16: where each answer sentence is, and what it cites.
SENTENCE_PLACE_KEYS = {"citation", "source", "lines", "chars", "sha256", "as_of", "verified", "url"}
SOURCE_KEYS = {"id", "citation", "title", "source", "url", "authority", "jurisdiction", "as_of", "status",
               "verified", "partial"}


@pytest.fixture
def run(settings):
    runner = CliRunner()
    settings.index_dir.mkdir()  # ask, search and cite build only into a folder that exists

    def invoke(*args, index=True):
        opts = ["--corpus", str(settings.corpus_dir), "--model", FAKE_MODEL]
        if index:
            opts += ["--index", str(settings.index_dir)]
        return runner.invoke(app, [*args, *opts])

    return invoke


def test_ask_on_a_missing_index_builds_it_first_and_says_so(run, settings):
    result = run("ask", "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)", "--json")
    assert result.exit_code == 0, result.output
    notice = f"kb: no index at {settings.index_dir}: building it now (once; a few seconds with the hashing model)"
    assert notice in result.stderr
    assert result.stderr.index(notice) < result.stderr.index("embed: ")  # said before, not after
    data = json.loads(result.stdout)
    assert set(data) == {"question", "abstained", "answer", "passages", "kb_version", "corpus"}
    assert data["abstained"] is False
    assert data["passages"][0]["citation"] == "Cal. Veh. Code § 9999.1(a)(1)"
    assert all(set(p) == PASSAGE_KEYS for p in data["passages"])
    ids = {p["id"] for p in data["passages"]}
    for sentence in data["answer"]:
        assert set(sentence) == {"text", "passages", "secondary", "authority", *SENTENCE_PLACE_KEYS}
        assert set(sentence["passages"]) <= ids
    groups = [p["group"] for p in data["passages"]]
    assert groups == sorted(groups, key=["law", "note", "agency", "secondary"].index)
    faq = [p for p in data["passages"] if p["group"] == "secondary"]
    assert all(p["authority"] == "secondary" for p in faq)


def test_ask_human_output_lists_sources_by_group_in_80_columns(run, settings):
    labelled = FAQ.replace("authority: secondary", 'authority: secondary\nlabel: "a test guide, not law"')
    write_corpus(settings.corpus_dir, {"notes/faq-q2.md": OPT_OUT_NOTE, "secondary/faq-test.md": labelled})
    result = run("ask", "Can I opt out with an AB 77 form?")  # a known bill: never abstained on
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Answer:\n  There is no opt-out form")
    assert out.index("The law:") < out.index("Our notes") < out.index("Secondary sources (not law):")
    assert "FAQ, Test guide, Q2 · a test guide, not law · corrected by [" in out
    assert "Secondary sources (not law):" in out
    assert all(len(line) <= 80 for line in out.splitlines() if not line.strip().startswith("https://"))
    assert out.rstrip().endswith("Whole passages: kb ask --full, or kb cite CITATION.")
    full = run("ask", "Can I opt out with an AB 77 form?", "--full").stdout
    assert "Any government agency may receive personal information" in full


def test_search_json_contract_and_modes(run):
    for mode in ("hybrid", "dense", "lexical"):
        result = run("search", "residence addresses confidential", "--mode", mode, "-k", "3", "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert set(data) == {"query", "results", "kb_version", "corpus"} and data["query"] == "residence addresses confidential"
        assert 1 <= len(data["results"]) <= 3
        assert all(set(p) == PASSAGE_KEYS for p in data["results"])


def test_unknown_mode_is_a_usage_error(run):
    result = run("search", "x", "--mode", "fuzzy")
    assert result.exit_code == 2
    assert "Invalid value for '--mode': 'fuzzy' is not one of 'hybrid', 'dense', 'lexical'." in result.stderr


def test_cite_json_subdivision_and_whole_section(run):
    result = run("cite", "VC 9999.1(a)", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "normalized", "matches", "kb_version", "corpus"}
    assert data["normalized"] == "Cal. Veh. Code § 9999.1(a)"
    assert [m["citation"] for m in data["matches"]] == [
        "Cal. Veh. Code § 9999.1(a)", "Cal. Veh. Code § 9999.1(a)(1)",
        "Cal. Veh. Code § 9999.1(a)(1)(A)", "Cal. Veh. Code § 9999.1(a)(2)",
    ]
    whole = json.loads(run("cite", "Section 9999.1 of the Vehicle Code", "--json").stdout)
    assert len(whole["matches"]) == 7
    first = whole["matches"][0]
    assert (first["url"], first["as_of"]) == (
        "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1.",
        "2026-11-25")


def test_cite_of_a_section_the_corpus_lacks_exits_1_with_a_clear_message(run):
    result = run("cite", "Veh. Code § 12345")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "kb: error: the corpus has no Cal. Veh. Code § 12345 (`kb sources` lists what it holds); the official "
        "text is at https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=12345.")
    result = run("cite", "VC 9999.1(z)")
    assert result.exit_code == 1
    assert "Cal. Veh. Code § 9999.1 in the corpus has no subdivision (z) (it has (a), (b))" in result.stderr


def test_cite_of_nonsense_exits_1(run):
    result = run("cite", "the opt out law")
    assert result.exit_code == 1
    assert "not a citation I can read" in result.stderr
    assert "Traceback" not in result.output


def test_faq_passage_carries_its_correction(run):
    data = json.loads(run("search", "when was the license law passed", "-k", "10", "--json").stdout)
    faq = next(p for p in data["results"] if p["citation"] == "FAQ, Test guide, Q1")
    assert [c["citation"] for c in faq["corrections"]] == ["kb correction note to FAQ Q1"]
    assert faq["corrections"][0]["authority"] == "note"
    q2 = next((p for p in data["results"] if p["citation"] == "FAQ, Test guide, Q2"), None)
    assert q2 is None or q2["corrections"] == []


def test_sources_json(run):
    result = run("sources", "--json", index=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [s["id"] for s in data["sources"]] == ["ca-veh-9999.1", "note-faq-test-q1", "faq-test", "us-usc-18-9721"]
    assert all(set(s) == SOURCE_KEYS for s in data["sources"])


def test_build_and_check_exit_codes(run, settings):
    assert run("build", "--check").exit_code == 1  # missing
    built = run("build", "--json")
    assert built.exit_code == 0
    assert json.loads(built.stdout)["embedded"] == json.loads(built.stdout)["chunks"]
    assert run("build", "--check").exit_code == 0
    path = settings.corpus_dir / "us/usc-18-9721.md"
    path.write_text(path.read_text().replace("functions", "duties"))
    check = run("build", "--check")
    assert check.exit_code == 1
    assert "changed: us/usc-18-9721.md" in check.stdout
    rebuilt = json.loads(run("build", "--json").stdout)
    assert (rebuilt["changed"], rebuilt["embedded"]) == (["us/usc-18-9721.md"], 1)


def test_stale_index_warns_and_answers_or_rebuilds(run, settings):
    run("build")
    path = settings.corpus_dir / "us/usc-18-9721.md"
    path.write_text(path.read_text().replace("functions", "duties"))
    result = run("search", "government agency", "--json")
    assert result.exit_code == 0
    assert "the index is stale (1 changed); answering from it anyway" in result.stderr
    result = run("search", "government agency", "--json", "--rebuild")
    assert "embedded 1, reused" in result.stderr
    assert run("build", "--check").exit_code == 0


def test_empty_question_exits_1_with_one_line(run):
    result = run("ask", "   ")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "the question is empty" in result.stderr


def test_bad_corpus_file_is_named_and_the_index_is_untouched(run, settings):
    run("build")
    before = (generation(settings.index_dir) / "chunks.jsonl").read_bytes()
    (settings.corpus_dir / "ca/broken.md").write_text("---\nid: x\n---\nbody\n")
    result = run("build")
    assert result.exit_code == 1
    assert result.stderr == "kb: error: ca/broken.md: front matter lacks 'title' (a short title)\n"
    assert (generation(settings.index_dir) / "chunks.jsonl").read_bytes() == before


def test_missing_corpus_folder(run, tmp_path):
    result = CliRunner().invoke(app, ["sources", "--corpus", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "does not exist (pass --corpus DIR or set KB_CORPUS)" in result.stderr


def test_corrupt_index_is_reported_not_a_traceback(run, settings):
    run("build")
    (generation(settings.index_dir) / "sources.json").write_text("[]")
    result = run("search", "address")
    assert result.exit_code == 1
    assert "sources.json: truncated or changed since the build" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(run):
    result = run("cite", "the opt out law", "--debug")
    assert result.exit_code == 1
    assert result.exception is not None and "not a citation" in str(result.exception)


def test_human_output_puts_the_answer_first_and_cites_url_and_date(run):
    result = run("ask", "Can any government agency receive personal information?")
    assert result.exit_code == 0, result.output
    out = result.stdout
    closest = "No passage decides this exactly; the closest the law comes:"
    assert out.startswith(("Answer:", closest, "No answer:"))
    if not out.startswith("No answer:"):
        assert "[1] " in out and "as of 2026-11-25" in out
        assert max(len(line) for line in out.splitlines() if not line.strip().startswith("http")) <= 100
