"""find_citations compiles its patterns only for text that may hold a citation (kb/citations.py,
`_Pattern.needs`): the gate must never hide a citation a pattern would have found."""

import re
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pytest

from kb import citations
from kb.citations import CA_CODES, _CA_ALIAS_WORDS, _PATTERNS, _clean, _find, find_citations

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
TESTS = Path(__file__).resolve().parent


def _contains(needs: str):
    pattern = re.compile(needs, re.IGNORECASE)
    return lambda text: pattern.search(text) is not None


@pytest.mark.parametrize("order", range(len(_PATTERNS)))
@settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_match_of_a_pattern_contains_what_it_needs(order, data):
    pattern = _PATTERNS[order]
    text = data.draw(st.from_regex(re.compile(pattern.source, re.IGNORECASE), fullmatch=True))
    assert _contains(pattern.needs)(text), (pattern.needs, text)


@pytest.mark.parametrize("key", sorted(CA_CODES))
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_name_of_a_california_code_contains_one_of_the_alias_words(key, data):
    text = data.draw(st.from_regex(re.compile(CA_CODES[key][2], re.IGNORECASE), fullmatch=True))
    assert _contains(_CA_ALIAS_WORDS)(text), (key, text)


def _texts():
    """Every corpus file and every test file: thousands of citations in every form kb reads."""
    for path in sorted(CORPUS.rglob("*.md")) + sorted(TESTS.glob("test_*.py")):
        yield from path.read_text(encoding="utf-8").split("\n\n")


def test_the_gate_changes_nothing_on_the_corpus_and_the_tests():
    checked = with_citations = 0
    for text in _texts():
        expected = _find(_clean(text))
        assert find_citations(text) == expected, text
        checked += 1
        with_citations += bool(expected)
    assert checked > 1000 and with_citations > 500, (checked, with_citations)


def test_a_question_without_a_citation_compiles_no_pattern():
    probe = ("from kb import citations as c\n"
             "assert c.find_citations('Can ICE get the documents I gave the DMV for my AB 60 license?') == []\n"
             "print(sum('regex' in vars(p) for p in c._PATTERNS))\n"
             "c.find_citations('Veh. Code § 12801.9(j)')\n"
             "print(sum('regex' in vars(p) for p in c._PATTERNS))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", str(len(citations._PATTERNS))]
