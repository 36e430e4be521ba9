"""What kind of thing a question asks, as far as its wording says: a date, or whether the person
is told. Both the answer (which passage answers a "when" question; whether a key matches) and the
search (how far a key counts for its passage) read it, so it lives apart from either."""

from __future__ import annotations

import re

from kb.text import compiled_on_use

# "When did…", "what year…", "since when…": asked for a date, answered from History.
_WHEN = re.compile(r"^\s*(?:¿\s*)?(?:when|what year|what date(?! of birth)|since when|since what (?:date|year)|"
                   r"cu[aá]ndo|(?:en )?qu[eé] (?:fecha|año|dia|día))\b|"
                   r"\bwhen (?:did|was|were|does|do)\b|"
                   # "from what date could people apply", "… and what year was it", "on what date was that"
                   r"^\s*(?:from|on|in|since) (?:what|which) (?:date|year|day)\b|"
                   r"\b(?:and|,) (?:on |in )?what (?:date|year) (?:was|were|did|is)\b|\bon what date\b",
                   re.IGNORECASE)
# ... but not a leading clause of condition, its subject straight after "when", before the question
# itself: "when police answer ICE's rap sheet request, can they add the address", "when the ID
# cards come out, do the rules cover them".
_WHEN_CLAUSE = compiled_on_use(
    r"^\s*when\s+(?!(?:did|was|were|does|do|is|are|will|would|has|have|had|can|could|should|must|might|may)\b)"
    r"\S.*\b(?:can|could|do|does|did|is|are|was|were|will|would|should|must|may|what|how|who|which)\b",
    re.IGNORECASE)

# Whether the person will learn of it ("is there a way to find out whether ICE asked for my file",
# "the DMV would never tell her they looked her up"): notice to the person decides, not the ban.
NOTICE_ASKED = compiled_on_use(
    r"\b(?:find(?:s|ing)? out|found out|know (?:if|whether|when|who)|let (?:me|her|him|them|us) know|"
    r"(?:tell|tells|told|notif(?:y|ies|ied)|warn(?:s|ed)?|inform(?:s|ed)?) (?:me|her|him|them|us)\b)", re.IGNORECASE)


def asks_when(text: str) -> bool:
    """Whether a question asks for a date ("when did AB 60 take effect", "what year…")."""
    return bool(_WHEN.search(text)) and not _WHEN_CLAUSE().search(text)


def question_kind(question: str) -> tuple[bool, bool]:
    """What kind of thing a question asks, as far as a key must match it: whether the person is
    told, and whether it asks when ("will the DMV tell me if ICE looks up my record" is not "can
    ICE get my information from the DMV", however many words they share)."""
    return bool(NOTICE_ASKED().search(question)), asks_when(question)
