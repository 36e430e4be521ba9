"""Issue 17, part 2, with an ONNX export: damage to the export is found on every question and by
every build, and a build makes the export again from the model instead of copying it forward.

A tiny random BERT with the real tokenizer (tests/tiny_model.py) stands in for the packaged
model: its export takes a second, not twenty. Marked slow because it imports torch.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.config import Settings
from kb.indexing import build_index
from kb.staleness import check_index
from kb.store import open_index
from tiny_model import make_tiny_model

pytestmark = pytest.mark.slow

QUESTION = "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_model(tmp_path_factory.mktemp("model") / "tiny")


@pytest.fixture(scope="module")
def built_once(tiny, tmp_path_factory):
    from conftest import write_corpus

    root = tmp_path_factory.mktemp("built")
    settings = Settings(write_corpus(root / "corpus"), root / "index", str(tiny))
    report = build_index(settings)
    assert report.encoder == "onnx", report.notices
    return settings


@pytest.fixture
def index(built_once, tmp_path):
    """A private copy of the built index (an export takes seconds; copying, milliseconds)."""
    shutil.copytree(built_once.index_dir, tmp_path / "index")
    return Settings(built_once.corpus_dir, tmp_path / "index", built_once.model)


def _cli(settings, *args):
    return CliRunner().invoke(app, [*args, "--corpus", str(settings.corpus_dir), "--index",
                                    str(settings.index_dir), "--model", settings.model])


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _seq_128(path):  # same size: 256 -> 128
    text = path.read_text()
    assert '"max_seq_length": 256' in text
    path.write_text(text.replace('"max_seq_length": 256', '"max_seq_length": 128'))


def _pooling_cls(path):  # same size: "mean" -> "max "... keep JSON valid: mean -> max, padded
    text = path.read_text()
    path.write_text(text.replace('"pooling": "mean"', '"pooling": "max" '))


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


DAMAGE = [("tokenizer.json", _flip), ("onnx_config.json", _seq_128), ("onnx_config.json", _pooling_cls)]


@pytest.mark.parametrize("name,damage", DAMAGE, ids=[f"{n}-{d.__name__}" for n, d in DAMAGE])
@pytest.mark.parametrize("full", [False, True], ids=["build", "build-full"])
def test_damage_to_the_export_is_refused_per_question_and_repaired_by_a_build(index, tiny, name, damage, full):
    onnx = open_index(index.index_dir).path / "onnx"
    size = (onnx / name).stat().st_size
    damage(onnx / name)
    assert (onnx / name).stat().st_size == size  # same size: only a checksum can tell
    asked = _cli(index, "ask", QUESTION)
    assert asked.exit_code == 1 and asked.stderr.count("\n") == 1, asked.output
    assert f"onnx/{name}: truncated or changed since the build" in asked.stderr
    assert _cli(index, "build", "--check").exit_code == 1
    for _ in range(2):  # every build after the repair stays current (the max_seq_length case)
        rebuilt = _cli(index, "build", *(["--full"] if full else []))
        assert rebuilt.exit_code == 0, rebuilt.output
        check = _cli(index, "build", "--check")
        assert check.exit_code == 0, check.stdout
    now = open_index(index.index_dir).path / "onnx"
    assert _sha(now / "tokenizer.json") == _sha(tiny / "tokenizer.json")  # made again from the model
    assert json.loads((now / "onnx_config.json").read_text())["max_seq_length"] == 256
    assert _cli(index, "ask", QUESTION).exit_code == 0


def test_damage_an_earlier_build_recorded_as_sound_is_still_made_again(index, tiny):
    """An index built by the kb of a3e366b may hold a damaged export with fresh checksums over
    it; comparing the export with its model folder catches it."""
    gen = open_index(index.index_dir).path
    _seq_128(gen / "onnx" / "onnx_config.json")
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["files"]["onnx/onnx_config.json"]["sha256"] = _sha(gen / "onnx" / "onnx_config.json")
    (gen / "manifest.json").write_text(json.dumps(manifest))
    report = build_index(index)
    assert any("max_seq_length differs from the model's" in n for n in report.notices), report.notices
    assert not check_index(index, verify=True).stale
    assert json.loads((open_index(index.index_dir).path / "onnx/onnx_config.json").read_text())[
        "max_seq_length"] == 256


def test_a_question_with_a_byte_that_is_not_utf8_is_answered_with_the_real_tokenizer(index):
    arg = os.fsencode("Can I opt out of the caf") + b"\xe9 records?"
    for command in ("ask", "search"):
        result = subprocess.run([sys.executable, "-m", "kb.cli", command, arg, "--json", "--corpus",
                                 str(index.corpus_dir), "--index", str(index.index_dir), "--model", index.model],
                                capture_output=True, timeout=120)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        assert json.loads(result.stdout.decode("utf-8"))


def test_a_question_writes_nothing_under_home(index, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_"))}
    result = subprocess.run([sys.executable, "-m", "kb.cli", "ask", QUESTION, "--corpus", str(index.corpus_dir),
                             "--index", str(index.index_dir), "--model", index.model],
                            capture_output=True, timeout=120, env={**env, "HOME": str(home)})
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert sorted(p.relative_to(home).as_posix() for p in home.rglob("*")) == []


SWAPS = {  # a file as it could be changed between the check and the load: valid, and not as built
    "tokenizer.json": lambda data: data.replace(b'"lowercase":true', b'"lowercase":false'),
    "onnx_config.json": lambda data: data.replace(b'"pooling": "mean"', b'"pooling": "max"'),
}


@pytest.mark.parametrize("name", sorted(SWAPS))
def test_a_question_parses_the_bytes_it_checked_not_the_file_again(index, monkeypatch, name):
    """The question checks tokenizer.json and onnx_config.json against the manifest: the
    loaders must parse those very bytes. Here the file changes on disk right after its check;
    read again, it would give another vector (or a fallback notice)."""
    import numpy as np

    from kb.embedding.encoders import query_embedder
    from kb.store import IndexData

    def question_vector():
        notices = []
        vector = query_embedder(open_index(index.index_dir), index, notices).encode([QUESTION])[0]
        return vector, notices

    expected, notices = question_vector()
    assert notices == []
    checked = IndexData.read_verified

    def check_then_change(self, rel):
        data = checked(self, rel)
        if rel == f"onnx/{name}":
            changed = SWAPS[name](data)
            assert changed != data
            (self.path / rel).write_bytes(changed)
        return data

    monkeypatch.setattr(IndexData, "read_verified", check_then_change)
    vector, notices = question_vector()
    assert notices == []
    assert np.array_equal(vector, expected)
