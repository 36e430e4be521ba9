"""The `kb` command line: parse arguments, call one library function, render the result.

Errors: every KbError becomes one line on stderr and its exit code (1, or 2 for usage errors);
tracebacks only with --debug. Nothing heavy is imported here (see tests/test_cli_imports.py).

No `from __future__ import annotations` here: Typer reads every command's parameters from its
annotations on each run, and string annotations it must evaluate first (252 `eval` calls, which
made building the commands about 3x slower: 27-35 against 8-9 ms in one process, busy machine).
"""

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from typer.core import TyperGroup

from kb.errors import KbError, printable


class _JsonErrors(TyperGroup):
    """With --json, a usage error (a bad option value, a missing argument) is a JSON object on
    stdout too, like every other error (see `_run`); without it, Click's own message."""

    def main(self, args=None, *rest, **kwargs):
        argv = list(sys.argv[1:] if args is None else args)
        if "--json" not in argv or not kwargs.get("standalone_mode", True):
            return super().main(args, *rest, **kwargs)
        try:
            code = super().main(args, *rest, **{**kwargs, "standalone_mode": False})
        except typer.Abort:
            _json_error("interrupted", "interrupted")
            sys.exit(130)
        except typer.TyperException as exc:  # Typer's vendored Click: BadParameter, UsageError…
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            _json_error("usage", message)
            sys.exit(getattr(exc, "exit_code", 2))
        sys.exit(code if isinstance(code, int) else 0)


# Shown under `kb --help`: where settings come from when no flag is given.
ENVIRONMENT = """\
\b
Settings: a flag, else its environment variable, else the default.
  --corpus  KB_CORPUS  default: the repository's corpus/
  --index   KB_INDEX   default: the repository's index/
  --model   KB_MODEL   default: all-MiniLM-L6-v2 (packaged); hashing-N for tests
  KB_ONLINE=1          lets sentence-transformers download a hub model
  KB_ENCODER=sentence-transformers  the reference embedding path, not ONNX

\b
Example:
  kb ask "Can ICE get the documents I gave the DMV for my AB 60 license?"
"""

app = typer.Typer(
    cls=_JsonErrors,
    add_completion=False,
    no_args_is_help=True,
    help="Cited answers from a knowledge base of statutes and policy texts, offline.",
    epilog=ENVIRONMENT,
    # Plain text: in Rich markup mode, "[env KB_CORPUS; default: …]" in a help string is read as
    # a markup tag and vanishes ("Corpus folder ." was all `--help` showed).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from kb import __version__

        typer.echo(f"kb {__version__}")
        raise typer.Exit()


@app.callback()
def _quiet_libraries(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print kb's version and exit.")] = False,
) -> None:
    """Cited answers from a knowledge base of statutes and policy texts, offline."""
    # kb draws its own progress on stderr; the model libraries' bars would only add noise. And
    # numpy's BLAS runs one thread unless the user says otherwise (read when numpy is first
    # imported, which is after this): a question is a 20-row matrix, where OpenBLAS's threads cost
    # more than they give, up to 6x on a busy machine (one question 58 against 339 ms median, same
    # run, load 9.6 on 2 cores; builds embed with onnxruntime, which has its own threads).
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # see kb/embedding/onnx_graph.py: no files in $HOME


CorpusOpt = Annotated[Optional[Path], typer.Option("--corpus", help="Corpus folder (env KB_CORPUS; default: the repository's corpus/).", show_default=False)]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", help="Index folder (env KB_INDEX; default: the repository's index/; ask, search and cite build only into an existing folder or the default).", show_default=False)]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="sentence-transformers model name or folder (env KB_MODEL; default: all-MiniLM-L6-v2, packaged; hashing-N for tests).", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (stable schema, see README); errors too: {\"error\": {\"kind\", \"message\"}}.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback on errors.")]
KOpt = Annotated[int, typer.Option("-k", "--top", min=1, max=100, help="How many passages.")]


class Mode(str, Enum):  # an Enum, so that --help and the usage error list the choices
    hybrid = "hybrid"
    dense = "dense"
    lexical = "lexical"


class Split(str, Enum):
    heldout = "heldout"
    tune = "tune"
    all = "all"


RebuildOpt = Annotated[bool, typer.Option("--rebuild", help="Rebuild a stale index before answering.")]
FormatOpt = Annotated[str, typer.Option("--format", help="text, json or markdown (a cited answer to paste into a memo).")]
FORMATS = ("text", "json", "markdown")


def _format(fmt: str, json_out: bool) -> str:
    """--json is --format json."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    return "json" if json_out else fmt


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
    text = printable(" ".join(message.split()))
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _error_kind(exc: BaseException) -> str:
    """"citation_not_found" for CitationNotFound: the JSON error's stable `kind`."""
    import re

    name = type(exc).__name__.removesuffix("Error") or "kb"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _json_error(kind: str, message: str) -> None:
    import json

    typer.echo(json.dumps({"error": {"kind": kind, "message": _one_line(message)}}, ensure_ascii=False))


def _fail(message: str, kind: str, code: int, json_out: bool) -> None:
    if json_out:
        _json_error(kind, message)
    else:
        _err(f"kb: error: {_one_line(message)}")
    raise typer.Exit(code)


def _run(debug: bool, body: Callable[[], int | None], json_out: bool = False) -> None:
    """Run a command body; turn KbError into a message and an exit code, in this one place.
    With `json_out` the message is a JSON object on stdout, {"error": {"kind", "message"}}."""
    try:
        code = body()
    except KbError as exc:
        if debug:
            raise
        _fail(str(exc), _error_kind(exc), exc.exit_code, json_out)
    except OSError as exc:  # a file system error the library did not foresee: still one line
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(where + (exc.strerror or str(exc)), "os", 1, json_out)
    except KeyboardInterrupt:
        if json_out:
            _json_error("interrupted", "interrupted")
        else:
            _err("kb: interrupted")
        raise typer.Exit(130) from None
    if code:
        raise typer.Exit(code)


class _StderrProgress:
    """Build progress on stderr (stages: chunk, embed, sentences): a bar on a terminal; else
    (a log, CI, a pipe) a line when a stage starts, every PROGRESS_SECONDS, and when it ends."""

    PROGRESS_SECONDS = 5.0  # often enough that a minute-long build never looks stuck

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        import time

        self.tty = sys.stderr.isatty()
        self.clock = clock or time.monotonic
        self.last: tuple[str, int] | None = None
        self.stage: tuple[str, int] | None = None
        self.said_at = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.tty:
            width = 30
            filled = int(width * done / total) if total else width
            sys.stderr.write(f"\r{stage:>6} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
            return
        now = self.clock()
        if (stage, total) != self.stage:  # a new stage: say so at once
            self.stage, self.said_at = (stage, total), now
            if done < total:
                sys.stderr.write(f"{stage}: {done}/{total}\n")
        elif done < total and now - self.said_at >= self.PROGRESS_SECONDS:
            self.said_at = now
            sys.stderr.write(f"{stage}: {done}/{total}\n")
        if done >= total and (stage, total) != self.last:
            self.last = (stage, total)
            sys.stderr.write(f"{stage}: {done}/{total}\n")
        sys.stderr.flush()


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
    fmt: FormatOpt = "text",
) -> None:
    """Answer a question from the law, with the passages and citations behind it.

    \b
    Example:
      kb ask "Can ICE get the documents I gave the DMV for my AB 60 license?"
    """
    fmt = _format(fmt, json_out)

    def body():
        from kb import api, render

        text = api.clean_input(question)  # no control characters echoed, no bytes that are not UTF-8
        api.require_text(text)
        session = _open(_settings(corpus, index, model), rebuild)
        result = api.ask(session, text, k=k)
        if fmt == "markdown":
            typer.echo(render.answer_markdown(result), nl=False)
            return
        typer.echo(render.dumps(render.answer_json(result)) if fmt == "json" else render.answer_text(result, full=full))

    _run(debug, body, fmt == "json")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words or a citation to search for.")],
    k: KOpt = 5,
    mode: Annotated[Mode, typer.Option("--mode", help="How to rank: both fused, embeddings only, or BM25 only.")] = Mode.hybrid,
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
) -> None:
    """Ranked passages for a query.

    \b
    Example:
      kb search "address confidentiality" -k 3 --mode lexical
    """

    def body():
        from kb import api, render

        text = api.clean_input(query)
        api.require_text(text, "query")
        session = _open(_settings(corpus, index, model), rebuild)
        hits = api.search(session, text, k=k, mode=Mode(mode).value)
        typer.echo(render.dumps(render.search_json(text, hits, api.corpus_stamp(session)))
                   if json_out else render.hits_text(hits))

    _run(debug, body, json_out)


@app.command()
def cite(
    citation: Annotated[str, typer.Argument(help="E.g. 'VC 12801.9(j)', 'Gov. Code § 7284.6', '18 U.S.C. § 2721(b)(1)'.")],
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
    fmt: FormatOpt = "text",
) -> None:
    """The passage(s) for a citation: a section, a subdivision, a range or list of them,
    a bill (the sections it added or amended), a case by name, or a note by its id.

    \b
    Examples:
      kb cite "Veh. Code § 12801.9(j)"
      kb cite "18 U.S.C. § 2721(b)(1)-(2)"
      kb cite "AB 1766"
    """
    fmt = _format(fmt, json_out)

    def body():
        from kb import api, render

        text = api.clean_input(citation)
        api.require_text(text, "citation")
        session = _open(_settings(corpus, index, model), rebuild)
        ref, hits = api.cite(session, text)
        if fmt == "markdown":
            typer.echo(render.cite_markdown(ref, hits, api.corpus_stamp(session)), nl=False)
            return
        typer.echo(render.dumps(render.cite_json(text, ref, hits, api.corpus_stamp(session)))
                   if fmt == "json" else render.cite_text(ref, hits))

    _run(debug, body, fmt == "json")


@app.command()
def sources(
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, debug: DebugOpt = False,
) -> None:
    """The documents in the corpus, with citation, authority and as-of date.

    \b
    Example:
      kb sources --json
    """

    def body():
        from kb import api, render

        found = api.sources(_settings(corpus, index, model))
        typer.echo(render.dumps(render.sources_json(found)) if json_out else render.sources_text(found))

    _run(debug, body, json_out)


@app.command()
def build(
    check: Annotated[bool, typer.Option("--check", help="Only report whether the index is stale: exit 0 if current, 1 if not.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Embed every chunk again instead of reusing unchanged ones.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Stop (exit 1) on a corpus slip the build would only warn about: a gap or repeat in subdivision labels, a label at the wrong heading level, a missing 'verified', a 'cites:' entry the corpus lacks.")] = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, debug: DebugOpt = False,
) -> None:
    """Build or update the index (incremental unless --full); nothing changed, nothing written.

    \b
    Examples:
      kb build
      kb build --check
      kb build --index /tmp/kb-index --model hashing-256
    """

    def body():
        from kb import api, render

        settings = _settings(corpus, index, model)
        if check:
            report = api.check(settings)
            typer.echo(render.dumps(render.check_json(report)) if json_out else render.check_text(report))
            return 1 if report.stale else 0
        report = api.build(settings, full=full, progress=_StderrProgress(), strict=strict)
        for notice in report.notices:
            _err(f"kb: {notice}")
        typer.echo(render.dumps(render.build_json(report)) if json_out else render.build_text(report))
        return 0

    _run(debug, body, json_out)


@app.command(name="eval")
def eval_(
    questions: Annotated[Optional[Path], typer.Option("--questions", help="Question file (YAML or JSON; default: tests/eval/questions.yaml).", show_default=False)] = None,
    split: Annotated[Split, typer.Option("--split", help="Which questions of the set.")] = Split.heldout,
    calibrate: Annotated[bool, typer.Option("--calibrate", help="Also print the abstention threshold the tune split supports.")] = False,
    corpus: CorpusOpt = None, index: IndexOpt = None, model: ModelOpt = None,
    json_out: JsonOpt = False, rebuild: RebuildOpt = False, debug: DebugOpt = False,
) -> None:
    """Measure retrieval, abstention and citation lookup on a question set, every mode side by side.

    \b
    Example:
      kb eval --split tune
    """

    split = Split(split).value

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

    _run(debug, body, json_out)


@app.command()
def verify(
    files: Annotated[list[Path], typer.Argument(help="Saved `kb ask --json` answers, or folders of them (*.json).", show_default=False, metavar="FILE...")],
    corpus: CorpusOpt = None, json_out: JsonOpt = False, debug: DebugOpt = False,
) -> None:
    """Check saved answers against the current corpus: exit 0 only if every sentence stands.

    \b
    Example:
      kb ask "can ICE get my AB 60 documents" --json > memo-answer.json
      kb verify memo-answer.json
    """

    def body():
        from kb import api, render

        run = api.verify(_settings(corpus, None, None), files)
        typer.echo(render.dumps(render.verify_json(run)) if json_out else render.verify_text(run))
        return 0 if run.stands else 1

    _run(debug, body, json_out)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
