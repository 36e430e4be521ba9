"""Which encoder embeds: ONNX (torch-free, the default) when it is exported and matches,
sentence-transformers otherwise — slower, never wrong."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb.config import Settings
from kb.embedding import Embedder, ModelSpec, WordPieceCounter, load_embedder, resolve_model
from kb.errors import EmbedderError

ONNX_DIR = "onnx"
# Texts for the build-time spot check of ONNX against sentence-transformers: a question, a
# passage longer than the 256-piece window, and non-ASCII text. The CI parity test checks 200+.
_SPOT_CHECK = (
    "Can ICE get the documents I gave the DMV for my AB 60 license?",
    " ".join(["The department shall not disclose the residence address of a licensee."] * 40),
    "¿Puede ICE obtener mi licencia AB 60? § 12801.9 — información confidencial.",
)
# The tolerance the parity test uses (issue 5): cosine ≥ 0.99999 for every text.
PARITY_MIN_COSINE = 0.99999


class OnnxQueryEmbedder:
    """The ONNX encoder with the model's identity and its word-piece counter attached."""

    def __init__(self, onnx_dir: Path, model_id: str, threads: int | None = None):
        from kb.onnx_embedding import OnnxEmbedder

        self._inner = OnnxEmbedder(onnx_dir, threads=threads, model_id=model_id)
        self.model_id = model_id
        self.dim = self._inner.dim
        self.max_seq_length = self._inner.max_seq_length
        self._counter = WordPieceCounter(onnx_dir / "tokenizer.json")

    def encode(self, texts, *, batch_size: int = 16):
        return self._inner.encode(texts, batch_size=batch_size)

    def count_tokens(self, text: str) -> int:
        return self._counter(text)


@dataclass
class BuildEncoder:
    name: str
    embedder: Embedder
    onnx_manifest: dict | None = None
    writers: list[Callable[[Path], None]] = field(default_factory=list)


def _onnx_ok(onnx_dir: Path, expected_sha: str | None, verify: bool) -> bool:
    from kb.onnx_embedding import load_onnx_info

    try:
        info = load_onnx_info(onnx_dir, verify_checksum=verify)
    except EmbedderError:
        return False
    return expected_sha is None or info.sha256 == expected_sha


def build_encoder(spec: ModelSpec, settings: Settings, previous, notices: list[str]) -> BuildEncoder:
    """The encoder for `kb build`: export (or reuse) the ONNX model, spot-check it, use it."""
    if spec.is_hashing or spec.path is None or settings.encoder == "sentence-transformers":
        embedder = load_embedder(spec)
        return BuildEncoder("hashing" if spec.is_hashing else "sentence-transformers", embedder)
    from kb.generations import temp_dir

    # Named after this process, so a later build can remove it should this one be killed.
    staging = temp_dir(settings.index_dir, "onnx")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    prev_dir = previous.path / ONNX_DIR if previous is not None else None
    prev_onnx = previous.manifest.get("onnx") if previous is not None else None
    try:
        if (
            prev_onnx and prev_onnx.get("model_id") == spec.model_id
            and _onnx_ok(prev_dir, prev_onnx.get("sha256"), verify=True)
        ):
            shutil.copytree(prev_dir, staging, copy_function=_link_or_copy)
        else:
            from kb.onnx_embedding import export_onnx

            export_onnx(spec.path, staging)
            reference = load_embedder(spec)
            onnx = OnnxQueryEmbedder(staging, spec.model_id)
            cosines = (onnx.encode(list(_SPOT_CHECK)) * reference.encode(list(_SPOT_CHECK))).sum(axis=1)
            if float(cosines.min()) < PARITY_MIN_COSINE:
                raise EmbedderError(f"ONNX export differs from sentence-transformers (cosine {cosines.min():.6f})")
        from kb.onnx_embedding import load_onnx_info

        info = load_onnx_info(staging)
    except EmbedderError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        notices.append(f"ONNX encoder not available ({exc}); embedding with sentence-transformers")
        return BuildEncoder("sentence-transformers", load_embedder(spec))

    def write(tmp: Path) -> None:
        os.replace(staging, tmp / ONNX_DIR)

    embedder = OnnxQueryEmbedder(staging, spec.model_id, threads=None)
    manifest = {"model_id": spec.model_id, "sha256": info.sha256, "dir": ONNX_DIR}
    # The staging folder moves into the index on write; the embedder is done with it by then.
    return BuildEncoder("onnx", embedder, manifest, [write])


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # the model is ~90 MB: share it with the previous index, do not copy
    except OSError:
        shutil.copy2(src, dst)


def query_embedder(index, settings: Settings, notices: list[str]) -> Embedder:
    """The encoder for questions against `index`: its ONNX export if present and matching,
    else sentence-transformers with the model that built the index (saying so in `notices`)."""
    model = index.manifest["model"]
    onnx = index.manifest.get("onnx")
    if onnx and onnx.get("model_id") == model["id"] and settings.encoder == "onnx":
        from kb.manifest import resolve_inside

        # The manifest's shape was checked on open (a relative path without ".."); this also
        # refuses a symlink that leads out of the index.
        onnx_dir = resolve_inside(index.path, onnx.get("dir", ONNX_DIR))
        if _onnx_ok(onnx_dir, onnx.get("sha256"), verify=False):
            return OnnxQueryEmbedder(onnx_dir, model["id"])
        notices.append(
            f"the ONNX encoder in {onnx_dir} is missing or does not match the index; "
            "answering with sentence-transformers (slower). Run `kb build` to restore it."
        )
    spec = resolve_model(model["name"])
    if spec.model_id != model["id"]:
        raise EmbedderError(
            f"the index was built with {model['id']} but {model['name']!r} is now {spec.model_id}; "
            "run `kb build --full`"
        )
    return load_embedder(spec)
