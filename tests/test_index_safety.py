"""Issue 10, point 1: `--index DIR` never destroys what kb did not build.

Only a missing folder, an empty one, or one that holds a kb index may be written; anything else
is refused with one line naming the path, and left exactly as it was.
"""

import json
import os

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL
from kb.cli import app
from kb.errors import IndexForeign
from kb.indexing import build_index
from kb.staleness import check_index
from kb.store import open_index


def _snapshot(folder):
    """Every file under `folder` with its bytes: what must survive a refused build."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _cli(*args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(app, list(args))
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, list(args))
    finally:
        os.chdir(old)


def test_a_folder_of_someone_elses_files_is_refused_and_kept(settings, tmp_path):
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("precious")
    (mine / "sub" / "draft.md").write_text("more")
    before = _snapshot(mine)
    with pytest.raises(IndexForeign) as info:
        build_index(settings.__class__(settings.corpus_dir, mine, FAKE_MODEL))
    message = str(info.value)
    assert str(mine) in message and "notes.txt" in message and "\n" not in message
    assert _snapshot(mine) == before
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt", "sub"]  # nothing added either


def test_a_file_given_as_the_index_is_refused_and_kept(settings, tmp_path):
    target = tmp_path / "index.txt"
    target.write_text("not a folder")
    result = _cli("build", "--corpus", str(settings.corpus_dir), "--index", str(target),
                  "--model", FAKE_MODEL)
    assert result.exit_code == 1
    assert result.stderr == (f"kb: error: {target} is a file, not an index folder; pass --index a new "
                             "or empty folder (kb never replaces what it did not build)\n")
    assert target.read_text() == "not a folder"


def test_index_dot_is_a_message_not_a_traceback(settings, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "README.md").write_text("my project")
    result = _cli("build", "--corpus", str(settings.corpus_dir), "--index", ".", "--model", FAKE_MODEL,
                  cwd=work)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"kb: error: {work} holds files kb did not write (README.md)")
    assert sorted(p.name for p in work.iterdir()) == ["README.md"]


def test_ask_does_not_auto_build_into_a_foreign_folder(settings, tmp_path):
    mine = tmp_path / "photos"
    mine.mkdir()
    (mine / "cat.jpg").write_bytes(b"\xff\xd8 jpeg")
    result = _cli("ask", "Can I opt out?", "--corpus", str(settings.corpus_dir), "--index", str(mine),
                  "--model", FAKE_MODEL)
    assert result.exit_code == 1
    assert f"{mine} holds files kb did not write (cat.jpg)" in result.stderr
    assert (mine / "cat.jpg").read_bytes() == b"\xff\xd8 jpeg"
    assert sorted(p.name for p in mine.iterdir()) == ["cat.jpg"]


def test_a_missing_or_empty_folder_is_built_and_a_kb_index_rebuilt(settings, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (tmp_path / "new" / "index", empty):
        s = settings.__class__(settings.corpus_dir, target, FAKE_MODEL)
        build_index(s)
        first = open_index(target).path
        build_index(s, full=True)  # a kb index is ours to replace
        assert open_index(target).path != first
        assert not check_index(s).stale


def test_an_index_in_the_old_single_folder_layout_is_refused_and_kept_whole(settings):
    """Issue 17: kb cannot prove it wrote an index without its marker (a user's manifest.json
    may have the same keys), so it deletes nothing and says what to remove."""
    old = settings.index_dir
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format_version": 1, "model": {"id": FAKE_MODEL}}))
    (old / "chunks.jsonl").write_text("{}\n")
    (old / "lexical").mkdir()
    (old / "lexical" / "vocab.index.json").write_text("{}")
    (old / "keep-me.txt").write_text("a note someone left")
    before = _snapshot(old)
    assert check_index(settings).missing  # old layout: not read
    with pytest.raises(IndexForeign, match="remove chunks.jsonl, lexical, manifest.json yourself"):
        build_index(settings)
    assert _snapshot(old) == before


def test_a_second_build_of_the_same_index_is_refused_while_one_runs(built):
    from filelock import FileLock

    from kb.errors import KbError
    from kb.generations import LOCK

    with FileLock(str(built.index_dir / LOCK)):  # another build holds the index
        with pytest.raises(KbError, match="another `kb build` is writing .*; wait for it to finish"):
            build_index(built)
    build_index(built)  # and once it is done, building works again
