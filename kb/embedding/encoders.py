"""Which way of running the model embeds: for a build, onnxruntime over the index's ``onnx/``
folder; for a question, numpy over the same weights. Both torch-free, both checked against each
other at every export. sentence-transformers (``kb[models]``) for models kb cannot run itself,
or when KB_ENCODER=sentence-transformers asks for the reference."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb.config import Settings
from kb.embedding import PARITY_MIN_COSINE, SPOT_CHECK, Embedder, ModelSpec, load_embedder, resolve_model
from kb.errors import EmbedderError

ONNX_DIR = "onnx"


@dataclass
class BuildEncoder:
    name: str
    embedder: Embedder
    onnx_manifest: dict | None = None
    writers: list[Callable[[Path], None]] = field(default_factory=list)


def _onnx_ok(onnx_dir: Path, expected_sha: str | None, verify: bool):
    """The folder's OnnxModelInfo when it is complete (and its sha256 as expected), else None."""
    from kb.embedding.folder import load_onnx_info

    try:
        info = load_onnx_info(onnx_dir, verify_checksum=verify)
    except EmbedderError:
        return None
    return info if expected_sha is None or info.sha256 == expected_sha else None


def build_encoder(spec: ModelSpec, settings: Settings, previous, notices: list[str]) -> BuildEncoder:
    """The encoder for `kb build`: write (or reuse) the index's model folder, check onnxruntime
    against numpy on it, and embed with onnxruntime."""
    if spec.is_hashing or spec.path is None or settings.encoder == "sentence-transformers":
        backend = "sentence-transformers" if settings.encoder == "sentence-transformers" else "auto"
        embedder = load_embedder(spec, backend)
        return BuildEncoder("hashing" if spec.is_hashing else "sentence-transformers", embedder)
    from kb.embedding.folder import export_onnx, read_source

    try:
        read_source(spec.path)
    except EmbedderError as exc:  # not a model kb runs itself
        notices.append(f"{exc}; embedding with sentence-transformers")
        return BuildEncoder("sentence-transformers", load_embedder(spec, "sentence-transformers"))
    from kb.embedding.numpy_bert import NumpyBertEmbedder
    from kb.embedding.onnx_graph import OnnxEmbedder
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
            # Copied, not linked: see export_onnx.
            shutil.copytree(prev_dir, staging)
            info = _onnx_ok(staging, None, verify=False)
        else:
            info = export_onnx(spec.path, staging)
        embedder = OnnxEmbedder(staging, model_id=spec.model_id)
        # Two independent implementations over the same weights must agree (each is checked
        # against sentence-transformers by tests/test_parity.py).
        texts = list(SPOT_CHECK)
        cosines = (embedder.encode(texts) * NumpyBertEmbedder(info.files).encode(texts)).sum(axis=1)
        if float(cosines.min()) < PARITY_MIN_COSINE:
            raise EmbedderError(f"onnxruntime and numpy disagree on {staging} (cosine {cosines.min():.6f})")
    except (EmbedderError, ImportError) as exc:  # ImportError: onnxruntime not installed
        shutil.rmtree(staging, ignore_errors=True)
        notices.append(f"ONNX encoder not available ({exc}); embedding with numpy (slower)")
        return BuildEncoder("numpy", load_embedder(spec))

    def write(tmp: Path) -> None:
        os.replace(staging, tmp / ONNX_DIR)

    manifest = {"model_id": spec.model_id, "sha256": info.sha256, "dir": ONNX_DIR}
    # The staging folder moves into the index on write; the embedder is done with it by then.
    return BuildEncoder("onnx", embedder, manifest, [write])


def query_embedder(index, settings: Settings, notices: list[str]) -> Embedder:
    """The encoder for questions against `index`: numpy over its model folder if present and
    matching, else the model that built the index, run the same way or by sentence-transformers
    (saying so in `notices`)."""
    model = index.manifest["model"]
    onnx = index.manifest.get("onnx")
    if onnx and onnx.get("model_id") == model["id"] and settings.encoder == "onnx":
        from kb.manifest import resolve_inside

        # The manifest's shape was checked on open (a relative path without ".."); this also
        # refuses a symlink that leads out of the index.
        onnx_dir = resolve_inside(index.path, onnx.get("dir", ONNX_DIR))
        info = _onnx_ok(onnx_dir, onnx.get("sha256"), verify=False)
        if info is not None:
            # One question: numpy answers in milliseconds with nothing to import, where
            # onnxruntime's import and session cost ~0.3 s (bench/benchmark.py).
            from kb.embedding.numpy_bert import NumpyBertEmbedder

            return NumpyBertEmbedder(info.files, model_id=model["id"])
        notices.append(
            f"the model folder {onnx_dir} is missing or does not match the index; answering "
            "with the model it was built with. Run `kb build` to restore it."
        )
    spec = resolve_model(model["name"])
    if spec.model_id != model["id"]:
        raise EmbedderError(
            f"the index was built with {model['id']} but {model['name']!r} is now {spec.model_id}; "
            "run `kb build --full`"
        )
    backend = "sentence-transformers" if settings.encoder == "sentence-transformers" else "auto"
    return load_embedder(spec, backend)
