"""Issue 16: `kb verify` checks answers saved with `kb ask --json` against the corpus as it is now.

Answers are asked over a copy of the shipped corpus (hashing model), saved, and the copy is then
edited for real: a subdivision reworded (changed), a sentence moved to another subdivision and a
subdivision re-lettered (moved), a file deleted and a subdivision removed (gone), and a line
added above (unchanged, at new lines). Files that are not saved answers are one line, exit 2.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL
from kb.config import REPO_ROOT
from kb.text import normalize_space

QUESTIONS = [
    "Can ICE get the documents I gave the DMV for my AB 60 license?",
    "What is the process for individuals to opt out of having their information shared with ICE by the DMV?",
    "Can the DMV give my home address to the police?",
    "What may a state DMV disclose under the Driver's Privacy Protection Act?",
    "Can my AB 60 license be used as evidence of my immigration status?",
    "Can local police ask about immigration status under the California Values Act?",
]


def kb(*args: str):
    return CliRunner().invoke(app_(), list(args))


def app_():
    from kb.cli import app

    return app


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """(pristine corpus copy, {answer file: its JSON}) for the questions above."""
    root = tmp_path_factory.mktemp("verify")
    corpus = root / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", corpus)
    answers = root / "answers"
    answers.mkdir()
    (root / "index").mkdir()  # ask builds only into a folder that exists
    out = {}
    for i, question in enumerate(QUESTIONS):
        result = kb("ask", question, "--json", "--corpus", str(corpus), "--index", str(root / "index"),
                    "--model", FAKE_MODEL)
        assert result.exit_code == 0, result.output
        path = answers / f"q{i}.json"
        path.write_text(result.stdout, encoding="utf-8")
        out[path] = json.loads(result.stdout)
    assert sum(len(a["answer"]) for a in out.values()) >= 5
    return corpus, out


@pytest.fixture
def corpus_copy(saved, tmp_path) -> Path:
    corpus, _ = saved
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    return copy


def verify(corpus: Path, *files) -> tuple[int, dict, str]:
    result = kb("verify", *map(str, files), "--corpus", str(corpus), "--json")
    human = kb("verify", *map(str, files), "--corpus", str(corpus))
    assert human.exit_code == result.exit_code
    return result.exit_code, json.loads(result.stdout), human.stdout


def candidates(saved, pick) -> list[tuple[Path, int, dict]]:
    """(answer file, sentence number, sentence) of saved statute sentences `pick` accepts."""
    _, answers = saved
    out = []
    for path, data in answers.items():
        for n, s in enumerate(data["answer"], start=1):
            if s["authority"] == "statute" and s["citation"].endswith(")") and pick(s):
                out.append((path, n, s))
    assert out, "no saved sentence fits this edit"
    return out


def headings(text: str) -> list[tuple[int, int, str]]:
    """(start, end, line) of every heading line of a file's body."""
    return [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"(?m)^#{2,6} .*$", text)]


def heading_above(text: str, offset: int):
    return [h for h in headings(text) if h[0] < offset][-1]


def heading_below(text: str, offset: int):
    below = [h for h in headings(text) if h[0] > offset]
    return below[0] if below else None


def outcome(report: dict, file: Path, number: int) -> dict:
    answer = next(a for a in report["answers"] if a["file"] == str(file))
    return next(s for s in answer["sentences"] if s["number"] == number)


def test_an_untouched_corpus_keeps_every_sentence(saved):
    corpus, answers = saved
    code, report, human = verify(corpus, *answers)
    assert code == 0 and report["stands"] is True
    assert report["counts"]["unchanged"] == sum(len(a["answer"]) for a in answers.values())
    assert all(not a["corpus_changed"] for a in report["answers"])
    assert "every sentence still stands" in human


def test_a_line_added_above_leaves_a_sentence_unchanged_at_new_lines(saved, corpus_copy):
    path, n, s = candidates(saved, lambda s: True)[0]
    file = corpus_copy / s["source"]
    text = file.read_text(encoding="utf-8")
    first_heading = headings(text)[0][0]
    file.write_text(text[:first_heading] + "An added paragraph.\n\n" + text[first_heading:], encoding="utf-8")
    code, report, _ = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert got["status"] == "unchanged" and got["now"]["citation"] == s["citation"]
    assert got["now"]["lines"] == [s["lines"][0] + 2, s["lines"][1] + 2]
    assert code == 0 and report["answers"][0]["corpus_changed"] is True


def test_a_reworded_subdivision_is_changed_with_its_current_text(saved, corpus_copy):
    path, n, s = candidates(saved, lambda s: True)[0]
    file = corpus_copy / s["source"]
    text = file.read_text(encoding="utf-8")
    start, end = s["chars"]
    old = text[start:end]
    first, rest = old.split(maxsplit=1)
    file.write_text(text[:start] + f"{first} generally {rest}" + text[end:], encoding="utf-8")
    code, report, human = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert code == 1 and report["stands"] is False
    assert got["status"] == "changed" and got["text"] == s["text"]
    assert got["now"]["citation"] == s["citation"]
    assert f"{first} generally {normalize_space(rest)}" in normalize_space(got["now_text"])
    assert "changed" in human and "was: " in human and "now: " in human


def test_a_sentence_moved_to_another_subdivision_is_found_there(saved, corpus_copy):
    def has_heading_below(s):
        text = (saved[0] / s["source"]).read_text(encoding="utf-8")
        return heading_below(text, s["chars"][1]) is not None

    path, n, s = candidates(saved, has_heading_below)[0]
    file = corpus_copy / s["source"]
    text = file.read_text(encoding="utf-8")
    start, end = s["chars"]
    sentence = text[start:end]
    below = heading_below(text, end)
    # Cut the sentence from its subdivision and open the next one with it.
    edited = text[: below[1]] + "\n" + sentence + "\n" + text[below[1]:]
    edited = edited[:start] + edited[end:]
    file.write_text(edited, encoding="utf-8")
    code, report, human = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert code == 1
    assert got["status"] == "moved" and got["now"]["source"] == s["source"]
    assert got["now"]["citation"] != s["citation"]
    now_start, now_end = got["now"]["chars"]
    assert normalize_space(edited[now_start:now_end]) == s["text"]
    assert f"{s['citation']} → now {got['now']['citation']}" in " ".join(human.split())


def _drop_question_keys(text: str, labels: str) -> tuple[str, int]:
    """`text` without the front matter `questions:` entries for `labels` and the subdivisions
    under it (a maintainer who re-letters or removes a subdivision must drop or re-key them, or
    the corpus no longer builds), and how many characters went."""
    front, sep, body = text.partition("\n---\n")
    kept, dropping = [], False
    for line in front.split("\n"):
        if line.startswith(f'  "{labels}'):
            dropping = True
            continue
        if dropping and line.startswith("    "):
            continue
        dropping = False
        kept.append(line)
    new = "\n".join(kept) + sep + body
    return new, len(text) - len(new)


def test_a_relettered_subdivision_moves_its_sentences_to_the_new_label(saved, corpus_copy):
    path, n, s = candidates(saved, lambda s: True)[0]
    file = corpus_copy / s["source"]
    text = file.read_text(encoding="utf-8")
    h_start, h_end, line = heading_above(text, s["chars"][0])
    label = re.search(r"\(([A-Za-z0-9]{1,5})\)", line).group(1)
    assert s["citation"].endswith(f"({label})")
    text = text[:h_start] + line.replace(f"({label})", "(zz)", 1) + text[h_end:]
    text, dropped = _drop_question_keys(text, s["citation"][s["citation"].index("("):])
    file.write_text(text, encoding="utf-8")
    code, report, _ = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert code == 1
    assert got["status"] == "moved" and got["now"]["citation"] == s["citation"][: -len(label) - 2] + "(zz)"
    # the heading above grew or shrank, and the front matter lost the subdivision's questions
    shift = len("(zz)") - len(f"({label})") - dropped
    assert got["now"]["chars"] == [s["chars"][0] + shift, s["chars"][1] + shift]


def test_a_deleted_file_makes_its_sentences_gone(saved, corpus_copy):
    path, n, s = candidates(saved, lambda s: True)[0]
    (corpus_copy / s["source"]).unlink()
    code, report, human = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert code == 1 and got["status"] == "gone" and got["now"] is None
    assert got["reason"] == f"{s['source']} is no longer in the corpus"
    assert "gone" in human and s["source"] in human


def test_a_removed_subdivision_makes_its_sentences_gone(saved, corpus_copy):
    path, n, s = candidates(saved, lambda s: True)[0]
    file = corpus_copy / s["source"]
    text = file.read_text(encoding="utf-8")
    h_start = heading_above(text, s["chars"][0])[0]
    below = heading_below(text, s["chars"][1])
    text = text[:h_start] + (text[below[0]:] if below else "")
    file.write_text(_drop_question_keys(text, s["citation"][s["citation"].index("("):])[0], encoding="utf-8")
    code, report, _ = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert code == 1 and got["status"] == "gone"
    assert got["reason"] == f"{s['source']} no longer has {s['citation']}"


def test_an_answer_saved_before_sentences_had_places_is_checked_by_its_passage(saved, tmp_path):
    corpus, answers = saved
    path, data = next((p, d) for p, d in answers.items() if d["answer"])
    old = dict(data)
    old["answer"] = [{k: s[k] for k in ("text", "passages", "secondary", "authority")} for s in data["answer"]]
    for key in ("corpus", "kb_version"):
        old.pop(key)
    saved_old = tmp_path / "old.json"
    saved_old.write_text(json.dumps(old), encoding="utf-8")
    code, report, _ = verify(corpus, saved_old)
    assert code == 0 and [s["status"] for s in report["answers"][0]["sentences"]] == ["unchanged"] * len(old["answer"])


def test_a_folder_of_saved_answers_is_checked_whole(saved):
    corpus, answers = saved
    folder = next(iter(answers)).parent
    code, report, _ = verify(corpus, folder)
    assert code == 0 and len(report["answers"]) == len(answers)


@pytest.mark.parametrize("content, says", [
    ('{"question": "x", "answer": [', "not valid JSON (Expecting value at line 1, column 30)"),
    ("", "not valid JSON (Expecting value at line 1, column 1)"),
    (b"\xff\xfe{}", "not UTF-8 text"),
    ("[1, 2]", "a JSON list, not a saved `kb ask --json` answer"),
    ('{"query": "x", "results": []}', "`kb search --json` output, not a saved `kb ask --json` answer"),
    ('{"query": "x", "normalized": "y", "matches": []}', "`kb cite --json` output, not a saved"),
    ('{"name": "kb", "version": 1}', "a JSON object with 'name, version', not a saved"),
    ('{"question": "x", "answer": [{"text": "A sentence."}]}', "answer sentence 1 names no citation and source file"),
    ('{"question": "x", "answer": ["A sentence."]}', "answer sentence 1 has no 'text'"),
])
def test_a_file_that_is_not_a_saved_answer_is_one_line_and_exit_2(saved, tmp_path, content, says):
    corpus, answers = saved
    bad = tmp_path / "bad.json"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    # Given with a good answer: the bad one stops the run, before anything is reported.
    result = kb("verify", str(next(iter(answers))), str(bad), "--corpus", str(corpus))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"kb: error: {bad}: {says}"), result.stderr


def test_a_missing_file_or_an_empty_folder_is_exit_2(saved, tmp_path):
    corpus, _ = saved
    for given, says in ((tmp_path / "nope.json", "cannot read it"), (tmp_path, "a folder without .json files")):
        result = kb("verify", str(given), "--corpus", str(corpus))
        assert result.exit_code == 2 and result.stderr.startswith(f"kb: error: {given}: {says}"), result.stderr


def test_verify_and_cite_markdown_import_nothing_heavy(built, tmp_path):
    """kb verify reads the corpus only: no model, no FAISS, no BM25 (STYLE.md, principle 2)."""
    from test_cli_imports import _heavy_modules_after

    opts = ["--corpus", str(built.corpus_dir), "--index", str(built.index_dir), "--model", FAKE_MODEL]
    answer = kb("ask", "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)", "--json", *opts)
    saved_answer = tmp_path / "a.json"
    saved_answer.write_text(answer.stdout, encoding="utf-8")
    assert _heavy_modules_after(["verify", str(saved_answer), "--corpus", str(built.corpus_dir)]) == []
    assert _heavy_modules_after(["cite", "VC 9999.1(a)", "--format", "markdown", *opts]) == []


def test_a_new_as_of_date_is_reported_on_an_unchanged_sentence(saved, corpus_copy):
    path, n, s = candidates(saved, lambda s: True)[0]
    file = corpus_copy / s["source"]
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace(f"as_of: {s['as_of']}", "as_of: 2031-01-02", 1), encoding="utf-8")
    code, report, human = verify(corpus_copy, path)
    got = outcome(report, path, n)
    assert code == 0 and got["status"] == "unchanged"  # the words and their citation stand
    assert (got["saved"]["as_of"], got["now"]["as_of"]) == (s["as_of"], "2031-01-02")
    assert f"its file is now as of 2031-01-02 (was {s['as_of']})" in " ".join(human.split())
