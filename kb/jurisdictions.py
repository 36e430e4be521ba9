"""Other states' law in the corpus: which state a source is from, and which states a question names.

California and federal law answer any question; another state's law is a comparison, so it
answers only a question that names that state (issue 13, item 4), and its citation line says
which state it is.
"""

from __future__ import annotations

import re

HOME = frozenset({"CA", "US"})
STATE_NAMES = {
    "NY": "New York", "WA": "Washington", "OR": "Oregon", "CO": "Colorado", "IL": "Illinois",
    "NJ": "New Jersey", "TX": "Texas", "FL": "Florida", "NV": "Nevada", "AZ": "Arizona",
}
# How a question names a state: its name, and the abbreviations people type for the ones the
# corpus holds ("NY", "N.Y.", "NJ").
_NAMED = {
    code: re.compile(rf"(?<!\w)(?:{re.escape(name)}|{code[0]}\.?\s?{code[1]}\.?)(?!\w)", re.IGNORECASE)
    if code in ("NY", "NJ") else re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
    for code, name in STATE_NAMES.items()
}


def is_home(jurisdiction: str) -> bool:
    return jurisdiction.upper() in HOME


def states_named(text: str) -> frozenset[str]:
    """Codes of the other states `text` names ("washington state law" -> {"WA"})."""
    return frozenset(code for code, pattern in _NAMED.items() if pattern.search(text))


def state_name(jurisdiction: str) -> str:
    return STATE_NAMES.get(jurisdiction.upper(), jurisdiction.upper())
