"""Issue 17, part 1: kb deletes a path only when it can prove kb created it.

The proof is kb's marker (`.kb-owner`, kb/ownership.py) carrying the index's identity inside the
folder deleted; names and manifest keys are never proof. Each test runs on real folders holding
a user's files and asserts every one of them survives byte for byte.
"""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL
from kb.cli import app
from kb.config import Settings
from kb.errors import IndexForeign
from kb.generations import GENERATIONS, generation_ids, read_pointer
from kb.indexing import build_index
from kb.staleness import check_index
from kb.leftovers import process_token
from kb.store import open_index


MARKER = ".kb-owner"  # kb/ownership.py; spelled out so this file runs against any kb


def read_marker(folder):
    return json.loads((folder / MARKER).read_text())


def _snapshot(folder):
    """Every file and folder under `folder`, files with their bytes."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else "dir")
        for p in sorted(folder.rglob("*"))
    }


def _user_files(folder, files):
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _cli(settings, index, *args):
    return CliRunner().invoke(app, [*args, "--corpus", str(settings.corpus_dir), "--index", str(index),
                                    "--model", FAKE_MODEL])


def _dead_token() -> str:
    code = "from kb.leftovers import process_token; print(process_token())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_a_folder_whose_manifest_looks_like_an_old_index_is_never_deleted(settings, tmp_path):
    mine = tmp_path / "project"
    _user_files(mine, {
        "manifest.json": json.dumps({"format_version": 1, "model": "my web app", "name": "x"}).encode(),
        "sources.json": b'["my sources"]',
        "onnx/my-model.onnx": b"\x08\x01 weights I trained",
        "lexical/dictionary.txt": b"words",
        "notes.txt": b"precious",
    })
    before = _snapshot(mine)
    for args in (["build"], ["build", "--full"], ["ask", "Can I opt out?"]):
        result = _cli(settings, mine, *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        assert "remove lexical, manifest.json, onnx and 1 more yourself" in result.stderr, result.stderr
        assert _snapshot(mine) == before


def test_a_user_folder_holding_generations_000001_is_refused_not_pruned(settings, tmp_path):
    mine = tmp_path / "backup"
    _user_files(mine, {"generations/000001/manifest.json": b'{"mine": true}',
                       "generations/000001/photo.jpg": b"\xff\xd8 jpeg",
                       "generations/000002/doc.txt": b"text", "CURRENT": b"my current notes"})
    before = _snapshot(mine)
    for _ in range(2):
        with pytest.raises(IndexForeign, match="without kb's ownership marker"):
            build_index(Settings(settings.corpus_dir, mine, FAKE_MODEL))
    assert _snapshot(mine) == before


def test_kb_like_names_beside_the_index_are_never_touched(built, tmp_path):
    dead_pid = int(_dead_token().split("-")[0])
    name = built.index_dir.name
    beside = {f".{name}.{kind}-{dead_pid}/{f}": b"user data " + kind.encode()
              for kind in ("tmp", "old", "onnx") for f in ("a.txt", "sub/b.bin")}
    beside[f".{name}.onnx-{dead_pid}.tmp-abc/model.onnx"] = b"mine"
    _user_files(tmp_path, beside)
    before = {rel: (tmp_path / rel).read_bytes() for rel in beside}
    build_index(built)
    build_index(built, full=True)
    assert {rel: (tmp_path / rel).read_bytes() for rel in beside} == before


def test_a_generation_given_as_the_index_is_refused_and_the_index_keeps_answering(built):
    gen = open_index(built.index_dir).path
    before = _snapshot(built.index_dir)
    for target in (gen, gen / "lexical", built.index_dir / GENERATIONS, built.index_dir / GENERATIONS / "new"):
        for args in (["ask", "Can I opt out?"], ["build"], ["build", "--full"]):
            result = _cli(built, target, *args)
            assert result.exit_code == 1, (target, args, result.output)
            assert result.stderr == (f"kb: error: {target} is inside the index at {built.index_dir}, not an "
                                     f"index itself; pass --index {built.index_dir}\n")
    assert _snapshot(built.index_dir) == before
    assert _cli(built, built.index_dir, "ask", "Can I opt out?").exit_code == 0


def test_a_user_file_in_a_generation_survives_its_pruning(built):
    gen = open_index(built.index_dir).path
    _user_files(gen, {"my-notes.txt": b"do not lose me", "lexical/extra/deep.bin": b"\x00\x01"})
    reports = []
    for n in range(3):  # the generation falls out of the two kept and is pruned
        (built.corpus_dir / f"us/extra-{n}.md").write_text(
            (built.corpus_dir / "us/usc-18-9721.md").read_text().replace("us-usc-18-9721", f"us-x{n}"))
        reports.append(build_index(built))
    assert gen.name not in generation_ids(built.index_dir)
    kept = [p for p in (built.index_dir / GENERATIONS).iterdir() if p.name.startswith(".trash-")]
    assert len(kept) == 1
    assert (kept[0] / "my-notes.txt").read_bytes() == b"do not lose me"
    assert (kept[0] / "lexical/extra/deep.bin").read_bytes() == b"\x00\x01"
    # Only the user's files are left, and the user is told where.
    assert sorted(p.relative_to(kept[0]).as_posix() for p in kept[0].rglob("*") if p.is_file()) == [
        "lexical/extra/deep.bin", "my-notes.txt"]
    assert any(f"kept {kept[0]}: it holds files kb did not write" in n for r in reports for n in r.notices)
    # kb never deletes it later either, and --check points at it.
    build_index(built)
    assert (kept[0] / "my-notes.txt").read_bytes() == b"do not lose me"
    assert any(f"{kept[0]}: not written by this index" in r for r in check_index(built, verify=True).reasons)


def test_leftovers_are_removed_only_with_the_index_marker_and_check_reports_them(built, tmp_path):
    gens = built.index_dir / GENERATIONS
    dead = _dead_token()
    ident = read_marker(built.index_dir)["index"]
    ours = [gens / f".build-{dead}", gens / f".onnx-{dead}", gens / f".trash-{dead}-000009"]
    for folder in ours:
        _user_files(folder, {"onnx/model.onnx": b"\0" * 5000, "sources.json": b"[]"})
        (folder / MARKER).write_text(json.dumps({"kb_owner": 1, "index": ident, "kind": "generation"}))
    (ours[2] / "manifest.json").write_bytes(b"not json")  # a pruned generation: its known files go
    theirs = {f".build-{dead}/keep.txt": b"no marker", f".onnx-{dead}.tmp-x1/model.onnx": b"87 MB once",
              f"..onnx-{dead}.tmp-q9/model.onnx": b"left by an earlier kb",
              f".onnx-{dead}-other/.kb-owner": json.dumps({"kb_owner": 1, "index": "f" * 32,
                                                           "kind": "onnx"}).encode()}
    theirs = {k.replace(f".build-{dead}", ".build-1-1"): v for k, v in theirs.items()}
    _user_files(gens, theirs)
    (built.index_dir / f".pointer-{dead}").write_text(json.dumps({"generation": "000001", "index": ident}))
    (built.index_dir / ".pointer-1-2").write_text("a user's file named like a pointer")
    report = check_index(built, verify=True)
    assert report.stale
    for folder in ours:
        assert any(r.startswith(f"{folder}: left by a killed build") for r in report.reasons), report.reasons
    for rel in theirs:
        top = gens / rel.split("/")[0]
        assert any(r.startswith(f"{top}: not written by this index") for r in report.reasons), (top, report.reasons)
    build_index(built)
    assert not [f for f in ours if f.exists()] and not (built.index_dir / f".pointer-{dead}").exists()
    assert {rel: (gens / rel).read_bytes() for rel in theirs} == theirs
    assert (built.index_dir / ".pointer-1-2").read_text() == "a user's file named like a pointer"


def test_an_index_of_an_earlier_kb_is_refused_with_what_to_remove(settings):
    old = settings.index_dir
    _user_files(old, {"manifest.json": json.dumps({"format_version": 1, "model": {"id": FAKE_MODEL}}).encode(),
                      "chunks.jsonl": b"{}\n", "lexical/vocab.index.json": b"{}", "keep-me.txt": b"a note"})
    before = _snapshot(old)
    result = _cli(settings, old, "build")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "remove chunks.jsonl, lexical, manifest.json yourself" in result.stderr
    assert _snapshot(old) == before
    for name in ("manifest.json", "chunks.jsonl", "lexical"):  # the user removes what kb named
        path = old / name
        path.unlink() if path.is_file() else __import__("shutil").rmtree(path)
    with pytest.raises(IndexForeign, match="keep-me.txt"):  # and kb still will not mix in
        build_index(settings)


def test_the_marker_carries_the_index_identity_and_a_copied_generation_is_not_pruned(built, tmp_path):
    other = Settings(built.corpus_dir, tmp_path / "other", FAKE_MODEL)
    build_index(other)
    foreign = open_index(other.index_dir).path
    assert read_marker(built.index_dir)["index"] != read_marker(other.index_dir)["index"]
    copy = built.index_dir / GENERATIONS / "000000"
    __import__("shutil").copytree(foreign, copy)
    before = _snapshot(copy)
    for n in range(3):
        (built.corpus_dir / f"us/extra-{n}.md").write_text(
            (built.corpus_dir / "us/usc-18-9721.md").read_text().replace("us-usc-18-9721", f"us-x{n}"))
        build_index(built)
    assert _snapshot(copy) == before  # another index's generation: not provably this one's


def test_an_index_reached_through_a_symlink_is_still_the_index(built, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(built.index_dir)
    via = Settings(built.corpus_dir, link, FAKE_MODEL)
    (built.corpus_dir / "us/extra.md").write_text(
        (built.corpus_dir / "us/usc-18-9721.md").read_text().replace("us-usc-18-9721", "us-x"))
    assert build_index(via).added == ("us/extra.md",)
    assert not check_index(via, verify=True).stale
