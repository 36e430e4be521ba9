"""The `kb` command line: parse arguments, call one library function, render the result.

Errors: every KbError becomes one line on stderr and its exit code (1, or 2 for usage errors);
tracebacks only with --debug. Nothing heavy is imported here (see tests/test_cli_imports.py).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from kb.errors import KbError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Cited answers from a knowledge base of statutes and policy texts, offline.",
    context_settings={"help_option_names": ["-h", "--help"]},
)

@app.callback()
def _quiet_libraries() -> None:
    """kb draws its own progress on stderr; the model libraries' bars would only add noise.
    And numpy's BLAS runs one thread unless the user says otherwise (read when numpy is first
    imported, which is after this): a question is a 20-row matrix, where OpenBLAS's threads cost
    more than they give, up to 6x on a busy machine (one question 58 against 339 ms median, same
    run, load 9.6 on 2 cores; builds embed with onnxruntime, which has its own threads)."""
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


CorpusOpt = Annotated[Optional[Path], typer.Option("--corpus", help="Corpus folder [env KB_CORPUS; default: the repository's corpus/].", show_default=False)]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder [env KB_INDEX; default: the repository's index/].", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="sentence-transformers model name or folder [env KB_MODEL; default: all-MiniLM-L6-v2, packaged].", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (stable schema, see README).")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")]
KOpt = Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="How many passages.")]
RebuildOpt = Annotated[bool, typer.Option("--rebuild", help="Rebuild a stale index before answering.")]


def _settings(corpus, index, model):
    from kb.config import resolve_settings

    return resolve_settings(corpus=corpus, index=index, model=model)


def _err(message: str) -> None:
    typer.echo(message, err=True)


# Library messages quote at most ~80 characters of a value; this is the backstop for anything
# else (a long path, an exception text from a third-party library).
MAX_ERROR_CHARS = 500


def _one_line(message: str) -> str:
    """Errors are one line on stderr, however the message was made."""
    text = " ".join(message.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _run(debug: bool, body: Callable[[], int | None]) -> None:
    """Run a command body; turn KbError into a message and an exit code, in this one place."""
    try:
        code = body()
    except KbError as exc:
        if debug:
            raise
        _err(f"kb: error: {_one_line(str(exc))}")
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:  # a file system error the library did not foresee: still one line
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"kb: error: {_one_line(where + (exc.strerror or str(exc)))}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _err("kb: interrupted")
        raise typer.Exit(130) from None
    if code:
        raise typer.Exit(code)


class _StderrProgress:
    """A one-line progress display on stderr for builds (stages: chunk, embed)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.tty:
            width = 30
            filled = int(width * done / total) if total else width
            sys.stderr.write(f"\r{stage:>6} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif done >= total and (stage, total) != self.last:
            self.last = (stage, total)
            sys.stderr.write(f"{stage}: {done}/{total}\n")


def _open(settings, rebuild: bool):
    from kb.api import open_session

    return open_session(settings, rebuild=rebuild, progress=_StderrProgress(),
                        emit=lambda notice: _err(f"kb: {notice}"))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain words; may contain a citation.")],
    k: Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="How many passages of law to list.")] = 4,
    full: Annotated[bool, typer.Option("--full", help="Show each source's whole passage.")] = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
) -> None:
    """Answer a question from the law, with the passages and citations behind it."""

    def body():
        from kb import api, render

        api.require_text(question)
        session = _open(_settings(corpus, index, model), rebuild)
        result = api.ask(session, question, k=k)
        typer.echo(render.dumps(render.answer_json(result)) if json_out else render.answer_text(result, full=full))

    _run(debug, body)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words or a citation to search for.")],
    k: KOpt = 5,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense or lexical.")] = "hybrid",
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
) -> None:
    """Ranked passages for a query."""
    if mode not in ("hybrid", "dense", "lexical"):
        raise typer.BadParameter(f"{mode!r} is not one of hybrid, dense, lexical", param_hint="--mode")

    def body():
        from kb import api, render

        api.require_text(query, "query")
        session = _open(_settings(corpus, index, model), rebuild)
        hits = api.search(session, query, k=k, mode=mode)
        typer.echo(render.dumps(render.search_json(query, hits)) if json_out else render.hits_text(hits))

    _run(debug, body)


@app.command()
def cite(
    citation: Annotated[str, typer.Argument(help="E.g. 'VC 12801.9(j)', 'Gov. Code § 7284.6', '18 U.S.C. § 2721(b)(1)'.")],
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
) -> None:
    """The passage(s) for a citation: a whole section or one subdivision."""

    def body():
        from kb import api, render

        api.require_text(citation, "citation")
        session = _open(_settings(corpus, index, model), rebuild)
        ref, hits = api.cite(session, citation)
        typer.echo(render.dumps(render.cite_json(citation, ref, hits)) if json_out else render.cite_text(ref, hits))

    _run(debug, body)


@app.command()
def sources(
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, debug: DebugOpt = False,
) -> None:
    """The documents in the corpus, with citation, authority and as-of date."""

    def body():
        from kb import api, render

        found = api.sources(_settings(corpus, index, model))
        typer.echo(render.dumps(render.sources_json(found)) if json_out else render.sources_text(found))

    _run(debug, body)


@app.command()
def build(
    check: Annotated[bool, typer.Option("--check", help="Only report whether the index is stale: exit 0 if current, 1 if not.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Embed every chunk again instead of reusing unchanged ones.")] = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, debug: DebugOpt = False,
) -> None:
    """Build or update the index (incremental unless --full)."""

    def body():
        from kb import api, render

        settings = _settings(corpus, index, model)
        if check:
            report = api.check(settings)
            typer.echo(render.dumps(render.check_json(report)) if json_out else render.check_text(report))
            return 1 if report.stale else 0
        report = api.build(settings, full=full, progress=_StderrProgress())
        for notice in report.notices:
            _err(f"kb: {notice}")
        typer.echo(render.dumps(render.build_json(report)) if json_out else render.build_text(report))
        return 0

    _run(debug, body)


@app.command(name="eval")
def eval_(
    questions: Annotated[Optional[Path], typer.Option("--questions", help="Question file (YAML or JSON) [default: tests/eval/questions.yaml].", show_default=False)] = None,
    split: Annotated[str, typer.Option("--split", help="heldout, tune or all.")] = "heldout",
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Also print the abstention threshold the tune split supports.")] = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
) -> None:
    """Measure retrieval, abstention and citation lookup on a question set, every mode side by side."""
    if split not in ("heldout", "tune", "all"):
        raise typer.BadParameter(f"{split!r} is not one of heldout, tune, all", param_hint="--split")

    def body():
        from kb import evaluation, render
        from kb.config import REPO_ROOT

        path = questions or REPO_ROOT / "tests" / "eval" / "questions.yaml"
        items = evaluation.load_questions(path)
        chosen = [q for q in items if split == "all" or q.split == split]
        session = _open(_settings(corpus, index, model), rebuild)
        report = evaluation.evaluate(session.retriever, chosen)
        report["split"] = split
        if calibrate:
            tune = [q for q in items if q.split == "tune"]
            tuned = evaluation.evaluate(session.retriever, tune, modes=("hybrid",))["abstention"]
            report["calibrated_threshold"] = evaluation.calibrate_threshold(
                tuned["best_cosine_answerable"], tuned["best_cosine_unanswerable"], tuned["answerable_count"])
        if json_out:
            typer.echo(render.dumps(report))
        else:
            typer.echo(evaluation.format_report(report, split))
            if calibrate:
                typer.echo(f"\ncalibrated abstention threshold (tune split, <= 5% wrongly abstained): "
                           f"{report['calibrated_threshold']}")

    _run(debug, body)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
