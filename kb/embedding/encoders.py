"""Which way of running the model embeds: for a build, onnxruntime over the index's ``onnx/``
folder; for a question, numpy over the same weights. Both torch-free, both checked against each
other at every export. sentence-transformers (``kb[models]``) for models kb cannot run itself,
or when KB_ENCODER=sentence-transformers asks for the reference."""

from __future__ import annotations

import errno
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
    cleanup: Callable[[], None] = lambda: None  # removes what the encoder staged, if not written


def _onnx_ok(onnx_dir: Path, expected_sha: str | None, verify: bool, checked: dict[str, bytes] | None = None):
    """The folder's OnnxModelInfo when it is complete (and its sha256 as expected), else None.
    `checked`: bytes of its small files already checked against the manifest, parsed instead
    of the files (see verify_small_files)."""
    from kb.embedding.folder import CONFIG_NAME, TOKENIZER_NAME, load_onnx_info

    checked = checked or {}
    try:
        info = load_onnx_info(onnx_dir, verify_checksum=verify, config_bytes=checked.get(CONFIG_NAME),
                              tokenizer_bytes=checked.get(TOKENIZER_NAME))
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
            # Copied, not linked: see export_onnx.
            shutil.copytree(previous.path / previous.manifest["onnx"]["dir"], staging)
            info = _onnx_ok(staging, None, verify=False)
        else:
            if why:
                notices.append(why)
            info = export_onnx(spec.path, staging)
            pause_at("onnx-exported")
        embedder = OnnxEmbedder(staging, model_id=spec.model_id)
        # Two independent implementations over the same weights must agree (each is checked
        # against sentence-transformers by tests/test_parity.py).
        texts = list(SPOT_CHECK)
        cosines = (embedder.encode(texts) * NumpyBertEmbedder(info.files).encode(texts)).sum(axis=1)
        if float(cosines.min()) < PARITY_MIN_COSINE:
            raise EmbedderError(f"onnxruntime and numpy disagree on {staging} (cosine {cosines.min():.6f})")
    except (EmbedderError, ImportError) as exc:  # ImportError: onnxruntime not installed
        cleanup()
        cause = exc.__cause__
        if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
            raise cause from None  # a full disk: one message for the whole build
        notices.append(f"ONNX encoder not available ({exc}); embedding with numpy (slower)")
        return BuildEncoder("numpy", load_embedder(spec))
    except BaseException:
        cleanup()
        raise

    def write(tmp: Path) -> None:
        os.replace(staging, tmp / ONNX_DIR)
        cleanup()

    manifest = {"model_id": spec.model_id, "sha256": info.sha256, "dir": ONNX_DIR}
    # The staging folder moves into the index on write; the embedder is done with it by then.
    return BuildEncoder("onnx", embedder, manifest, [write], cleanup)


def _reusable(previous, spec: ModelSpec) -> tuple[bool, str]:
    """Whether the previous generation's model folder may be copied forward, and if not, why
    (for a notice; "" when there simply is none). Every file of it must match the previous
    manifest (a damaged folder is written again from the model, never copied with fresh
    checksums), and its settings and tokenizer must be the source model's."""
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
        return False, f"the previous model folder is damaged ({reason}); writing it again from the model"
    if _onnx_ok(prev_dir, prev_onnx.get("sha256"), verify=True) is None:
        return False, "the previous model folder does not match its manifest; writing it again from the model"
    differs = _differs_from_source(prev_dir, spec.path)
    if differs:
        return False, f"the previous model folder's {differs} differs from the model's; writing it again"
    return True, ""


def _differs_from_source(onnx_dir: Path, model_dir: Path) -> str:
    """What of the index's model folder (settings, tokenizer, weights) disagrees with the model
    folder it came from, or "": this catches damage an earlier build recorded in the manifest
    as if it were sound."""
    from kb.embedding.folder import TOKENIZER_NAME, WEIGHTS_NAME, load_onnx_info, read_source

    try:
        info = load_onnx_info(onnx_dir)
        source = read_source(model_dir)
    except EmbedderError:
        return "configuration"
    if info.max_seq_length != source.max_seq_length:
        return "max_seq_length"
    if info.pooling != source.pooling or info.normalize != source.normalize:
        return "pooling"
    for name in (TOKENIZER_NAME, WEIGHTS_NAME):
        try:
            if (onnx_dir / name).stat().st_size != (source.transformer_dir / name).stat().st_size or (
                    name == TOKENIZER_NAME
                    and (onnx_dir / name).read_bytes() != (source.transformer_dir / name).read_bytes()):
                return name
        except OSError:
            return name
    return ""


def verify_small_files(index, onnx_dir: str) -> dict[str, bytes]:
    """The small files a question reads from the model folder (tokenizer.json ~0.5 MB,
    onnx_config.json), read once and checked against the manifest on every question: a changed
    vocabulary or pooling setting would change answers without a word. IndexCorrupt, one line,
    when one differs. The caller parses these bytes, never the files again (which could have
    changed in between). model.safetensors (~90 MB) is checked by size here and by sha256 in
    builds and `kb build --check` (its per-question cost is measured in docs/reliability.md);
    model.onnx, the graph, is read only by builds, which check it whole."""
    return {name: index.read_verified(f"{onnx_dir}/{name}")
            for name in ("tokenizer.json", "onnx_config.json")}


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
        checked = None
        if onnx_dir.is_dir():  # present: its small files must be as built (missing: see below)
            checked = verify_small_files(index, onnx.get("dir", ONNX_DIR))
        info = _onnx_ok(onnx_dir, onnx.get("sha256"), verify=False, checked=checked)
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
