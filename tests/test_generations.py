"""Issue 10, points 2-4: one atomic switch between whole generations, no leftovers, and readers
that see one generation whole while builds swap them."""

import gc
import json
import subprocess
import sys

import pytest

from conftest import FEDERAL
from kb.generations import GENERATIONS, POINTER, generation_ids, read_pointer
from kb.indexing import build_index
from kb.staleness import check_index
from kb.leftovers import process_token
from kb.store import open_index


def _generations(index_dir):
    return sorted(p.name for p in (index_dir / GENERATIONS).iterdir())


def _dead_token() -> str:
    """The token of a process that has exited (and been reaped)."""
    code = "from kb.leftovers import process_token; print(process_token())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def _edit(settings, n: int) -> None:
    """Change the corpus so the next build has something to embed (and another chunk count)."""
    (settings.corpus_dir / f"us/extra-{n}.md").write_text(
        FEDERAL.replace("9721", f"97{30 + n}").replace("us-usc-18-9721", f"us-usc-18-97{30 + n}"))


def test_the_index_is_a_pointer_to_one_complete_generation(built):
    index = open_index(built.index_dir)
    pointer = json.loads((built.index_dir / POINTER).read_text())
    assert index.path == built.index_dir / GENERATIONS / pointer["generation"]
    assert (index.path / "manifest.json").is_file() and (index.path / "lexical").is_dir()
    assert read_pointer(built.index_dir) == pointer["generation"]


def test_killed_between_the_renames_the_old_generation_answers_and_the_next_build_cleans_up(
        built, monkeypatch):
    old = open_index(built.index_dir).path
    _edit(built, 1)

    def die(*args, **kwargs):  # the process "dies" after the generation's rename, before the switch
        raise KeyboardInterrupt

    monkeypatch.setattr("kb.generations.write_pointer", die)
    with pytest.raises(KeyboardInterrupt):
        build_index(built)
    monkeypatch.undo()
    assert len(generation_ids(built.index_dir)) == 2  # the complete new one sits unused
    assert open_index(built.index_dir).path == old  # readers still get the old one, whole
    assert check_index(built).added == ("us/extra-1.md",)  # and --check tells the truth
    report = build_index(built)
    assert report.added == ("us/extra-1.md",)
    current = open_index(built.index_dir).path
    # Kept: the current generation and the one before it (a reader may still be using it).
    assert _generations(built.index_dir) == sorted([old.name, current.name])


def test_a_missing_pointer_falls_back_to_the_newest_complete_generation_and_build_restores_it(built):
    gen = open_index(built.index_dir).path
    (built.index_dir / POINTER).unlink()
    assert open_index(built.index_dir).path == gen
    report = check_index(built)
    assert report.stale and any("no valid CURRENT pointer" in r for r in report.reasons)
    rebuilt = build_index(built)
    assert rebuilt.embedded == 0  # restored: the previous vectors were reused, not recomputed
    assert read_pointer(built.index_dir) is not None and not check_index(built).stale


def test_a_pointer_at_a_damaged_generation_is_restored_from_the_newest_valid_one(built):
    first = open_index(built.index_dir).path
    _edit(built, 1)
    build_index(built)
    damaged = open_index(built.index_dir).path
    (damaged / "vectors.faiss").write_bytes(b"junk")
    report = build_index(built)
    assert any(f"restored {first.name}" in n for n in report.notices), report.notices
    assert report.embedded < report.chunks  # built on the restored generation, not from scratch
    assert not check_index(built).stale


def test_old_generations_are_pruned_but_never_one_a_reader_holds(built):
    held = open_index(built.index_dir)  # a reader in the middle of answering
    for n in range(3):
        _edit(built, n)
        build_index(built)
    names = _generations(built.index_dir)
    assert held.path.name in names and len(names) == 3  # current, previous, and the held one
    del held
    gc.collect()
    _edit(built, 9)
    build_index(built)
    assert len(_generations(built.index_dir)) == 2


def test_a_reader_sees_one_generation_whole_while_builds_swap_them(built):
    index = open_index(built.index_dir)
    chunks = len(index.chunks)
    for n in range(3):  # each build changes the counts of every file
        _edit(built, n)
        build_index(built)
    assert open_index(built.index_dir).manifest["counts"]["chunks"] > chunks
    # Everything the reader loads now still comes from the generation it opened.
    assert len(index.vector_matrix()) == chunks
    items, vectors = index.sentences()
    assert len(items) == len(vectors) == index.manifest["counts"]["sentences"]
    from kb.lexical import LexicalIndex

    assert len(LexicalIndex(index.path).scores("government agency")) == chunks


def test_leftovers_of_dead_builds_are_removed_and_a_live_builds_kept(built):
    """Folders a killed build of this index made (they carry its marker) go; a live build's
    stay; names alone prove nothing (tests/test_ownership.py has the folders that are kept)."""
    from kb.ownership import MARKER, read_marker

    dead, live = _dead_token(), process_token(__import__("os").getppid())
    ident = read_marker(built.index_dir)["index"]
    gens = built.index_dir / GENERATIONS
    leftovers = [gens / f".build-{dead}", gens / f".onnx-{dead}", gens / f".trash-{dead}-000001"]
    for folder in leftovers:
        (folder / "lexical").mkdir(parents=True)
        (folder / "model.onnx").write_bytes(b"\0" * 1000)
        (folder / ".onnx.tmp-x1y2").mkdir()  # the exporter's own temporary folder, inside
        (folder / MARKER).write_text(json.dumps({"kb_owner": 1, "index": ident, "kind": "onnx"}))
    (leftovers[2] / "lexical" / "vocab.index.json").write_text("{}")  # a pruned generation's files
    (leftovers[2] / "sources.json").write_text("[]")
    leftovers[2].joinpath("model.onnx").unlink()
    leftovers[2].joinpath(".onnx.tmp-x1y2").rmdir()
    (built.index_dir / f".pointer-{dead}").write_text(json.dumps({"generation": "1", "index": ident}))
    alive = gens / f".build-{live}"
    alive.mkdir()
    (alive / MARKER).write_text(json.dumps({"kb_owner": 1, "index": ident, "kind": "generation"}))
    report = build_index(built)
    assert "removed 4 temporary folder(s) left by killed builds" in report.notices
    assert not [p for p in leftovers if p.exists()]
    assert not (built.index_dir / f".pointer-{dead}").exists()
    assert alive.is_dir()  # its process still runs: it may be writing there now
