"""Issue 15 §2: the command line as people expect it on a fresh clone."""

from __future__ import annotations

import io
import json
import re

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL
from kb import __version__
from kb.cli import app
from kb.generations import generation_ids

COMMANDS = ("ask", "search", "cite", "sources", "build", "eval")


def _flat(text: str) -> str:
    return " ".join(text.split())


def invoke(*args):
    return CliRunner().invoke(app, list(args))


def test_version():
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"kb {__version__}\n")


def test_help_shows_the_environment_variables_and_defaults_legibly():
    top = _flat(invoke("--help").stdout)
    for line in ("--corpus KB_CORPUS default: the repository's corpus/",
                 "--index KB_INDEX default: the repository's index/",
                 "--model KB_MODEL default: all-MiniLM-L6-v2 (packaged)"):
        assert line in top
    ask = _flat(invoke("ask", "--help").stdout)
    # Rich markup used to swallow the bracketed text: "Corpus folder ." was all that showed.
    assert "Corpus folder (env KB_CORPUS; default: the repository's corpus/)." in ask
    assert "Index folder (env KB_INDEX; default: the repository's index/;" in ask


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_has_an_example(command):
    text = invoke(command, "--help").stdout
    assert re.search(rf"Examples?:\n\s+kb {command}\b", text), text


def test_mode_and_split_list_their_choices():
    assert "--mode <hybrid|dense|lexical>" in invoke("search", "--help").stdout
    assert "--split <heldout|tune|all>" in invoke("eval", "--help").stdout


@pytest.fixture
def cli(settings):
    settings.index_dir.mkdir()

    def run(*args, model=FAKE_MODEL, index=None):
        return invoke(*args, "--corpus", str(settings.corpus_dir), "--index", str(index or settings.index_dir),
                      "--model", model)

    return run


def test_json_errors_are_a_json_object_on_stdout_with_the_same_exit_code(cli):
    result = cli("cite", "Veh. Code § 12345", "--json")
    assert result.exit_code == 1 and "kb: error" not in result.stderr  # only the build's notices
    assert json.loads(result.stdout) == {"error": {"kind": "citation_not_found", "message": (
        "the corpus has no Cal. Veh. Code § 12345 (`kb sources` lists what it holds); the official text is at "
        "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=12345.")}}
    unreadable = cli("cite", "the opt out law", "--json")
    assert unreadable.exit_code == 1
    assert json.loads(unreadable.stdout)["error"]["kind"] == "input"
    usage = cli("search", "x", "--mode", "fuzzy", "--json")
    assert usage.exit_code == 2
    assert json.loads(usage.stdout) == {"error": {"kind": "usage", "message": (
        "Invalid value for '--mode': 'fuzzy' is not one of 'hybrid', 'dense', 'lexical'.")}}


def test_a_mistyped_index_path_is_one_line_and_creates_nothing(cli, tmp_path):
    deep = tmp_path / "no" / "such" / "deep" / "path"
    for command in (("ask", "who may see my address?"), ("search", "address"), ("cite", "VC 9999.1")):
        result = cli(*command, index=deep)
        assert result.exit_code == 1
        assert result.stderr == (f"kb: error: no index at {deep}, and no such folder (check the path; "
                                 f"`kb build --index {deep}` makes one)\n")
    assert not (tmp_path / "no").exists()
    build = cli("build", index=deep)
    assert build.exit_code == 1 and "does not exist: `kb build` creates the index folder but not its parents" in build.stderr
    assert not (tmp_path / "no").exists()
    assert cli("build", index=tmp_path / "one-level").exit_code == 0  # one new folder is fine


def test_a_mistyped_model_is_reported_as_not_found_not_as_a_stale_index(cli, monkeypatch):
    monkeypatch.delenv("KB_ONLINE", raising=False)
    assert cli("build").exit_code == 0
    for command in (("ask", "who may see my address?"), ("build",), ("build", "--check")):
        result = cli(*command, model="all-MiniLM-L6-v3")
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("kb: error: model 'all-MiniLM-L6-v3' not found")
        assert "stale" not in result.output


def test_a_build_with_nothing_changed_writes_no_new_generation(cli, settings):
    assert cli("build").exit_code == 0
    assert generation_ids(settings.index_dir) == ["000001"]
    again = cli("build", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["unchanged"] is True
    assert cli("build").stdout.endswith("nothing changed, nothing written.\n")
    assert generation_ids(settings.index_dir) == ["000001"]
    path = settings.corpus_dir / "us/usc-18-9721.md"
    path.write_text(path.read_text().replace("functions", "duties"))
    assert json.loads(cli("build", "--json").stdout)["unchanged"] is False
    assert generation_ids(settings.index_dir) == ["000001", "000002"]
    assert cli("build", "--full").exit_code == 0  # --full always starts over
    assert generation_ids(settings.index_dir) == ["000002", "000003"]


def test_progress_without_a_terminal_says_each_stage_and_every_few_seconds(monkeypatch):
    from kb.cli import _StderrProgress

    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    now = [0.0]
    progress = _StderrProgress(clock=lambda: now[0])
    for step, t in zip(range(0, 101, 10), (0, 1, 2, 6, 7, 8, 12, 13, 14, 15, 16)):
        now[0] = t
        progress("embed", step, 100)
    progress("sentences", 0, 5)
    assert err.getvalue().splitlines() == [
        "embed: 0/100", "embed: 30/100", "embed: 60/100", "embed: 100/100", "sentences: 0/5"]


def test_the_first_build_notice_gives_an_estimate(settings):
    from kb.preflight import build_estimate
    from kb.config import REPO_ROOT, Settings
    from kb.embedding import DEFAULT_MODEL

    assert build_estimate(settings) == "a few seconds with the hashing model"
    shipped = Settings(REPO_ROOT / "corpus", settings.index_dir, DEFAULT_MODEL)
    assert re.fullmatch(r"about \d+ (s|min) on 2 idle cores for \d+ KB of corpus", build_estimate(shipped))


def test_kb_cite_opens_a_note_by_its_id(cli):
    result = cli("cite", "note-faq-test-q1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["normalized"] == "kb correction note to FAQ Q1"
    assert {m["source"] for m in data["matches"]} == {"notes/faq-q1.md"}
    question = json.loads(cli("cite", "faq-test#Q2", "--json").stdout)  # as a note's `corrects:` names it
    assert [m["citation"] for m in question["matches"]] == ["FAQ, Test guide, Q2"]


def test_a_correcting_note_not_listed_is_named_by_its_title_not_its_id():
    from kb.models import Chunk, Hit, Source
    from kb.render import _source_line

    def source(id_, authority, title):
        return Source(id=id_, title=title, citation=f"cite {id_}", jurisdiction="CA", authority=authority,
                      url="", as_of="2026-01-01", status="in force", path=f"{id_}.md", sha256="")

    def chunk(id_, src):
        return Chunk(id=id_, source_id=src.id, citation=src.citation, labels=(), anchor="", heading_trail=(),
                     title=src.title, text="text", start_line=1, end_line=1)

    faq = source("faq", "secondary", "FAQ")
    note = source("note-faq-q07-consequences", "note", "Immigration consequences are federal law")
    hit = Hit(chunk(id_="c1", src=faq), faq, 1.0, corrections=(Hit(chunk("c2", note), note, 1.0),))
    line = _source_line(1, hit, {"c1": 1})
    assert "note-faq-q07" not in line
    assert "corrected by our note “Immigration consequences are federal law”" in _flat(line)
