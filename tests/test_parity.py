"""The torch-free embedders against sentence-transformers, without torch (issue 15).

The reference vectors were computed once by sentence-transformers (tests/fixtures/
make_parity_reference.py) over the eval questions, varied texts (Spanish, emoji, blanks, passages
past the 256-piece window) and ~200 corpus passages. Both ways kb runs the default model, numpy
and onnxruntime over the graph kb assembles, must match every one: cosine ≥ 0.99999.

Tests marked slow use the real packaged model; the tiny-BERT tests run everywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kb.embedding import PARITY_MIN_COSINE
from kb.embedding.folder import (
    CONFIG_NAME,
    MODEL_NAME,
    TOKENIZER_NAME,
    WEIGHTS_NAME,
    export_onnx,
    load_onnx_info,
    read_source,
)
from tiny_model import write_safetensors
from kb.embedding.numpy_bert import NumpyBertEmbedder
from kb.embedding.onnx_graph import OnnxEmbedder
from kb.errors import EmbedderError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
# all-MiniLM-L6-v2 truncates at 256 word pieces (its sentence_bert_config.json).
MAX_SEQ_LENGTH = 256
TORCH = ("torch", "transformers", "sentence_transformers", "onnx")


# ---------------------------------------------------------------------------------------------
# A tiny BERT written here (random weights): both runtimes, the graph writer, the folder format


def make_tiny_bert(folder: Path, *, prefix: str = "", pooling: str = "pooling_mode_mean_tokens") -> Path:
    """A sentence-transformers folder of a 2-layer BERT, 4 heads of 8, over a 40-word vocabulary."""
    import numpy as np
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    from kb.embedding.folder import BertConfig, bert_tensor_names

    folder.mkdir(parents=True)
    words = ("licence license dmv ice records address the a of to for and may not shall disclose "
             "department immigration federal state law court").split()
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words, "##s", "##ed", "."])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.save(str(folder / TOKENIZER_NAME))
    config = {"model_type": "bert", "hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 2,
              "intermediate_size": 64, "layer_norm_eps": 1e-12, "vocab_size": len(vocab),
              "max_position_embeddings": 64, "type_vocab_size": 2, "hidden_act": "gelu"}
    (folder / "config.json").write_text(json.dumps(config))
    bert = BertConfig(**{k: v for k, v in config.items() if k not in ("model_type", "hidden_act")})
    rng = np.random.default_rng(15)
    tensors = {prefix + name: rng.normal(0, 0.5, shape).astype(np.float32)
               for name, shape in bert_tensor_names(bert).items()}
    write_safetensors(folder / WEIGHTS_NAME, tensors)
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 24, "do_lower_case": false}')
    modules = [{"path": "", "type": "sentence_transformers.models.Transformer"},
               {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, pooling: True}))
    return folder


TINY_TEXTS = ["the dmv may not disclose records", "", "ICE", "licences shall . " * 20,
              "unknown wörds here", "the department of law and the court of the state"]


@pytest.mark.parametrize("prefix", ["", "bert."])
@pytest.mark.parametrize("pooling", ["pooling_mode_mean_tokens", "pooling_mode_cls_token",
                                     "pooling_mode_max_tokens"])
def test_tiny_bert_numpy_and_onnxruntime_agree(tmp_path, prefix, pooling):
    import numpy as np

    source = make_tiny_bert(tmp_path / "tiny", prefix=prefix, pooling=pooling)
    info = export_onnx(source, tmp_path / "onnx")
    ort = OnnxEmbedder(info.path, threads=1)
    numpy = NumpyBertEmbedder(info.files)
    a, b = ort.encode(TINY_TEXTS, batch_size=4), numpy.encode(TINY_TEXTS, batch_size=4)
    assert a.shape == b.shape == (len(TINY_TEXTS), 32) and a.dtype == b.dtype == np.float32
    assert (a * b).sum(axis=1).min() >= PARITY_MIN_COSINE
    # Different texts give different vectors (a graph that ignored its input would agree too).
    assert (a[0] * a[2]).sum() < 0.99
    # Order restored and padding ignored: one at a time gives the same rows.
    one_by_one = np.vstack([numpy.encode([t]) for t in TINY_TEXTS])
    assert np.allclose(one_by_one, b, atol=1e-5)


def test_the_graph_reads_back_with_the_onnx_package(tmp_path):
    onnx = pytest.importorskip("onnx", reason="the onnx package checks the hand-written protobuf")
    info = export_onnx(make_tiny_bert(tmp_path / "tiny"), tmp_path / "out")
    onnx.checker.check_model(str(info.path / MODEL_NAME), full_check=True)
    model = onnx.load(str(info.path / MODEL_NAME), load_external_data=False)
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask", "token_type_ids"]
    assert model.opset_import[0].version == 17
    # Every weight is external data in the folder's own safetensors file, not a copy in the graph.
    external = {i.name for i in model.graph.initializer if i.data_location == onnx.TensorProto.EXTERNAL}
    assert "embeddings.word_embeddings.weight" in external and len(external) == 5 + 2 * 16
    assert (info.path / MODEL_NAME).stat().st_size < 20_000


def test_the_folder_holds_four_files_and_records_the_settings(tmp_path):
    info = export_onnx(make_tiny_bert(tmp_path / "tiny"), tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny"]  # no temporary left
    assert sorted(p.name for p in info.path.iterdir()) == sorted(
        [MODEL_NAME, WEIGHTS_NAME, CONFIG_NAME, TOKENIZER_NAME])
    config = json.loads((info.path / CONFIG_NAME).read_text())
    assert (config["max_seq_length"], config["pooling"], config["normalize"], config["dim"]) == (24, "mean", True, 32)
    assert config["bert"]["num_hidden_layers"] == 2
    assert load_onnx_info(info.path, verify_checksum=True).weights_sha256 == config["weights_sha256"]
    # A copy, not a hard link: onnx's loader refuses external data with several links.
    assert (info.path / WEIGHTS_NAME).stat().st_nlink == 1


def test_nothing_is_loaded_before_the_first_encode(tmp_path):
    info = export_onnx(make_tiny_bert(tmp_path / "tiny"), tmp_path / "out")
    for embedder in (OnnxEmbedder(info.path), NumpyBertEmbedder(info.files)):
        assert not embedder.loaded
        assert embedder.encode([]).shape == (0, 32)
        assert not embedder.loaded
        embedder.encode(["the law"])
        assert embedder.loaded
        with pytest.raises(TypeError):
            embedder.encode("a single string")


def _fake_export(folder: Path, config_text: str) -> Path:
    folder.mkdir()
    (folder / MODEL_NAME).write_bytes(b"not really onnx")
    (folder / WEIGHTS_NAME).write_bytes(b"not really weights")
    (folder / TOKENIZER_NAME).write_text("{}", encoding="utf-8")
    (folder / CONFIG_NAME).write_text(config_text, encoding="utf-8")
    return folder


def test_missing_config_names_file_and_fix(tmp_path: Path) -> None:
    folder = tmp_path / "nothing-here"
    folder.mkdir()
    with pytest.raises(EmbedderError) as err:
        load_onnx_info(folder)
    message = str(err.value)
    assert message.startswith(f"{folder / CONFIG_NAME}: not found")
    assert message.endswith("run `kb build` to write it again")
    with pytest.raises(EmbedderError, match="onnx_config.json: not found"):
        OnnxEmbedder(folder)


@pytest.mark.parametrize(
    ("config_text", "what"),
    [
        ('{"format_version": 2, "dim": 3', "corrupt"),  # truncated write
        ("[1, 2]", "corrupt (not a JSON object)"),
        ('{"format_version": 2, "dim": 384}', "corrupt ('model_sha256' missing"),
        ('{"format_version": 1}', "format version 1, this kb reads 2"),  # a torch export
    ],
)
def test_corrupt_config_names_file_and_fix(tmp_path: Path, config_text: str, what: str) -> None:
    folder = _fake_export(tmp_path / "onnx", config_text)
    with pytest.raises(EmbedderError) as err:
        load_onnx_info(folder)
    message = str(err.value)
    assert message.startswith(f"{folder / CONFIG_NAME}: ")
    assert what in message
    assert message.endswith("run `kb build` to write it again")


def test_checksum_mismatch_is_reported_only_when_verifying(tmp_path: Path) -> None:
    info = export_onnx(make_tiny_bert(tmp_path / "tiny"), tmp_path / "out")
    weights = info.path / WEIGHTS_NAME
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # one bit of one weight
    weights.write_bytes(bytes(data))
    assert load_onnx_info(info.path).dim == 32  # cheap open: trusts the recorded checksum
    with pytest.raises(EmbedderError, match=r"model\.safetensors: sha256 .* does not match"):
        load_onnx_info(info.path, verify_checksum=True)


def test_failed_export_keeps_previous_folder(tmp_path: Path, monkeypatch) -> None:
    source = make_tiny_bert(tmp_path / "tiny")
    out = tmp_path / "minilm"
    out.mkdir()
    (out / "previous.txt").write_text("old export", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("killed halfway")

    monkeypatch.setattr("kb.embedding.onnx_graph.assemble_graph", broken)
    with pytest.raises(EmbedderError, match="assembling the ONNX graph failed .*killed halfway"):
        export_onnx(source, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["minilm", "tiny"]  # no temporary left
    assert (out / "previous.txt").read_text(encoding="utf-8") == "old export"


def test_export_refuses_modules_it_cannot_reproduce(tmp_path: Path) -> None:
    # A Dense layer after pooling (as in LaBSE) would be silently dropped.
    source = make_tiny_bert(tmp_path / "dense-model")
    modules = json.loads((source / "modules.json").read_text())
    modules.insert(2, {"path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (source / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    with pytest.raises(EmbedderError, match=r"modules\.json: modules .*'Dense'.* not supported"):
        export_onnx(source, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("file", "change", "message"), [
    ("1_Pooling/config.json", {"word_embedding_dimension": 32, "pooling_mode_lasttoken": True},
     r"1_Pooling/config\.json: pooling mode 'lasttoken'"),
    ("config.json", {"model_type": "roberta"}, r"config\.json: model_type 'roberta' is not 'bert'"),
    ("config.json", {"hidden_act": "relu"}, r"config\.json: hidden_act 'relu' is not 'gelu'"),
])
def test_a_model_kb_cannot_run_itself_is_refused_by_name(tmp_path, file, change, message):
    source = make_tiny_bert(tmp_path / "other")
    path = source / file
    path.write_text(json.dumps({**json.loads(path.read_text()), **change} if file == "config.json" else change))
    with pytest.raises(EmbedderError, match=message + r".*install sentence-transformers"):
        read_source(source)


def test_truncated_weights_are_refused(tmp_path):
    source = make_tiny_bert(tmp_path / "tiny")
    weights = source / WEIGHTS_NAME
    weights.write_bytes(weights.read_bytes()[:-100])
    with pytest.raises(EmbedderError, match=r"model\.safetensors: tensor .* lies outside the file"):
        read_source(source)


def test_the_torch_free_path_imports_no_torch(tmp_path) -> None:
    """In a fresh process where torch, transformers, sentence_transformers and onnx cannot be
    imported at all: an export and both encoders still work."""
    source = make_tiny_bert(tmp_path / "tiny")
    code = (
        "import sys\n"
        f"for name in {TORCH!r}: sys.modules[name] = None  # any import of them raises ImportError\n"
        "from pathlib import Path\n"
        "from kb.embedding.folder import export_onnx\n"
        "from kb.embedding.numpy_bert import NumpyBertEmbedder\n"
        "from kb.embedding.onnx_graph import OnnxEmbedder\n"
        f"info = export_onnx(Path({str(source)!r}), Path({str(tmp_path / 'out')!r}))\n"
        "a = OnnxEmbedder(info.path).encode(['the law'])\n"
        "b = NumpyBertEmbedder(info.files).encode(['the law'])\n"
        "print(round(float((a * b).sum()), 5))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "1.0"


# ---------------------------------------------------------------------------------------------
# The real packaged model against the committed sentence-transformers vectors


@pytest.fixture(scope="module")
def reference():
    import numpy as np

    meta = json.loads((FIXTURES / "parity_reference.json").read_text(encoding="utf-8"))
    vectors = np.load(FIXTURES / "parity_reference.npy", allow_pickle=False).astype(np.float32)
    assert vectors.shape == (len(meta["texts"]), 384)
    return meta["texts"], vectors


@pytest.fixture(scope="module")
def model_dir() -> Path:
    from kb.embedding import packaged_model_path

    return packaged_model_path()


@pytest.fixture(scope="module")
def model_folder(model_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    return export_onnx(model_dir, tmp_path_factory.mktemp("onnx") / "minilm")


def _cosines(a, b):
    import numpy as np

    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.slow
def test_the_fixture_covers_long_and_odd_texts(reference, model_dir):
    from tokenizers import Tokenizer

    texts, _ = reference
    raw = Tokenizer.from_file(str(model_dir / TOKENIZER_NAME))
    raw.no_truncation()
    raw.no_padding()
    lengths = [len(e.ids) for e in raw.encode_batch(texts)]
    # Longer than the window, or the test could not tell a 256-piece truncation from the 128 in
    # tokenizer.json; short ones, empty ones.
    assert sum(n > MAX_SEQ_LENGTH for n in lengths) >= 45  # 49 in the committed fixture
    assert sum(n <= 128 for n in lengths) >= 300
    assert "" in texts and len(texts) >= 600


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["onnxruntime", "numpy"])
def test_the_default_model_matches_sentence_transformers(reference, model_folder, runtime):
    import numpy as np

    texts, expected = reference
    embedder = (OnnxEmbedder(model_folder.path) if runtime == "onnxruntime"
                else NumpyBertEmbedder(model_folder.files))
    got = embedder.encode(texts, batch_size=16)
    assert got.shape == expected.shape and got.dtype == np.float32
    cosines = _cosines(got, expected)
    worst = int(cosines.argmin())
    assert cosines.min() >= PARITY_MIN_COSINE, f"cosine {cosines.min():.7f} for {texts[worst][:60]!r}"
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)  # unit vectors, as Normalize makes


@pytest.mark.slow
def test_truncation_at_128_would_fail_parity(reference, model_folder) -> None:
    # Guards the parity test itself: the known trap (tokenizer.json's 128) must be detectable.
    texts, expected = reference
    long = [i for i, t in enumerate(texts) if len(t.split()) > 300][:5]
    at_128 = NumpyBertEmbedder(model_folder.files)
    at_128.max_seq_length = 128  # read when the tokenizer is first loaded
    got = at_128.encode([texts[i] for i in long])
    assert _cosines(got, expected[long]).max() < PARITY_MIN_COSINE


@pytest.mark.slow
def test_the_index_folder_uses_the_packaged_weights_unchanged(model_folder, model_dir):
    from kb.hashing import sha256_file

    assert model_folder.weights_sha256 == sha256_file(model_dir / WEIGHTS_NAME)
    assert (model_folder.max_seq_length, model_folder.pooling, model_folder.dim) == (MAX_SEQ_LENGTH, "mean", 384)
