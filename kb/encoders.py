"""Which encoder embeds: ONNX (torch-free, the default) when it is exported and matches,
sentence-transformers otherwise — slower, never wrong."""

from __future__ import annotations

import errno
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
    cleanup: Callable[[], None] = lambda: None  # removes what the encoder staged, if not written


def _onnx_ok(onnx_dir: Path, expected_sha: str | None, verify: bool) -> bool:
    from kb.onnx_embedding import load_onnx_info

    try:
        info = load_onnx_info(onnx_dir, verify_checksum=verify)
    except EmbedderError:
        return False
    return expected_sha is None or info.sha256 == expected_sha


def _reusable(previous, spec: ModelSpec) -> tuple[bool, str]:
    """Whether the previous generation's export may be copied forward, and if not, why (for a
    notice; "" when there simply is none). Every file of it must match the previous manifest
    (a damaged export is made again from the model, never copied with fresh checksums), and its
    settings and tokenizer must be the source model's."""
    from kb.errors import IndexCorrupt
    from kb.manifest import ONNX_FILES

    prev_onnx = previous.manifest.get("onnx") if previous is not None else None
    if not prev_onnx or prev_onnx.get("model_id") != spec.model_id:
        return False, ""
    prev_dir = previous.path / prev_onnx["dir"]
    try:
        for name in ONNX_FILES:
            previous.read_verified(f"{prev_onnx['dir']}/{name}")
    except IndexCorrupt as exc:
        reason = str(exc).split("; run `kb build")[0]
        return False, f"the previous ONNX export is damaged ({reason}); exporting the model again"
    if not _onnx_ok(prev_dir, prev_onnx.get("sha256"), verify=True):
        return False, "the previous ONNX export does not match its manifest; exporting the model again"
    differs = _differs_from_source(prev_dir, spec.path)
    if differs:
        return False, f"the previous ONNX export's {differs} differs from the model's; exporting the model again"
    return True, ""


def _differs_from_source(onnx_dir: Path, model_dir: Path) -> str:
    """What of an export (settings, tokenizer) disagrees with the model folder it came from, or
    "": this catches damage that an earlier build recorded in the manifest as if it were sound."""
    from kb.onnx_embedding import TOKENIZER_NAME, load_onnx_info

    info = load_onnx_info(onnx_dir)
    try:
        from kb.onnx_embedding import _read_pipeline  # the exporter's reading of the model folder

        source = _read_pipeline(model_dir)
    except (ImportError, EmbedderError):
        return ""
    if info.max_seq_length != source.max_seq_length:
        return "max_seq_length"
    if info.pooling != source.pooling or info.normalize != source.normalize:
        return "pooling"
    try:
        if (onnx_dir / TOKENIZER_NAME).read_bytes() != (source.transformer_dir / TOKENIZER_NAME).read_bytes():
            return "tokenizer.json"
    except OSError:
        return "tokenizer.json"
    return ""


def build_encoder(spec: ModelSpec, settings: Settings, previous, notices: list[str]) -> BuildEncoder:
    """The encoder for `kb build`: export (or reuse) the ONNX model, spot-check it, use it."""
    if spec.is_hashing or spec.path is None or settings.encoder == "sentence-transformers":
        embedder = load_embedder(spec)
        return BuildEncoder("hashing" if spec.is_hashing else "sentence-transformers", embedder)
    from kb.generations import make_temp_dir
    from kb.testhooks import pause_at

    # A folder of this process inside the index, marked as the index's: the export and the
    # exporter's own temporary folders are made in it, so that should this build be killed, a
    # later build removes all of it (and `kb build --check` reports it meanwhile).
    root = make_temp_dir(settings.index_dir, "onnx")
    staging = root / ONNX_DIR

    def cleanup() -> None:
        shutil.rmtree(root, ignore_errors=True)

    reuse, why = _reusable(previous, spec)
    try:
        if reuse:
            shutil.copytree(previous.path / previous.manifest["onnx"]["dir"], staging,
                            copy_function=_link_or_copy)
        else:
            if why:
                notices.append(why)
            from kb.onnx_embedding import export_onnx

            export_onnx(spec.path, staging)
            pause_at("onnx-exported")
            reference = load_embedder(spec)
            onnx = OnnxQueryEmbedder(staging, spec.model_id)
            cosines = (onnx.encode(list(_SPOT_CHECK)) * reference.encode(list(_SPOT_CHECK))).sum(axis=1)
            if float(cosines.min()) < PARITY_MIN_COSINE:
                raise EmbedderError(f"ONNX export differs from sentence-transformers (cosine {cosines.min():.6f})")
        from kb.onnx_embedding import load_onnx_info

        info = load_onnx_info(staging)
    except EmbedderError as exc:
        cleanup()
        if isinstance(exc.__cause__, OSError) and exc.__cause__.errno in (errno.ENOSPC, errno.EDQUOT):
            raise exc.__cause__ from None  # a full disk: one message for the whole build
        notices.append(f"ONNX encoder not available ({exc}); embedding with sentence-transformers")
        return BuildEncoder("sentence-transformers", load_embedder(spec))
    except BaseException:
        cleanup()
        raise

    def write(tmp: Path) -> None:
        os.replace(staging, tmp / ONNX_DIR)
        cleanup()

    embedder = OnnxQueryEmbedder(staging, spec.model_id, threads=None)
    manifest = {"model_id": spec.model_id, "sha256": info.sha256, "dir": ONNX_DIR}
    # The staging folder moves into the index on write; the embedder is done with it by then.
    return BuildEncoder("onnx", embedder, manifest, [write], cleanup)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)  # the model is ~90 MB: share it with the previous index, do not copy
    except OSError:
        shutil.copy2(src, dst)


def verify_small_files(index, onnx_dir: str) -> None:
    """Check the export's small files (tokenizer.json ~0.7 MB, onnx_config.json) against the
    manifest on every question: a changed vocabulary or pooling setting would change answers
    without a word. IndexCorrupt, one line, when one differs. model.onnx (~90 MB) is checked by
    size here and by sha256 in builds and `kb build --check` (its per-question cost is measured
    in docs/reliability.md)."""
    from kb.manifest import ONNX_FILES

    for name in ONNX_FILES:
        if name != "model.onnx":
            index.read_verified(f"{onnx_dir}/{name}")


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
        verify_small_files(index, onnx.get("dir", ONNX_DIR))
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
