"""Checks before a command does anything costly: that the model named exists, that a missing
index may be built where it was asked for, and about how long a first build will take."""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING

from kb.config import Settings, resolve_settings
from kb.errors import EmbedderError, IndexMissing, IndexWriteError

if TYPE_CHECKING:
    from kb.embedding import ModelSpec


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def may_build_into(index_dir: Path) -> None:
    """`ask`, `search` and `cite` build a missing index only into a folder that exists, or the
    default one: a mistyped `--index /no/such/deep/path` must not create folders and then spend a
    minute building there."""
    if index_dir.exists() or _absolute(index_dir) == _absolute(resolve_settings(environ={}).index_dir):
        return
    raise IndexMissing(
        f"no index at {index_dir}, and no such folder (check the path; `kb build --index {index_dir}` "
        "makes one)"
    )


# The shipped corpus (553 KB of Markdown, 78 files) builds in about a minute with the default
# model on 2 idle cores (the README's figure); the time grows with the text to embed, so with the
# corpus' size. On this shared machine at load 11 (other builds on the same 2 cores) the same
# build took 343 s (measured once, 2026-12-06): hence "idle".
_SECONDS_PER_BYTE = 60 / 553_000


def build_estimate(settings: Settings) -> str:
    """How long a full build of this corpus should take, in words, for the first-build notice."""
    from kb.corpus_files import scan_corpus
    from kb.embedding import resolve_model

    if resolve_model(settings.model).is_hashing:
        return "a few seconds with the hashing model"
    size = sum(p.stat().st_size for p in scan_corpus(settings.corpus_dir).files)
    seconds = max(10, round(size * _SECONDS_PER_BYTE, -1))
    span = f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} min"
    return f"{span} on 2 idle cores for {size / 1000:.0f} KB of corpus"


def require_model(settings: Settings) -> ModelSpec:
    """The settings' model, resolved (kb.embedding.resolve_model). A model name that names
    nothing is an error of its own ("not found"), rather than a different model than the
    index's ("the index is stale"). Offline, a hub name must be in the Hugging Face cache; with
    KB_ONLINE=1 sentence-transformers may download it, so it passes."""
    from kb.embedding import ONLINE_ENV, resolve_model

    spec = resolve_model(settings.model)  # a missing folder path is already an error here
    if spec.path is not None or spec.is_hashing or os.environ.get(ONLINE_ENV) == "1":
        return spec
    if not _in_hub_cache(spec.name):
        raise EmbedderError(
            f"model {spec.name!r} not found: it is neither a local folder nor in the Hugging Face "
            f"cache (check the name; kb works offline: pass a model folder with --model, "
            f"or set {ONLINE_ENV}=1 to let sentence-transformers download it)"
        )
    return spec


def _in_hub_cache(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache  # only for hub names: rare
    except ImportError:  # no sentence-transformers stack at all: nothing could load it
        return False
    # sentence-transformers reads a bare name as "sentence-transformers/<name>".
    for repo in (name,) if "/" in name else (name, f"sentence-transformers/{name}"):
        try:
            if isinstance(try_to_load_from_cache(repo, "config.json"), str):
                return True
        except Exception:  # noqa: BLE001 - a malformed repo id is simply not cached
            continue
    return False


def may_create(index_dir: Path) -> None:
    """`kb build` creates the index folder, but not its parents: a mistyped path stays an error."""
    index_dir = _absolute(index_dir)
    if not index_dir.exists() and not index_dir.is_symlink() and not index_dir.parent.is_dir():
        raise IndexWriteError(
            f"{index_dir.parent} does not exist: `kb build` creates the index folder but not its "
            "parents (check --index for a typo, or create the parent folder first)"
        )
