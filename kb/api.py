"""The library's front door: one function per command, each returning data for a renderer."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kb.answer import AnswerSettings, answer_question
from kb.citations import CitationRef
from kb.config import Settings, resolve_settings
from kb.errors import CorpusError, EmbedderError, IndexMissing, IndexWriteError
from kb.text import require_text  # the CLI refuses empty input before any index is built
from kb.indexing import BuildReport, Progress, StaleReport, build_index, check_index
from kb.models import Answer, Hit, Source
from kb.retrieval import Retriever
from kb.store import open_index


class Notices(list):
    """Messages for the user (built, stale, fell back), passed on as they happen: the CLI
    prints each to stderr at once, so "building it now" comes before the build, not after."""

    def __init__(self, emit: Callable[[str], None] | None = None):
        super().__init__()
        self._emit = emit

    def append(self, message: str) -> None:
        super().append(message)
        if self._emit is not None:
            self._emit(message)

    def extend(self, messages) -> None:
        for message in messages:
            self.append(message)


@dataclass
class Session:
    """An opened index and what happened while opening it (built, stale), for stderr."""

    retriever: Retriever
    notices: list[str]


def open_session(
    settings: Settings, *, rebuild: bool = False, progress: Progress | None = None,
    emit: Callable[[str], None] | None = None,
) -> Session:
    """Open the index; build it first when it is missing, or when `rebuild` and it is stale.
    `emit` receives each notice as it happens."""
    notices = Notices(emit)
    require_model(settings)
    report = check_index(settings)
    if report.missing:
        _may_build_into(settings.index_dir)
        notices.append(f"no index at {settings.index_dir}: building it now (once; {build_estimate(settings)})")
        built = build_index(settings, progress=progress)
        notices.extend(built.notices)
        notices.append(describe_build(built))
    elif report.stale and rebuild:
        built = build_index(settings, progress=progress)
        notices.extend(built.notices)
        notices.append(describe_build(built))
    elif report.stale:
        notices.append(
            f"the index is stale ({describe_stale(report)}); answering from it anyway. "
            "Run `kb build` or pass --rebuild."
        )
    index = open_index(settings.index_dir)
    retriever = Retriever(index=index, settings=settings, notices=notices)
    return Session(retriever, notices)


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _may_build_into(index_dir: Path) -> None:
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
# model on 2 idle cores (README); the time grows with the text to embed, so with the corpus' size.
_SECONDS_PER_BYTE = 60 / 553_000


def build_estimate(settings: Settings) -> str:
    """How long a full build of this corpus should take, in words, for the first-build notice."""
    from kb.corpus import scan_corpus
    from kb.embedding import resolve_model

    if resolve_model(settings.model).is_hashing:
        return "a few seconds with the hashing model"
    size = sum(p.stat().st_size for p in scan_corpus(settings.corpus_dir).files)
    seconds = max(10, round(size * _SECONDS_PER_BYTE, -1))
    span = f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} min"
    return f"{span} on 2 idle cores for {size / 1000:.0f} KB of corpus"


def require_model(settings: Settings) -> None:
    """A model name that names nothing is an error of its own ("not found"), rather than a
    different model than the index's ("the index is stale"). Offline, a hub name must be in the
    Hugging Face cache; with KB_ONLINE=1 sentence-transformers may download it, so it passes."""
    from kb.embedding import ONLINE_ENV, resolve_model

    spec = resolve_model(settings.model)  # a missing folder path is already an error here
    if spec.path is not None or spec.is_hashing or os.environ.get(ONLINE_ENV) == "1":
        return
    if not _in_hub_cache(spec.name):
        raise EmbedderError(
            f"model {spec.name!r} not found: it is neither a local folder nor in the Hugging Face "
            f"cache (check the name; kb works offline: pass a model folder with --model, "
            f"or set {ONLINE_ENV}=1 to let sentence-transformers download it)"
        )


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


def describe_stale(report: StaleReport) -> str:
    parts = []
    for label, items in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        if items:
            parts.append(f"{len(items)} {label}")
    parts.extend(report.reasons)
    return "; ".join(parts) or "missing"


def describe_build(r: BuildReport) -> str:
    return (
        f"built {r.path}: {r.sources} sources, {r.chunks} chunks; embedded {r.embedded}, "
        f"reused {r.reused} ({r.encoder}, {r.seconds:.1f} s)"
    )


def ask(session: Session, question: str, k: int = 4) -> Answer:
    return answer_question(session.retriever, question, k=k, settings=AnswerSettings())


def search(session: Session, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
    return session.retriever.search(query, k=k, mode=mode)


def cite(session: Session, citation: str) -> tuple[CitationRef, list[Hit]]:
    return session.retriever.cite(citation)


def sources(settings: Settings) -> list[Source]:
    """The corpus's documents, read from the corpus itself (no index needed)."""
    from kb.corpus import load_corpus

    return [f.source for f in load_corpus(settings.corpus_dir)]


def corpus_problems(settings: Settings) -> list[str]:
    """Maintainers' slips in the corpus, "path:line: …" (kb/structure.py); a build lists them
    as warnings."""
    from kb.corpus import load_corpus
    from kb.structure import check_corpus

    return check_corpus(load_corpus(settings.corpus_dir))


def build(settings: Settings, *, full: bool = False, progress: Progress | None = None,
          strict: bool = False) -> BuildReport:
    """`kb build`: nothing is written when the index is current and whole (unless `full`);
    the index folder may be created, but not its parents (a mistyped path stays an error).
    `strict`: a corpus slip (kb/structure.py) stops the build instead of being a warning."""
    if strict:
        problems = corpus_problems(settings)
        if problems:
            more = f" (and {len(problems) - 1} more: `kb build` without --strict lists them)" if len(problems) > 1 else ""
            raise CorpusError(problems[0] + more)
    require_model(settings)
    index_dir = _absolute(settings.index_dir)
    if not index_dir.exists() and not index_dir.is_symlink() and not index_dir.parent.is_dir():
        raise IndexWriteError(
            f"{index_dir.parent} does not exist: `kb build` creates the index folder but not its "
            "parents (check --index for a typo, or create the parent folder first)"
        )
    if not full:
        current = _unchanged(settings)
        if current is not None:
            return current
    return build_index(settings, full=full, progress=progress)


def _unchanged(settings: Settings) -> BuildReport | None:
    """A report for an index that is current and undamaged (every file checked), else None."""
    import time

    from kb.embedding import resolve_model
    from kb.store import read_manifest

    started = time.perf_counter()
    report = check_index(settings, verify=True)
    if report.stale:
        return None
    manifest, _note, _path = read_manifest(settings.index_dir)
    spec = resolve_model(settings.model)
    if settings.encoder == "onnx" and spec.path is not None and not manifest.get("onnx"):
        return None  # built without the ONNX export (KB_ENCODER=sentence-transformers): add it now
    counts = manifest["counts"]
    return BuildReport(
        path=settings.index_dir, sources=counts["sources"], chunks=counts["chunks"], embedded=0,
        reused=counts["chunks"], added=(), changed=(), removed=(), encoder="none",
        seconds=time.perf_counter() - started, unchanged=True,
    )


def check(settings: Settings) -> StaleReport:
    require_model(settings)
    return check_index(settings, verify=True)


__all__ = ["require_text", "Session", "open_session", "ask", "search", "cite", "sources", "build", "check"]
