"""Export a sentence-transformers model to ONNX, and encode text with it without torch.

The exported model is a folder of plain files:

- ``model.onnx``: the transformer only (token ids in, ``last_hidden_state`` out);
- ``tokenizer.json``: the source model's fast tokenizer, copied unchanged;
- ``onnx_config.json``: format version, source model, ``max_seq_length``, pooling mode,
  normalisation, dimension and the sha256 of ``model.onnx``.

Pooling and normalisation are done in numpy so that `OnnxEmbedder.encode` gives the same vectors
as ``SentenceTransformer.encode`` (cosine >= 0.99999, checked by tests/test_onnx_parity.py).
Only `export_onnx` needs torch and transformers; nothing here imports them at module level.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import EmbedderError
from kb.hashing import sha256_file

if TYPE_CHECKING:  # only for annotations: importing numpy here would slow `import kb.cli`
    import numpy as np

FORMAT_VERSION = 1
CONFIG_NAME = "onnx_config.json"
MODEL_NAME = "model.onnx"
TOKENIZER_NAME = "tokenizer.json"

# Opset 17 is the first with a native LayerNormalization op (one fused node per BERT layer norm
# instead of a chain of reductions); onnxruntime has supported it since 1.14.
ONNX_OPSET = 17

# Pooling modes of sentence_transformers' Pooling module that are implemented in `_pool`.
POOLING_MODES = ("mean", "cls", "max", "mean_sqrt_len_tokens")

# sentence-transformers clamps the token count at 1e-9 before dividing (Pooling._forward_padded)
# and torch.nn.functional.normalize clamps the norm at 1e-12: the same floors keep parity exact.
_MEAN_FLOOR = 1e-9
_NORM_FLOOR = 1e-12

_EXPORT_HINT = "re-export the model with kb.onnx_embedding.export_onnx"


@dataclass(frozen=True)
class OnnxModelInfo:
    """What `onnx_config.json` says about an exported model folder."""

    path: Path  # the folder holding model.onnx, tokenizer.json and onnx_config.json
    sha256: str  # of model.onnx
    dim: int
    max_seq_length: int
    pooling: str  # one of POOLING_MODES
    normalize: bool


# ---------------------------------------------------------------------------------------------
# Reading the source model's sentence-transformers configuration


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EmbedderError(f"{path}: not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EmbedderError(f"{path}: cannot be read as JSON ({exc})") from exc


@dataclass(frozen=True)
class _SourcePipeline:
    """The parts of a sentence-transformers folder that the ONNX embedder reproduces."""

    transformer_dir: Path  # holds the weights, config.json, tokenizer.json
    max_seq_length: int
    pooling: str
    pooling_dim: int | None
    normalize: bool


# The module sequence `OnnxEmbedder` implements; anything else (Dense, WordWeights, a second
# pooling) would be silently dropped, so it is refused instead.
_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")


def _read_pipeline(model_dir: Path) -> _SourcePipeline:
    modules_path = model_dir / "modules.json"
    modules = _read_json(modules_path)
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        raise EmbedderError(f"{modules_path}: expected a list of modules")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise EmbedderError(
            f"{modules_path}: modules {kinds} are not supported by the ONNX embedder (it runs "
            f"{' -> '.join(_SUPPORTED_MODULES)}); use the sentence-transformers backend"
        )
    transformer_dir = model_dir / str(modules[0].get("path", ""))
    pooling, pooling_dim = _pooling_mode(model_dir / str(modules[1].get("path", "")))
    return _SourcePipeline(
        transformer_dir=transformer_dir,
        max_seq_length=_max_seq_length(transformer_dir),
        pooling=pooling,
        pooling_dim=pooling_dim,
        normalize=kinds[-1] == "Normalize",
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
            f"{config_path}: pooling mode {mode!r} is not supported by the ONNX embedder "
            f"(supported: {', '.join(POOLING_MODES)}); use the sentence-transformers backend"
        )
    if config.get("include_prompt") is False:
        raise EmbedderError(
            f"{config_path}: pooling that excludes the prompt is not supported by the ONNX "
            "embedder; use the sentence-transformers backend"
        )
    dim = config.get("embedding_dimension", config.get("word_embedding_dimension"))
    return mode, dim if isinstance(dim, int) else None


def _max_seq_length(transformer_dir: Path) -> int:
    # From sentence_bert_config.json, which is what sentence-transformers truncates to. The
    # tokenizer.json of all-MiniLM-L6-v2 says 128 (and pads to a fixed 128): trusting it would
    # silently embed only the first half of long passages.
    path = transformer_dir / "sentence_bert_config.json"
    config = _read_json(path)
    if not isinstance(config, dict):
        raise EmbedderError(f"{path}: expected a JSON object")
    if config.get("do_lower_case"):
        raise EmbedderError(
            f"{path}: do_lower_case is not supported by the ONNX embedder; "
            "use the sentence-transformers backend"
        )
    value = config.get("max_seq_length")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise EmbedderError(f"{path}: lacks a positive integer 'max_seq_length'")
    return value


# ---------------------------------------------------------------------------------------------
# Export


def export_onnx(model_dir: Path, out_dir: Path) -> OnnxModelInfo:
    """Export the transformer of the sentence-transformers model in ``model_dir`` to ``out_dir``.

    The folder is built next to ``out_dir`` and moved into place whole, so an interrupted export
    leaves either the previous folder or none, never half of one.
    """
    model_dir = Path(model_dir)
    out_dir = Path(out_dir)
    source = _read_pipeline(model_dir)
    tokenizer_src = source.transformer_dir / TOKENIZER_NAME
    if not tokenizer_src.is_file():
        raise EmbedderError(
            f"{tokenizer_src}: not found (the ONNX embedder needs a fast tokenizer's JSON file)"
        )
    max_seq_length = source.max_seq_length
    if out_dir.exists() and not out_dir.is_dir():
        raise EmbedderError(f"{out_dir}: exists and is not a folder (choose another output path)")

    try:
        # torch and transformers are needed only to export, never to encode: import them here.
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EmbedderError(
            f"exporting {model_dir} to ONNX needs torch and transformers ({exc}); "
            "install them, or use a folder exported elsewhere"
        ) from exc

    try:
        model = AutoModel.from_pretrained(str(source.transformer_dir), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise EmbedderError(f"{model_dir}: cannot load the transformer ({exc})") from exc
    model.eval()
    dim = int(model.config.hidden_size)
    if source.pooling_dim is not None and source.pooling_dim != dim:
        raise EmbedderError(
            f"{model_dir}: the pooling config says dimension {source.pooling_dim}, the model {dim}"
        )
    import inspect  # stdlib but ~10 ms to import, and only an export needs it

    accepted = inspect.signature(model.forward).parameters
    input_names = [
        name for name in ("input_ids", "attention_mask", "token_type_ids") if name in accepted
    ]

    class _LastHiddenState(torch.nn.Module):
        # Keyword arguments and a tensor output: transformers 5 models reject the positional
        # call the TorchScript tracer makes ("multiple values for argument 'use_cache'").
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            kwargs = dict(zip(input_names, tensors, strict=True))
            return self.inner(**kwargs, return_dict=True).last_hidden_state

    wrapper = _LastHiddenState(model).eval()
    # Two rows, one padded, so the traced graph sees a real mask rather than an all-ones one;
    # tokenised by the model's own tokenizer so the ids are valid whatever its vocabulary.
    tokenizer, pad = _load_tokenizer(tokenizer_src, max_seq_length)
    batch, _ = _pad_batch(tokenizer.encode_batch(["hello world", "hi"]), pad, input_names)
    example = {name: torch.from_numpy(array) for name, array in batch.items()}
    axes = {name: {0: "batch", 1: "sequence"} for name in [*input_names, "last_hidden_state"]}

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    # mkdtemp makes the folder private (0700); the export is read by whoever reads the index.
    tmp_dir.chmod(0o755)
    try:
        onnx_path = tmp_dir / MODEL_NAME
        try:
            # The tracer warns about shapes it turns into constants and about being the legacy
            # exporter; the graph is checked against sentence-transformers by the parity test.
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
                warnings.simplefilter("ignore", category=DeprecationWarning)
                warnings.simplefilter("ignore", category=UserWarning)
                # dynamo=False: torch >= 2.9 defaults to the torch.export-based exporter, which
                # needs the onnxscript package; the TorchScript exporter needs nothing extra and
                # gives a graph that matches sentence-transformers to ~4e-6 per hidden unit.
                # Should a later torch drop it, install onnxscript and remove this argument.
                torch.onnx.export(
                    wrapper,
                    tuple(example[name] for name in input_names),
                    str(onnx_path),
                    input_names=input_names,
                    output_names=["last_hidden_state"],
                    dynamic_axes=axes,
                    opset_version=ONNX_OPSET,
                    do_constant_folding=True,
                    dynamo=False,
                )
        except Exception as exc:  # the exporter raises many unrelated types
            raise EmbedderError(f"{model_dir}: ONNX export failed ({exc})") from exc
        shutil.copyfile(tokenizer_src, tmp_dir / TOKENIZER_NAME)
        sha256 = sha256_file(onnx_path)
        config = {
            "format_version": FORMAT_VERSION,
            "source_model": model_dir.name,
            "max_seq_length": max_seq_length,
            "pooling": source.pooling,
            "normalize": source.normalize,
            "dim": dim,
            "inputs": input_names,
            "output": "last_hidden_state",
            "opset": ONNX_OPSET,
            "model_sha256": sha256,
        }
        # Written last: a folder with a config is a complete folder.
        (tmp_dir / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(tmp_dir, out_dir)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return OnnxModelInfo(out_dir, sha256, dim, max_seq_length, source.pooling, source.normalize)


def _swap_into_place(new_dir: Path, out_dir: Path) -> None:
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


def load_onnx_info(onnx_dir: Path, verify_checksum: bool = False) -> OnnxModelInfo:
    """Read and check ``onnx_dir/onnx_config.json``; optionally recompute the model's sha256."""
    return _load_config(Path(onnx_dir), verify_checksum)[0]


def _load_config(onnx_dir: Path, verify_checksum: bool) -> tuple[OnnxModelInfo, dict[str, Any]]:
    config_path = onnx_dir / CONFIG_NAME
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EmbedderError(
            f"{config_path}: not found, so {onnx_dir} is not an exported ONNX model; {_EXPORT_HINT}"
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
        "dim": int,
        "max_seq_length": int,
        "pooling": str,
        "normalize": bool,
        "inputs": list,
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
    if "input_ids" not in config["inputs"]:
        raise EmbedderError(f"{config_path}: corrupt ('inputs' lacks input_ids); {_EXPORT_HINT}")
    for name in (MODEL_NAME, TOKENIZER_NAME):
        if not (onnx_dir / name).is_file():
            raise EmbedderError(f"{onnx_dir / name}: not found; {_EXPORT_HINT}")
    if verify_checksum:
        actual = sha256_file(onnx_dir / MODEL_NAME)
        if actual != config["model_sha256"]:
            raise EmbedderError(
                f"{onnx_dir / MODEL_NAME}: sha256 {actual[:12]}... does not match the "
                f"{config['model_sha256'][:12]}... recorded in {CONFIG_NAME}; {_EXPORT_HINT}"
            )
    info = OnnxModelInfo(
        path=onnx_dir,
        sha256=config["model_sha256"],
        dim=config["dim"],
        max_seq_length=config["max_seq_length"],
        pooling=config["pooling"],
        normalize=config["normalize"],
    )
    return info, config


# ---------------------------------------------------------------------------------------------
# Tokenising


def _load_tokenizer(path: Path, max_seq_length: int) -> tuple[Any, tuple[int, int]]:
    """The tokenizer, truncating at ``max_seq_length``, and its (pad id, pad type id)."""
    # tokenizers is a small Rust extension, but still only needed once something is encoded.
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception on a bad file
        raise EmbedderError(f"{path}: cannot be loaded ({exc}); {_EXPORT_HINT}") from exc
    # Keep the file's pad ids (RoBERTa pads with 1, not 0) but pad per batch ourselves: the
    # file of all-MiniLM-L6-v2 pads every text to a fixed 128 tokens and truncates at 128.
    pad = tokenizer.padding
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer, ((pad["pad_id"], pad["pad_type_id"]) if pad else (0, 0))


def _pad_batch(
    encodings: Sequence[Any], pad: tuple[int, int], names: Sequence[str]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Right-pad `tokenizers.Encoding`s to the longest: the model's int64 inputs, and the mask."""
    import numpy as np  # see OnnxEmbedder.encode

    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), pad[0], dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.full((len(encodings), width), pad[1], dtype=np.int64)
    for i, enc in enumerate(encodings):
        n = len(enc.ids)
        ids[i, :n] = enc.ids
        mask[i, :n] = enc.attention_mask
        types[i, :n] = enc.type_ids
    arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    return {name: arrays[name] for name in names}, mask


# ---------------------------------------------------------------------------------------------
# Encoding


def _default_threads() -> int:
    # Measured on this 2-core machine (median ms for one 15-word question; passages/s for a
    # batch of 16 passages truncated to 256 tokens), intra-op threads 1 / 2 / onnxruntime default,
    # three runs on a machine shared with other jobs:
    #   question 6.0-8.6 / 4.0-6.0 / 3.6-6.7 ms;  batch 8.9-10.0 / 11.4-16.8 / 15.8-17.4 per s.
    # Two threads won for both, so one session serves queries and bulk encodes alike, sized to
    # the CPUs this process may run on (which respects taskset and cpusets).
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder:
    """Encode texts with an exported model: onnxruntime and tokenizers, no torch.

    The session and tokenizer are created on the first `encode`, once per object.
    """

    def __init__(self, onnx_dir: Path, *, threads: int | None = None, model_id: str = "") -> None:
        if threads is not None and threads < 1:
            raise EmbedderError(f"threads must be at least 1, got {threads}")
        self._info, config = _load_config(Path(onnx_dir), verify_checksum=False)
        self._inputs: list[str] = list(config["inputs"])
        self._threads = threads if threads is not None else _default_threads()
        self.dim: int = self._info.dim
        self.max_seq_length: int = self._info.max_seq_length
        # Without an explicit id, name the weights themselves: two folders holding the same
        # model.onnx give the same vectors.
        self.model_id: str = model_id or f"onnx-sha256:{self._info.sha256[:16]}"
        self._session: Any = None
        self._tokenizer: Any = None
        self._pad = (0, 0)

    @property
    def info(self) -> OnnxModelInfo:
        return self._info

    def _load(self) -> None:
        # onnxruntime takes ~0.2 s to import: only when something is first encoded.
        onnxruntime = _import_onnxruntime()

        model_path = self._info.path / MODEL_NAME
        tokenizer, pad = _load_tokenizer(self._info.path / TOKENIZER_NAME, self.max_seq_length)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1  # a BERT graph is one chain: no branches to overlap
        try:
            session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime's exception classes are not a stable import
            raise EmbedderError(f"{model_path}: cannot be loaded ({exc}); {_EXPORT_HINT}") from exc
        self._tokenizer = tokenizer
        self._pad = pad
        self._session = session

    def encode(self, texts: Sequence[str], *, batch_size: int = 16) -> np.ndarray:
        """Embed ``texts`` as float32 rows of shape ``(len(texts), dim)``, in input order."""
        # numpy is imported here so that `import kb.onnx_embedding` stays cheap.
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not a single str")
        if batch_size < 1:
            raise EmbedderError(f"batch_size must be at least 1, got {batch_size}")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._session is None:
            self._load()

        encodings = self._tokenizer.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in encodings])
        # Longest first, like sentence-transformers, so each batch pads to similar lengths.
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            feed, mask = _pad_batch([encodings[r] for r in rows], self._pad, self._inputs)
            (hidden,) = self._session.run(["last_hidden_state"], feed)
            out[rows] = _pool(hidden, mask, self._info.pooling)
        if self._info.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out /= np.maximum(norms, _NORM_FLOOR)
        return out


def _import_onnxruntime():
    """onnxruntime with its telemetry off. Since 1.29 its Linux build writes a device id and an
    event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime (and uploads events) when
    it is first imported; ORT_DISABLE_TELEMETRY=1, set before that import, stops all of it
    (microsoft/onnxruntime#27379). A question must not write in the user's home."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime

    return onnxruntime


def _pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Sentence vectors from token vectors, as sentence-transformers' Pooling module does."""
    import numpy as np  # see OnnxEmbedder.encode

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
