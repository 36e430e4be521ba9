"""Issue 10, point 5: `kb build --check` reports damage as well as staleness; every index file,
`lexical/` and `onnx/` included, has a checksum; a manifest of the wrong shape is an error message
and `kb build --full` always starts over from it."""

import json

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL
from kb.cli import app
from kb.errors import IndexCorrupt
from kb.staleness import check_index
from kb.store import open_index

FAKE_ONNX = {"model.onnx": b"\x08\x07" + b"\x01" * 4000, "model.safetensors": b"\x00" * 64,
             "tokenizer.json": b"{}", "onnx_config.json": b"{}"}


@pytest.fixture
def with_onnx(monkeypatch):
    """Builds with the hashing embedder that also write an `onnx/` folder, as real builds do."""
    from kb.embedding.encoders import BuildEncoder
    from kb.embedding.hashing import HashingEmbedder

    def build_encoder(spec, settings, previous, notices):
        def write(folder):
            (folder / "onnx").mkdir()
            for name, data in FAKE_ONNX.items():
                (folder / "onnx" / name).write_bytes(data)

        manifest = {"model_id": FAKE_MODEL, "sha256": "0" * 64, "dir": "onnx"}
        return BuildEncoder("hashing", HashingEmbedder(64), manifest, [write])

    monkeypatch.setattr("kb.embedding.encoders.build_encoder", build_encoder)


def _cli(settings, *args):
    opts = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir), "--model", FAKE_MODEL]
    return CliRunner().invoke(app, [*args, *opts])


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE = [
    ("vectors.faiss", _truncate),
    ("vectors.faiss", _flip),
    ("vectors.npy", _flip),
    ("chunks.jsonl", _flip),
    ("sentences.npy", lambda p: p.unlink()),
    ("sentences.jsonl", _flip),
    ("lexical/data.csc.index.npy", _flip),
    ("lexical/vocab.index.json", _truncate),
    ("onnx/model.onnx", _truncate),
    ("onnx/tokenizer.json", _flip),
]


@pytest.mark.parametrize("rel,damage", DAMAGE, ids=[f"{r}-{d.__name__}" for r, d in DAMAGE])
def test_check_reports_each_damaged_file_and_a_build_repairs_it(settings, with_onnx, rel, damage):
    assert _cli(settings, "build").exit_code == 0
    damage(open_index(settings.index_dir).path / rel)
    check = _cli(settings, "build", "--check")
    assert check.exit_code == 1
    assert "up to date" not in check.stdout
    assert f"{rel}: " in check.stdout and "kb build --full" in check.stdout
    report = check_index(settings, verify=True)
    assert report.stale and report.damaged
    rebuilt = _cli(settings, "build")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _cli(settings, "build", "--check").exit_code == 0


# A question never reads vectors.faiss (it searches vectors.npy, kb/store.py): a byte flipped
# there is for `kb build --check` to report and the next build to repair, as above.
ASKED = [d for d in DAMAGE[:8] if d[0] != "vectors.faiss" or d[1] is _truncate]


@pytest.mark.parametrize("rel,damage", ASKED, ids=[f"{r}-{d.__name__}" for r, d in ASKED])
def test_ask_refuses_a_damaged_index_with_one_line(settings, rel, damage):
    assert _cli(settings, "build").exit_code == 0
    damage(open_index(settings.index_dir).path / rel)
    result = _cli(settings, "ask", "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)")
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and rel.split("/")[-1] in result.stderr
    assert "Traceback" not in result.output


def test_an_onnx_dir_outside_the_index_is_refused(settings, with_onnx, tmp_path):
    assert _cli(settings, "build").exit_code == 0
    gen = open_index(settings.index_dir).path
    manifest = json.loads((gen / "manifest.json").read_text())
    elsewhere = tmp_path / "elsewhere"
    for value in (str(elsewhere), "../../../elsewhere", "onnx/../../x"):
        manifest["onnx"]["dir"] = value
        (gen / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(IndexCorrupt, match="onnx.dir .* outside the index"):
            open_index(settings.index_dir)
        assert any("outside the index" in r for r in check_index(settings, verify=True).reasons)


SHAPES = [
    ("files", "x"), ("model", None), ("counts", []), ("sources", 5), ("chunker", "big"),
    ("onnx", "onnx"), ("files", {"../../etc/passwd": {"sha256": "0" * 64, "bytes": 1}}),
    ("files", {"chunks.jsonl": {"sha256": 5, "bytes": "many"}}), ("format_version", "2"),
]


@pytest.mark.parametrize("key,value", SHAPES, ids=[f"{k}={v!r}"[:40] for k, v in SHAPES])
def test_a_manifest_of_the_wrong_shape_is_a_message_and_build_full_recovers(settings, key, value):
    assert _cli(settings, "build").exit_code == 0
    path = open_index(settings.index_dir).path / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest[key] = value
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="manifest.json"):
        open_index(settings.index_dir)
    check = _cli(settings, "build", "--check")
    assert check.exit_code == 1 and "manifest.json" in check.stdout
    asked = _cli(settings, "search", "government agency")
    assert asked.exit_code == 1 and asked.stderr.count("\n") == 1 and "Traceback" not in asked.output
    full = _cli(settings, "build", "--full")
    assert full.exit_code == 0, full.output
    assert _cli(settings, "build", "--check").exit_code == 0
