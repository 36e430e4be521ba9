"""Every subdivision of every statute in the shipped corpus is present and citable.

The labels under each heading must run in sequence with no gap — (a), (b), (c)…; (1), (2)…;
(A), (B)… (then AA, AB… as California writes them); (i), (ii)… — and `kb cite` must resolve
every one of them to its own passage.
"""

from __future__ import annotations

import re
import string

import pytest

from kb.config import REPO_ROOT, Settings
from kb.corpus import load_corpus
from kb.structure import check_corpus, label_paths

CORPUS = REPO_ROOT / "corpus"
# California, federal and Washington statutes are digested whole and cited by subdivision; the
# other states' files compare one provision each (e.g. N.Y. Veh. & Traf. Law § 201(12)(a)).
FILES = [f for f in load_corpus(CORPUS)
         if f.source.authority in ("statute", "regulation") and f.source.jurisdiction in ("CA", "US", "WA")]


def test_the_gap_finder_catches_a_skip_a_late_start_and_accepts_california_sequences(tmp_path):
    from conftest import STATUTE, write_corpus

    head = STATUTE.split("\n---\n")[0] + "\n---\n\nSummary.\n\n"

    def found(body: str) -> list[str]:
        corpus = write_corpus(tmp_path / "corpus", {"ca/veh-9999.1.md": head + body})
        return [p.split(": ", 1)[1] for p in check_corpus(load_corpus(corpus))]

    assert found("## (a)\n\nx\n\n## (b)\n\nx\n\n## (d)\n\nx\n")[0].startswith("(d) follows (b), but (c) is missing")
    assert found("## (a)\n\nx\n\n### (2)\n\nx\n")[0].startswith("(a)(2) opens its level, but (1) is missing")
    assert found("## (h)\n\nx\n\n## (i)\n\nx\n")[0].startswith("(h) opens its level, but (a) is missing")
    upper = "".join(f"#### ({x})\n\nx\n\n" for x in [*string.ascii_uppercase, "AA", "AB", "AC", "AD", "AE"])
    assert found("## (a)\n\n### (1)\n\nx\n\n### (2)\n\nx\n\n### (3)\n\n" + upper) == []  # § 7282.5(a)(3)(AE)
    assert found("## (a)\n\n### (i)\n\nx\n\n### (ii)\n\nx\n\n### (iii)\n\nx\n") == []
    # the U.S. Code's subclauses under a clause: 8 U.S.C. § 1225(b)(1)(A)(iii)(I)
    clause = "## (a)\n\n### (1)\n\n#### (A)\n\n##### (i)\n\nx\n\n"
    assert found(clause + "###### (I)\n\nx\n\n###### (II)\n\nx\n") == []
    assert found(clause + "###### (I)\n\nx\n\n###### (III)\n\nx\n")[0].startswith("(a)(1)(A)(i)(III) follows (I)")


def test_subdivision_labels_run_in_sequence():
    """Every file of the shipped corpus: no gap, repeat or wrong level (kb/structure.py; a file
    that digests some subdivisions on purpose says `subdivisions: partial`)."""
    assert [p for p in check_corpus(load_corpus(CORPUS)) if "cites" not in p] == []


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    from kb.indexing import build_index
    from kb.retrieval import Retriever
    from kb.store import open_index

    root = tmp_path_factory.mktemp("shipped")
    settings = Settings(CORPUS, root / "index", "hashing-64")
    build_index(settings)
    return Retriever(open_index(settings.index_dir), settings)


def test_kb_cite_resolves_every_subdivision_of_every_statute(shipped):
    from kb.citations import find_citations

    checked, missing = 0, []
    for f in FILES:
        if not find_citations(f.source.citation):
            continue  # other states' session laws: compared, not cited by subdivision
        for path in sorted(label_paths(f)):
            citation = f.source.citation + "".join(f"({x})" for x in path)
            _ref, hits = shipped.cite(citation)
            if not hits or not hits[0].chunk.citation.startswith(citation):
                missing.append(citation)
            checked += 1
    assert missing == []
    assert checked > 540  # 543 labels on 2026-12-06, after §§ 1810.7, 13001.5 and Gov. Code § 12532.5


# Sections added for issue 14 §2, each with the labels its text has (read 2026-12-06: §§ 1810.7 and
# 13001.5 in the Legislature's July 10, 2026 Vehicle Code download, § 12532.5 in a research copy).
# A missing or extra heading here is a subdivision dropped from, or invented in, the digest.
NEW_SECTIONS = {
    "Cal. Veh. Code § 1810.7": [(x,) for x in "abcdefgh"],
    "Cal. Veh. Code § 13001.5": [],  # one sentence, digested under "## Text"
    "Cal. Gov. Code § 12532.5": [("a",), ("a", "1"), ("a", "2"), ("b",), ("c",)],
}


@pytest.mark.parametrize("citation", sorted(NEW_SECTIONS))
def test_sections_added_for_issue_14_carry_exactly_their_official_labels(citation):
    f = next(f for f in FILES if f.source.citation == citation)
    assert label_paths(f) == set(NEW_SECTIONS[citation])


# The federal subpoena and summons provisions (issue 14 §2): each file is in the checked set, and
# the subdivisions the answers turn on resolve with `kb cite` to their own passage.
SUBPOENA_LAW = {
    "8 U.S.C. § 1225": ["(d)(4)(A)", "(d)(4)(B)", "(d)(3)", "(b)(1)(A)(iii)(II)", "(b)(4)"],
    "8 C.F.R. § 287.4": ["(a)(1)", "(a)(2)(i)", "(a)(2)(ii)"],
    "19 U.S.C. § 1509": ["(a)", "(a)(2)(D)", "(c)", "(d)(1)(A)(ii)", "(g)(7)(B)(iii)"],
    "19 U.S.C. § 1510": ["(a)", "(b)(1)(B)", "(b)(3)"],
}


def test_the_subpoena_and_summons_law_is_checked_and_citable(shipped):
    checked = {f.source.citation for f in FILES}
    assert set(SUBPOENA_LAW) <= checked
    for section, labels in SUBPOENA_LAW.items():
        for label in labels:
            _ref, hits = shipped.cite(section + label)
            assert hits and hits[0].chunk.citation == section + label, section + label


def _front_matter(f) -> dict:
    import yaml

    text = f.abspath.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))


def test_context_and_questions_front_matter_point_at_real_subdivisions():
    """`context:` is one short string and every `questions:` key is "" (the whole document), a
    label path the file has or one of its headings in brackets, so the questions can be attached
    to the passage they were written for."""
    from kb.corpus import load_corpus

    seen = 0
    for f in load_corpus(CORPUS):
        meta = _front_matter(f)
        if "context" in meta:
            assert isinstance(meta["context"], str) and len(meta["context"]) <= 400, f.source.path
        questions = meta.get("questions") or {}
        paths = {"".join(f"({x})" for x in path) for path in label_paths(f)} | {""}
        paths |= {f"[{m}]" for m in re.findall(r"(?m)^#{2,6} (.+?)\s*$", f.abspath.read_text(encoding="utf-8"))}
        for key, asked in questions.items():
            assert key in paths, f"{f.source.path}: questions key {key!r} names no subdivision"
            assert isinstance(asked, list) and 1 <= len(asked) <= 3, f"{f.source.path}: {key!r}"
            seen += 1
    assert seen >= 10  # the subpoena, summons and Nlets files carry them
