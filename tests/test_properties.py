"""Property-based tests (issue 10): the front-matter reader, the chunker and the citation parser
take arbitrary text and either return a valid result or raise the project's own error, on one
short line, within a deadline. Never another exception, never a hang.

Derandomised and without an example database, so CI sees the same inputs on every run.
"""

import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.chunking import ChunkerSettings, chunk_file
from kb.citations import CitationRef, find_citations, format_citation, parse_citation
from kb.corpus import read_corpus_file, split_front_matter, validate_front_matter
from kb.errors import CorpusError, InputError, KbError
from kb.models import CorpusFile, Source

# Examples per property: a few hundred each keeps this file to seconds. For a longer hunt:
# KB_FUZZ_EXAMPLES=20000 KB_FUZZ_RANDOM=1 python -m pytest tests/test_properties.py
EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=timedelta(seconds=2),
    derandomize=os.environ.get("KB_FUZZ_RANDOM") != "1", database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MAX_MESSAGE = 400


def _short_line(exc: KbError) -> None:
    message = str(exc)
    assert "\n" not in message and 0 < len(message) <= MAX_MESSAGE, message[:600]


# --- front matter ----------------------------------------------------------------------------

_YAML_BITS = st.sampled_from([
    "id", "title", "citation", "as_of", "authority", "corrects", "history", ":", ": ", "- ", "\n",
    "  ", "[", "]", "{", "}", ",", "&a ", "*a", "!!timestamp ", "!!binary ", "!!python/object ",
    "'", '"', "|", ">", "#", "?", "%", "@", "`", "2024-02-30", "2026-11-25", "1e309", "null",
    "~", "yes", "Cal. Veh. Code § 1808", "statute", "faq#Q1", "é", "\t", "\\", "\x00", "\ufeff",
])
_FIELDS = st.fixed_dictionaries({
    "id": st.sampled_from(["ca-veh-1", "x", "Bad Id", ""]),
    "title": st.text(max_size=20),
    "citation": st.sampled_from(["Cal. Veh. Code § 1808", "18 U.S.C. § 2721", "nonsense", ""]),
    "jurisdiction": st.sampled_from(["CA", "US", "NY", ""]),
    "authority": st.sampled_from(["statute", "note", "secondary", "blog"]),
    "url": st.sampled_from(["https://example.test/x", ""]),
    "as_of": st.sampled_from(["2026-11-25", "2024-02-30", "last year", "2026-13-01"]),
})


@st.composite
def front_matter_texts(draw):
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.text(max_size=300))
    if kind == 1:
        yaml = "".join(draw(st.lists(_YAML_BITS, max_size=60)))
    else:
        fields = draw(_FIELDS)
        yaml = "\n".join(f"{k}: {v}" for k, v in fields.items() if draw(st.booleans()))
        yaml += "".join(draw(st.lists(_YAML_BITS, max_size=10)))
    body = draw(st.text(max_size=100))
    return f"---\n{yaml}\n---\n{body}"


@FUZZ
@given(front_matter_texts())
def test_front_matter_reader_returns_a_source_or_a_corpus_error(text):
    try:
        meta, body, body_line = split_front_matter(text, "x.md")
        source = validate_front_matter(meta, "x.md", "0" * 64)
    except CorpusError as exc:
        _short_line(exc)
        return
    assert isinstance(meta, dict) and isinstance(body, str) and body_line >= 3
    assert source.path == "x.md" and source.id and source.as_of[:4].isdigit()


@FUZZ
@given(st.binary(max_size=400) | front_matter_texts().map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_reading_a_corpus_file_of_any_bytes_returns_a_file_or_a_corpus_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "x.md").write_bytes(data)
        try:
            doc = read_corpus_file(root / "x.md", root)
        except CorpusError as exc:
            _short_line(exc)
            return
    assert doc.source.path == "x.md" and doc.body_line >= 3


# --- chunking --------------------------------------------------------------------------------

_MD_LINES = st.sampled_from([
    "## (a)", "### (1)", "#### (A)", "##### (i)", "## (b) Caption", "## Q1. What is it?",
    "## Q2. Another?", "## History", "## Notes", "# Title", "###### deep", "##", "## ()",
    "| who | what |", "| --- | --- |", "| a | b |", "- item", "1. first", "> quoted", "```", "",
    "Plain sentence one. Plain sentence two!", "A sentence citing Cal. Veh. Code § 1808(a).",
    "word " * 60, "señal: niño, café.", "\t", "<!-- comment -->", "---", "***",
])


@st.composite
def bodies(draw):
    lines = draw(st.lists(_MD_LINES | st.text(max_size=40), max_size=40))
    return "\n".join(lines)


_SOURCE = Source(
    id="ca-veh-1", title="Title", citation="Cal. Veh. Code § 1", jurisdiction="CA",
    authority="statute", url="https://example.test", as_of="2026-11-25", status="in force",
    path="x.md", sha256="0" * 64, history=("Added by a bill",),
)


def _words(text: str) -> int:
    return len(text.split())


@FUZZ
@given(bodies(), st.integers(8, 300), st.integers(0, 40))
def test_chunker_returns_valid_chunks_or_a_kb_error(body, max_tokens, overlap):
    doc = CorpusFile(source=_SOURCE, body=body, body_line=12, abspath=Path("x.md"), history_lines=(9, 10))
    try:
        chunks = chunk_file(doc, _words, ChunkerSettings(max_tokens=max_tokens, overlap_tokens=overlap))
    except KbError as exc:
        _short_line(exc)
        return
    last_line = doc.body_line + body.count("\n")
    assert len({c.id for c in chunks}) == len(chunks)  # ids are unique
    for c in chunks:
        assert c.text.strip() and c.citation.startswith(_SOURCE.citation)
        assert c.start_line <= c.end_line
        assert c.heading_trail == ("History",) or doc.body_line <= c.start_line <= last_line
        assert 0 <= c.part < c.parts


# --- citations -------------------------------------------------------------------------------

_CITE_BITS = st.sampled_from([
    "Cal.", "Veh.", "Code", "Vehicle", "Gov.", "Government", "Civ.", "§", "§§", "section", "sec.",
    "Section", "subdivision", "subd.", "paragraph", "clause", "of", "the", "(a)", "(1)", "(A)",
    "(iv)", "(", ")", "12801.9", "1808", "7284.6", "2721", "18", "8", "6", "13", "U.S.C.", "USC",
    "C.F.R.", "CFR", "CCR", "Regs.,", "tit.", "title", "United States Code", "REAL ID Act", "of 2005",
    "Pub. L. No. 109-13", "div. B", "VC", "GC", "RCW", "ORS", "ILCS", "921 F.3d 865", ",", " ",
    "note", "49 U.S.C. § 30301", "\u00a0", "\u2009", "VTL", "N.Y.", "Colo. Rev. Stat.", "5/2-123",
])


@st.composite
def citation_texts(draw):
    if draw(st.booleans()):
        return draw(st.text(max_size=200))
    parts = draw(st.lists(_CITE_BITS, max_size=30))
    sep = draw(st.sampled_from([" ", "", ", "]))
    return sep.join(parts)


@FUZZ
@given(citation_texts())
def test_citation_parser_returns_refs_with_spans_or_an_input_error(text):
    found = find_citations(text)
    cleaned_length = len(" ".join(text.replace("\u00a0", " ").replace("\u2009", " ").split()))
    for ref, (start, end) in found:
        assert isinstance(ref, CitationRef) and ref.section
        assert 0 <= start < end <= cleaned_length
        assert format_citation(ref)  # every parsed citation can be written out
    spans = [span for _ref, span in found]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # left to right, no overlaps
    try:
        ref = parse_citation(text)
    except InputError as exc:
        assert not found
        _short_line(exc)
        return
    assert ref == found[0][0]


@FUZZ
@given(citation_texts())
def test_a_formatted_citation_parses_back_to_itself(text):
    for ref, _span in find_citations(text):
        if ref.code in ("", "case", "il-ilcs"):
            continue  # forms that carry no code name, or name it inside the section
        again = find_citations(format_citation(ref))
        assert again and again[0][0] == ref, (ref, format_citation(ref), again)


def test_a_long_non_citation_is_quoted_short():
    try:
        parse_citation("the opt out law " * 10_000)
    except InputError as exc:
        _short_line(exc)
        assert "'the opt out law the opt out law" in str(exc) and "…'" in str(exc)
    else:
        raise AssertionError("parsed a citation out of nothing")


def test_pathological_citation_text_parses_in_bounded_time():
    for text in ("paragraph (1), " * 3000, "subdivision (a) of " * 2000, "VC 1" + "(a)" * 20000,
                 "clause (i) of " * 3000):
        started = time.perf_counter()
        find_citations(text)
        assert time.perf_counter() - started < 2, text[:30]
