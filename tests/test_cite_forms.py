"""Issue 15 §3: `kb cite` with citations as staff write them: bills, case names, lists, ranges,
constitutions, and a note by its id."""

from __future__ import annotations

import pytest

from conftest import CASE_FRONT_MATTER, FAKE_MODEL, FEDERAL, STATUTE, write_corpus
from kb.config import Settings
from kb.errors import CitationNotFound

LICENSES = """\
---
id: ca-veh-9999.2
title: Test licenses section
citation: Cal. Veh. Code § 9999.2
jurisdiction: CA
authority: statute
url: https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=VEH&sectionNum=9999.2.
as_of: 2026-11-25
verified: official
history:
  - "Added by AB 60 (Alejo), ch. 524, Stats. 2013"
  - "Amended by AB 1766 (Stern), ch. 482, Stats. 2022"
---

A summary sentence about licenses for applicants who cannot prove lawful presence.

## Text

The department shall issue a license to an applicant who cannot prove lawful presence.
"""

SANCTUARY = LICENSES.replace("9999.2", "9999.3").replace("Test licenses section", "Test sanctuary section") \
    .replace('  - "Added by AB 60 (Alejo), ch. 524, Stats. 2013"\n', "") \
    .replace("AB 1766 (Stern), ch. 482, Stats. 2022", "SB 54 (De León), ch. 495, Stats. 2017") \
    .replace("licenses for applicants who cannot prove lawful presence", "state cooperation with immigration agencies")

CASE = CASE_FRONT_MATTER + """
The court held that a test state may decline to help with immigration enforcement.

## Holding

The state law was upheld.
"""


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    from kb.indexing import build_index
    from kb.retrieval import Retriever
    from kb.store import open_index

    root = tmp_path_factory.mktemp("cite-forms")
    corpus = write_corpus(root / "corpus", {
        "ca/veh-9999.1.md": STATUTE, "ca/veh-9999.2.md": LICENSES, "ca/gov-9999.3.md": SANCTUARY,
        "us/usc-18-9721.md": FEDERAL, "cases/us-v-testland.md": CASE,
    })
    settings = Settings(corpus, root / "index", FAKE_MODEL)
    build_index(settings)
    return Retriever(open_index(settings.index_dir), settings)


@pytest.mark.parametrize("bill,named", [
    ("AB 1766", "AB 1766: Cal. Veh. Code § 9999.2"),
    ("AB 60", "AB 60: Cal. Veh. Code § 9999.2"),
    ("SB 54", "SB 54: Cal. Veh. Code § 9999.3"),
    ("ab1766", "AB 1766: Cal. Veh. Code § 9999.2"),
])
def test_a_bill_gives_the_history_of_the_sections_it_added_or_amended(retriever, bill, named):
    ref, hits = retriever.cite(bill)
    assert ref.format() == named
    assert [h.chunk.citation for h in hits] == [named.split(": ")[1] + " [History]"]


def test_a_bill_no_section_records_is_not_found(retriever):
    with pytest.raises(CitationNotFound, match=r"no section in the corpus records AB 9 in its history"):
        retriever.cite("AB 9")


def test_a_case_name_opens_the_case_file(retriever):
    for name in ("United States v. Testland", "United States vs. Testland", "United States v Testland"):
        ref, hits = retriever.cite(name)
        assert ref.format() == "United States v. Testland, 999 F.3d 1 (9th Cir. 2030)"
        assert {h.source.path for h in hits} == {"cases/us-v-testland.md"} and len(hits) == 2
    with pytest.raises(CitationNotFound, match="the corpus has no case named 'Doe v. Roe'"):
        retriever.cite("Doe v. Roe")


def test_a_list_returns_every_item(retriever):
    ref, hits = retriever.cite("Veh. Code §§ 9999.2, 9999.1(a)(2)")
    assert ref.format() == "Cal. Veh. Code § 9999.2; Cal. Veh. Code § 9999.1(a)(2)"
    assert [h.chunk.citation for h in hits] == [
        "Cal. Veh. Code § 9999.2", "Cal. Veh. Code § 9999.2", "Cal. Veh. Code § 9999.2 [History]",
        "Cal. Veh. Code § 9999.1(a)(2)"]


def test_a_range_returns_every_item_or_refuses(retriever):
    ref, hits = retriever.cite("Veh. Code § 9999.1(a)(1)–(2)")
    assert ref.format() == "Cal. Veh. Code § 9999.1(a)(1); Cal. Veh. Code § 9999.1(a)(2)"
    assert [h.chunk.citation for h in hits] == [
        "Cal. Veh. Code § 9999.1(a)(1)", "Cal. Veh. Code § 9999.1(a)(1)(A)", "Cal. Veh. Code § 9999.1(a)(2)"]
    # (b)(2) is not in the corpus: the whole range is refused, never answered with (b)(1) alone
    # (its file digests only some subdivisions: the message says the digest lacks it, not the law)
    with pytest.raises(CitationNotFound, match=r"holds only some of its subdivisions \(\(b\)\), not \(b\)\(2\)"):
        retriever.cite("18 U.S.C. § 9721(b)(1)–(2)")


def test_the_constitution_is_reported_missing_not_read_as_a_code_section(retriever):
    with pytest.raises(CitationNotFound, match=r"^the corpus has no Cal. Const. art. I, § 1 \(`kb sources`"):
        retriever.cite("Cal. Const. art. I, § 1")
