"""A BERT-family sentence-transformers model as kb runs it without torch: the source folder it
reads, and the ``onnx/`` folder it writes into the index.

The index's folder is plain files:

- ``model.safetensors``: the source model's weights, copied unchanged;
- ``model.onnx``: the transformer as an ONNX graph (token ids in, ``last_hidden_state`` out),
  assembled by kb.embedding.onnx_graph; its weights are external data in ``model.safetensors``;
- ``tokenizer.json``: the source model's fast tokenizer, copied unchanged;
- ``onnx_config.json``: format version, the architecture's sizes, ``max_seq_length``, pooling,
  normalisation, dimension and the sha256 of both model files. Written last.

Both torch-free ways of running the model read this folder: onnxruntime runs ``model.onnx``
(kb.embedding.onnx_graph), numpy runs the same weights (kb.embedding.numpy_bert). Pooling and
normalisation are done here, in numpy, as sentence-transformers does them (parity ≥ 0.99999,
tests/test_parity.py). Nothing here imports torch, numpy or onnx at module level.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import EmbedderError
from kb.hashing import sha256_file

if TYPE_CHECKING:  # only for annotations: importing numpy here would slow `import kb.cli`
    import numpy as np

# 2: model.onnx holds the graph only, its weights in model.safetensors (1 was a torch export
# with the weights inside model.onnx).
FORMAT_VERSION = 2
CONFIG_NAME = "onnx_config.json"
MODEL_NAME = "model.onnx"
WEIGHTS_NAME = "model.safetensors"
TOKENIZER_NAME = "tokenizer.json"

# Pooling modes of sentence_transformers' Pooling module that are implemented in `pool`.
POOLING_MODES = ("mean", "cls", "max", "mean_sqrt_len_tokens")

# sentence-transformers clamps the token count at 1e-9 before dividing (Pooling._forward_padded)
# and torch.nn.functional.normalize clamps the norm at 1e-12: the same floors keep parity exact.
_MEAN_FLOOR = 1e-9
_NORM_FLOOR = 1e-12

_EXPORT_HINT = "run `kb build` to write it again"
# A safetensors header is JSON of a few KB per hundred tensors; far more is not a model file.
_MAX_HEADER = 100 << 20


@dataclass(frozen=True)
class BertConfig:
    """The sizes of a BERT encoder, from its config.json."""

    hidden_size: int
    num_attention_heads: int
    num_hidden_layers: int
    intermediate_size: int
    layer_norm_eps: float
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    prefix: str = ""  # "bert." when the weights were saved from a model with a head

    @property
    def head_size(self) -> int:
        return self.hidden_size // self.num_attention_heads


@dataclass(frozen=True)
class Tensor:
    """Where one tensor's bytes lie in a safetensors file."""

    dtype: str
    shape: tuple[int, ...]
    offset: int  # from the start of the file
    length: int


@dataclass(frozen=True)
class ModelFiles:
    """What a torch-free embedder runs: weights, tokenizer and the pipeline around the encoder."""

    weights: Path  # a safetensors file
    tokenizer: Path
    bert: BertConfig
    max_seq_length: int
    pooling: str  # one of POOLING_MODES
    normalize: bool
    # The tokenizer file's bytes when the caller has read (and checked) them: parsed instead of
    # the file, so that what was checked is what runs (kb/embedding/encoders.py, query_embedder).
    tokenizer_json: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def dim(self) -> int:
        return self.bert.hidden_size


@dataclass(frozen=True)
class OnnxModelInfo:
    """What `onnx_config.json` says about the index's model folder."""

    path: Path  # the folder holding model.onnx, model.safetensors, tokenizer.json, onnx_config.json
    sha256: str  # of model.onnx
    weights_sha256: str  # of model.safetensors
    dim: int
    max_seq_length: int
    pooling: str  # one of POOLING_MODES
    normalize: bool
    files: ModelFiles


# ---------------------------------------------------------------------------------------------
# Reading the source model's sentence-transformers folder


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EmbedderError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EmbedderError(f"{path}: cannot be read as JSON ({exc})") from exc


@dataclass(frozen=True)
class SourceModel:
    """The parts of a sentence-transformers folder that kb runs without torch."""

    transformer_dir: Path  # holds the weights, config.json, tokenizer.json
    max_seq_length: int
    pooling: str
    normalize: bool
    bert: BertConfig
    tensors: dict[str, Tensor]

    def as_model_files(self) -> ModelFiles:
        return ModelFiles(
            weights=self.transformer_dir / WEIGHTS_NAME,
            tokenizer=self.transformer_dir / TOKENIZER_NAME,
            bert=self.bert,
            max_seq_length=self.max_seq_length,
            pooling=self.pooling,
            normalize=self.normalize,
        )


# The module sequence the torch-free embedders implement; anything else (Dense, WordWeights, a
# second pooling) would be silently dropped, so it is refused instead.
_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")
_UNSUPPORTED = "kb runs only BERT-family models itself; install sentence-transformers for this one"


def read_source(model_dir: Path) -> SourceModel:
    """Check that `model_dir` is a model kb can run without torch, and read what it needs.

    EmbedderError, naming the file, for anything else (another architecture, a Dense layer, a
    pooling mode not implemented, weights only as pytorch_model.bin).
    """
    model_dir = Path(model_dir)
    modules_path = model_dir / "modules.json"
    modules = _read_json(modules_path)
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise EmbedderError(f"{modules_path}: expected a list of modules")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise EmbedderError(
            f"{modules_path}: modules {kinds} are not supported by the torch-free embedder (it "
            f"runs {' -> '.join(_SUPPORTED_MODULES)}); {_UNSUPPORTED}"
        )
    transformer_dir = model_dir / str(modules[0].get("path", ""))
    pooling, pooling_dim = _pooling_mode(model_dir / str(modules[1].get("path", "")))
    tokenizer = transformer_dir / TOKENIZER_NAME
    if not tokenizer.is_file():
        raise EmbedderError(f"{tokenizer}: not found (kb needs the model's fast tokenizer file)")
    bert = _bert_config(transformer_dir / "config.json")
    weights = transformer_dir / WEIGHTS_NAME
    if not weights.is_file():
        raise EmbedderError(f"{weights}: not found (kb reads weights from safetensors only); {_UNSUPPORTED}")
    tensors = read_safetensors_header(weights)
    bert = _check_tensors(weights, tensors, bert)
    if pooling_dim is not None and pooling_dim != bert.hidden_size:
        raise EmbedderError(
            f"{model_dir}: the pooling config says dimension {pooling_dim}, the model {bert.hidden_size}"
        )
    return SourceModel(
        transformer_dir=transformer_dir,
        max_seq_length=_max_seq_length(transformer_dir, bert),
        pooling=pooling,
        normalize=kinds[-1] == "Normalize",
        bert=bert,
        tensors=tensors,
    )


def _pooling_mode(pooling_dir: Path) -> tuple[str, int | None]:
    """The single pooling mode and the declared embedding dimension, from the Pooling config."""
    config_path = pooling_dir / "config.json"
    config = _read_json(config_path)
    if not isinstance(config, dict):
        raise EmbedderError(f"{config_path}: expected a JSON object")
    # sentence-transformers >= 6 writes "pooling_mode"; older models have one bool per mode.
    mode = config.get("pooling_mode")
    if mode is None:
        legacy = {
            "pooling_mode_cls_token": "cls",
            "pooling_mode_max_tokens": "max",
            "pooling_mode_mean_tokens": "mean",
            "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
            "pooling_mode_weightedmean_tokens": "weightedmean",
            "pooling_mode_lasttoken": "lasttoken",
        }
        active = [name for key, name in legacy.items() if config.get(key)]
        mode = active if active else "mean"  # sentence-transformers' own default
    if isinstance(mode, list) and len(mode) == 1:
        mode = mode[0]
    if not isinstance(mode, str) or mode not in POOLING_MODES:
        raise EmbedderError(
            f"{config_path}: pooling mode {mode!r} is not supported by the torch-free embedder "
            f"(supported: {', '.join(POOLING_MODES)}); {_UNSUPPORTED}"
        )
    if config.get("include_prompt") is False:
        raise EmbedderError(
            f"{config_path}: pooling that excludes the prompt is not supported by the torch-free "
            f"embedder; {_UNSUPPORTED}"
        )
    dim = config.get("embedding_dimension", config.get("word_embedding_dimension"))
    return mode, dim if isinstance(dim, int) else None


def _bert_config(path: Path) -> BertConfig:
    config = _read_json(path)
    if not isinstance(config, dict):
        raise EmbedderError(f"{path}: expected a JSON object")
    kind = config.get("model_type")
    # Only what numpy_bert and onnx_graph implement: absolute positions, exact (erf) GELU.
    if kind != "bert":
        raise EmbedderError(f"{path}: model_type {kind!r} is not 'bert'; {_UNSUPPORTED}")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise EmbedderError(f"{path}: position_embedding_type {config['position_embedding_type']!r} "
                            f"is not 'absolute'; {_UNSUPPORTED}")
    if config.get("hidden_act", "gelu") != "gelu":
        raise EmbedderError(f"{path}: hidden_act {config['hidden_act']!r} is not 'gelu'; {_UNSUPPORTED}")
    try:
        bert = BertConfig(
            hidden_size=int(config["hidden_size"]),
            num_attention_heads=int(config["num_attention_heads"]),
            num_hidden_layers=int(config["num_hidden_layers"]),
            intermediate_size=int(config["intermediate_size"]),
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
            vocab_size=int(config["vocab_size"]),
            max_position_embeddings=int(config.get("max_position_embeddings", 512)),
            type_vocab_size=int(config.get("type_vocab_size", 2)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EmbedderError(f"{path}: lacks or mistypes {exc}; {_UNSUPPORTED}") from None
    if bert.hidden_size % bert.num_attention_heads:
        raise EmbedderError(f"{path}: hidden_size is not a multiple of num_attention_heads")
    return bert


def _max_seq_length(transformer_dir: Path, bert: BertConfig) -> int:
    # From sentence_bert_config.json, which is what sentence-transformers truncates to. The
    # tokenizer.json of all-MiniLM-L6-v2 says 128 (and pads to a fixed 128): trusting it would
    # silently embed only the first half of long passages.
    path = transformer_dir / "sentence_bert_config.json"
    config = _read_json(path)
    if not isinstance(config, dict):
        raise EmbedderError(f"{path}: expected a JSON object")
    if config.get("do_lower_case"):
        raise EmbedderError(f"{path}: do_lower_case is not supported by the torch-free embedder; {_UNSUPPORTED}")
    value = config.get("max_seq_length")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise EmbedderError(f"{path}: lacks a positive integer 'max_seq_length'")
    return min(value, bert.max_position_embeddings)


def read_safetensors_header(path: Path) -> dict[str, Tensor]:
    """Every tensor's dtype, shape and byte range in a safetensors file (its JSON header only)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            size = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            if not 0 < size <= _MAX_HEADER:
                raise EmbedderError(f"{path}: not a safetensors file (bad header length)")
            header = json.loads(fh.read(size))
        file_size = path.stat().st_size
    except OSError as exc:
        raise EmbedderError(f"{path}: cannot be read ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EmbedderError(f"{path}: not a safetensors file (header is not JSON)") from None
    if not isinstance(header, dict):
        raise EmbedderError(f"{path}: not a safetensors file (header is not a JSON object)")
    start = 8 + size
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            begin, end = (int(x) for x in entry["data_offsets"])
            tensors[name] = Tensor(str(entry["dtype"]), tuple(int(d) for d in entry["shape"]),
                                   start + begin, end - begin)
        except (KeyError, TypeError, ValueError):
            raise EmbedderError(f"{path}: tensor {name!r} has a malformed header entry") from None
        if end < begin or start + end > file_size:
            raise EmbedderError(f"{path}: tensor {name!r} lies outside the file (truncated?)")
    return tensors


def bert_tensor_names(bert: BertConfig) -> dict[str, tuple[int, ...]]:
    """The weights a BERT encoder uses (without bert.prefix), each with its expected shape."""
    h, i = bert.hidden_size, bert.intermediate_size
    names = {
        "embeddings.word_embeddings.weight": (bert.vocab_size, h),
        "embeddings.position_embeddings.weight": (bert.max_position_embeddings, h),
        "embeddings.token_type_embeddings.weight": (bert.type_vocab_size, h),
        "embeddings.LayerNorm.weight": (h,),
        "embeddings.LayerNorm.bias": (h,),
    }
    for n in range(bert.num_hidden_layers):
        p = f"encoder.layer.{n}."
        for part in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"):
            names[p + part + ".weight"] = (h, h)
            names[p + part + ".bias"] = (h,)
        names[p + "intermediate.dense.weight"] = (i, h)
        names[p + "intermediate.dense.bias"] = (i,)
        names[p + "output.dense.weight"] = (h, i)
        names[p + "output.dense.bias"] = (h,)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            names[p + ln + ".weight"] = (h,)
            names[p + ln + ".bias"] = (h,)
    return names


def _check_tensors(path: Path, tensors: dict[str, Tensor], bert: BertConfig) -> BertConfig:
    """The config with its weight-name prefix, once every weight is there in float32 and in shape."""
    names = bert_tensor_names(bert)
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""
    for name, shape in names.items():
        t = tensors.get(prefix + name)
        if t is None:
            raise EmbedderError(f"{path}: lacks tensor {prefix + name!r}; {_UNSUPPORTED}")
        if t.dtype != "F32" or t.shape != shape or t.length != 4 * _prod(shape):
            raise EmbedderError(
                f"{path}: tensor {prefix + name!r} is {t.dtype} {list(t.shape)}, expected F32 {list(shape)}"
            )
    return BertConfig(**{**asdict(bert), "prefix": prefix})


def _prod(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


# ---------------------------------------------------------------------------------------------
# Writing the index's folder


def export_onnx(model_dir: Path, out_dir: Path) -> OnnxModelInfo:
    """Write the index's model folder for the sentence-transformers model in ``model_dir``:
    its weights, its tokenizer, an ONNX graph over the weights,
    and the config. No torch: the graph is assembled from the architecture's sizes.

    The folder is built next to ``out_dir`` and moved into place whole, so an interrupted export
    leaves either the previous folder or none, never half of one.
    """
    model_dir = Path(model_dir)
    out_dir = Path(out_dir)
    source = read_source(model_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise EmbedderError(f"{out_dir}: exists and is not a folder (choose another output path)")
    from kb.embedding.onnx_graph import ONNX_OPSET, assemble_graph

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only writing a model folder (builds) needs it; a question reads one

    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    # mkdtemp makes the folder private (0700); the export is read by whoever reads the index.
    tmp_dir.chmod(0o755)
    try:
        # Copied, not hard-linked: onnx's loader refuses external data with several links (a
        # guard against hard-link attacks), and the index must not share bytes with a package
        # that pip may rewrite.
        shutil.copyfile(source.transformer_dir / WEIGHTS_NAME, tmp_dir / WEIGHTS_NAME)
        # The header again, from the file in the folder: the graph points into these bytes.
        tensors = read_safetensors_header(tmp_dir / WEIGHTS_NAME)
        try:
            graph = assemble_graph(source.bert, tensors, WEIGHTS_NAME)
        except EmbedderError:
            raise
        except Exception as exc:  # onnx raises many unrelated types
            raise EmbedderError(f"{model_dir}: assembling the ONNX graph failed ({exc})") from exc
        (tmp_dir / MODEL_NAME).write_bytes(graph)
        shutil.copyfile(source.transformer_dir / TOKENIZER_NAME, tmp_dir / TOKENIZER_NAME)
        sha256 = sha256_file(tmp_dir / MODEL_NAME)
        weights_sha256 = sha256_file(tmp_dir / WEIGHTS_NAME)
        config = {
            "format_version": FORMAT_VERSION,
            "source_model": model_dir.name,
            "max_seq_length": source.max_seq_length,
            "pooling": source.pooling,
            "normalize": source.normalize,
            "dim": source.bert.hidden_size,
            "bert": asdict(source.bert),
            "inputs": ["input_ids", "attention_mask", "token_type_ids"],
            "output": "last_hidden_state",
            "opset": ONNX_OPSET,
            "model_sha256": sha256,
            "weights_sha256": weights_sha256,
        }
        # Written last: a folder with a config is a complete folder.
        (tmp_dir / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(tmp_dir, out_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return load_onnx_info(out_dir)


def _swap_into_place(new_dir: Path, out_dir: Path) -> None:
    import tempfile  # as in export_onnx

    # os.replace cannot overwrite a non-empty folder: move the old one aside first, then drop it.
    old_dir = None
    if out_dir.exists():
        old_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old_dir / out_dir.name)
    try:
        os.replace(new_dir, out_dir)
    except OSError:
        if old_dir is not None:
            os.replace(old_dir / out_dir.name, out_dir)
        raise
    finally:
        if old_dir is not None:
            shutil.rmtree(old_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Loading


def load_onnx_info(onnx_dir: Path, verify_checksum: bool = False, *, config_bytes: bytes | None = None,
                   tokenizer_bytes: bytes | None = None) -> OnnxModelInfo:
    """Read and check ``onnx_dir/onnx_config.json``; optionally recompute both files' sha256.

    ``config_bytes`` and ``tokenizer_bytes``: that config's and tokenizer's bytes, already read
    and checked by the caller; they are parsed instead of the files (which are not read again).
    """
    onnx_dir = Path(onnx_dir)
    config_path = onnx_dir / CONFIG_NAME
    try:
        text = config_path.read_text(encoding="utf-8") if config_bytes is None else config_bytes.decode("utf-8")
        config = json.loads(text)
    except FileNotFoundError:
        raise EmbedderError(
            f"{config_path}: not found, so {onnx_dir} is not a kb model folder; {_EXPORT_HINT}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EmbedderError(f"{config_path}: corrupt ({exc}); {_EXPORT_HINT}") from exc
    if not isinstance(config, dict):
        raise EmbedderError(f"{config_path}: corrupt (not a JSON object); {_EXPORT_HINT}")
    if config.get("format_version") != FORMAT_VERSION:
        raise EmbedderError(
            f"{config_path}: format version {config.get('format_version')!r}, this kb reads "
            f"{FORMAT_VERSION}; {_EXPORT_HINT}"
        )
    expected = {
        "model_sha256": str,
        "weights_sha256": str,
        "dim": int,
        "max_seq_length": int,
        "pooling": str,
        "normalize": bool,
        "bert": dict,
    }
    for key, kind in expected.items():
        if not isinstance(config.get(key), kind):
            raise EmbedderError(
                f"{config_path}: corrupt ('{key}' missing or not a {kind.__name__}); {_EXPORT_HINT}"
            )
    if config["pooling"] not in POOLING_MODES:
        raise EmbedderError(
            f"{config_path}: corrupt (unknown pooling mode {config['pooling']!r}); {_EXPORT_HINT}"
        )
    try:
        bert = BertConfig(**config["bert"])
    except TypeError as exc:
        raise EmbedderError(f"{config_path}: corrupt ('bert' {exc}); {_EXPORT_HINT}") from None
    for name in (MODEL_NAME, WEIGHTS_NAME, TOKENIZER_NAME):
        if not (onnx_dir / name).is_file():
            raise EmbedderError(f"{onnx_dir / name}: not found; {_EXPORT_HINT}")
    if verify_checksum:
        for name, key in ((MODEL_NAME, "model_sha256"), (WEIGHTS_NAME, "weights_sha256")):
            actual = sha256_file(onnx_dir / name)
            if actual != config[key]:
                raise EmbedderError(
                    f"{onnx_dir / name}: sha256 {actual[:12]}... does not match the "
                    f"{config[key][:12]}... recorded in {CONFIG_NAME}; {_EXPORT_HINT}"
                )
    files = ModelFiles(
        weights=onnx_dir / WEIGHTS_NAME,
        tokenizer=onnx_dir / TOKENIZER_NAME,
        bert=bert,
        max_seq_length=config["max_seq_length"],
        pooling=config["pooling"],
        normalize=config["normalize"],
        tokenizer_json=tokenizer_bytes,
    )
    return OnnxModelInfo(
        path=onnx_dir,
        sha256=config["model_sha256"],
        weights_sha256=config["weights_sha256"],
        dim=config["dim"],
        max_seq_length=config["max_seq_length"],
        pooling=config["pooling"],
        normalize=config["normalize"],
        files=files,
    )


# ---------------------------------------------------------------------------------------------
# Tokenising, pooling, normalising: shared by both torch-free embedders


def load_tokenizer(path: Path, max_seq_length: int, data: bytes | None = None) -> tuple[Any, tuple[int, int]]:
    """The tokenizer, truncating at ``max_seq_length``, and its (pad id, pad type id). `data`:
    the file's bytes, already read (and checked) by the caller; then `path` only names it."""
    # tokenizers is a small Rust extension, but still only needed once something is encoded.
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path)) if data is None else Tokenizer.from_str(data.decode("utf-8"))
    except Exception as exc:  # tokenizers raises a bare Exception on a bad file
        raise EmbedderError(f"{path}: cannot be loaded ({exc}); {_EXPORT_HINT}") from exc
    # Keep the file's pad ids (RoBERTa pads with 1, not 0) but pad per batch ourselves: the
    # file of all-MiniLM-L6-v2 pads every text to a fixed 128 tokens and truncates at 128.
    pad = tokenizer.padding
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer, ((pad["pad_id"], pad["pad_type_id"]) if pad else (0, 0))


def pad_batch(encodings: Sequence[Any], pad: tuple[int, int]) -> dict[str, np.ndarray]:
    """Right-pad `tokenizers.Encoding`s to the longest: input_ids, attention_mask, token_type_ids."""
    import numpy as np

    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), pad[0], dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.full((len(encodings), width), pad[1], dtype=np.int64)
    for i, enc in enumerate(encodings):
        n = len(enc.ids)
        ids[i, :n] = enc.ids
        mask[i, :n] = enc.attention_mask
        types[i, :n] = enc.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Sentence vectors from token vectors, as sentence-transformers' Pooling module does."""
    import numpy as np

    mask_f = mask[:, :, None].astype(hidden.dtype)
    if mode == "cls":
        first = mask.argmax(axis=1)  # the first real token, wherever padding sits
        return hidden[np.arange(hidden.shape[0]), first]
    if mode == "max":
        return np.where(mask_f > 0, hidden, -np.inf).max(axis=1)
    counts = np.maximum(mask_f.sum(axis=1), _MEAN_FLOOR)
    summed = (hidden * mask_f).sum(axis=1)
    if mode == "mean":
        return summed / counts
    if mode == "mean_sqrt_len_tokens":
        return summed / np.sqrt(counts)
    raise EmbedderError(f"unknown pooling mode {mode!r}")


class BatchedEncoder:
    """Tokenise, sort longest first, run batches through `_hidden`, pool, normalise.

    Subclasses load their runtime in `_load` and give token vectors in `_hidden`. Loading
    happens on the first `encode`, once per object.
    """

    def __init__(self, files: ModelFiles, *, model_id: str = "") -> None:
        self.files = files
        self.dim: int = files.dim
        self.max_seq_length: int = files.max_seq_length
        # Without an explicit id, name the weights file: it is what gives the vectors.
        self.model_id: str = model_id or f"weights:{files.weights}"
        self._tokenizer: Any = None
        self._pad = (0, 0)
        self._counter: Any = None

    def _load(self) -> None:
        raise NotImplementedError

    def _hidden(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    @property
    def loaded(self) -> bool:
        return self._tokenizer is not None

    def encode(self, texts: Sequence[str], *, batch_size: int = 16) -> np.ndarray:
        """Embed ``texts`` as float32 rows of shape ``(len(texts), dim)``, in input order."""
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not a single str")
        if batch_size < 1:
            raise EmbedderError(f"batch_size must be at least 1, got {batch_size}")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._tokenizer is None:
            self._load()
            self._tokenizer, self._pad = load_tokenizer(self.files.tokenizer, self.max_seq_length,
                                                        self.files.tokenizer_json)

        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        # Longest first, like sentence-transformers, so each batch pads to similar lengths.
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            batch = pad_batch([encodings[r] for r in rows], self._pad)
            out[rows] = pool(self._hidden(batch), batch["attention_mask"], self.files.pooling)
        if self.files.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.maximum(norms, _NORM_FLOOR)
        return out

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            from kb.embedding import WordPieceCounter

            self._counter = WordPieceCounter(self.files.tokenizer, self.files.tokenizer_json)
        return self._counter(text)
