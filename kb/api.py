"""The library's front door: one function per command, each returning data for a renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kb.answer import AnswerSettings, answer_question
from kb.citations import CitationRef
from kb.config import Settings
from kb.text import clean_input, require_text  # the CLI cleans and refuses empty input first
from kb.errors import BuildBusy
from kb.indexing import (
    BuildReport, Progress, StaleReport, build_index, check_index, refuse_foreign, wait_for_build,
)
from kb.models import Answer, Hit, Source
from kb.retrieval import Retriever
from kb.store import open_index


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
    report = check_index(settings)
    if report.missing:
        refuse_foreign(settings.index_dir)  # before saying "building": one line, not two
        notices.append(f"no index at {settings.index_dir}: building it now (once)")
        try:
            built = build_index(settings, progress=progress)
        except BuildBusy:
            # Another `kb ask` (or `kb build`) is building it: wait for that build, then answer.
            notices.append(f"another kb process is building it; waiting (at most {BUILD_WAIT_SECONDS} s)")
            if not wait_for_build(settings.index_dir, BUILD_WAIT_SECONDS):
                raise
            # That build failed (the index is still missing): try once ourselves.
            built = build_index(settings, progress=progress) if check_index(settings).missing else None
        if built is not None:
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
    return answer_question(session.retriever, clean_input(question), k=k, settings=AnswerSettings())


def search(session: Session, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
    return session.retriever.search(clean_input(query), k=k, mode=mode)


def cite(session: Session, citation: str) -> tuple[CitationRef, list[Hit]]:
    return session.retriever.cite(clean_input(citation))


def sources(settings: Settings) -> list[Source]:
    """The corpus's documents, read from the corpus itself (no index needed)."""
    from kb.corpus import load_corpus

    return [f.source for f in load_corpus(settings.corpus_dir)]


def build(settings: Settings, *, full: bool = False, progress: Progress | None = None) -> BuildReport:
    return build_index(settings, full=full, progress=progress)


def check(settings: Settings) -> StaleReport:
    return check_index(settings, verify=True)


__all__ = ["clean_input", "require_text", "Session", "open_session", "ask", "search", "cite", "sources", "build", "check"]
