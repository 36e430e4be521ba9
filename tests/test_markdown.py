"""Issue 16: `kb ask --format markdown` and `kb cite --format markdown` write an answer to paste
into a memo, and markdown-it-py (CommonMark, footnotes, tables) reads it as meant: the question
as the user wrote it, each answer sentence with a footnote giving citation, as-of date and URL,
the passages quoted, the disclaimer, and the corpus line."""

import json

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin
from typer.testing import CliRunner

from conftest import FAKE_MODEL
from kb import render
from kb.cli import app

URL = "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1."


def parse(text: str):
    return MarkdownIt("commonmark").use(footnote_plugin).enable("table").parse(text)


def inline_children(tokens):
    return [c for t in tokens if t.type == "inline" for c in t.children or []]


def headings(tokens) -> list[str]:
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def footnotes(tokens) -> dict[str, list]:
    """Footnote label -> the tokens inside that footnote."""
    out, label, inside = {}, None, []
    for t in tokens:
        if t.type == "footnote_open":
            label, inside = t.meta["label"], []
        elif t.type == "footnote_close":
            out[label] = inside
            label = None
        elif label is not None:
            inside.append(t)
    return out


@pytest.fixture
def run(built):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [*args, "--corpus", str(built.corpus_dir), "--index", str(built.index_dir),
                                   "--model", FAKE_MODEL])

    return invoke


QUESTION = "Can I opt out? Cal. Veh. Code § 9999.1(a)(1)"


def test_ask_markdown_has_question_answer_footnotes_passages_disclaimer_and_corpus(run):
    data = json.loads(run("ask", QUESTION, "--json").stdout)
    result = run("ask", QUESTION, "--format", "markdown")
    assert result.exit_code == 0, result.output
    tokens = parse(result.stdout)
    assert headings(tokens) == ["Question", "Answer", "Passages quoted"]
    assert not [t for t in tokens if t.type.startswith("html")]  # nothing passes as raw HTML
    # The question, in a quote, exactly as asked.
    quote = tokens.index(next(t for t in tokens if t.type == "blockquote_open"))
    assert tokens[quote + 2].content and "".join(
        c.content for c in tokens[quote + 2].children if c.type == "text") == QUESTION
    # One footnote reference per answer sentence, numbered by the passages the answer quotes.
    answer_part = tokens[[t.type for t in tokens].index("heading_open", quote):]
    answer_part = answer_part[: [t.content for t in answer_part].index("Passages quoted")]
    refs = [c for c in inline_children(answer_part) if c.type == "footnote_ref"]
    assert len(refs) == len(data["answer"]) >= 1
    notes = footnotes(tokens)
    quoted = list(dict.fromkeys(s["passages"][0] for s in data["answer"]))
    assert sorted(notes) == [str(i + 1) for i in range(len(quoted))]
    by_id = {p["id"]: p for p in data["passages"]}
    for label, passage_id in zip(sorted(notes, key=int), quoted):
        passage = by_id[passage_id]
        text = " ".join(c.content for c in inline_children(notes[label]) if c.type in ("text", "code_inline"))
        if passage["group"] == "law":
            links = [c.attrs["href"] for c in inline_children(notes[label]) if c.type == "link_open"]
            assert links == [passage["url"]]  # the whole address, its trailing "." included
            assert passage["citation"] in text and f"as of {passage['as_of']}" in text
        else:
            assert "not law" in text and passage["source"] in text
    # The passages quoted, each in a block quote after its citation.
    assert sum(t.type == "blockquote_open" for t in tokens) == 1 + len(quoted)
    plain = result.stdout
    assert "digests of the law, written in our own words" in plain
    assert f"corpus sha256 `{data['corpus']['sha256'][:16]}` ({data['corpus']['files']} files)" in plain


@pytest.mark.parametrize("question", ["Is *this* [a link](http://x.test) <b>or</b> # 1. - | § 9999.1? &amp; `x`",
                                      "1. Can the DMV share § 9999.1 records?", "# records § 9999.1"])
def test_a_question_full_of_markdown_is_shown_literally(run, question):
    result = run("ask", question, "--format", "markdown")
    assert result.exit_code == 0, result.output
    tokens = parse(result.stdout)
    quote = [i for i, t in enumerate(tokens) if t.type == "blockquote_open"][0]
    inline = tokens[quote + 2]
    assert [c.type for c in inline.children] == ["text"] and inline.children[0].content == question


@pytest.mark.parametrize("sentence", ["1. A sentence that starts like a list.", "- Starts with a dash.",
                                      "# Starts like a heading.", "> Starts like a quote.",
                                      "Has <b>tags</b> and [^9] inside."])
def test_an_answer_sentence_stays_one_paragraph_of_its_own_text(sentence):
    tokens = parse(render._md_line(sentence))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert "".join(c.content for c in tokens[1].children) == sentence


def test_cite_markdown_quotes_each_passage_with_a_footnote_and_keeps_tables(run):
    data = json.loads(run("cite", "VC 9999.1", "--json").stdout)
    result = run("cite", "VC 9999.1", "--format", "markdown")
    assert result.exit_code == 0, result.output
    tokens = parse(result.stdout)
    assert headings(tokens) == ["Cal. Veh. Code § 9999.1"]
    assert sum(t.type == "blockquote_open" for t in tokens) == len(data["matches"]) == 7
    notes = footnotes(tokens)
    assert len(notes) == 7
    statute_notes = [n for n in notes.values() if any(c.type == "link_open" for c in inline_children(n))]
    assert all([c.attrs["href"] for c in inline_children(n) if c.type == "link_open"] == [URL]
               for n in statute_notes) and len(statute_notes) >= 6
    assert any(t.type == "table_open" for t in tokens)  # (b) is a table, and stays one
    assert "as of 2026-11-25" in result.stdout and "corpus sha256" in result.stdout


def test_an_abstained_answer_in_markdown_says_so_with_the_corpus_line(run):
    result = run("ask", "zzzz qqqq xxxx", "--format", "markdown")
    assert result.exit_code == 0, result.output
    tokens = parse(result.stdout)
    assert headings(tokens) == ["Question", "Answer"]
    assert "No answer:" in result.stdout and "corpus sha256" in result.stdout


def test_an_unknown_format_is_a_usage_error(run):
    result = run("ask", QUESTION, "--format", "html")
    assert result.exit_code == 2
    assert "'html' is not one of text, json, markdown" in result.stderr
