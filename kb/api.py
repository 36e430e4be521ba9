"""The library's front door: one function per command, each returning data for a renderer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from kb.answer import AnswerSettings, answer_question
from kb.citations import CitationRef
from kb.config import Settings
from kb.errors import BuildBusy, CorpusError
from kb.text import clean_input, require_text  # the CLI cleans and refuses empty input first
from kb.models import Answer, Hit, Source
from kb.preflight import build_estimate, may_build_into, may_create, require_model
from kb.retrieval import Retriever
from kb.staleness import StaleReport, check_index
from kb.store import open_index

if TYPE_CHECKING:
    from kb.indexing import BuildReport, Progress
    from kb.models import CorpusStamp
    from kb.verify import VerifyRun


# How long `kb ask` on a missing index waits for another process's build of it: a first build
# with the real model took about a minute on this project's 2-CPU machine (README); five
# times that covers a loaded machine without letting a stuck build hold a question forever.
BUILD_WAIT_SECONDS = 300


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
    report = check_index(settings, spec=require_model(settings))
    if report.missing or report.outdated:
        from kb.indexing import build_index, refuse_foreign, wait_for_build  # a question builds rarely

        if report.missing:
            refuse_foreign(settings.index_dir)  # a path inside an index first: the likelier mistake
            may_build_into(settings.index_dir)  # before saying "building": one line, not two
            notices.append(f"no index at {settings.index_dir}: building it now (once; {build_estimate(settings)})")
        else:
            notices.append(f"the index at {settings.index_dir} was built by an older kb: rebuilding it now (once)")
        try:
            built = build_index(settings, progress=progress)
        except BuildBusy:
            # Another `kb ask` (or `kb build`) is building it: wait for that build, then answer.
            notices.append(f"another kb process is building it; waiting (at most {BUILD_WAIT_SECONDS} s)")
            if not wait_for_build(settings.index_dir, BUILD_WAIT_SECONDS):
                raise
            # That build failed (the index is still missing or old): try once ourselves.
            again = check_index(settings)
            built = build_index(settings, progress=progress) if again.missing or again.outdated else None
        if built is not None:
            notices.extend(built.notices)
            notices.append(describe_build(built))
    elif report.stale and rebuild:
        from kb.indexing import build_index

        built = build_index(settings, progress=progress)
        notices.extend(built.notices)
        notices.append(describe_build(built))
    elif report.stale:
        notices.append(
            f"the index is stale ({describe_stale(report)}); answering from it anyway. "
            "Run `kb build` or pass --rebuild."
        )
    # The manifest the check parsed is used again if the generation is the same (not rebuilt).
    index = open_index(settings.index_dir, parsed=report.parsed)
    retriever = Retriever(index=index, settings=settings, notices=notices)
    return Session(retriever, notices)


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
    answer = answer_question(session.retriever, clean_input(question), k=k, settings=AnswerSettings())
    return replace(answer, corpus=corpus_stamp(session))


def search(session: Session, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
    return session.retriever.search(clean_input(query), k=k, mode=mode)


def cite(session: Session, citation: str) -> tuple[CitationRef, list[Hit]]:
    return session.retriever.cite(clean_input(citation))


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
    from kb.indexing import build_index

    require_model(settings)
    may_create(settings.index_dir)
    if not full:
        current = _unchanged(settings)
        if current is not None:  # slips are still listed until they are fixed
            warnings = tuple(f"warning: {p}" for p in corpus_problems(settings))
            return dataclasses.replace(current, notices=current.notices + warnings)
    return build_index(settings, full=full, progress=progress)


def _unchanged(settings: Settings) -> BuildReport | None:
    """A report for an index that is current and undamaged (every file checked), else None."""
    import time

    from kb.embedding import resolve_model
    from kb.indexing import BuildReport
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
    return check_index(settings, verify=True, spec=require_model(settings))


__all__ = ["clean_input", "require_text", "Session", "open_session", "ask", "search", "cite", "sources", "build", "check",
           "corpus_stamp", "verify"]


# --- issue 16: where an answer comes from, and `kb verify` -----------------------------------

def corpus_stamp(session: Session) -> "CorpusStamp":
    """The corpus the session's index was built from (its hash and size), kb's version, today."""
    import datetime as dt

    from kb import __version__
    from kb.hashing import corpus_sha256
    from kb.models import CorpusStamp

    manifest = session.retriever.index.manifest
    built = manifest["sources"]
    sha = manifest.get("corpus_sha256")  # worked out at build (kb/indexing.py)
    return CorpusStamp(
        sha256=sha if isinstance(sha, str) else corpus_sha256({path: meta["sha256"] for path, meta in built.items()}),
        files=len(built), kb_version=__version__,
        date=dt.datetime.now(dt.timezone.utc).date().isoformat(),
    )


def verify(settings: Settings, paths: list) -> "VerifyRun":
    """Check saved `kb ask --json` answers against the current corpus (see kb/verify.py)."""
    from kb.verify import verify_files

    return verify_files(settings.corpus_dir, paths)
