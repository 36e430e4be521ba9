"""Issue 17, parts 2 and 3 (with the hashing embedder): damage is reported, never laundered, and
every fault is one line — a full disk, a pointer that is a pipe or a folder, a manifest that lost
an entry, a check racing builds, bad front-matter types, file names and input that are not UTF-8,
control characters, and several `kb ask` on a missing index at once."""

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL, FEDERAL, NOTE, write_corpus
from kb.cli import app
from kb.config import Settings
from kb.errors import IndexWriteError
from kb.generations import GENERATIONS, POINTER, read_pointer
from kb.indexing import build_index
from kb.staleness import check_index
from kb.store import open_index

QUESTION = "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)"


def _cli(settings, *args):
    opts = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--model", FAKE_MODEL]
    return CliRunner().invoke(app, [*args, *opts])


def _kb(settings, *args, env=None, timeout=60):
    """`kb` as a real process: what a hang or a byte on stdout looks like to a user."""
    opts = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--model", FAKE_MODEL]
    return subprocess.run([sys.executable, "-m", "kb.cli", *args, *opts], capture_output=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def _listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _edit(settings, n):
    (settings.corpus_dir / f"us/extra-{n}.md").write_text(
        FEDERAL.replace("us-usc-18-9721", f"us-extra-{n}"), encoding="utf-8")


# --- a full disk ----------------------------------------------------------------------------

NO_SPACE = re.compile(r"^no space left on (\S+) for the index at (\S+) \((\d+) MB needed\)")


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("where", ["kb.store.write_file", "os.fsync", "kb.lexical.build_lexical",
                                   "kb.generations.write_pointer"])
def test_a_full_disk_is_one_line_and_leaves_nothing_behind(built, monkeypatch, where):
    before = _listing(built.index_dir)
    answer = _cli(built, "ask", QUESTION, "--json").stdout
    _edit(built, 1)
    monkeypatch.setattr(where, _enospc, raising=False)
    with pytest.raises(IndexWriteError) as info:
        build_index(built)
    monkeypatch.undo()
    message = str(info.value)
    m = NO_SPACE.match(message)
    assert m and "\n" not in message, message
    assert m.group(2) == str(built.index_dir) and int(m.group(3)) >= 1
    assert _listing(built.index_dir) == before  # no temporary folder, no half generation
    assert _cli(built, "ask", QUESTION, "--json").stdout == answer  # the old index still answers


def test_a_full_disk_through_the_cli_is_one_line(built, monkeypatch):
    _edit(built, 1)
    monkeypatch.setattr("os.fsync", _enospc)
    result = _cli(built, "build")
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("kb: error")]
    assert len(errors) == 1 and NO_SPACE.match(errors[0].removeprefix("kb: error: "))
    assert result.stderr.splitlines()[-1] == errors[0]


# --- CURRENT that is not a file ---------------------------------------------------------------

def test_current_as_a_named_pipe_hangs_nothing_and_build_repairs_it(built):
    pointer = built.index_dir / POINTER
    gid = read_pointer(built.index_dir)
    pointer.unlink()
    os.mkfifo(pointer)
    asked = _kb(built, "ask", QUESTION, "--json")  # a hang fails here, after 60 s
    assert asked.returncode == 0 and json.loads(asked.stdout)["passages"]
    assert b"no valid CURRENT pointer" in asked.stderr
    check = _kb(built, "build", "--check")
    assert check.returncode == 1 and b"no valid CURRENT pointer" in check.stdout
    assert _kb(built, "build").returncode == 0
    assert pointer.is_file() and read_pointer(built.index_dir) is not None
    assert _kb(built, "build", "--check").returncode == 0
    assert gid is not None


def test_current_as_a_folder_is_repaired_when_empty_and_named_when_not(built):
    pointer = built.index_dir / POINTER
    pointer.unlink()
    pointer.mkdir()
    asked = _cli(built, "ask", QUESTION)
    assert asked.exit_code == 0 and "no valid CURRENT pointer" in asked.stderr
    assert _cli(built, "build").exit_code == 0  # an empty folder holds nothing: replaced
    assert pointer.is_file() and _cli(built, "build", "--check").exit_code == 0
    pointer.unlink()
    pointer.mkdir()
    (pointer / "mine.txt").write_bytes(b"a user's file")
    _edit(built, 1)
    result = _cli(built, "build")
    assert result.exit_code == 1
    assert result.stderr == (f"kb: error: {pointer} is a folder holding files, not kb's pointer file; "
                             "move it out of the index, then run `kb build`\n")
    assert (pointer / "mine.txt").read_bytes() == b"a user's file"


# --- the manifest and --check ------------------------------------------------------------------

@pytest.mark.parametrize("entry", ["lexical/vocab.index.json", "lexical/params.index.json"])
def test_a_manifest_missing_one_file_entry_fails_check(built, entry):
    path = open_index(built.index_dir).path / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["files"][entry]
    path.write_text(json.dumps(manifest))
    check = _cli(built, "build", "--check")
    assert check.exit_code == 1 and "up to date" not in check.stdout
    assert entry.split("/")[-1] in check.stdout
    assert check_index(built, verify=True).stale
    assert _cli(built, "build").exit_code == 0 and _cli(built, "build", "--check").exit_code == 0


def test_check_holds_the_generation_it_verifies_while_builds_run(built, monkeypatch):
    import kb.manifest

    real = kb.manifest.damaged_files
    verified = []

    def paused(folder, manifest):  # `--check` paused mid-way while two builds swap generations
        if not verified:
            verified.append(folder)
            for n in range(2):
                _edit(built, n)
                build_index(built)
        return real(folder, manifest)

    monkeypatch.setattr(kb.manifest, "damaged_files", paused)
    report = check_index(built, verify=True)
    assert verified and verified[0].is_dir()  # not pruned under the check
    assert report.damaged == (), report.damaged


# --- front matter, file names -----------------------------------------------------------------

@pytest.mark.parametrize("field,value,shown", [
    ("cites", "5", "the number '5'"), ("cites", "true", "the boolean 'True'"),
    ("history", "2013", "the number '2013'"), ("corrects", "false", "the boolean 'False'"),
    ("corrects", "{faq-test#Q1: yes}", "the mapping"), ("cites", "[12, 'x']", "the number '12'"),
])
def test_a_list_field_of_another_type_is_one_line_naming_file_and_field(tmp_path, field, value, shown):
    note = re.sub(rf"^{field}: .*$", f"{field}: {value}", NOTE, flags=re.M)
    if f"{field}:" not in note:
        note = note.replace("as_of:", f"{field}: {value}\nas_of:")
    settings = Settings(write_corpus(tmp_path / "c", None) if False else _corpus_with(tmp_path, note),
                        tmp_path / "index", FAKE_MODEL)
    for args in (["build"], ["sources"]):
        result = _cli(settings, *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        assert result.stderr.startswith(f"kb: error: notes/faq-q1.md: {field} must be a string or a list")
        assert shown in result.stderr
    result = _cli(settings, "sources", "--json")  # with --json the error is JSON on stdout
    assert result.exit_code == 1 and "Traceback" not in result.output
    message = json.loads(result.stdout)["error"]["message"]
    assert message.startswith(f"notes/faq-q1.md: {field} must be a string or a list") and shown in message


def _corpus_with(tmp_path, note):
    from conftest import FAQ, STATUTE

    return write_corpus(tmp_path / "corpus", {"ca/veh-9999.1.md": STATUTE, "us/usc-18-9721.md": FEDERAL,
                                              "secondary/faq-test.md": FAQ, "notes/faq-q1.md": note})


def test_a_file_name_that_is_not_utf8_is_one_line_and_json_stays_utf8(settings):
    bad = os.fsencode(str(settings.corpus_dir / "us")) + b"/caf\xe9-\xff.md"
    with open(bad, "wb") as fh:
        fh.write(FEDERAL.replace("us-usc-18-9721", "us-other").encode())
    message = "us/caf\\xe9-\\xff.md: the file name is not UTF-8; rename it (e.g. with `mv`)"
    for args in (["build"], ["sources"]):
        result = _kb(settings, *args)
        assert result.returncode == 1, result
        result.stdout.decode("utf-8")
        line = result.stderr.decode("utf-8")  # valid UTF-8, or this raises
        assert line.count("\n") == 1 and "Traceback" not in line
        assert line == f"kb: error: {message}\n"
    result = _kb(settings, "sources", "--json")  # the error is JSON on stdout, in valid UTF-8
    assert result.returncode == 1, result
    assert json.loads(result.stdout.decode("utf-8"))["error"]["message"] == message


# --- what the user typed ------------------------------------------------------------------------

def test_control_characters_in_echoed_input_never_reach_the_terminal(built):
    evil = "VC 99999\x1b]0;pwned\x07\x1b[2J\x9b31m"
    for args in (["cite", evil], ["cite", evil, "--json"], ["ask", evil], ["search", evil, "--json"]):
        result = _cli(built, *args)
        out = result.stdout + result.stderr
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), (args, out)
        assert "Traceback" not in out


def test_a_question_with_a_byte_that_is_not_utf8_is_answered(built):
    arg = os.fsencode("Can I opt out of the caf") + b"\xe9 records? Cal. Veh. Code \xa7 9999.1"
    for command in ("ask", "search", "cite"):
        result = subprocess.run([sys.executable, "-m", "kb.cli", command, arg, "--corpus", str(built.corpus_dir),
                                 "--index", str(built.index_dir), "--model", FAKE_MODEL, "--json"],
                                capture_output=True, timeout=60)
        assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
        result.stderr.decode("utf-8")  # valid UTF-8, or this raises
        if command != "cite":  # no such section: cite exits 1 with one line
            assert result.returncode == 0 and json.loads(result.stdout.decode("utf-8"))


# --- three questions at once on a missing index ----------------------------------------------

def test_three_asks_on_a_missing_index_all_answer(settings, tmp_path):
    settings.index_dir.mkdir(exist_ok=True)  # ask builds only into a folder that exists
    marker = tmp_path / "building"
    first = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "ask", QUESTION, "--json", "--corpus", str(settings.corpus_dir),
         "--index", str(settings.index_dir), "--model", FAKE_MODEL],
        env={**os.environ, "KB_TEST_PAUSE_AT": "corpus-read", "KB_TEST_PAUSE_FILE": str(marker),
             "KB_TEST_PAUSE_SECONDS": "4"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the first build never started"
    others = [subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "ask", QUESTION, "--json", "--corpus", str(settings.corpus_dir),
         "--index", str(settings.index_dir), "--model", FAKE_MODEL],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in [first, *others]]
    for code, out, err in results:
        assert code == 0, err.decode()
        assert json.loads(out)["passages"], out
    assert any(b"another kb process is building it; waiting" in err for _c, _o, err in results[1:])
    assert len(list((settings.index_dir / GENERATIONS).iterdir())) == 1  # built once, not three times
