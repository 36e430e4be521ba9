"""A BERT encoder's forward pass in numpy, over the weights in a safetensors file.

For the one-question query: nothing to import but numpy (which the dense search uses too), the
weights memory-mapped (only the rows of the words asked about are read from the 47 MB word
table), and a 15-word question embedded in a few milliseconds. Builds use onnxruntime (kb.embedding.onnx_graph),
about twice as fast over thousands of passages. Same vectors as sentence-transformers within
cosine 0.99999 (tests/test_parity.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kb.embedding.folder import BatchedEncoder, ModelFiles, bert_tensor_names, read_safetensors_header
from kb.errors import EmbedderError

if TYPE_CHECKING:
    import numpy as np

# Abramowitz & Stegun 7.1.26: erf(x) to within 1.5e-7 for x >= 0 (numpy has no erf; scipy's
# would cost its import). BERT's GELU is the exact one, x * (1 + erf(x / sqrt 2)) / 2, and an
# error of 1.5e-7 in erf moves the vectors by far less than float32 kernels differ anyway.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


class NumpyBertEmbedder(BatchedEncoder):
    """Embeds with numpy alone. The weights are mapped on the first `encode`, once per object."""

    def __init__(self, files: ModelFiles, *, model_id: str = "") -> None:
        super().__init__(files, model_id=model_id)
        self._w: dict[str, Any] = {}

    def _load(self) -> None:
        import numpy as np

        path = self.files.weights
        tensors = read_safetensors_header(path)
        try:
            # np.asarray drops the memmap subclass, whose per-operation bookkeeping made one
            # question ~16% slower (31 against 26 ms median, same run, busy machine), and which
            # slicing each of the ~100 tensors out of it would pay again.
            raw = np.asarray(np.memmap(path, dtype=np.uint8, mode="r"))
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"{path}: cannot be mapped ({exc})") from None
        prefix = self.files.bert.prefix
        weights = {}
        for name, shape in bert_tensor_names(self.files.bert).items():
            t = tensors.get(prefix + name)
            if t is None or t.dtype != "F32" or t.shape != shape:
                raise EmbedderError(f"{path}: tensor {prefix + name!r} missing or not F32 {list(shape)}")
            # Little-endian float32 as safetensors stores them; a view, read on first touch.
            weights[name] = raw[t.offset : t.offset + t.length].view("<f4").reshape(shape)
        self._w = weights

    def _hidden(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        import numpy as np

        w, bert = self._w, self.files.bert
        ids, mask, types = batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
        n, length = ids.shape
        heads, size = bert.num_attention_heads, bert.head_size
        eps = bert.layer_norm_eps

        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = _layer_norm(x.reshape(n * length, -1), w["embeddings.LayerNorm.weight"],
                        w["embeddings.LayerNorm.bias"], eps)
        # Padding gets the most negative float, as transformers' extended attention mask does:
        # its softmax weight is exactly 0.
        bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * np.finfo(np.float32).min
        scale = np.float32(1.0 / np.sqrt(size))

        def split(t):  # (n·L, H·d) -> (n, H, L, d)
            return t.reshape(n, length, heads, size).transpose(0, 2, 1, 3)

        for layer in range(bert.num_hidden_layers):
            p = f"encoder.layer.{layer}."
            q = split(_linear(x, w, p + "attention.self.query"))
            k = split(_linear(x, w, p + "attention.self.key"))
            v = split(_linear(x, w, p + "attention.self.value"))
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, heads * size)
            x = _layer_norm(_linear(context, w, p + "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], eps)
            inner = _gelu(_linear(x, w, p + "intermediate.dense"))
            x = _layer_norm(_linear(inner, w, p + "output.dense") + x,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        return x.reshape(n, length, -1)


def _linear(x: np.ndarray, w: dict, name: str) -> np.ndarray:
    # torch's Linear keeps weights as (out, in): x @ W.T, which BLAS reads transposed in place.
    return x @ w[name + ".weight"].T + w[name + ".bias"]


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / (var + eps) ** 0.5 * gamma + beta


def _gelu(x: np.ndarray) -> np.ndarray:
    import numpy as np

    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1.0 / (1.0 + _AS_P * z)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * x * (1.0 + np.copysign(erf, x))
