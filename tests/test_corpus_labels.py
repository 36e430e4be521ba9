"""Every subdivision of every statute in the shipped corpus is present and citable.

The labels under each heading must run in sequence with no gap — (a), (b), (c)…; (1), (2)…;
(A), (B)… (then AA, AB… as California writes them); (i), (ii)… — and `kb cite` must resolve
every one of them to its own passage.
"""

from __future__ import annotations

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
    assert checked > 500  # the shipped statutes hold hundreds of subdivisions
