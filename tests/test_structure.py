"""Issue 15 §4: maintainers' slips are reported at build, with file and line."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL, STATUTE, write_corpus
from kb.citations import find_citations
from kb.cli import app
from kb.config import REPO_ROOT
from kb.corpus import load_corpus
from kb.structure import check_corpus

HEAD = STATUTE.split("\n---\n")[0] + "\n---\n"  # the fixture statute's front matter
BODY_LINE = HEAD.count("\n") + 1  # the body's first line in the file


def problems(tmp_path, body: str, head: str = HEAD) -> list[str]:
    corpus = write_corpus(tmp_path / "corpus", {"ca/veh-9999.1.md": head + body})
    return check_corpus(load_corpus(corpus))


def line(body: str, heading: str) -> int:
    return BODY_LINE + body.split("\n").index(heading)


def test_a_gap_in_a_sequence_is_reported_with_file_and_line(tmp_path):
    body = "\nSummary.\n\n## (a)\n\nA.\n\n## (b)\n\nB.\n\n## (d)\n\nD.\n"
    assert problems(tmp_path, body) == [
        f"ca/veh-9999.1.md:{line(body, '## (d)')}: (d) follows (b), but (c) is missing (add it, or mark the "
        "file `subdivisions: partial` if it digests only some subdivisions)"]
    late = "\nSummary.\n\n## (a)\n\n### (2)\n\nTwo.\n"
    assert problems(tmp_path, late)[0].startswith(f"ca/veh-9999.1.md:{line(late, '### (2)')}: (a)(2) opens its "
                                                  "level, but (1) is missing")


def test_a_file_that_digests_some_subdivisions_says_so_and_is_not_warned(tmp_path):
    body = "\nSummary.\n\n## (9)\n\nNine.\n\n## (12)\n\nTwelve.\n\n### (a)\n\nA.\n"
    assert len(problems(tmp_path, body)) == 2
    assert problems(tmp_path, body, HEAD.replace("verified: official\n", "verified: official\nsubdivisions: partial\n")) == []


def test_a_repeated_label_is_reported_even_in_a_partial_file(tmp_path):
    body = "\nSummary.\n\n## (a)\n\nA.\n\n## (b)\n\nB.\n\n## (b)\n\nB again.\n"
    second = BODY_LINE + [i for i, x in enumerate(body.split("\n")) if x == "## (b)"][1]
    expected = [f"ca/veh-9999.1.md:{second}: (b) appears twice (first at line {line(body, '## (b)')}); "
                "each subdivision has one heading"]
    assert problems(tmp_path, body) == expected
    partial = HEAD.replace("verified: official\n", "verified: official\nsubdivisions: partial\n")
    [found] = problems(tmp_path, body, partial)  # one more front matter line: one line lower
    assert found == expected[0].replace(f":{second}:", f":{second + 1}:").replace(
        f"line {second - 4})", f"line {second - 3})")


@pytest.mark.parametrize("body,heading,message", [
    ("\nS.\n\n## (a)\n\nA.\n\n#### (1)\n\nOne.\n", "#### (1)",
     "(a)(1) is at heading level 4 (####), but a label 1 level(s) down is at 3 (###)"),
    ("\nS.\n\n## (a)\n\nA.\n\n### (b)\n\nB.\n", "### (b)",
     "(a)(b) sits under (a), a label of the same kind: give it the heading level of (a)"),
    ("\nS.\n\n## (a)\n\nA.\n\n### (1)\n\nOne.\n\n## (2)\n\nTwo.\n", "## (2)",
     "(2) is not a lowercase letter like its first sibling (a): a heading level off?"),
])
def test_a_label_at_the_wrong_heading_level_is_reported(tmp_path, body, heading, message):
    [found] = problems(tmp_path, body)
    assert found.startswith(f"ca/veh-9999.1.md:{line(body, heading)}: {message}")


def test_california_sequences_pass(tmp_path):
    letters = "".join(f"## ({c})\n\nText.\n\n" for c in "abcdefghij")  # (i) after (h) is a letter
    romans = "## (k)\n\n### (1)\n\n#### (A)\n\n##### (i)\n\nx\n\n##### (ii)\n\nx\n\n#### (B)\n\nx\n"
    assert problems(tmp_path, "\nS.\n\n" + letters + romans) == []


def test_a_missing_verified_is_reported(tmp_path):
    body = "\nSummary.\n\n## Text\n\nRule.\n"
    assert problems(tmp_path, body, HEAD.replace("verified: official\n", "")) == [
        "ca/veh-9999.1.md:1: front matter lacks 'verified' (official, or secondary when only a secondary page "
        "could be read)"]
    # A value other than official or secondary is refused when the corpus is read
    # (tests/test_digests.py), before these checks run.


def test_the_shipped_corpus_has_no_slip():
    assert check_corpus(load_corpus(REPO_ROOT / "corpus")) == []


def test_deleting_a_section_notes_cite_is_reported_against_every_note(tmp_path):
    corpus = shutil.copytree(REPO_ROOT / "corpus", tmp_path / "corpus")
    citing = sorted(f.source.path for f in load_corpus(corpus)
                    if any(find_citations(c)[0][0].section == "1808.48" for c in f.source.cites))
    assert len(citing) >= 19  # when issue 15 was filed, nineteen notes cited § 1808.48
    (corpus / "ca/veh-1808.48.md").unlink()
    found = check_corpus(load_corpus(corpus))
    assert sorted({p.split(":")[0] for p in found}) == citing
    assert all("cites 'Cal. Veh. Code § 1808.48" in p and "which no corpus file holds" in p for p in found)
    first = next(p for p in found if p.startswith("notes/faq-q14-opt-out.md:"))
    number = int(first.split(":")[1])
    assert "1808.48" in (corpus / "notes/faq-q14-opt-out.md").read_text().split("\n")[number - 1]


def test_kb_build_warns_and_strict_stops(tmp_path, settings):
    write_corpus(settings.corpus_dir, {"ca/veh-9999.1.md": STATUTE.replace("verified: official\n", "")})
    (settings.corpus_dir / "us/usc-18-9721.md").unlink()  # the opt-out note cites 18 U.S.C. § 9721
    args = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--model", FAKE_MODEL]
    result = CliRunner().invoke(app, ["build", *args])
    assert result.exit_code == 0
    assert "kb: warning: ca/veh-9999.1.md:1: front matter lacks 'verified'" in result.stderr
    again = CliRunner().invoke(app, ["build", *args])  # nothing changed: still said
    assert again.stdout.endswith("nothing written.\n")
    assert "kb: warning: ca/veh-9999.1.md:1: front matter lacks 'verified'" in again.stderr
    strict = CliRunner().invoke(app, ["build", "--strict", *args])
    assert strict.exit_code == 1
    assert strict.stderr.startswith("kb: error: ca/veh-9999.1.md:1: front matter lacks 'verified'")
