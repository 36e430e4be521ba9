import re

import pytest

from kb.citations import CitationRef, find_citations, format_citation, parse_citation
from kb.errors import InputError

CASES = [
    # (text as users and statutes write it, normalised official form)
    ("VC 12801.9(j)", "Cal. Veh. Code § 12801.9(j)"),
    ("CVC 1808.4", "Cal. Veh. Code § 1808.4"),
    ("Cal. Veh. Code § 12801.9", "Cal. Veh. Code § 12801.9"),
    ("California Vehicle Code section 12800.5", "Cal. Veh. Code § 12800.5"),
    ("Veh. Code, § 1808.21", "Cal. Veh. Code § 1808.21"),
    ("Veh. Code, § 1808.21, subd. (a)", "Cal. Veh. Code § 1808.21(a)"),
    ("Vehicle Code section 12801.9, subdivision (j)", "Cal. Veh. Code § 12801.9(j)"),
    ("Section 12800.7 of the Vehicle Code", "Cal. Veh. Code § 12800.7"),
    ("subdivision (j) of Section 12801.9 of the Vehicle Code", "Cal. Veh. Code § 12801.9(j)"),
    ("paragraph (1) of subdivision (a) of Section 12801.9 of the Vehicle Code",
     "Cal. Veh. Code § 12801.9(a)(1)"),
    ("Government Code section 7284.6", "Cal. Gov. Code § 7284.6"),
    ("Gov. Code § 7284.6(a)(1)(D)", "Cal. Gov. Code § 7284.6(a)(1)(D)"),
    ("Gov't Code 15160", "Cal. Gov. Code § 15160"),
    ("subdivision (e) of Section 7284.6 of the Government Code", "Cal. Gov. Code § 7284.6(e)"),
    ("Civ. Code § 1798.24(e)", "Cal. Civ. Code § 1798.24(e)"),
    ("Civil Code section 1798.26", "Cal. Civ. Code § 1798.26"),
    ("18 U.S.C. § 2721(b)(1)", "18 U.S.C. § 2721(b)(1)"),
    ("8 USC 1373", "8 U.S.C. § 1373"),
    ("8 U.S.C. 1644", "8 U.S.C. § 1644"),
    ("title 18, United States Code, section 2725", "18 U.S.C. § 2725"),
    ("section 2721 of title 18", "18 U.S.C. § 2721"),
    ("6 C.F.R. § 37.33", "6 C.F.R. § 37.33"),
    ("6 CFR 37.33(a)", "6 C.F.R. § 37.33(a)"),
    ("13 CCR 350.14", "Cal. Code Regs., tit. 13, § 350.14"),
    ("Cal. Code Regs., tit. 13, § 350.03", "Cal. Code Regs., tit. 13, § 350.03"),
    ("REAL ID Act § 202(d)(12)", "REAL ID Act of 2005, Pub. L. No. 109-13, div. B, § 202(d)(12)"),
    ("49 U.S.C. § 30301 note", "REAL ID Act of 2005, Pub. L. No. 109-13, div. B, § 202"),
    ("section 202 of the REAL ID Act", "REAL ID Act of 2005, Pub. L. No. 109-13, div. B, § 202"),
    ("N.Y. Veh. & Traf. Law § 201(12)(a)", "N.Y. Veh. & Traf. Law § 201(12)(a)"),
    ("RCW 43.17.425", "Wash. Rev. Code § 43.17.425"),
    ("United States v. California, 921 F.3d 865 (9th Cir. 2019)", "921 F.3d 865"),
    ("§ 12801.9(j)", "§ 12801.9(j)"),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_every_common_form_normalises_to_the_official_one(text, expected):
    assert parse_citation(text).format() == expected


def test_citation_inside_a_question_is_found_with_its_span():
    question = "can ICE use Gov. Code § 7284.6(a)(1)(D) to get my address?"
    [(ref, (start, end))] = find_citations(question)
    assert ref == CitationRef("ca-gov", "7284.6", ("a", "1", "D"))
    assert question[start:end] == "Gov. Code § 7284.6(a)(1)(D)"


def test_two_citations_in_one_sentence_are_both_found_in_order():
    refs = [r.format() for r, _ in find_citations("compare 8 USC 1373 with VC 12801.9")]
    assert refs == ["8 U.S.C. § 1373", "Cal. Veh. Code § 12801.9"]


@pytest.mark.parametrize("text", ["how do I opt out in 2019?", "AB 60 licenses", "SB 54", ""])
def test_plain_questions_hold_no_citation(text):
    assert find_citations(text) == []


def test_unreadable_citation_says_which_forms_work():
    with pytest.raises(InputError, match=r"not a citation I can read: 'the opt-out law'.*VC 12801.9"):
        parse_citation("the opt-out law")


def test_labels_keep_their_case():
    # (a) is a subdivision and (A) a subparagraph in California codes: they differ.
    assert parse_citation("Gov. Code § 7284.6(a)(1)(A)").labels == ("a", "1", "A")


def test_format_round_trips():
    ref = CitationRef("us-cfr-6", "37.33", ("b",))
    assert parse_citation(format_citation(ref)) == ref


# One common form per code, as staff type them: every one of California's 29 codes parses.
CALIFORNIA_CODES = [
    ("Bus. & Prof. Code § 17200", "Cal. Bus. & Prof. Code § 17200"),
    ("B&P 17200", "Cal. Bus. & Prof. Code § 17200"),
    ("Civil Code section 1798.24", "Cal. Civ. Code § 1798.24"),
    ("Code Civ. Proc. § 425.16", "Cal. Civ. Proc. Code § 425.16"),
    ("CCP 1985.3", "Cal. Civ. Proc. Code § 1985.3"),
    ("Commercial Code 9102", "Cal. Com. Code § 9102"),
    ("Corp. Code § 5047", "Cal. Corp. Code § 5047"),
    ("Education Code section 234.7", "Cal. Educ. Code § 234.7"),
    ("Elec. Code § 2194", "Cal. Elec. Code § 2194"),
    ("Evid. Code, § 1040, subd. (b)", "Cal. Evid. Code § 1040(b)"),
    ("Family Code 3011", "Cal. Fam. Code § 3011"),
    ("Fin. Code § 4052", "Cal. Fin. Code § 4052"),
    ("Fish & G. Code § 12000", "Cal. Fish & Game Code § 12000"),
    ("Food & Agr. Code § 12", "Cal. Food & Agric. Code § 12"),
    ("Gov. Code § 8310.3", "Cal. Gov. Code § 8310.3"),
    ("Harb. & Nav. Code § 651", "Cal. Harb. & Nav. Code § 651"),
    ("Health & Saf. Code § 11362.5", "Cal. Health & Safety Code § 11362.5"),
    ("H&S 11350", "Cal. Health & Safety Code § 11350"),
    ("Ins. Code § 791.13", "Cal. Ins. Code § 791.13"),
    ("Lab. Code § 1019", "Cal. Lab. Code § 1019"),
    ("Mil. & Vet. Code § 394", "Cal. Mil. & Vet. Code § 394"),
    ("Penal Code 832.7", "Cal. Penal Code § 832.7"),
    ("Pen. Code, § 832.7, subd. (b)", "Cal. Penal Code § 832.7(b)"),
    ("PC 422.6(a)", "Cal. Penal Code § 422.6(a)"),
    ("Section 832.7 of the Penal Code", "Cal. Penal Code § 832.7"),
    ("Prob. Code § 4701", "Cal. Prob. Code § 4701"),
    ("Pub. Contract Code § 1101", "Cal. Pub. Cont. Code § 1101"),
    ("Pub. Resources Code § 21000", "Cal. Pub. Res. Code § 21000"),
    ("Public Utilities Code section 2891", "Cal. Pub. Util. Code § 2891"),
    ("Rev. & Tax. Code § 19542", "Cal. Rev. & Tax. Code § 19542"),
    ("Sts. & Hy. Code § 100", "Cal. Sts. & High. Code § 100"),
    ("Unemp. Ins. Code § 1094", "Cal. Unemp. Ins. Code § 1094"),
    ("Veh. Code § 1808.48", "Cal. Veh. Code § 1808.48"),
    ("Water Code section 10720", "Cal. Water Code § 10720"),
    ("Welf. & Inst. Code § 827(a)(1)", "Cal. Welf. & Inst. Code § 827(a)(1)"),
    ("W&I 300", "Cal. Welf. & Inst. Code § 300"),
]


@pytest.mark.parametrize("text,expected", CALIFORNIA_CODES)
def test_every_california_code_is_readable(text, expected):
    assert parse_citation(text).format() == expected


def test_the_table_holds_all_29_codes_and_each_official_form_round_trips():
    from kb.citations import CA_CODES, official_url

    assert len(CA_CODES) == 29
    for code in CA_CODES:
        ref = CitationRef(code, "100.5", ("a", "1"))
        assert parse_citation(format_citation(ref)) == ref, code
        assert official_url(ref).endswith(f"lawCode={CA_CODES[code][1]}&sectionNum=100.5.")
    covered = {parse_citation(text).code for text, _ in CALIFORNIA_CODES}
    assert covered == set(CA_CODES)


@pytest.mark.parametrize("text", ["the PC I bought in 2019", "my W&I case", "is the ccp relevant"])
def test_code_shorthand_without_a_section_number_is_no_citation(text):
    assert find_citations(text) == []


# --- issue 15 §3: lists, ranges and constitutions ----------------------------------------------

from kb.citations import parse_citations  # noqa: E402


@pytest.mark.parametrize("text,expected", [
    ("18 U.S.C. § 2721(b)(1)–(2)", ["18 U.S.C. § 2721(b)(1)", "18 U.S.C. § 2721(b)(2)"]),
    ("18 U.S.C. § 2721(b)(1) through (3)",
     ["18 U.S.C. § 2721(b)(1)", "18 U.S.C. § 2721(b)(2)", "18 U.S.C. § 2721(b)(3)"]),
    ("Veh. Code §§ 12800.7, 12801.9", ["Cal. Veh. Code § 12800.7", "Cal. Veh. Code § 12801.9"]),
    ("Veh. Code §§ 12800.7 and 12801.9(j)", ["Cal. Veh. Code § 12800.7", "Cal. Veh. Code § 12801.9(j)"]),
    ("N.Y. Veh. & Traf. Law § 201(9), (10), (12)(a)",
     ["N.Y. Veh. & Traf. Law § 201(9)", "N.Y. Veh. & Traf. Law § 201(10)", "N.Y. Veh. & Traf. Law § 201(12)(a)"]),
    ("Gov. Code § 7284.6(a)(1)(A)-(C)",
     ["Cal. Gov. Code § 7284.6(a)(1)(A)", "Cal. Gov. Code § 7284.6(a)(1)(B)", "Cal. Gov. Code § 7284.6(a)(1)(C)"]),
    ("VC 12801.9(a)(1)(i)-(iii)", ["Cal. Veh. Code § 12801.9(a)(1)(i)", "Cal. Veh. Code § 12801.9(a)(1)(ii)",
                                   "Cal. Veh. Code § 12801.9(a)(1)(iii)"]),
    ("VC 12801.9(h)–(j)", ["Cal. Veh. Code § 12801.9(h)", "Cal. Veh. Code § 12801.9(i)", "Cal. Veh. Code § 12801.9(j)"]),
    ("VC 12801.9 and Gov. Code 7284.6", ["Cal. Veh. Code § 12801.9", "Cal. Gov. Code § 7284.6"]),
    ("8 USC 1373, 1644", ["8 U.S.C. § 1373", "8 U.S.C. § 1644"]),
    ("Gov. Code § 7284.6(a) and § 7284.8", ["Cal. Gov. Code § 7284.6(a)", "Cal. Gov. Code § 7284.8"]),
    ("Cal. Const. art. I, § 1", ["Cal. Const. art. I, § 1"]),
    ("article I, section 13 of the California Constitution", ["Cal. Const. art. I, § 13"]),
    ("U.S. Const. amend. X", ["U.S. Const. amend. X"]),
    ("VC 12801.9(j)", ["Cal. Veh. Code § 12801.9(j)"]),
])
def test_lists_and_ranges_name_every_item(text, expected):
    assert [r.format() for r in parse_citations(text)] == expected


@pytest.mark.parametrize("text,message", [
    ("Veh. Code §§ 1808.45–1808.47", "is a range of sections: kb cites sections one by one"),
    ("VC 12801.9(a)-(3)", "cannot spell out the range"),
    ("VC 12801.9–(j)", "cannot spell out the range"),
])
def test_a_range_kb_cannot_spell_out_is_refused_not_cut_to_its_first_item(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_citations(text)


def test_the_constitution_is_not_section_1_of_some_code():
    [(ref, _span)] = find_citations("Cal. Const. art. I, § 1")
    assert ref == CitationRef("ca-const", "art. I, § 1")
