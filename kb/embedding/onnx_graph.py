"""A BERT encoder as an ONNX graph assembled from its sizes (no torch), run by onnxruntime.

`assemble_graph` writes the graph (kb.embedding.onnx_proto, no `onnx` package); the weights are not copied
into it: each initializer is external data pointing at its bytes in the model's own
``model.safetensors`` (safetensors stores raw little-endian tensors at known offsets, which is
what ONNX external data describes). So the index's ``onnx/`` folder holds the weights once, and
numpy (kb.embedding.numpy_bert) and onnxruntime read the same file.

Builds embed with onnxruntime: about twice numpy's throughput over thousands of passages.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.embedding.folder import (
    MODEL_NAME,
    BatchedEncoder,
    BertConfig,
    Tensor,
    bert_tensor_names,
    load_onnx_info,
)
from kb.errors import EmbedderError

if TYPE_CHECKING:
    import numpy as np

# Opset 17 is the first with a native LayerNormalization op (one fused node per BERT layer norm
# instead of a chain of reductions); onnxruntime has supported it since 1.14.
ONNX_OPSET = 17
# ONNX IR version 8 goes with opset 17 (onnx's own version table); onnxruntime >= 1.14 reads it.
_IR_VERSION = 8
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def assemble_graph(bert: BertConfig, tensors: dict[str, Tensor], weights_name: str) -> bytes:
    """The serialised ONNX model of `bert`'s encoder, its weights read from `weights_name` (a
    safetensors file beside the model, whose tensors are `tensors`)."""
    from kb.embedding import onnx_proto as pb

    expected = bert_tensor_names(bert)
    for name, shape in expected.items():
        t = tensors.get(bert.prefix + name)
        if t is None or t.dtype != "F32" or t.shape != shape:
            raise EmbedderError(f"{weights_name}: tensor {bert.prefix + name!r} missing or not F32 {list(shape)}")

    nodes: list[bytes] = []
    inits: list[bytes] = []
    counter = iter(range(1_000_000))

    def node(op: str, inputs: list[str], **attrs) -> str:
        out = f"{op.lower()}_{next(counter)}"
        nodes.append(pb.node(op, inputs, [out], out, **attrs))
        return out

    def weight(name: str) -> str:
        t = tensors[bert.prefix + name]
        inits.append(pb.external_tensor(name, t.shape, weights_name, t.offset, t.length))
        return name

    def ints(name: str, values: list[int], dims: list[int] | None = None) -> str:
        inits.append(pb.int64_tensor(name, values, dims))
        return name

    def scalar(name: str, value: float) -> str:
        inits.append(pb.float_tensor(name, [value], dims=[]))
        return name

    heads, size = bert.num_attention_heads, bert.head_size
    eps = bert.layer_norm_eps

    def linear(x: str, name: str) -> str:
        # Weights are (out, in) as torch's Linear keeps them; onnxruntime folds the Transpose
        # of a constant once, when the session is created.
        w_t = node("Transpose", [weight(name + ".weight")], perm=[1, 0])
        return node("Add", [node("MatMul", [x, w_t]), weight(name + ".bias")])

    def layer_norm(x: str, name: str) -> str:
        return node("LayerNormalization", [x, weight(name + ".weight"), weight(name + ".bias")],
                    axis=-1, epsilon=float(eps))

    # Embeddings: word + position (0..L-1) + token type, then a layer norm.
    one, zero = ints("one", [1], dims=[]), ints("zero", [0], dims=[])
    length = node("Gather", [node("Shape", ["input_ids"]), one], axis=0)
    positions = node("Range", [zero, length, one])
    x = node("Add", [
        node("Add", [node("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"], axis=0),
                     node("Gather", [weight("embeddings.position_embeddings.weight"), positions], axis=0)]),
        node("Gather", [weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], axis=0),
    ])
    x = layer_norm(x, "embeddings.LayerNorm")

    # Padding gets the most negative float32, as transformers' extended attention mask does:
    # its softmax weight is exactly 0.
    mask = node("Cast", ["attention_mask"], to=pb.FLOAT)
    inverted = node("Sub", [scalar("one_f", 1.0), mask])
    bias = node("Mul", [inverted, scalar("lowest_f", -3.4028234663852886e38)])
    bias = node("Unsqueeze", [bias, ints("axes_1_2", [1, 2])])  # (batch, 1, 1, seq)
    heads_shape = ints("heads_shape", [0, 0, heads, size])  # 0: keep that dimension
    merged_shape = ints("merged_shape", [0, 0, heads * size])
    scale = scalar("scale_f", 1.0 / math.sqrt(size))
    sqrt2 = scalar("sqrt2_f", math.sqrt(2.0))
    half = scalar("half_f", 0.5)

    for layer in range(bert.num_hidden_layers):
        p = f"encoder.layer.{layer}."
        q = node("Transpose", [node("Reshape", [linear(x, p + "attention.self.query"), heads_shape])],
                 perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, p + "attention.self.key"), heads_shape])],
                 perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, p + "attention.self.value"), heads_shape])],
                 perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        probs = node("Softmax", [scores], axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        context = node("Reshape", [context, merged_shape])
        x = layer_norm(node("Add", [linear(context, p + "attention.output.dense"), x]),
                       p + "attention.output.LayerNorm")
        inner = linear(x, p + "intermediate.dense")
        # Exact GELU, as BERT's "gelu": x · (1 + erf(x / √2)) / 2. Written as torch's exporter
        # writes it (Div, not Mul by 1/√2): onnxruntime then fuses it with the bias into BiasGelu.
        erf = node("Erf", [node("Div", [inner, sqrt2])])
        gelu = node("Mul", [node("Mul", [inner, node("Add", [erf, "one_f"])]), half])
        x = layer_norm(node("Add", [linear(gelu, p + "output.dense"), x]), p + "output.LayerNorm")
    nodes.append(pb.node("Identity", [x], ["last_hidden_state"], "output"))

    return pb.model(
        nodes, inits,
        inputs=[pb.value_info(n, pb.INT64, ["batch", "sequence"]) for n in _INPUTS],
        outputs=[pb.value_info("last_hidden_state", pb.FLOAT, ["batch", "sequence", bert.hidden_size])],
        graph_name="bert_encoder", opset=ONNX_OPSET, ir_version=_IR_VERSION, producer="kb",
    )


def _default_threads() -> int:
    # Measured on this 2-core machine (median ms for one 15-word question; passages/s for a
    # batch of 16 passages truncated to 256 tokens), intra-op threads 1 / 2 / onnxruntime default,
    # three runs on a machine shared with other jobs:
    #   question 6.0-8.6 / 4.0-6.0 / 3.6-6.7 ms;  batch 8.9-10.0 / 11.4-16.8 / 15.8-17.4 per s.
    # Two threads won for both, sized to the CPUs this process may run on (respects taskset).
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder(BatchedEncoder):
    """Encode texts with the index's model folder on onnxruntime, no torch.

    The session and tokenizer are created on the first `encode`, once per object.
    """

    def __init__(self, onnx_dir: Path, *, threads: int | None = None, model_id: str = "") -> None:
        if threads is not None and threads < 1:
            raise EmbedderError(f"threads must be at least 1, got {threads}")
        self._info = load_onnx_info(Path(onnx_dir), verify_checksum=False)
        super().__init__(self._info.files, model_id=model_id or f"onnx-sha256:{self._info.weights_sha256[:16]}")
        self._threads = threads if threads is not None else _default_threads()
        self._session: Any = None

    @property
    def info(self):
        return self._info

    def _load(self) -> None:
        # onnxruntime takes ~0.2 s to import: only when something is first encoded.
        onnxruntime = _import_onnxruntime()

        model_path = self._info.path / MODEL_NAME
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1  # a BERT graph is one chain: no branches to overlap
        try:
            self._session = onnxruntime.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime's exception classes are not a stable import
            raise EmbedderError(f"{model_path}: cannot be loaded ({exc}); run `kb build` to write it again") from exc

    def _hidden(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        (hidden,) = self._session.run(["last_hidden_state"], batch)
        return hidden


def _import_onnxruntime():
    """onnxruntime with its telemetry off. Since 1.29 its Linux build writes a device id and an
    event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime (and uploads events) when
    it is first imported; ORT_DISABLE_TELEMETRY=1, set before that import, stops all of it
    (microsoft/onnxruntime#27379). A build must not write in the user's home."""
    import os

    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime

    return onnxruntime
