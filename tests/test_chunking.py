from conftest import CASE_FRONT_MATTER, STATUTE, write_corpus
from kb.chunking import ChunkerSettings, chunk_file
from kb.corpus import load_corpus


def _words(text: str) -> int:
    return len(text.split())


def _chunks(tmp_path, files, settings=ChunkerSettings()):
    root = write_corpus(tmp_path / "corpus", files)
    return [c for f in load_corpus(root) for c in chunk_file(f, _words, settings)]


def test_each_subdivision_is_a_chunk_with_its_citation_path(tmp_path):
    chunks = _chunks(tmp_path, {"s.md": STATUTE})
    assert [c.citation for c in chunks] == [
        "Cal. Veh. Code § 9999.1",
        "Cal. Veh. Code § 9999.1(a)",
        "Cal. Veh. Code § 9999.1(a)(1)",
        "Cal. Veh. Code § 9999.1(a)(1)(A)",
        "Cal. Veh. Code § 9999.1(a)(2)",
        "Cal. Veh. Code § 9999.1(b)",
        "Cal. Veh. Code § 9999.1 [History]",  # a heading without a label: named, not a subdivision
    ]
    assert chunks[3].labels == ("a", "1", "A")
    assert chunks[3].heading_trail == ("(a)", "(1)", "(A)")
    assert chunks[6].heading_trail == ("History",)


def test_line_spans_point_at_the_passage_in_the_file(tmp_path):
    chunks = _chunks(tmp_path, {"s.md": STATUTE})
    lines = STATUTE.split("\n")
    for c in chunks:
        # 1-based, inclusive: the span holds exactly the chunk's text.
        assert "\n".join(lines[c.start_line - 1 : c.end_line]).strip() == c.text
    assert chunks[3].text.endswith("señal: niño, café.")  # non-ASCII kept as written


def test_a_table_stays_whole_in_its_subdivision(tmp_path):
    table = _chunks(tmp_path, {"s.md": STATUTE})[5]
    assert table.text.splitlines() == ["| who | what |", "| --- | --- |", "| insurers | accident addresses |"]


def test_heading_trail_is_part_of_the_embedded_text(tmp_path):
    chunk = _chunks(tmp_path, {"s.md": STATUTE})[3]
    assert chunk.embed_text.startswith(
        "Cal. Veh. Code § 9999.1(a)(1)(A) — Test section on records > (a) > (1) > (A)\n")


def test_guide_questions_are_chunks_with_anchors(tmp_path):
    from conftest import FAQ

    chunks = _chunks(tmp_path, {"faq.md": FAQ})
    assert [(c.citation, c.anchor) for c in chunks[1:]] == [
        ("FAQ, Test guide, Q1", "faq-test#Q1"), ("FAQ, Test guide, Q2", "faq-test#Q2"),
    ]


def test_long_passage_is_split_with_overlap_and_keeps_its_citation(tmp_path):
    sentences = " ".join(f"Sentence number {i} says the department keeps records." for i in range(60))
    text = STATUTE.replace("Paragraph two covers attorneys.", sentences)
    settings = ChunkerSettings(max_tokens=120, overlap_tokens=20)
    parts = [c for c in _chunks(tmp_path, {"s.md": text}, settings) if c.citation.endswith("(a)(2)")]
    assert len(parts) > 3
    assert {c.parts for c in parts} == {len(parts)} and [c.part for c in parts] == list(range(len(parts)))
    for c in parts:
        assert _words(c.embed_text) <= 120  # short sentences: every window fits the model
    for before, after in zip(parts, parts[1:]):
        last_sentence = before.text.split(". ")[-1]
        assert last_sentence in after.text  # the overlap repeats the previous window's end
    joined = " ".join(c.text for c in parts)
    assert all(f"Sentence number {i} " in joined for i in range(60))  # nothing lost


def test_ids_are_stable_and_unique(tmp_path):
    first = _chunks(tmp_path / "1", {"s.md": STATUTE})
    second = _chunks(tmp_path / "2", {"s.md": STATUTE})
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_a_text_heading_is_the_section_itself_and_notes_are_commentary(tmp_path):
    body = STATUTE.split("## (a)")[0] + "## Text\n\nThe department may not sell addresses.\n\n## Notes\n\nOur view.\n"
    chunks = _chunks(tmp_path, {"s.md": body})
    by_text = {c.text: c for c in chunks}
    rule = by_text["The department may not sell addresses."]
    assert rule.citation == "Cal. Veh. Code § 9999.1" and not rule.is_commentary
    notes = by_text["Our view."]
    assert notes.citation == "Cal. Veh. Code § 9999.1 [Notes]" and notes.is_commentary


WITH_CONTEXT = STATUTE.replace(
    "title: Test section on records\n",
    "title: Test section on records\ncontext: \"The Test Records Act: what the department may do with addresses; binds the department.\"\n",
).replace(
    "verified: official\n---",
    "verified: official\nquestions:\n  \"(a)(1)\": [\"can the police get my address?\"]\n  \"\": [\"is my address public?\", \"who sees my address?\"]\n---",
)


def test_context_is_embedded_with_every_passage_but_not_shown(tmp_path):
    chunks = _chunks(tmp_path, {"s.md": WITH_CONTEXT})
    a1 = next(c for c in chunks if c.citation == "Cal. Veh. Code § 9999.1(a)(1)")
    assert "The Test Records Act" in a1.embed_text and "The Test Records Act" not in a1.text
    assert a1.text == "Paragraph one covers law enforcement agencies requesting an address."
    assert all(c.context.startswith("The Test Records Act") for c in chunks)


def test_questions_become_search_keys_of_their_subdivision(tmp_path):
    chunks = _chunks(tmp_path, {"s.md": WITH_CONTEXT})
    keys = {c.citation: c.keys for c in chunks if c.keys}
    assert keys == {
        "Cal. Veh. Code § 9999.1": ("is my address public?", "who sees my address?"),  # "": the summary
        "Cal. Veh. Code § 9999.1(a)(1)": ("can the police get my address?",),
    }
    a1 = next(c for c in chunks if c.citation == "Cal. Veh. Code § 9999.1(a)(1)")
    assert "can the police get my address?" in a1.lexical_text and "can the police" not in a1.embed_text


HEADED_CASE = CASE_FRONT_MATTER.replace(
    "verified: official\n---",
    "verified: official\nquestions:\n  \"[Holding]\": [\"did the court let the state keep its law?\"]\n---",
) + """
The court of appeals left the test state's law in force.

## Background

The United States sued the test state in 2029.

## Holding

The panel affirmed the denial of a preliminary injunction.
"""


def test_a_heading_in_brackets_names_the_passage_under_it(tmp_path):
    # A report, a note or a case is divided by headings, not lettered subdivisions: its questions
    # are keyed by the heading ("[What Nlets is]").
    chunks = _chunks(tmp_path, {"cases/c.md": HEADED_CASE})
    keys = {c.citation: c.keys for c in chunks if c.keys}
    assert keys == {"United States v. Testland, 999 F.3d 1 (9th Cir. 2030) [Holding]":
                    ("did the court let the state keep its law?",)}


def test_a_sentence_longer_than_a_window_is_kept_whole(tmp_path):
    # A long sentence of law (like Veh. Code § 12800.7(b)'s first) is never cut in two: an answer
    # quoting it would stop mid-sentence ("… time to obtain a court") and lose what follows.
    long_one = "The DMV shall not disclose " + " ".join(f"item{i}," for i in range(150)) + " except by court order."
    text = STATUTE.replace("Paragraph two covers attorneys.", long_one + " A second sentence follows it.")
    parts = [c for c in _chunks(tmp_path, {"s.md": text}, ChunkerSettings(max_tokens=120, overlap_tokens=20))
             if c.citation.endswith("(a)(2)")]
    assert len(parts) == 2
    assert parts[0].text.endswith("except by court order.") and parts[0].text.startswith("The DMV shall not")
    assert "A second sentence follows it." in parts[1].text


def test_a_legislators_title_does_not_end_a_sentence():
    from kb.text import split_sentences

    text = "SB 225 (Sen. Celina Villanueva) passed on May 31, 2021. Rep. Smith and Hon. Jones voted no."
    assert split_sentences(text) == ["SB 225 (Sen. Celina Villanueva) passed on May 31, 2021.",
                                     "Rep. Smith and Hon. Jones voted no."]


def test_a_california_codes_abbreviation_or_a_courts_initials_end_no_sentence():
    from kb.text import split_sentences

    text = ("A state agency may disclose it under the Act (Health & Saf. Code § 11000 et seq.), if limited. "
            "An electrical corporation (Pub. Util. Code § 218) may ask. The case was decided (N.D. Cal. 2018). "
            "It stands.")
    assert split_sentences(text) == [
        "A state agency may disclose it under the Act (Health & Saf. Code § 11000 et seq.), if limited.",
        "An electrical corporation (Pub. Util. Code § 218) may ask.",
        "The case was decided (N.D. Cal. 2018).", "It stands."]


def test_an_index_split_by_older_sentence_rules_is_stale(tmp_path, monkeypatch):
    from dataclasses import replace

    from kb.config import ChunkerSettings, Settings
    from kb.indexing import build_index
    from kb.staleness import check_index

    settings = Settings(write_corpus(tmp_path / "corpus", {"s.md": STATUTE}), tmp_path / "index", "hashing-64")
    build_index(settings)
    assert not check_index(settings).stale
    older = replace(ChunkerSettings(), sentence_rules=ChunkerSettings().sentence_rules - 1)
    monkeypatch.setattr("kb.staleness.chunker_settings_for", lambda spec, emb=None: older)
    report = check_index(settings)
    assert report.stale and any("chunker settings" in reason for reason in report.reasons)
