import json

import pytest

from conftest import FAKE_MODEL, FEDERAL, STATUTE, generation
from kb.errors import IndexCorrupt, IndexMissing
from kb.indexing import build_index
from kb.staleness import check_index
from kb.store import open_index


def test_build_writes_a_verified_index(built):
    index = open_index(built.index_dir)
    assert index.manifest["format_version"] == 4
    assert index.manifest["model"] == {"id": FAKE_MODEL, "name": FAKE_MODEL, "dim": 64, "max_seq_length": 512}
    assert index.manifest["counts"]["chunks"] == len(index.chunks) == len(index.vector_matrix())
    assert index.faiss_index().ntotal == len(index.chunks)
    assert {s.path for s in index.sources} == set(index.manifest["sources"])
    assert not check_index(built).stale


def test_the_faiss_index_holds_the_rows_questions_search(built):
    """vectors.faiss is a FAISS index that faiss itself opens and searches; questions search its
    aligned copy (vectors.npy) with numpy, and both rank every row alike."""
    import faiss
    import numpy as np

    index = open_index(built.index_dir)
    opened = faiss.read_index(str(index.path / "vectors.faiss"))
    assert isinstance(opened, faiss.IndexFlatIP) and opened.ntotal == len(index.chunks)
    matrix = index.vector_matrix()
    assert np.array_equal(opened.reconstruct_n(0, opened.ntotal), matrix)
    queries = matrix[[0, len(matrix) // 2, len(matrix) - 1]]
    scores, rows = opened.search(queries, 5)
    mine = queries @ matrix.T
    for q in range(len(queries)):
        assert np.allclose(np.sort(mine[q])[::-1][:5], scores[q], atol=1e-6)
        assert mine[q][rows[q][0]] == mine[q].max()


def test_a_build_refuses_vectors_faiss_would_not_store_as_given():
    import numpy as np

    from kb.store import faiss_file

    vectors = np.random.default_rng(0).normal(size=(7, 8)).astype(np.float32)
    import faiss

    assert np.array_equal(faiss.deserialize_index(np.frombuffer(faiss_file(vectors), dtype=np.uint8))
                          .reconstruct_n(0, 7), vectors)


def test_rebuilding_an_unchanged_corpus_gives_identical_files_and_embeds_nothing(built):
    before = (generation(built.index_dir) / "chunks.jsonl").read_bytes()
    report = build_index(built)
    assert (report.embedded, report.reused) == (0, report.chunks)
    assert (generation(built.index_dir) / "chunks.jsonl").read_bytes() == before


def test_editing_one_file_re_embeds_only_its_changed_chunks(built):
    path = built.corpus_dir / "ca/veh-9999.1.md"
    path.write_text(path.read_text().replace("Paragraph two covers attorneys.", "Paragraph two covers insurers."))
    report = build_index(built)
    assert report.changed == ("ca/veh-9999.1.md",)
    assert report.embedded == 1  # only (a)(2)'s text changed
    assert report.reused == report.chunks - 1


def test_a_new_key_alone_is_embedded_searched_and_reported(built):
    """Only a `questions:` key added: no chunk's text changes, yet the key is embedded and
    stored, and the build says so (it read "Embedded 0 chunks" and nothing more)."""
    from kb.render import build_text

    path = built.corpus_dir / "ca/veh-9999.1.md"
    path.write_text(path.read_text().replace(
        "verified: official\n", 'verified: official\nquestions:\n  "(a)": ["who may see my residence address?"]\n'))
    report = build_index(built)
    assert report.changed == ("ca/veh-9999.1.md",) and report.embedded == 0
    items, _vectors = open_index(built.index_dir).sentences()
    assert "who may see my residence address?" in {item.text for item in items}
    assert report.embedded_texts == 1
    assert "Embedded 0 chunks, reused" in build_text(report)
    assert "embedded 1 answer sentences and questions new since the last build" in build_text(report)


def test_check_reports_added_changed_and_removed_files(built):
    (built.corpus_dir / "us/usc-18-9721.md").unlink()
    (built.corpus_dir / "ca/veh-9999.1.md").write_text(STATUTE.replace("summary sentence", "summary line"))
    (built.corpus_dir / "us/new.md").write_text(FEDERAL.replace("9721", "9722"))
    report = check_index(built)
    assert report.stale
    assert (report.added, report.changed, report.removed) == (
        ("us/new.md",), ("ca/veh-9999.1.md",), ("us/usc-18-9721.md",))
    after = build_index(built)
    assert (after.added, after.changed, after.removed) == (report.added, report.changed, report.removed)
    assert not check_index(built).stale
    assert "us/usc-18-9721.md" not in open_index(built.index_dir).manifest["sources"]


def test_another_model_makes_the_index_stale(built):
    from dataclasses import replace

    report = check_index(replace(built, model="hashing-32"))
    assert report.stale and report.reasons == ("built with model hashing-64, settings ask for hashing-32",)


def test_another_glossary_makes_the_index_stale_and_a_build_makes_it_current(built, monkeypatch):
    # Corpus keys are embedded through the glossary: an index built under another one is stale.
    monkeypatch.setattr("kb.staleness.glossary_fingerprint", lambda: "another glossary")
    report = check_index(built)
    assert report.stale and report.reasons == (
        "built under another version of kb/glossary.py, through which corpus keys are embedded",)
    monkeypatch.setattr("kb.indexing.glossary_fingerprint", lambda: "another glossary")
    build_index(built)
    assert not check_index(built).stale


def test_missing_index_is_reported(settings):
    assert check_index(settings).missing
    with pytest.raises(IndexMissing, match="run `kb build` to create it"):
        open_index(settings.index_dir)


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_build_that_dies_midway_leaves_the_old_index_usable(built, monkeypatch):
    before = _files(built.index_dir)
    (built.corpus_dir / "ca/veh-9999.1.md").write_text(STATUTE.replace("courts", "tribunals"))

    def die(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr("kb.lexical.build_lexical", die)  # fails after chunks and vectors are written
    with pytest.raises(RuntimeError, match="killed"):
        build_index(built)
    assert _files(built.index_dir) == before  # no generation added, none removed, no temporary left
    assert open_index(built.index_dir).manifest["counts"]["chunks"] > 0


def test_truncated_chunks_file_is_reported_corrupt(built):
    path = generation(built.index_dir) / "chunks.jsonl"
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(IndexCorrupt, match=r"chunks.jsonl: truncated or changed since the build.*kb build --full"):
        open_index(built.index_dir)


def test_foreign_manifest_is_reported_corrupt(built):
    (generation(built.index_dir) / "manifest.json").write_text('{"name": "something else"}')
    with pytest.raises(IndexCorrupt, match="not a kb manifest"):
        open_index(built.index_dir)
    (generation(built.index_dir) / "manifest.json").write_text("\x00\x01garbage")
    with pytest.raises(IndexCorrupt, match="not valid JSON"):
        open_index(built.index_dir)


def test_newer_format_version_is_refused(built):
    path = generation(built.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="index format '99', this kb reads format 4"):
        open_index(built.index_dir)


@pytest.mark.parametrize("rel", ["vectors.faiss", "vectors.npy"])
def test_corrupt_index_is_rebuilt_from_scratch(built, rel):
    (generation(built.index_dir) / rel).write_bytes(b"junk")
    report = build_index(built)
    assert report.embedded == report.chunks
    assert any("previous index unusable" in n for n in report.notices)
    open_index(built.index_dir)
