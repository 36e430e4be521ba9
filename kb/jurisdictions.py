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
    "AL": "Alabama", "AK": "Alaska", "AR": "Arkansas", "CT": "Connecticut", "DE": "Delaware",
    "DC": "District of Columbia", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NH": "New Hampshire", "NM": "New Mexico",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "UT": "Utah",
    "VT": "Vermont", "VA": "Virginia", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
# Names in Spanish that differ from the English ("en Nueva York, ¿el DMV puede …?").
SPANISH_NAMES = {"NY": "Nueva York", "NJ": "Nueva Jersey", "OR": "Oregón", "NM": "Nuevo México",
                 "NC": "Carolina del Norte", "SC": "Carolina del Sur", "ND": "Dakota del Norte",
                 "SD": "Dakota del Sur", "LA": "Luisiana", "PA": "Pensilvania", "HI": "Hawái",
                 "MO": "Misuri", "WV": "Virginia Occidental", "MI": "Míchigan"}
# Other ways a question names a state as surely: a popular name of its law ("what is the Green
# Light law": New York's Driver's License Access and Privacy Act), the abbreviations people type
# for the ones the corpus holds ("NY", "N.Y.", "NJ") and for the capital ("D.C.").
OTHER_NAMES = {"NY": r"green light(?: law| act)?|driver'?s license access and privacy act|n\.?\s?y\.?",
               "NJ": r"n\.?\s?j\.?", "DC": r"washington,?\s+d\.?\s?c\.?|d\.c\."}
# "Washington" before "D.C." is the capital, not the state.
NOT_THE_STATE = {"WA": r"(?!,?\s+d\.?\s?c\b)"}
# A state's name inside another's is not that state: "West Virginia", "Virginia Occidental".
_NAMED = {
    code: re.compile(
        rf"(?<!\w)(?<!west )(?:(?:{'|'.join(re.escape(n) for n in dict.fromkeys((name, SPANISH_NAMES.get(code, name))))})"
        rf"{NOT_THE_STATE.get(code, '')}"
        + (f"|{OTHER_NAMES[code]}" if code in OTHER_NAMES else "") + r")(?!\w)(?! occidental)", re.IGNORECASE)
    for code, name in STATE_NAMES.items()
}


def is_home(jurisdiction: str) -> bool:
    return jurisdiction.upper() in HOME


def states_named(text: str) -> frozenset[str]:
    """Codes of the other states `text` names ("washington state law" -> {"WA"})."""
    return frozenset(code for code, pattern in _NAMED.items() if pattern.search(text))


def state_name(jurisdiction: str) -> str:
    return STATE_NAMES.get(jurisdiction.upper(), jurisdiction.upper())
