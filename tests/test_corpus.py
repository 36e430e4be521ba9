from pathlib import Path

import pytest

from conftest import FAQ, NOTE, STATUTE, write_corpus
from kb.corpus import load_corpus
from kb.errors import CorpusError


def _corpus(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_corpus(tmp_path / "corpus", files)


def _error(tmp_path: Path, files: dict[str, str]) -> str:
    with pytest.raises(CorpusError) as info:
        load_corpus(_corpus(tmp_path, files))
    return str(info.value)


def test_reads_sources_in_sorted_order_with_hashes(corpus_dir):
    files = load_corpus(corpus_dir)
    assert [f.source.path for f in files] == [
        "ca/veh-9999.1.md", "notes/faq-q1.md", "secondary/faq-test.md", "us/usc-18-9721.md",
    ]
    statute = files[0].source
    assert (statute.citation, statute.authority, statute.as_of, statute.status) == (
        "Cal. Veh. Code § 9999.1", "statute", "2026-11-25", "in force",
    )
    assert len(statute.sha256) == 64
    assert files[1].source.corrects == ("faq-test#Q1",)


def test_readme_in_corpus_root_is_not_a_source(tmp_path):
    root = _corpus(tmp_path, {"a.md": STATUTE, "README.md": "# how to write files\n"})
    assert [f.source.path for f in load_corpus(root)] == ["a.md"]


def test_missing_as_of_names_file_field_and_fix(tmp_path):
    text = STATUTE.replace("as_of: 2026-11-25\n", "")
    assert _error(tmp_path, {"ca/veh-12801.9.md": text}) == (
        "ca/veh-12801.9.md: front matter lacks 'as_of' (add it as YYYY-MM-DD)"
    )


def _with_front_matter(extra: str) -> str:
    return STATUTE.replace("verified: official\n---", "verified: official\n" + extra + "---")


@pytest.mark.parametrize("extra,message", [
    ("context: " + "x" * 401 + "\n", "s.md: context has 401 characters; at most 400"),
    ("context: [a, b]\n", "s.md: context must be one line of text"),
    ("questions: [\"is it public?\"]\n", "s.md: questions must map a label path"),
    ("questions:\n  \"a(1)\": [\"q?\"]\n", "s.md: questions: 'a(1)' is not a label path"),
    ("questions:\n  \"[Holding\": [\"q?\"]\n", "s.md: questions: '[Holding' is not a label path"),
    ("questions:\n  \"(a)\": []\n", "s.md: questions: '(a)' needs a list of 1 to 3 one-line questions"),
    ("questions:\n  \"(a)\": [\"1?\", \"2?\", \"3?\", \"4?\"]\n", "s.md: questions: '(a)' needs a list of 1 to 3"),
])
def test_context_and_questions_are_validated_naming_file_and_field(tmp_path, extra, message):
    assert _error(tmp_path, {"s.md": _with_front_matter(extra)}).startswith(message)


def test_a_question_label_path_must_name_a_subdivision_of_the_file(tmp_path):
    from kb.chunking import ChunkerSettings, chunk_file

    root = write_corpus(tmp_path / "corpus", {"s.md": _with_front_matter("questions:\n  \"(a)(9)\": [\"q?\"]\n")})
    (doc,) = load_corpus(root)
    with pytest.raises(CorpusError) as exc:
        chunk_file(doc, lambda text: len(text.split()), ChunkerSettings())
    assert str(exc.value).startswith("s.md: questions: (a)(9) names no subdivision in the file "
                                     "(its label paths: (a), (a)(1), (a)(1)(A), (a)(2), (b))")


def test_a_question_heading_must_name_a_heading_of_the_file(tmp_path):
    from kb.chunking import ChunkerSettings, chunk_file

    root = write_corpus(tmp_path / "corpus", {"s.md": _with_front_matter("questions:\n  \"[Nowhere]\": [\"q?\"]\n")})
    (doc,) = load_corpus(root)
    with pytest.raises(CorpusError) as exc:
        chunk_file(doc, lambda text: len(text.split()), ChunkerSettings())
    assert str(exc.value).startswith("s.md: questions: [Nowhere] names no heading of the file (its headings: ")


def test_missing_citation(tmp_path):
    text = STATUTE.replace("citation: Cal. Veh. Code § 9999.1\n", "")
    assert _error(tmp_path, {"x.md": text}).startswith("x.md: front matter lacks 'citation'")


def test_broken_yaml_names_the_line(tmp_path):
    text = STATUTE.replace("title: Test section on records", "title: [unclosed")
    message = _error(tmp_path, {"x.md": text})
    assert message.startswith("x.md: front matter is not valid YAML at line")


def test_no_front_matter(tmp_path):
    assert "x.md: no YAML front matter" in _error(tmp_path, {"x.md": "# Just a heading\n\ntext\n"})


def test_bad_date_and_bad_authority_and_bad_status(tmp_path):
    assert "as_of 'last year' is not a date" in _error(
        tmp_path / "1", {"x.md": STATUTE.replace("as_of: 2026-11-25", "as_of: last year")})
    assert "authority 'blog' is not one of" in _error(
        tmp_path / "2", {"x.md": STATUTE.replace("authority: statute", "authority: blog")})
    assert "status 'maybe' is not one of" in _error(
        tmp_path / "3", {"x.md": STATUTE.replace("verified: official", "status: maybe")})


def test_asked_about_must_name_a_kind_of_record_kb_knows(tmp_path):
    message = _error(tmp_path / "1", {"x.md": STATUTE.replace("verified: official", "verified: official\nasked_about: drones")})
    assert "x.md: asked_about 'drones' is not one of plate readers" in message
    (doc,) = load_corpus(write_corpus(tmp_path / "2", {
        "x.md": STATUTE.replace("verified: official", "verified: official\nasked_about: plate readers")}))
    assert doc.source.asked_about == "plate readers"


def test_unparseable_statute_citation(tmp_path):
    text = STATUTE.replace("citation: Cal. Veh. Code § 9999.1", "citation: The records law")
    assert "citation 'The records law' is not in a form kb can parse" in _error(tmp_path, {"x.md": text})


def test_duplicate_id_names_both_files(tmp_path):
    message = _error(tmp_path, {"a.md": STATUTE, "b.md": STATUTE})
    assert message == "b.md: id 'ca-veh-9999.1' is already used by a.md (ids must be unique)"


def test_correction_must_point_at_an_existing_document(tmp_path):
    message = _error(tmp_path, {"n.md": NOTE})
    assert message == "n.md: corrects 'faq-test#Q1', but no corpus file has id 'faq-test'"


def test_non_utf8_file(tmp_path):
    root = _corpus(tmp_path, {"a.md": STATUTE})
    (root / "latin1.md").write_bytes("título".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"^latin1.md: not UTF-8 text \(bad byte at offset 1\)"):
        load_corpus(root)


def test_binary_file(tmp_path):
    root = _corpus(tmp_path, {"a.md": STATUTE})
    (root / "blob.md").write_bytes(b"\x89PNG\x00\x00")
    with pytest.raises(CorpusError, match=r"^blob.md: binary file"):
        load_corpus(root)


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(CorpusError, match=r"does not exist \(pass --corpus DIR or set KB_CORPUS\)"):
        load_corpus(tmp_path / "nowhere")


def test_empty_corpus_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="holds no .md files"):
        load_corpus(tmp_path / "empty")


def test_secondary_source_may_lack_url_but_statute_may_not(tmp_path):
    assert load_corpus(_corpus(tmp_path / "ok", {"faq.md": FAQ}))[0].source.url == ""
    text = STATUTE.replace(
        "url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.1.\n", "")
    assert "front matter lacks 'url'" in _error(tmp_path / "bad", {"x.md": text})


def test_crlf_files_hash_like_lf_files(tmp_path):
    a = load_corpus(_corpus(tmp_path / "a", {"x.md": STATUTE}))[0].source.sha256
    root = tmp_path / "b"
    root.mkdir()
    (root / "x.md").write_bytes(STATUTE.replace("\n", "\r\n").encode("utf-8"))
    assert load_corpus(root)[0].source.sha256 == a
