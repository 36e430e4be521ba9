"""Every subdivision of every statute in the shipped corpus is present and citable.

The labels under each heading must run in sequence with no gap — (a), (b), (c)…; (1), (2)…;
(A), (B)… (then AA, AB… as California writes them); (i), (ii)… — and `kb cite` must resolve
every one of them to its own passage.
"""

from __future__ import annotations

import re
import string

import pytest

from kb.chunking import split_sections
from kb.config import REPO_ROOT, Settings
from kb.corpus import load_corpus

CORPUS = REPO_ROOT / "corpus"
# California, federal and Washington statutes are digested whole; the other states' files
# compare one provision each (e.g. N.Y. Veh. & Traf. Law § 201(12)(a)) and are not checked here.
FILES = [f for f in load_corpus(CORPUS)
         if f.source.authority in ("statute", "regulation") and f.source.jurisdiction in ("CA", "US", "WA")]
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"]
# "(a.5)", "(1.5)": a subdivision the Legislature inserted later, between two others.
_INSERTED = re.compile(r"^[A-Za-z0-9]+\.\d+$")


def _letters(alphabet: str) -> list[str]:
    """a … z, then aa, ab … (California's labels after (z))."""
    return list(alphabet) + [alphabet[0] * 2] + [alphabet[0] + c for c in alphabet[1:]]


def expected_sequence(first: str) -> list[str]:
    if first == "i":
        return _ROMAN
    if first == "I":  # the U.S. Code's subclauses: 8 U.S.C. § 1225(b)(1)(A)(iii)(I)
        return [x.upper() for x in _ROMAN]
    if first == "a":
        return _letters(string.ascii_lowercase)
    if first == "A":
        return _letters(string.ascii_uppercase)
    if first == "1":
        return [str(n) for n in range(1, 200)]
    return []


def label_paths(body: str) -> list[tuple[str, ...]]:
    """Every heading's label path, in document order: ("a",), ("a", "1"), …"""
    stack: list[tuple[int, str]] = []
    paths = []
    for sec in split_sections(body):
        if not sec.heading:
            continue
        while stack and stack[-1][0] >= sec.level:
            stack.pop()
        stack.append((sec.level, sec.label))
        if sec.label and all(label for _level, label in stack):
            paths.append(tuple(label for _level, label in stack))
    return paths


def gaps(paths: list[tuple[str, ...]]) -> list[str]:
    """Places where a sibling sequence skips, repeats, or starts past its first label."""
    children: dict[tuple[str, ...], list[str]] = {}
    for path in paths:
        children.setdefault(path[:-1], []).append(path[-1])
    problems = []
    for parent, labels in children.items():
        labels = [x for x in labels if not _INSERTED.match(x)]
        want = expected_sequence(labels[0])
        where = "".join(f"({x})" for x in parent) or "top level"
        if not want:
            problems.append(f"{where}: first label ({labels[0]}) starts no known sequence")
        elif labels != want[: len(labels)]:
            problems.append(f"{where}: labels {labels} are not {want[: len(labels)]}")
    return problems


def test_the_gap_finder_catches_a_skip_a_late_start_and_accepts_california_sequences():
    assert gaps([("a",), ("b",), ("d",)]) == ["top level: labels ['a', 'b', 'd'] are not ['a', 'b', 'c']"]
    assert gaps([("a",), ("a", "2")]) == ["(a): first label (2) starts no known sequence"]
    assert gaps([("1",), ("1", "A"), ("1", "B"), ("2",)]) == []
    upper = [("a", "3", x) for x in _letters(string.ascii_uppercase)[:31]]  # (A) … (AE), § 7282.5
    assert gaps([("a",), ("a", "1"), ("a", "2"), ("a", "3"), *upper]) == []
    assert gaps([("h",), ("i",)]) == ["top level: first label (h) starts no known sequence"]
    assert gaps([("a",), ("a", "i"), ("a", "ii"), ("a", "iii")]) == []
    assert gaps([("a",), ("a.5",), ("b",)]) == []
    clauses = [("a", "1", "A", x) for x in ("i", "ii", "iii")]
    subclauses = [("a", "1", "A", "iii", x) for x in ("I", "II")]
    assert gaps([("a",), ("a", "1"), ("a", "1", "A"), *clauses, *subclauses]) == []
    skipped = [("i",), ("i", "I"), ("i", "III")]
    assert gaps(skipped) == ["(i): labels ['I', 'III'] are not ['I', 'II']"]


@pytest.mark.parametrize("f", FILES, ids=lambda f: f.source.path)
def test_subdivision_labels_run_in_sequence(f):
    assert gaps(label_paths(f.body)) == []


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
        for path in label_paths(f.body):
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
    assert label_paths(f.body) == NEW_SECTIONS[citation]


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
    """`context:` is one short string and every `questions:` key is "" (the whole document) or a
    label path the file has, so the questions can be attached to the passage they were written for."""
    from kb.corpus import load_corpus

    seen = 0
    for f in load_corpus(CORPUS):
        meta = _front_matter(f)
        if "context" in meta:
            assert isinstance(meta["context"], str) and len(meta["context"]) <= 400, f.source.path
        questions = meta.get("questions") or {}
        paths = {"".join(f"({x})" for x in path) for path in label_paths(f.body)} | {""}
        for key, asked in questions.items():
            assert key in paths, f"{f.source.path}: questions key {key!r} names no subdivision"
            assert isinstance(asked, list) and 1 <= len(asked) <= 3, f"{f.source.path}: {key!r}"
            seen += 1
    assert seen >= 10  # the subpoena, summons and Nlets files carry them
