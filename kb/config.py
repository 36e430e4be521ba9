"""Settings, resolved once: command-line flag, then `KB_*` environment variable, then default;
and the chunker's settings, which the model decides (kb/staleness.py, chunker_settings_for)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.embedding import DEFAULT_MODEL
from kb.text import SENTENCE_RULES

# The repository this package sits in: `corpus/` and `index/` live beside `kb/`.
REPO_ROOT = Path(__file__).resolve().parent.parent


ENCODERS = ("onnx", "sentence-transformers")


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    index_dir: Path
    model: str
    # "onnx" (default): export the model at build time and embed with onnxruntime, torch-free.
    # "sentence-transformers": the reference path, slower to start (~5 s of imports).
    encoder: str = "onnx"


@dataclass(frozen=True)
class ChunkerSettings:
    """Settings that change the chunks; stored in the manifest so a change makes the index stale.

    max_tokens: the model's window in word pieces (256 for all-MiniLM-L6-v2, from its
    sentence_bert_config.json), less the two special tokens the tokenizer adds.
    overlap_tokens: how much of a split passage's previous window the next one repeats, so a
    sentence cut at a window edge is whole in at least one window (32 ≈ one or two sentences).
    whole_sentence_windows: a sentence up to this many windows long keeps a window of its own,
    whole (kb/chunking.py, _windows); stored so an index chunked the old way (sentences cut)
    is rebuilt. Here, not in kb/chunking.py: the check before every question compares them
    without importing the chunker.
    sentence_rules: the version of kb.text.split_sentences' rules (kb.text.SENTENCE_RULES), by
    which passages are windowed and answer sentences stored: an index split by older rules is
    rebuilt.
    """

    max_tokens: int = 254
    overlap_tokens: int = 32
    whole_sentence_windows: int = 3
    sentence_rules: int = SENTENCE_RULES

    def to_json(self) -> dict:
        return {"max_tokens": self.max_tokens, "overlap_tokens": self.overlap_tokens,
                "whole_sentence_windows": self.whole_sentence_windows, "sentence_rules": self.sentence_rules}


def _default_dir(name: str) -> Path:
    beside_package = REPO_ROOT / name
    if beside_package.is_dir() or (REPO_ROOT / "pyproject.toml").is_file():
        return beside_package
    return Path.cwd() / name


def resolve_settings(
    corpus: Path | None = None,
    index: Path | None = None,
    model: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    env = os.environ if environ is None else environ
    corpus_dir = corpus or (Path(env["KB_CORPUS"]) if env.get("KB_CORPUS") else _default_dir("corpus"))
    index_dir = index or (Path(env["KB_INDEX"]) if env.get("KB_INDEX") else _default_dir("index"))
    encoder = env.get("KB_ENCODER") or "onnx"
    if encoder not in ENCODERS:
        from kb.errors import InputError

        raise InputError(f"KB_ENCODER={encoder!r} is not one of {', '.join(ENCODERS)}")
    return Settings(
        corpus_dir=Path(corpus_dir).expanduser(),
        index_dir=Path(index_dir).expanduser(),
        model=model or env.get("KB_MODEL") or DEFAULT_MODEL,
        encoder=encoder,
    )
