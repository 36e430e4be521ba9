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
# Names in Spanish that differ from the English ("en Nueva York, ¿el DMV puede …?").
SPANISH_NAMES = {"NY": "Nueva York", "NJ": "Nueva Jersey", "OR": "Oregón"}
# A state's law by its popular name, which names the state as surely ("what is the Green Light
# law": New York's Driver's License Access and Privacy Act).
LAW_NAMES = {"NY": r"green light(?: law| act)?|driver'?s license access and privacy act"}
# How a question names a state: its name, in English or Spanish, the abbreviations people type
# for the ones the corpus holds ("NY", "N.Y.", "NJ"), and its laws' popular names.
_NAMED = {
    code: re.compile(
        rf"(?<!\w)(?:{'|'.join(re.escape(n) for n in dict.fromkeys((name, SPANISH_NAMES.get(code, name))))}"
        + (rf"|{code[0]}\.?\s?{code[1]}\.?" if code in ("NY", "NJ") else "")
        + (f"|{LAW_NAMES[code]}" if code in LAW_NAMES else "") + r")(?!\w)", re.IGNORECASE)
    for code, name in STATE_NAMES.items()
}


def is_home(jurisdiction: str) -> bool:
    return jurisdiction.upper() in HOME


def states_named(text: str) -> frozenset[str]:
    """Codes of the other states `text` names ("washington state law" -> {"WA"})."""
    return frozenset(code for code, pattern in _NAMED.items() if pattern.search(text))


def state_name(jurisdiction: str) -> str:
    return STATE_NAMES.get(jurisdiction.upper(), jurisdiction.upper())
