"""Parse, normalise and format legal citations in the forms advocates and statutes use.

The PyPI parsers were tried first (see the commit message): eyecite finds U.S. Code cites but none
of the California forms ("Veh. Code, § 1808.21", "Section 12800.7 of the Vehicle Code",
"paragraph (1) of subdivision (a) of Section ..."), and citeurl needs a template per form anyway.
So the patterns live here, one table, each tested in tests/test_citations.py.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from kb.errors import InputError, quoted
from kb.text import compiled_on_use


@dataclass(frozen=True)
class CitationRef:
    """A parsed citation: which code, which section, which subdivision path.

    `code` is a stable key such as "ca-veh", "us-usc-18" or "case"; "" means the code was not
    named ("§ 12801.9") and must be resolved against the corpus by section number alone.
    """

    code: str
    section: str
    labels: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.code, self.section.lower())

    def with_labels(self, labels: tuple[str, ...]) -> "CitationRef":
        return CitationRef(self.code, self.section, labels)

    def format(self) -> str:
        return format_citation(self)


@dataclass(frozen=True)
class CitedGroup:
    """What `kb cite` looked up when it is more or other than one section or subdivision: a
    list or range of citations, a bill, a case by its name, a document by its id. `format()`
    is what the output names it by, as for a CitationRef."""

    name: str
    refs: tuple[CitationRef, ...] = ()

    def format(self) -> str:
        return self.name


# California's 29 codes: key -> (official form as this corpus writes it (Bluebook), the
# Legislature's lawCode for its URLs, the ways people write the code's name). The forms follow
# the Bluebook's California table ("Cal. Veh. Code"); the aliases add the California Style
# Manual's ("Veh. Code", "Code Civ. Proc.") and the shorthand practitioners type ("VC", "PC",
# "H&S", "W&I"). Two-letter shorthand that names two codes ("EC": Education or Evidence) is left
# out rather than guessed.
_CAL = r"(?:cal(?:ifornia|\.)?\s*)?"
_AND = r"\s*(?:&|and)\s*"
CA_CODES: dict[str, tuple[str, str, str]] = {
    "ca-bpc": ("Cal. Bus. & Prof. Code", "BPC",
               rf"{_CAL}bus(?:iness|\.)?{_AND}prof(?:essions|\.)?\s*code|b\s*&\s*p(?:\s*code)?|bpc"),
    "ca-civ": ("Cal. Civ. Code", "CIV", rf"{_CAL}civ(?:il|\.)?\s*code"),
    "ca-ccp": ("Cal. Civ. Proc. Code", "CCP",
               rf"{_CAL}(?:code\s*(?:of\s*)?civ(?:il|\.)?\s*proc(?:edure|\.)?|civ(?:il|\.)?\s*proc(?:edure|\.)?\s*code)|ccp"),
    "ca-com": ("Cal. Com. Code", "COM", rf"{_CAL}com(?:mercial|\.)\s*code"),
    "ca-corp": ("Cal. Corp. Code", "CORP", rf"{_CAL}corp(?:orations|\.)?\s*code"),
    "ca-edc": ("Cal. Educ. Code", "EDC", rf"{_CAL}(?:educ?(?:ation|\.)?)\s*code"),
    "ca-elec": ("Cal. Elec. Code", "ELEC", rf"{_CAL}elec(?:tions|\.)?\s*code"),
    "ca-evid": ("Cal. Evid. Code", "EVID", rf"{_CAL}evid(?:ence|\.)?\s*code"),
    "ca-fam": ("Cal. Fam. Code", "FAM", rf"{_CAL}fam(?:ily|\.)?\s*code"),
    "ca-fin": ("Cal. Fin. Code", "FIN", rf"{_CAL}fin(?:ancial|\.)?\s*code"),
    "ca-fgc": ("Cal. Fish & Game Code", "FGC", rf"{_CAL}fish{_AND}g(?:ame|\.)?\s*code"),
    "ca-fac": ("Cal. Food & Agric. Code", "FAC",
               rf"{_CAL}food{_AND}agr(?:icultural|ic\.|\.)?\s*code"),
    "ca-gov": ("Cal. Gov. Code", "GOV", rf"{_CAL}gov(?:ernment|'t|t|\.)?\s*code|gc"),
    "ca-hnc": ("Cal. Harb. & Nav. Code", "HNC",
               rf"{_CAL}harb(?:ors|\.)?{_AND}nav(?:igation|\.)?\s*code"),
    "ca-hsc": ("Cal. Health & Safety Code", "HSC",
               rf"{_CAL}health{_AND}saf(?:ety|\.)?\s*code|h\s*&\s*s(?:\s*code)?|hsc"),
    "ca-ins": ("Cal. Ins. Code", "INS", rf"{_CAL}ins(?:urance|\.)\s*code"),
    "ca-lab": ("Cal. Lab. Code", "LAB", rf"{_CAL}lab(?:or|\.)?\s*code"),
    "ca-mvc": ("Cal. Mil. & Vet. Code", "MVC",
               rf"{_CAL}mil(?:itary|\.)?{_AND}vet(?:erans|\.)?\s*code"),
    "ca-pen": ("Cal. Penal Code", "PEN", rf"{_CAL}pen(?:al|\.)\s*code|pc"),
    "ca-prob": ("Cal. Prob. Code", "PROB", rf"{_CAL}prob(?:ate|\.)?\s*code"),
    "ca-pcc": ("Cal. Pub. Cont. Code", "PCC",
               rf"{_CAL}pub(?:lic|\.)?\s*cont(?:ract|\.)?\s*code"),
    "ca-prc": ("Cal. Pub. Res. Code", "PRC",
               rf"{_CAL}pub(?:lic|\.)?\s*res(?:ources|\.)?\s*code"),
    "ca-puc": ("Cal. Pub. Util. Code", "PUC",
               rf"{_CAL}pub(?:lic|\.)?\s*util(?:ities|\.)?\s*code"),
    "ca-rtc": ("Cal. Rev. & Tax. Code", "RTC",
               rf"{_CAL}rev(?:enue|\.)?{_AND}tax(?:ation|\.)?\s*code|r\s*&\s*t(?:\s*code)?"),
    "ca-shc": ("Cal. Sts. & High. Code", "SHC",
               rf"{_CAL}(?:st(?:reet)?s\.?{_AND}h(?:igh)?(?:ways|wys?|y)?\.?)\s*code"),
    "ca-uic": ("Cal. Unemp. Ins. Code", "UIC",
               rf"{_CAL}unemp(?:loyment|\.)?\s*ins(?:urance|\.)?\s*code|uic"),
    "ca-veh": ("Cal. Veh. Code", "VEH", rf"{_CAL}(?:veh(?:icle|\.)?\s*(?:code|c\.)|c?vc)"),
    "ca-wat": ("Cal. Water Code", "WAT", rf"{_CAL}wat(?:er|\.)\s*code"),
    "ca-wic": ("Cal. Welf. & Inst. Code", "WIC",
               rf"{_CAL}welf(?:are|\.)?{_AND}inst(?:itutions|\.)?\s*code|w\s*&\s*i(?:\s*code)?|wic"),
}

# Every alias above contains one of these (tests/test_citation_gate.py checks each against strings
# its pattern matches): text with none of them names no California code (see `_Pattern.needs`).
_CA_ALIAS_WORDS = r"code|&|bpc|ccp|gc|hsc|pc|uic|vc|wic|veh"

# Other code keys -> how the official citation is written ({sec} is the section number).
_FORMATS = {
    **{key: form + " § {sec}" for key, (form, _law, _alias) in CA_CODES.items()},
    "us-realid": "REAL ID Act of 2005, Pub. L. No. 109-13, div. B, § {sec}",
    "ny-vtl": "N.Y. Veh. & Traf. Law § {sec}",
    "wa-rcw": "Wash. Rev. Code § {sec}",
    "or-ors": "Or. Rev. Stat. § {sec}",
    "co-crs": "Colo. Rev. Stat. § {sec}",
    "il-ilcs": "{sec}",
    "case": "{sec}",
    "ca-const": "Cal. Const. {sec}",
    "us-const": "U.S. Const. {sec}",
    "": "§ {sec}",
}


def official_url(ref: "CitationRef") -> str:
    """The Legislature's page for a California code section; "" for other citations."""
    if ref.code not in CA_CODES:
        return ""
    law = CA_CODES[ref.code][1]
    return ("https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml"
            f"?lawCode={law}&sectionNum={ref.section}.")


def format_citation(ref: CitationRef) -> str:
    """The official form: `Cal. Veh. Code § 12801.9(a)(1)`, `18 U.S.C. § 2721(b)(1)`."""
    subs = "".join(f"({label})" for label in ref.labels)
    if ref.code.startswith("us-usc-"):
        return f"{ref.code.rsplit('-', 1)[1]} U.S.C. § {ref.section}{subs}"
    if ref.code.startswith("us-cfr-"):
        return f"{ref.code.rsplit('-', 1)[1]} C.F.R. § {ref.section}{subs}"
    if ref.code.startswith("ca-ccr-"):
        return f"Cal. Code Regs., tit. {ref.code.rsplit('-', 1)[1]}, § {ref.section}{subs}"
    return _FORMATS[ref.code].format(sec=ref.section) + subs


# --- the patterns -------------------------------------------------------------------------

_SEC = r"(?P<sec>\d+(?:\.\d+)*[a-z]?)"
# Repeats are bounded at 8 levels, twice the deepest citation written ("clause (i) of
# subparagraph (A) of paragraph (1) of subdivision (a)" is four): with an unbounded "+", a 45 KB
# question of "paragraph (1), " repeated took 13.6 s (each start position ran to the end and
# failed); bounded, 0.12 s.
_MAX_DEPTH = 8
_SUBS = rf"(?P<subs>(?:\s?\([A-Za-z0-9]{{1,5}}\)){{0,{_MAX_DEPTH}}})"
_SIGN = r"(?:§§?|sec(?:tion|s?\.)?|s\.)"
# "subdivision (a)", "subd. (a)", "paragraph (1)", "subparagraph (D)", "clause (i)"
_UNIT = r"(?:sub(?:division|d\.?)|(?:sub)?paragraph|para\.|clause)"
_CHAIN = rf"(?P<chain>(?:{_UNIT}\s*\([A-Za-z0-9]{{1,5}}\)\s*(?:,\s*)?(?:of\s+)?){{1,{_MAX_DEPTH}}})"
_TRAILING = (rf"(?P<trail>(?:\s*,?\s*{_UNIT}\s*\([A-Za-z0-9]{{1,5}}\)"
             rf"(?:\s?\([A-Za-z0-9]{{1,5}}\)){{0,{_MAX_DEPTH}}})?)")

@dataclass(frozen=True)
class _Pattern:
    source: str
    code: str  # a fixed code key, or a template using the match's "title" group
    section: str = ""  # a fixed section, for forms that name none ("49 U.S.C. § 30301 note")
    # A small pattern that every match of this one contains (a fragment of it, or a word every
    # alternative of it has): text where no pattern's `needs` is found holds no citation, and is
    # answered without compiling the patterns (see find_citations; "" would let all text through).
    needs: str = ""

    @functools.cached_property
    def regex(self) -> re.Pattern:
        # Compiled on first use: the 22 patterns cost ~22 ms to compile, which a question
        # without a citation need not pay (`kb ask`, cold).
        return re.compile(self.source, re.IGNORECASE)

    def ref(self, m: re.Match) -> CitationRef:
        groups = m.groupdict()
        if self.code == "{california}":
            code = next(key for key in CA_CODES if groups.get(key.replace("-", "_")))
        else:
            code = self.code.format(title=groups.get("title") or "")
        labels = _labels(m.groupdict().get("subs") or "")
        chain = m.groupdict().get("chain")
        trail = m.groupdict().get("trail")
        if chain:  # "paragraph (1) of subdivision (a) of Section ..." is written inside out
            labels = tuple(reversed(_labels(chain))) + labels
        if trail:
            labels = labels + _labels(trail)
        if groups.get("art"):  # a constitution: "art. I, § 1"
            return CitationRef(code, f"art. {groups['art'].upper()}, § {m.group('sec')}", labels)
        if groups.get("amend"):
            return CitationRef(code, f"amend. {groups['amend'].upper()}", labels)
        return CitationRef(code, self.section or m.group("sec"), labels)


def _p(pattern: str, code: str, section: str = "", *, needs: str) -> _Pattern:
    return _Pattern(pattern, code, section, needs)


# All 29 code names in one alternation, each in a group named after its key ("ca_veh"): two
# patterns serve every code, where one pair per code cost 0.1 s of regex compilation at start.
_CA_ALIAS = "(?:" + "|".join(f"(?P<{key.replace('-', '_')}>{names})" for key, (_f, _l, names) in CA_CODES.items()) + ")"
_CA = "{california}"  # the code is read off the alias group that matched

_PATTERNS: list[_Pattern] = [
    # "subdivision (j) of Section 12801.9 of the Vehicle Code", "Section 12800.7 of the Vehicle Code"
    _p(rf"(?:{_CHAIN})?{_SIGN}\s*{_SEC}{_SUBS}\s+of\s+(?:the\s+)?{_CA_ALIAS}\b", _CA,
       needs=rf"{_SIGN}\s*\d"),
    # "Cal. Veh. Code § 12801.9(j)", "Veh. Code, § 1808.21, subd. (a)", "VC 12801.9(j)",
    # "Government Code section 7284.6"
    _p(rf"\b{_CA_ALIAS}\s*,?\s*(?:{_SIGN}\s*)?{_SEC}(?![\d.]*\d){_SUBS}{_TRAILING}", _CA,
       needs=_CA_ALIAS_WORDS),
]
_PATTERNS += [
    # "49 U.S.C. § 30301 note" is where the REAL ID Act is classified
    _p(rf"49\s*U\.?\s*S\.?\s*C\.?\s*(?:A\.?\s*)?{_SIGN}?\s*30301\s*note(?P<sec>)", "us-realid", "202",
       needs=r"30301\s*note"),
    _p(rf"\bREAL\s*ID\s*Act(?:\s*of\s*2005)?,?\s*(?:Pub\.?\s*L\.?\s*(?:No\.?\s*)?109-13,?\s*)?"
       rf"(?:div(?:ision|\.)?\s*B,?\s*)?{_SIGN}\s*{_SEC}{_SUBS}", "us-realid", needs=r"REAL\s*ID\s*Act"),
    _p(rf"(?:{_CHAIN})?{_SIGN}\s*{_SEC}{_SUBS}\s+of\s+the\s+REAL\s*ID\s*Act", "us-realid",
       needs=r"REAL\s*ID\s*Act"),
    # "18 U.S.C. § 2721(b)(1)", "8 USC 1373", "title 18, United States Code, section 2721"
    _p(rf"\b(?P<title>\d{{1,2}})\s*U\.?\s*S\.?\s*C\.?\s*(?:A\.?\s*)?(?:{_SIGN}\s*)?"
       rf"(?P<sec>\d+[a-z]?){_SUBS}", "us-usc-{title}", needs=r"\d\s*U\.?\s*S\.?\s*C"),
    _p(rf"\btitle\s*(?P<title>\d{{1,2}}),?\s*(?:of\s+the\s+)?United\s*States\s*Code,?\s*"
       rf"{_SIGN}\s*(?P<sec>\d+[a-z]?){_SUBS}", "us-usc-{title}", needs=r"United\s*States\s*Code"),
    _p(rf"{_SIGN}\s*(?P<sec>\d+[a-z]?){_SUBS}\s+of\s+title\s*(?P<title>\d{{1,2}})"
       rf"(?:,?\s*(?:of\s+the\s+)?United\s*States\s*Code|\s*U\.?S\.?C\.?)?", "us-usc-{title}",
       needs=r"of\s+title\s*\d"),
    # "6 C.F.R. § 37.33", "6 CFR 37.33"
    _p(rf"\b(?P<title>\d{{1,2}})\s*C\.?\s*F\.?\s*R\.?\s*(?:{_SIGN}\s*|part\s*)?"
       rf"(?P<sec>\d+(?:\.\d+)?){_SUBS}", "us-cfr-{title}", needs=r"\d\s*C\.?\s*F\.?\s*R"),
    # "Cal. Code Regs., tit. 13, § 350.03", "13 CCR 350.03", "title 13 CCR section 350.14"
    _p(rf"\bCal(?:ifornia|\.)?\s*Code\s*(?:of\s*)?Reg(?:ulation)?s?\.?,?\s*tit(?:le|\.)?\s*"
       rf"(?P<title>\d{{1,2}}),?\s*(?:{_SIGN}\s*)?(?P<sec>\d+(?:\.\d+)?){_SUBS}", "ca-ccr-{title}",
       needs=r"Code\s*(?:of\s*)?Reg"),
    _p(rf"\b(?:tit(?:le|\.)?\s*)?(?P<title>\d{{1,2}}),?\s*(?:Cal\.?\s*)?C\.?\s*C\.?\s*R\.?\s*,?\s*"
       rf"(?:{_SIGN}\s*)?(?P<sec>\d+(?:\.\d+)?){_SUBS}", "ca-ccr-{title}", needs=r"C\.?\s*C\.?\s*R"),
    # Other states, for the comparison files.
    _p(rf"\b(?:N\.?\s*Y\.?\s*)?(?:Veh(?:icle|\.)?\s*(?:&|and)\s*Traf(?:fic|\.)?\s*Law|VTL)\s*"
       rf"(?:{_SIGN}\s*)?(?P<sec>\d+){_SUBS}", "ny-vtl", needs=r"Traf|VTL"),
    _p(rf"\b(?:RCW|Wash(?:ington|\.)?\s*Rev(?:ised|\.)?\s*Code)\s*(?:{_SIGN}\s*)?"
       rf"(?P<sec>\d+[A-Z]?\.\d+[A-Z]?\.\d+){_SUBS}", "wa-rcw", needs=r"RCW|Wash"),
    _p(rf"\b(?:ORS|Or(?:egon|\.)?\s*Rev(?:ised|\.)?\s*Stat(?:utes|\.)?)\s*(?:{_SIGN}\s*)?"
       rf"(?P<sec>\d+[A-Z]?\.\d+){_SUBS}", "or-ors", needs=r"ORS|Rev"),
    _p(rf"\b(?:C\.?\s*R\.?\s*S\.?|Colo(?:rado|\.)?\s*Rev(?:ised|\.)?\s*Stat(?:utes|\.)?)\s*"
       rf"(?:{_SIGN}\s*)?(?P<sec>\d+-\d+(?:\.\d+)?-\d+(?:\.\d+)?){_SUBS}", "co-crs",
       needs=r"C\.?\s*R\.?\s*S|Colo"),
    _p(r"\b(?P<sec>\d+\s*ILCS\s*\d+/\d+(?:[.-]\d+)*)(?P<subs>)", "il-ilcs", needs=r"ILCS"),
    # Constitutions: "Cal. Const. art. I, § 1", "article I, section 13 of the California
    # Constitution", "U.S. Const. amend. X". Read as such, so that "§ 1" is never taken for
    # section 1 of some code.
    _p(rf"\b(?:Cal(?:ifornia|\.)?\s*Const(?:itution|\.)?),?\s*art(?:icle|\.)?\s*(?P<art>[IVXL]+)\s*,?\s*"
       rf"{_SIGN}\s*(?P<sec>\d+(?:\.\d+)?){_SUBS}", "ca-const", needs=r"Const"),
    _p(rf"\bart(?:icle|\.)?\s*(?P<art>[IVXL]+)\s*,?\s*{_SIGN}\s*(?P<sec>\d+(?:\.\d+)?){_SUBS}\s*"
       rf"(?:of\s+)?(?:the\s+)?Cal(?:ifornia|\.)?\s*Const(?:itution|\.)?", "ca-const", needs=r"Const"),
    _p(rf"\b(?:U\.?\s*S\.?|United\s*States)\s*Const(?:itution|\.)?,?\s*art(?:icle|\.)?\s*(?P<art>[IVXL]+)\s*,?\s*"
       rf"{_SIGN}\s*(?P<sec>\d+(?:\.\d+)?){_SUBS}", "us-const", needs=r"Const"),
    _p(rf"\b(?:U\.?\s*S\.?|United\s*States)\s*Const(?:itution|\.)?,?\s*amend(?:ment|\.)?\s*"
       rf"(?P<amend>[IVXL]+)(?P<sec>){_SUBS}", "us-const", needs=r"Const"),
    # Court reporters: "921 F.3d 865".
    _p(r"\b(?P<sec>\d+\s+(?:U\.\s?S\.|S\.\s?Ct\.|F\.\s?(?:2d|3d|4th)|F\.\s?Supp\.(?:\s?[23]d)?|"
       r"Cal\.\s?(?:App\.\s?)?(?:[2-5](?:d|th))?)\s+\d+)(?P<subs>)", "case",
       needs=r"\d\s+(?:U\.|S\.|F\.|Cal\.)"),
    # A bare section sign: "§ 12801.9(j)", "section 1808.21" — the code is resolved by the corpus.
    _p(rf"(?:{_CHAIN})?(?:§§?|\bsec(?:tion|\.))\s*{_SEC}{_SUBS}{_TRAILING}", "",
       needs=r"(?:§|\bsec(?:tion|\.))\s*\d"),
]


@functools.cache
def _may_cite() -> re.Pattern:
    """Every pattern's `needs` in one alternation: where it finds nothing, no pattern matches."""
    return re.compile("|".join(f"(?:{p.needs})" for p in _PATTERNS), re.IGNORECASE)


def _labels(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\(([A-Za-z0-9]{1,5})\)", text))


def _clean(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u2009", " ")
    return re.sub(r"\s+", " ", text).strip()


def _normalise_case(ref: CitationRef) -> CitationRef:
    if ref.code == "case":
        return CitationRef("case", re.sub(r"\s+", " ", re.sub(r"\.\s+(?=\w)", ".", ref.section)))
    return ref


def find_citations(text: str) -> list[tuple[CitationRef, tuple[int, int]]]:
    """Every citation in `text`, left to right, with its span; overlaps go to the longer match."""
    text = _clean(text)
    if not _may_cite().search(text):  # most questions: then no pattern need be compiled
        return []
    return _find(text)


def _find(text: str) -> list[tuple[CitationRef, tuple[int, int]]]:
    """find_citations on cleaned text, every pattern tried (tests compare the two)."""
    found: list[tuple[CitationRef, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    candidates = []
    for order, pattern in enumerate(_PATTERNS):
        for m in pattern.regex.finditer(text):
            candidates.append((m.start(), -(m.end() - m.start()), order, pattern, m))
    # Longer matches first at each position, then earlier patterns (more specific) win.
    for start, neg_len, _order, pattern, m in sorted(candidates, key=lambda c: (c[1], c[2], c[0])):
        end = start - neg_len
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        if pattern.code == "" and not m.group("sec"):
            continue
        taken.append((start, end))
        found.append((_normalise_case(pattern.ref(m)), (start, end)))
    return sorted(found, key=lambda f: f[1])


def parse_citation(text: str) -> CitationRef:
    """The one citation `text` holds, or InputError saying which forms are understood."""
    found = find_citations(text)
    if not found:
        raise InputError(
            f"not a citation I can read: {quoted(text)} "
            "(try forms like 'Cal. Veh. Code § 12801.9(j)', 'VC 12801.9', "
            "'Gov. Code § 7284.6(a)(1)(D)', '18 U.S.C. § 2721(b)(1)' or '13 CCR 350.14')"
        )
    return found[0][0]


# --- lists and ranges (`kb cite`) -----------------------------------------------------------

_LABELS = r"((?:\s?\([A-Za-z0-9]{1,5}\))+)"
_DASH = r"\s*(?:[-‐‑‒–—]|\bthrough\b|\bthru\b|\bto\b)\s*"
_LIST_SEP = r"\s*(?:,\s*(?:and\s+|or\s+|&\s*)?|and\s+|or\s+|&\s*)"
_NUMBER = r"(\d+(?:\.\d+)*[a-z]?)(?![\w.]*\d)"
_RANGE_OF_LABELS = compiled_on_use(_DASH + _LABELS)
_SEPARATOR_ONLY = compiled_on_use(_LIST_SEP, re.IGNORECASE)
_LIST_OF_LABELS = compiled_on_use(_LIST_SEP + _LABELS)
_RANGE_OF_SECTIONS = compiled_on_use(_DASH + r"(?:§+\s*)?" + _NUMBER)
_LIST_OF_SECTIONS = compiled_on_use(_LIST_SEP + r"(?:§+\s*|sec(?:tion|\.)?\s*)?" + _NUMBER + r"((?:\s?\([A-Za-z0-9]{1,5}\))*)",
                               re.IGNORECASE)
# A range of subdivisions longer than this is a typo or not a range ("(1)–(2000)").
MAX_RANGE = 60
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}


def _roman(label: str) -> int | None:
    """The value of a lowercase or uppercase roman numeral up to lxxxix, else None."""
    text = label.lower()
    if not text or any(ch not in _ROMAN_VALUES for ch in text):
        return None
    total = 0
    for i, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        total += -value if i + 1 < len(text) and _ROMAN_VALUES[text[i + 1]] > value else value
    return total


def _to_roman(n: int, upper: bool) -> str:
    out = ""
    for value, numeral in ((50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + numeral, n - value
    return out.upper() if upper else out


def _label_range(first: str, last: str) -> list[str] | None:
    """Every label from `first` to `last`, both included: (1)–(3), (a)–(c), (i)–(iii),
    (A)–(C); None when the two do not make a range kb can spell out."""
    if first.isdigit() and last.isdigit():
        span = range(int(first), int(last) + 1)
        return [str(n) for n in span] if 0 < len(span) <= MAX_RANGE else None
    same_case = (first.islower() and last.islower()) or (first.isupper() and last.isupper())
    if not same_case:
        return None
    # Two single letters are letters, (h)–(j), unless they read as roman numerals from one: (i)–(v).
    if len(first) == len(last) == 1 and not (first in "iI" and last in "vVxX"):
        span = range(ord(first), ord(last) + 1)
        return [chr(c) for c in span] if 0 < len(span) <= MAX_RANGE else None
    low, high = _roman(first), _roman(last)
    if low and high and low <= high and high - low < MAX_RANGE:
        return [_to_roman(n, first.isupper()) for n in range(low, high + 1)]
    return None


def _join(base: tuple[str, ...], tail: tuple[str, ...]) -> tuple[str, ...]:
    """The labels `tail` names after `base`: "(b)(1), (2)" is (b)(2); "(9), (12)(a)" is
    (12)(a); "(b)(1)–(b)(3)" names its own full path."""
    if len(tail) >= len(base):
        return tail
    return base[: len(base) - len(tail)] + tail


def parse_citations(text: str) -> list[CitationRef]:
    """Every citation `text` names, lists and ranges spelled out: "18 U.S.C. § 2721(b)(1)–(2)" is
    (b)(1) and (b)(2); "Veh. Code §§ 12800.7, 12801.9" is both sections; two citations are two.
    InputError when a range cannot be spelled out (a range of sections, "(a)–(3)"): kb never
    answers for the first item alone. Unreadable text is InputError, as for parse_citation."""
    cleaned = _clean(text)
    found = find_citations(cleaned)
    if not found:
        parse_citation(text)  # raises the message that lists the forms kb reads
    refs: list[CitationRef] = []
    for i, (ref, (_start, end)) in enumerate(found):
        stop = found[i + 1][1][0] if i + 1 < len(found) else len(cleaned)
        if not ref.code and refs and refs[-1].code and _SEPARATOR_ONLY().fullmatch(cleaned[found[i - 1][1][1]:_start]):
            # "Gov. Code § 7284.6(a) and § 7284.8": the second section is in the same code
            ref = CitationRef(refs[-1].code, ref.section, ref.labels)
        refs.append(ref)
        last, pos = ref, end
        while pos < stop:
            rest = cleaned[pos:stop]
            if m := _RANGE_OF_LABELS().match(rest):
                upto = _join(last.labels, _labels(m.group(1)))
                if not last.labels or upto[:-1] != last.labels[:-1]:
                    raise InputError(f"cannot spell out the range {quoted(cleaned[_start:pos + m.end()])}: "
                                     "cite each subdivision, or the section or subdivision above them")
                labels = _label_range(last.labels[-1], upto[-1])
                if labels is None:
                    raise InputError(f"cannot spell out the range {quoted(cleaned[_start:pos + m.end()])} "
                                     f"({last.labels[-1]} to {upto[-1]}): cite each subdivision instead")
                for label in labels[1:]:
                    last = last.with_labels(last.labels[:-1] + (label,))
                    refs.append(last)
            elif m := _RANGE_OF_SECTIONS().match(rest):
                raise InputError(
                    f"{quoted(cleaned[_start:pos + m.end()])} is a range of sections: kb cites sections "
                    "one by one; list them instead (e.g. 'Veh. Code §§ 1808.45, 1808.46')"
                )
            elif m := _LIST_OF_LABELS().match(rest):
                if not last.labels:
                    break
                last = last.with_labels(_join(last.labels, _labels(m.group(1))))
                refs.append(last)
            elif m := _LIST_OF_SECTIONS().match(rest):
                last = CitationRef(ref.code, m.group(1), _labels(m.group(2) or ""))
                refs.append(last)
            else:
                break
            pos += m.end()
    unique: list[CitationRef] = []
    for ref in refs:
        if ref not in unique:
            unique.append(ref)
    return [_normalise_case(r) for r in unique]
