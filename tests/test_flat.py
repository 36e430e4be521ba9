"""vectors.faiss searched without faiss (kb/flat.py): the rows are found where faiss wrote them,
the build records that place only after checking it, and a question then imports no faiss."""

import json
import subprocess
import sys

import faiss
import numpy as np
import pytest

from conftest import FAKE_MODEL, generation
from kb.errors import IndexCorrupt
from kb.flat import MANIFEST_KEY, FlatIP, checked_layout, find_rows
from kb.indexing import build_index
from kb.search import Searcher
from kb.query import parse_query
from kb.store import open_index


def _serialized(vectors, index_type=faiss.IndexFlatIP):
    index = index_type(vectors.shape[1])
    if len(vectors):
        index.add(vectors)
    return faiss.serialize_index(index).tobytes(), index


@pytest.mark.parametrize("rows,dim", [(0, 8), (1, 3), (57, 64)])
def test_the_rows_are_where_faiss_wrote_them(rows, dim):
    vectors = np.random.default_rng(rows).normal(size=(rows, dim)).astype(np.float32)
    data, _index = _serialized(vectors)
    layout = checked_layout(data, vectors)
    assert layout == {"offset": 45, "rows": rows, "dim": dim}


def test_other_files_have_no_layout():
    vectors = np.ones((4, 8), dtype=np.float32)
    data, _index = _serialized(vectors)
    assert find_rows(_serialized(vectors, faiss.IndexFlatL2)[0]) is None  # another metric
    assert find_rows(data[:-1]) is None and find_rows(data + b"\0") is None  # truncated, padded
    assert find_rows(b"junk") is None
    assert checked_layout(data, vectors * 2) is None  # not the rows the build added


def test_search_ranks_as_faiss_does():
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(300, 32)).astype(np.float32)
    vectors[7] = vectors[3]  # a tie: equal scores come in row order
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    data, index = _serialized(vectors)
    flat = FlatIP(np.frombuffer(data, dtype="<f4", offset=45).reshape(300, 32))
    for query in vectors[[3, 10, 200]] + rng.normal(scale=0.1, size=(3, 32)).astype(np.float32):
        expected_scores, expected_rows = index.search(query.reshape(1, -1), 300)
        scores, rows = flat.search(query.reshape(1, -1), 300)
        assert scores.shape == rows.shape == (1, 300)
        got = dict(zip(rows[0].tolist(), scores[0].tolist()))
        expected = dict(zip(expected_rows[0].tolist(), expected_scores[0].tolist()))
        assert got.keys() == expected.keys()
        np.testing.assert_allclose([got[r] for r in expected], list(expected.values()), atol=1e-6)
        order = [(-s, r) for r, s in zip(rows[0].tolist(), scores[0].tolist())]
        assert order == sorted(order)  # best first, equal scores in row order
    scores, rows = flat.search(vectors[3].reshape(1, -1), 2)
    assert list(rows[0]) == [3, 7] and scores[0][0] == scores[0][1]
    assert np.array_equal(flat.reconstruct_n(0, 300), index.reconstruct_n(0, 300))


def test_a_build_records_the_layout_and_a_question_needs_no_faiss(built):
    index = open_index(built.index_dir)
    assert index.manifest[MANIFEST_KEY] == {"offset": 45, "rows": len(index.chunks), "dim": 64}
    assert isinstance(index.faiss_index(), FlatIP)
    probe = (
        "import sys, json\n"
        "from kb.cli import app\n"
        "try:\n"
        f"    app(['ask', 'Can I opt out?', '--corpus', {str(built.corpus_dir)!r}, '--index', "
        f"{str(built.index_dir)!r}, '--model', {FAKE_MODEL!r}], standalone_mode=False)\n"
        "finally:\n"
        "    print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'faiss')), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()  # it answered
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_without_the_entry_faiss_searches_and_ranks_the_same(built):
    question = parse_query("Can the department release an address to a court?")
    flat_ranked = Searcher(open_index(built.index_dir), built).dense(question)
    path = generation(built.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest[MANIFEST_KEY]  # as an older kb, or a faiss that lays the file out otherwise, wrote it
    path.write_text(json.dumps(manifest))
    index = open_index(built.index_dir)
    assert isinstance(index.faiss_index(), faiss.Index)
    faiss_ranked = Searcher(index, built).dense(question)
    assert [r for r, _s in faiss_ranked] == [r for r, _s in flat_ranked]
    np.testing.assert_allclose([s for _r, s in faiss_ranked], [s for _r, s in flat_ranked], atol=1e-6)


def test_a_build_whose_file_holds_other_rows_records_no_layout(settings, monkeypatch):
    real = faiss.serialize_index

    def another_layout(index):  # a faiss that wrote the rows differently: the check must fail
        data = real(index)
        data[-1] ^= 0x01
        return data

    monkeypatch.setattr(faiss, "serialize_index", another_layout)
    build_index(settings)
    assert MANIFEST_KEY not in open_index(settings.index_dir).manifest


def test_an_entry_that_is_not_the_files_layout_is_refused(built):
    path = generation(built.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest[MANIFEST_KEY]["offset"] = 44
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="vectors.faiss: its layout differs from the manifest's 'flat_vectors'"):
        open_index(built.index_dir).faiss_index()


@pytest.mark.parametrize("entry", ["45", {"offset": 45}, {"offset": -1, "rows": 3, "dim": 64}])
def test_an_entry_of_the_wrong_shape_is_refused_on_open(built, entry):
    path = generation(built.index_dir) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest[MANIFEST_KEY] = entry
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="manifest.json: 'flat_vectors' must hold offset, rows and dim"):
        open_index(built.index_dir)
