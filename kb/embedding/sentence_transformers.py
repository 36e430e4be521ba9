"""sentence-transformers on torch: any model by folder or hub name, and the reference vectors.

Optional (``pip install 'kb[models]'``): the default model runs without it (kb.embedding.numpy_bert
and kb.embedding.onnx_graph). Slow to import (~5 s, ~420 MB), so only when a text is embedded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kb.embedding import ONLINE_ENV, ModelSpec, WordPieceCounter, read_max_seq_length
from kb.errors import EmbedderError, quoted

if TYPE_CHECKING:
    import numpy as np

INSTALL_HINT = "pip install 'kb[models]'"


class SentenceTransformerEmbedder:
    """The reference backend: sentence-transformers on torch."""

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
            try:
                # Heavy (~5 s, ~420 MB): imported only when a text must really be embedded this way.
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise EmbedderError(
                    f"model {quoted(self.spec.name)} needs sentence-transformers, which is not "
                    f"installed: run `{INSTALL_HINT}` (it brings torch, about 1 GB)"
                ) from None

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
