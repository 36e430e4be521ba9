"""Settings, resolved once: command-line flag, then `KB_*` environment variable, then default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.embedding import DEFAULT_MODEL

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
