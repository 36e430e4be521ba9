"""Whether a question is about the corpus's subject, by its words (issue 13, item 3).

The corpus is about who may obtain, use or share what government holds on a person (DMV records,
addresses, photos, documents) and how far police, jails and agencies help immigration
enforcement. A question is taken to be on that subject when it names one of the laws the corpus
is built around, or when its words fall in two of three groups: immigration enforcement, personal
records and their disclosure, and the people and bodies that hold or seek them. One group alone
is not enough: "how do I make a DMV appointment" names the DMV and nothing else the corpus is
about; "can LAPD share my immigration status" names all three. An employer, a business or a
landlord requiring or refusing a license is on the subject too (Veh. Code § 12801.9(g)): "job
ad says must have a driver's license, can they require that" names no records and no
immigration.

The lists were written from the corpus's own contexts and headings (front matter `context:`),
read with the glossary's English forms, so a Spanish question counts too.
"""

from __future__ import annotations

import functools
import re

from kb.glossary import ASKED_FOR_PAPERS, BEING_LEGAL, ORIGIN, PLATE_READERS, translate_query
from kb.jurisdictions import states_named
from kb.text import compiled_on_use

# The bills behind the acts people name by their popular names: a "when" question about the act
# asks when that bill became law ("¿en qué año entró en vigor la ley TRUTH?": AB 2792, 2016).
ACT_BILLS = {"truth act": "AB 2792", "trust act": "AB 4", "values act": "SB 54"}


def acts_named(text: str) -> frozenset[str]:
    """The bills (ACT_BILLS) whose acts `text` names by their popular names."""
    lowered = " ".join(text.lower().split())
    return frozenset(bill for name, bill in ACT_BILLS.items() if re.search(rf"\b{name}\b", lowered))


# Kinds of record that only some laws govern, by the words a question names them with (front
# matter `asked_about`): such a law answers only a question that names its kind of record, as
# another state's law answers only a question naming the state. A plate-reader camera's scans are
# not the DMV's records, though both hold a "license plate": "a tow yard ran my plate, can I sue"
# asks about the DMV's (18 U.S.C. § 2724), not the plate-reader law's suit (Civ. Code § 1798.90.54).
ASKED_ABOUT = {"plate readers": PLATE_READERS}
_ASKED_ABOUT = {name: compiled_on_use(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)
                for name, pattern in ASKED_ABOUT.items()}


def records_named(text: str) -> frozenset[str]:
    """The kinds of record of ASKED_ABOUT that `text` names ("Flock cameras": plate readers)."""
    return frozenset(name for name, pattern in _ASKED_ABOUT.items() if pattern().search(text))


# What the corpus knows only from reports, no rule of law naming it: the State-to-State
# Verification Service California joined in 2026, and the Nlets network (kb/answer.py lets a
# report lead a question naming one).
REPORTED_ONLY = r"state[- ]to[- ]state|s2s|nlets"
# Laws and programs the corpus is built around: naming one puts a question on the subject (the
# acts of ACT_BILLS among them).
NAMED_LAWS = (
    r"ab\s?60|sb\s?54|ab\s?1766|ab\s?1747|ab\s?1660|ab\s?398|ab\s?4|sb\s?31|ab\s?2792|" + "|".join(ACT_BILLS) + "|"
    r"keep washington working|fair employment and housing act|feha|unruh(?: civil rights act)?|"
    r"sanctuary|dppa|driver'?s privacy protection|real\s?id|clets|information practices act|"
    r"safe at home|green light law|8 u\.?s\.?c\.? ?(?:§ ?)?(?:1373|1644)|federal limits apply|"
    r"requester code|religious freedom act|muslim registry|ninth circuit|9th circuit|united states v\.? california|"
    r"cjis|information bulletin|" + REPORTED_ONLY
)

# A license another office issues is no record of the DMV's ("my marriage license", "a business
# license").
_OTHER_LICENSE = r"(?<!marriage )(?<!business )(?<!liquor )(?<!fishing )(?<!hunting )(?<!professional )(?<!contractor's )"

GROUPS = {
    # immigration enforcement and immigration status
    "immigration": (
        r"immigra\w*|ice|dhs|cbp|border patrol|homeland security|deport\w*|undocumented|"
        r"without papers|detainers?|hold requests?|notification requests?|transfer requests?|287\s?\(?g\)?|"
        r"citizenship|lawful presence|legal (?:status|presence)|status|visas?|removal|" + BEING_LEGAL + "|" + ORIGIN
        + "|" + ASKED_FOR_PAPERS
    ),
    # personal records and their release
    "records": (
        r"records?|information|data|databases?|files?|address\w*|photo\w*|pictures?|images?|"
        r"registrations?|(?:license )?plates?|"
        r"facial recognition|social security numbers?|ssns?|documents?|birth certificates?|passports?|"
        r"consular|matr[ií]cula|confidential\w*|privacy|private|public records?|disclos\w*|"
        r"shar\w*|releas\w*|sell\w*|sold|give|giv\w*|gave|hand\w* over|access\w*|look\w* up|opt[- ]?outs?|"
        r"notif\w*|notice|subpoena\w*|warrants?|criminal history|rap sheet|release dates?|"
        r"interview\w*|report\w*|misus\w*|leak\w*|sue|damages|penalt\w*|fines?|discriminat\w*|"
        # where someone is found: an address asked without the word ("can my ex use the DMV to find me")
        r"where (?:i|he|she|they|we|you) (?:live|lives|living|stay|stays|work|works)|"
        r"(?:find|finds|found|locate|locates|located|track) (?:me|him|her|them|us)\b"
    ),
    # who holds the records or seeks them
    "holders": (
        r"dmv|department of motor vehicles|motor vehicle|driver'?s? licen[cs]e\w*|" + _OTHER_LICENSE + r"licen[cs]e\w*|id cards?|"
        r"drivers?'? (?:data|records?|info\w*|histor(?:y|ies))|"
        r"identification cards?|police|polic\w*|sheriff\w*|deput(?:y|ies)|officers?|cops?|jails?|prisons?|"
        r"custody|holding cells?|checkpoints?|traffic stops?|pulled (?:me|him|her|them|us) over|"
        r"law enforcement|lapd|chp|highway patrol|agenc\w*|government|"
        r"state|county|city|courts?|judges?|boards? of supervisors|"
        r"employers?|boss|landlords?|business\w*|stores?|insurers?|insurance|attorneys?|lawyers?|"
        r"banks?|financial institutions?|schools?|hospitals?|attorney general|doj|task forces?|"
        # those who seek DMV records under the DMV's and the DPPA's rules
        r"private investigat\w*|investigators?|process servers?|bail (?:bond\w*|agents?)|"
        r"tow(?:ing)? compan(?:y|ies)|repo(?:ssession)? (?:compan(?:y|ies)|agents?|m[ae]n)|journalists?|reporters?|"
        # and those a victim's address is kept from (Safe at Home, Gov. Code § 6205; Veh. Code § 1808.21(d))
        r"abusers?|stalkers?|ex-?(?:husband|wife|boyfriend|girlfriend|partner)s?|my ex"
    ),
}


def _whole_words(patterns: dict[str, str], word: str = r"\w") -> dict:
    """Each pattern matched as whole words only (no `word` character on either side), compiled
    when first used (~3 ms for GROUPS): a question whose best passage is close enough never asks."""
    return {name: compiled_on_use(rf"(?<![{word}])(?:{pattern})(?![{word}])", re.IGNORECASE)
            for name, pattern in patterns.items()}


def _names_found(patterns: dict, text: str) -> list[str]:
    """The names of the patterns (from _whole_words) that `text` holds, in their order."""
    return [name for name, pattern in patterns.items() if pattern().search(text)]


_NAMED = _whole_words({"named": NAMED_LAWS})["named"]
_GROUPS = _whole_words(GROUPS)


# Who holds the records or must keep them from immigration enforcement: a question about the
# DMV's records is decided first by a rule binding the DMV, one about the police by a rule binding
# them (both are limits on immigration enforcement; which binds depends on who holds the data).
HOLDERS = {
    "dmv": rf"dmv|department of motor vehicles|motor vehicles?|driver'?s? licen[cs]es?|{_OTHER_LICENSE}licen[cs]es?|"
           r"id cards?|identification cards?|(?:car |vehicle )?registrations?|license plates?|plates",
    "police": r"police|sheriffs?|deput(?:y|ies)|officers?|cops?|jails?|law enforcement|lapd|probation|parole",
}
_HOLDERS = _whole_words(HOLDERS)


# Who may not discriminate against a holder of an AB 60 license (Veh. Code § 12801.9(g)): a
# business (the Unruh Act, (g)(1)), an employer (FEHA, (g)(2)) or a government office or program
# it funds (Gov. Code § 11135, (g)(3)). Sibling rules bind different parties: the one binding the
# party the question names decides it ("the gym refused my AB 60 license" is (g)(1), whatever
# the employer rule's words share with it). A landlord is in none: which of them covers housing
# is not stated in the passages.
PARTIES = {
    "business": r"business(?:es)?(?: establishments?)?|stores?|shops?|gyms?|restaurants?|bars?|clubs?|hotels?|"
                r"banks?|financial institutions?|insurers?|insurance compan(?:y|ies)|car insurance|companies|company|"
                r"(?:car )?dealers?|dealerships?|manufacturers?|(?:tele)?marketers?|advertisers?|data brokers?|"
                r"rental car(?: compan(?:y|ies)| agenc(?:y|ies)| counters?)?|car rentals?|rent-a-car",
    "employer": r"employers?|boss(?:es)?|jobs?|hiring|hire[ds]?|staffing agenc(?:y|ies)|temp agenc(?:y|ies)|"
                r"hr|human resources|workplace|managers?|supervisors?|foreman|shifts?|fired|fire me|firing|"
                r"coworkers?|co-workers?",
    "government": r"government(?:al)?(?: authorit(?:y|ies)| offices?| agenc(?:y|ies))?|city|cities|county|counties|"
                  r"state agenc(?:y|ies)|public agenc(?:y|ies)|public offices?|clinics?|"
                  r"(?:public )?schools?|school districts?|librar(?:y|ies)",
}
_PARTIES = _whole_words(PARTIES)


def parties_named(text: str) -> frozenset[str]:
    """The parties bound not to discriminate (PARTIES) that `text` names, read through the glossary."""
    return frozenset(_names_found(_PARTIES, translate_query(text)))


# Holders of records on a person that the corpus holds no law on, though immigrants ask whether
# they share with ICE (federal immigration and tax agencies, public-benefit programs, immigration
# courts): a question about them alone gets the closest law, labelled as such, never a DMV rule
# presented as its answer. tests/test_subject.py checks that no source of law is about any of them.
OUTSIDE_HOLDERS = {
    "USCIS": r"uscis|citizenship and immigration services",
    "the U.S. State Department (passports)":
        r"state department|u\.?s\.? department of state|passport (?:agency|office)",
    "the IRS": r"irs|internal revenue service",
    "the Social Security Administration": r"social security administration|ssa",
    "immigration courts": r"immigration courts?|immigration judges?|eoir",
    "the Census Bureau": r"census(?: bureau| answers?| forms?| data| records?)?",
    "E-Verify": r"e-?verify",
    "public-benefit programs (Medi-Cal, CalFresh, Covered California and the like)":
        r"medi-cal|medi cal|medicaid|calfresh|snap benefits|food stamps|calworks|wic|section 8 housing|"
        r"covered california",
    # Local offices that are not law enforcement: SB 54 binds law enforcement agencies, the DMV's
    # rules the DMV; no law here says what an assessor or a permit office may share.
    "county assessors and recorders (property records, marriage and other vital records)":
        r"assessors?|assessor'?s office|county recorders?|recorder'?s office|property tax records?|"
        r"property records?|property tax rolls?",
    "city permit offices": r"(?:street )?vendor permits?|business permits?|building permits?",
    # Licensing and labor bodies that are not law enforcement (the Labor Commissioner's offices are
    # one of § 7284.8(a)'s places, answered from its model policies: kb.subject.PLACES).
    "the State Bar": r"state bar",
    "the U.S. Department of Labor": r"(?:u\.?s\.? |federal )?department of labor|labor department",
}
_OUTSIDE = _whole_words(OUTSIDE_HOLDERS, word=r"\w-")  # "Medi-Cal" whole, "e-verify" too


def outside_holders(text: str) -> list[str]:
    """The holders of records the corpus holds no law on (OUTSIDE_HOLDERS) that `text` names,
    when it names none the corpus's law binds (HOLDERS: the DMV, the police) and no law the corpus
    is built around ("must the state check my SSN with SSA for a REAL ID": the REAL ID Act decides)."""
    english = translate_query(text)  # read once for both checks (holders_named reads it too)
    if _names_found(_HOLDERS, english) or _NAMED().search(english):
        return []
    return _names_found(_OUTSIDE, text) or _names_found(_OUTSIDE, english)  # "registro del condado" too


def outside_sharer(text: str) -> str | None:
    """Whoever `text` asks about sharing what it holds with immigration enforcement ("can the
    post office tell ICE where I live"), in the question's words, when no law here binds them:
    the question names none of the bodies the corpus's law binds (HOLDERS, _GOVERNMENT), no
    records its law governs wherever held (plate readers: Civ. Code § 1798.90.5 et seq.) and no
    law the corpus is built around. None otherwise."""
    english = translate_query(text)
    if (_names_found(_HOLDERS, english) or _NAMED().search(english) or not _IMMIGRATION().search(english)
            or states_named(english)  # "does Washington share data with ICE": that state's law answers, or its absence
            or records_named(english)  # plate readers: the ALPR law binds whoever runs them
            or _names_found(_GOVERNMENT_NAMED, _PLACE_PHRASE().sub(" ", english))):
        return None
    if _PLACES().search(english) and _POLICY().search(english):
        return None  # "does the courthouse have to have a policy limiting help to ICE": § 7284.8(a) answers
    sharer = (_sharer(text) or (_sharer(english) if english != text else None) or _place_of_records(english)
              or _place_sharing(english))
    if sharer and _PLACES().search(sharer) and _ARRESTED().search(english):
        return None  # "can ICE arrest me at the courthouse if the clerk calls them": Civ. Code § 43.54 answers
    return sharer


# Who a question asks about giving away what it holds: the subject of a verb of sharing ("can
# the post office tell ICE", "the bank can give my data", "my landlord reported me") or the body
# something is sought from ("can ICE get my address from the post office").
_SHARE = (r"give|gives|gave|share|shares|shared|send|sends|sent|report|reports|reported|tell|tells|told|"
          r"hand|hands|handed|turn|turns|turned|pass|passes|passed|release|releases|released|disclose|"
          r"discloses|disclosed|provide|provides|provided|sell|sells|sold|sale|call|calls|called|contact|"
          r"contacts|contacted|notify|notifies|notified|rat|snitch")
_DET = r"the|my|a|an|our|his|her|their|your|this|that|its"
_PHRASE = r"((?:[\w'&-]+ ){0,3}?[\w'&-]+)"  # one to four words, the fewest that reach the verb
# ... with what may stand between the one named and the verb: "is the gas company allowed to sell",
# "my landlord says he'll call ICE", "my boss threatened to report me", "my landlord is threatening
# to report me".
_BETWEEN = (r"(?:\w+ly\s+|still\s+|just\s+|even\s+|ever\s+|legally\s+)?"
            r"(?:(?:have|has|need|needs|got|allowed|able|permitted|supposed|going) to\s+)?"
            r"(?:(?:(?:is|are|was|were|keeps?|kept|has been|have been)\s+)?(?:says?|said|saying|threaten\w*)\s+"
            r"(?:(?:he|she|they)(?:'ll|'d|\s+will|\s+would|\s+is going to)?\s+|to\s+))?")
_SHARER = compiled_on_use(
    rf"\b(?:can|could|does|do|did|will|would|may|might|is|are|should|has|have)\s+(?:(?:{_DET})\s+)?{_PHRASE}"
    rf"\s+{_BETWEEN}(?:{_SHARE})\b"
    rf"|\b(?:{_DET})\s+{_PHRASE}\s+(?:(?:can|could|will|would|may|might|must|should|does|did)\s+)?{_BETWEEN}(?:{_SHARE})\b"
    rf"|\b(?:get|gets|got|obtain|obtains|obtained|pull|pulls|pulled|access|find|finds|found|see|sees|"
    rf"buy|buys|bought|purchase|purchases|purchased)\b"
    rf"[^?.!]*?\b(?:from|at)\s+(?:(?:{_DET})\s+)?{_PHRASE}(?=\s*(?:[?.!,]|$|\b(?:if|when|or|and|to|about|without|with|for|because|since|even)\b))",
    re.IGNORECASE)
# Bodies the corpus's law binds or speaks of as holding records: the DMV and the police
# (HOLDERS), the state's and local governments, their agencies, task forces and networks, courts,
# the Attorney General and the Department of Justice. A question naming one of them anywhere asks
# about it, or about someone acting for it ("the county's vendor"): it is not outside.
_GOVERNMENT = (
    r"state|california|county|counties|city|cities|government\w*|agenc(?:y|ies)|departments?|pd|"
    r"courts?|courthouses?|judges?|doj|department of justice|attorney general|district attorneys?|da|"
    r"prosecutors?|highway patrol|chp|prisons?|cdcr|corrections|school police|"
    r"campus police|task forces?|clets|nlets|fbi|federal\w*|feds|commissioners?|secretar(?:y|ies)"
)
_GOVERNMENT_NAMED = _whole_words({"government": _GOVERNMENT})
_IMMIGRATION = _whole_words({"immigration": GROUPS["immigration"]})["immigration"]


def names_government(text: str) -> bool:
    """Whether `text` (read through the glossary) names the police, a government body or
    immigration enforcement: a requester a rule's exception for "a governmental entity" meets.
    The DMV, the holder asked of, is none ("the department of motor vehicles" is no requester)."""
    english = _HOLDERS["dmv"]().sub(" ", translate_query(text))
    return bool(_HOLDERS["police"]().search(english) or _GOVERNMENT_NAMED["government"]().search(english)
                or _IMMIGRATION().search(english))
# Nor is a sharer who is one of those, one of the seekers themselves (ICE, federal immigration
# agencies), or no one in particular ("can they give my photo to ICE").
_BOUND = _whole_words({"bound": "|".join((
    HOLDERS["dmv"], HOLDERS["police"], GROUPS["immigration"], _GOVERNMENT, r"u\.?s\.?|dmv clerk",
    r"they|them|he|she|it|someone|somebody|anyone|anybody|people|person|agents?|officials?|workers?|"
    r"staff|employees?|clerks?|you|i|we|who|what|which|one|nobody|no one|everyone|law",
))})["bound"]


# A verb of sharing in the passive: "is/are/was/were X shared, sent, given …".
_PASSIVE = compiled_on_use(
    r"(?:is|are|was|were)\b.*\b(?:shared|sent|given|reported|told|handed|turned|passed|released|disclosed|"
    r"provided|sold|called|contacted|notified)$", re.IGNORECASE)


# A phrase holding these names no one: a verb's object or a clause ("does eligible for release
# mean"), a bill or a section ("did AB 2156 pass").
_NOT_A_NAME = compiled_on_use(
    r"\d|\b(?:to|for|with|through|from|by|in|on|at|about|if|when|that|the|a|an|my|is|are|be|not|no|"
    r"get|got|do|does|did)\b", re.IGNORECASE)


# ... nor a document, which shares nothing ("can ICE get my address from a traffic ticket": whoever
# holds the ticket does).
_A_DOCUMENT = compiled_on_use(r"\b(?:tickets?|citations?|forms?|applications?|records?|files?|documents?|"
                              r"licen[cs]es?|cards?|papers?|reports?|receipts?|bills?)$", re.IGNORECASE)
# ... nor does one ending in a joining word: the clause went on ("a guy ran my plate and passed my
# info to ICE"), while "uber or lyft" names two.
_ENDS_JOINED = compiled_on_use(r"\b(?:and|or|but)$", re.IGNORECASE)


def _sharer(text: str) -> str | None:
    """The one a question asks about sharing what it holds, in the question's words, when no law
    here binds it (judged in the glossary's English: "la policía" is the police)."""
    for match in _SHARER().finditer(text):
        if _PASSIVE().match(match.group(0)):
            continue  # "are my fingerprints sent to ICE", "is my info shared": what is shared, not who shares
        group = next(n for n, found in enumerate(match.groups(), 1) if found)
        phrase = match.group(group)
        place = _PLACES().search(phrase)  # run by a government ("the county hospital"), yet no law here binds it
        if (_NOT_A_NAME().search(phrase) or (_BOUND().search(translate_query(phrase)) and not place)
                or _ENDS_JOINED().search(phrase) or _A_DOCUMENT().search(phrase)):
            continue  # "eligible for release", "did AB 2156 pass", "ran my plate and passed": no one named
        if place:  # named up to the place: "hospital" of "hospital county me" (the glossary's "hospital del condado me")
            phrase = phrase[:place.end()]
        article = re.search(rf"\b({_DET})\s+$", text[:match.start(group)], re.IGNORECASE)
        said = {"my": "your", "our": "your"}.get(article[1].lower(), article[1].lower()) if article else ""
        return f"{said} {phrase}".strip()
    return None


# The places for which Gov. Code § 7284.8(a) has the Attorney General write model policies limiting
# help to immigration enforcement (public schools, libraries, health facilities, courthouses, the
# Labor Commissioner's Division of Labor Standards Enforcement, the Workers' Compensation and
# Agricultural Labor Relations boards, shelters, the University of California): no rule here says
# what they may share, so a question about that is declined with the model policies listed first,
# the closest the law comes. Run by a county or a city, each is still the place, not the body.
PLACES = (r"schools?|school districts?|colleges?|universit(?:y|ies)|hospitals?|health facilit(?:y|ies)|"
          r"clinics?|shelters?|librar(?:y|ies)|courthouses?|court clerks?|clerk of (?:the )?court|"
          r"labor commissioner(?:'s office)?|division of labor standards enforcement|dlse|"
          r"workers'? comp(?:ensation)? (?:board|office)|agricultural labor relations board|alrb")
_PLACES = _whole_words({"places": PLACES})["places"]


# Records named by the place that keeps them ("can ICE get my kids school records", "hospital
# files"): that place holds them, whoever is asked to hand them over.
_PLACE_RECORDS = compiled_on_use(rf"\b({PLACES})(?:'s)?\s+(?:records?|files?|information|info|data)\b", re.IGNORECASE)


def _place_of_records(text: str) -> str | None:
    """The place of Gov. Code § 7284.8(a) (PLACES) whose records `text` names ("the school"), if any."""
    found = _PLACE_RECORDS().search(text)
    return f"the {found.group(1).lower()}" if found else None


# A place of § 7284.8(a) with whoever runs it ("the county hospital", "the superior court clerk",
# "hospital county" as the glossary reads "hospital del condado"): the place holds the records, and
# the government word names only who runs it, not a body the corpus's law binds.
_PLACE_PHRASE = compiled_on_use(
    rf"(?<![\w-])(?:(?:{_GOVERNMENT}|public|superior|family|local)(?:'s)?\s+){{0,2}}(?:{PLACES})"
    rf"(?:\s+(?:of\s+the\s+)?(?:county|city|state))?(?![\w-])", re.IGNORECASE)
_POLICY = _whole_words({"policy": r"polic(?:y|ies)"})["policy"]
# An arrest or a detention asked about: the law here speaks to them wherever they happen.
_ARRESTED = _whole_words({"arrested": r"arrest\w*|detain\w*|detention|pick (?:me|him|her|them|us) up"})["arrested"]
_SHARING = _whole_words({"sharing": _SHARE})["sharing"]


def _place_sharing(text: str) -> str | None:
    """The place of § 7284.8(a) (PLACES) a question names, when it asks about sharing (a verb of
    _SHARE) without saying who shares: "if I go to the county hospital, will they report me to
    immigration" asks what the hospital may tell."""
    found = _PLACES().search(text)
    return f"the {found.group(0).lower()}" if found and _SHARING().search(text) else None


# How § 7284.8(a) names each place, where the question's word differs: "hospital" is a health
# facility, "court clerk" a courthouse, "labor commissioner" the Division of Labor Standards Enforcement.
_STATUTE_WORDS = (
    (r"hospital|clinic|health", "health facility"), (r"court|clerk", "courthouse"),
    (r"labor commissioner|dlse|labor standards", "Labor Standards Enforcement"),
    (r"workers", "Workers' Compensation"), (r"agricultural|alrb", "Agricultural Labor Relations Board"),
    (r"college|universit", "University"),
)


def policy_place(name: str) -> str | None:
    """The place of Gov. Code § 7284.8(a) (PLACES) a sharer (outside_sharer) is, in the words
    § 7284.8(a) uses for it ("school" for "your school district", "health facility" for "the county
    hospital"), or None when it is none of them."""
    found = _PLACES().search(name)
    if not found:
        return None
    said = found.group(0).lower()
    return next((word for pattern, word in _STATUTE_WORDS if re.match(pattern, said)), said.split()[0])


# Errands at the DMV or elsewhere: renewing, replacing or reinstating a license, appointments,
# retaking a photo, getting a towed car back, points and tickets. The corpus holds no law on how to
# run them, and a question about one names the DMV and a license, so its words (and a named bill:
# "AB 60 renewal") would put it on the subject. It is an errand only when it says nothing of
# immigration, of records or their use, or of the police: "tow yard impounded my car, can they get
# my license photo" asks about the photo; "renewing my license and the DMV wants more papers" about
# the documents.
ERRANDS = (
    r"renew\w*|renovar|renuev\w*|se vence|expir\w*|vencid[oa]s?|reinstat\w*|suspend\w*|revok\w*|"
    r"replac\w* (?:a |my |the |his |her )?(?:lost|stolen)|lost (?:my|his|her) (?:license|id)|"
    r"appointments?|retak\w*|re-tak\w*|tow(?:ed|ing)?|impound\w*|"
    r"points? on (?:my|his|her|the) (?:license|record)|how many points|speeding|(?:traffic|parking) tickets?|"
    r"(?:fight\w*|contest\w*|pay\w*|dispute\w*) (?:a |my |the |this |that )?(?:parking |traffic )?(?:ticket|citation)s?|"
    # how long a card lasts, a name changed on it, a car registered, a parking placard
    r"how long (?:is|are|does|do|will) (?:a |an |my |the |your )?(?:[\w'-]+ ){0,4}?(?:valid|good|last)|"
    r"change (?:my |the |his |her )?(?:name|gender|photo) on|"
    r"register (?:my |a |the |his |her )?(?:new |used )?(?:car|vehicle|truck|motorcycle)|placards?"
)
_ERRAND = _whole_words({"errand": ERRANDS})["errand"]
# ... nor of someone else learning of it: "can my boss see that my license was suspended",
# "is my suspension public" ask who may know what the DMV's records hold.
_LEARNS = r"see|sees|seen|find out|finds out|know|knows|public|lists?|shows?(?: up)?|tell|tells|told"
# ... nor of keeping the record from others: renewing an address suppression or a confidential
# address is a rule of the Vehicle Code (§ 1808.21(e)), not an errand.
_KEPT_FROM_OTHERS = r"suppress\w*|confidential\w*|safe at home|address confidentiality"
_SUBJECT_WORDS = _whole_words({"subject": "|".join(
    (GROUPS["immigration"], GROUPS["records"], HOLDERS["police"], *PARTIES.values(), _LEARNS,
     _KEPT_FROM_OTHERS))})["subject"]


def asks_errand(question: str) -> bool:
    """Whether a question asks how to run an errand (ERRANDS) and nothing the corpus is about."""
    text = translate_query(question)
    return bool(_ERRAND().search(text)) and not _SUBJECT_WORDS().search(text)


# A person's own case, immigration or family (a visa, asylum, a green card, DACA, citizenship, an
# ICE check-in, a bond hearing; custody, divorce, child support): no law here decides it, unless
# the question asks about records or their sharing, the DMV or the police, a government body
# other than the case's court, or a law the corpus holds ("can I use my asylum application to get
# a license": § 12801.9(c)(5); "can police ask about status for a U visa certification":
# Gov. Code § 7284.6(b)(4); "can the child support office get my address from the DMV").
OWN_CASES = {
    "immigration": (
        r"[ut][- ]?visas?|visas?|asylum|green cards?|work permits?|daca|citizenship|naturaliz\w*|check-?ins?|"
        r"bond hearings?|immigration bonds?|immigration courts?|immigration judges?|h-?1b|f-?1|"
        r"temporary protected status|tps|removal proceedings|deportation (?:case|proceeding|hearing)s?|"
        r"immigration (?:case|hearing|interview|application|petition)s?|adjust\w* (?:my |his |her |their )?status|"
        r"notice to appear|fee waivers?"),
    "family": (
        r"custody (?:of|case|cases|battle|hearing|hearings|fight|order|orders)|child custody|custody of (?:my|our|his|her) "
        r"(?:kids|children|son|daughter)|family court|divorce|child support|visitation|guardianship|adoption"),
}
_OWN_CASES = _whole_words(OWN_CASES, word=r"\w-")
_RECORDS_OR_SHARING = _whole_words({"records": (
    r"records?|information|info|data|address\w*|photo\w*|pictures?|files?|databases?|documents?|"
    r"licen[cs]es?|ids?|id cards?|shar\w*|give|gives|gave|giv\w*|tell|tells|told|report\w*|send\w*|"
    r"notif\w*|certif\w*|lists?|disclos\w*|releas\w*|access\w*")})["records"]
# The case's own court is no body whose records the question asks about ("will the judge care").
_CASE_COURT = compiled_on_use(r"\b(?:courts?|judges?|clerks?|courthouses?|hearings?)\b", re.IGNORECASE)


def asks_own_case(question: str) -> str | None:
    """The kind of a person's own case a question asks about (OWN_CASES: "immigration", "family"),
    when it asks about nothing the corpus's law governs: no records or their sharing, no holder of
    them (the DMV, the police), no government body but the case's court, and no law the corpus is
    built around. None otherwise."""
    text = translate_query(question)
    kind = next((name for name, pattern in _OWN_CASES.items() if pattern().search(text)), None)
    if kind is None or (_RECORDS_OR_SHARING().search(text) or _names_found(_HOLDERS, text)
                        or _names_found(_GOVERNMENT_NAMED, _CASE_COURT().sub(" ", text)) or _NAMED().search(text)):
        return None
    return kind


def holders_named(text: str) -> frozenset[str]:
    """The holders of records (HOLDERS) that `text` names, read through the glossary."""
    return frozenset(_names_found(_HOLDERS, translate_query(text)))


# Filming someone is no record of theirs ("can I record the police", "is it legal to record ICE
# agents"): the verb is set aside before the question's groups are read.
_FILMING = compiled_on_use(
    r"\b(?:record|recording|recorded|film|filming|filmed|videotap\w*)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:police|cops?|officers?|deput(?:y|ies)|sheriffs?|ice|agents?|immigration agents?|them|him|her|it|"
    r"arrests?|raids?|stops?|videos?)\b", re.IGNORECASE)


def asks_filming(question: str) -> bool:
    """Whether a question asks about filming or recording the police or immigration agents
    (_FILMING: "is it legal to record ICE agents") and, that set aside, about no records or their
    sharing and no law the corpus holds: no law here decides it."""
    text = translate_query(question)
    if not _FILMING().search(text):
        return False
    rest = _FILMING().sub(" ", text)
    return not (_RECORDS_OR_SHARING().search(rest) or _NAMED().search(rest))


def subject_groups(question: str) -> frozenset[str]:
    """The groups of the corpus's subject a question's words fall in ("named" for a named law,
    "terms" for one of the corpus's own terms, _TERMS)."""
    text = _FILMING().sub(" ", translate_query(question))  # "can I record the police": no record
    found = set(_names_found(_GROUPS, text))
    if _NAMED().search(text):
        found.add("named")
    if _TERMS().search(text):
        found.add("terms")
    return frozenset(found)


# A license held against its holder: required, refused or used to turn someone down ("job ad says
# must have a driver's license", "landlord turned me down because of my license"). Asked of an
# employer, a business or a landlord, it is Veh. Code § 12801.9(g)'s subject, whatever else the
# question names.
_HELD_AGAINST = _whole_words({"against": (
    r"discriminat\w*|requir\w*|demand\w*|insist\w*|make (?:me|us|him|her|them|every (?:\w+ )?\w+|new hires?|workers?|"
    r"employees?|applicants?) show|refus\w*|reject\w*|turn\w* (?:me |him |her |us |them )?down|"
    r"den(?:y|ied|ies)|(?:won'?t|wouldn'?t|will not|would not) (?:hire|rent|serve|accept|take|let)|"
    r"passed (?:me |him |her |us |them )?over|fire[ds]?|firing|double deposit|charg\w* (?:me )?more|"
    # asked to show it ("can a landlord ask for my license", "my boss wants to see my ID")
    r"ask(?:s|ed|ing)? (?:me |us |him |her |them )?(?:for|to see)|wants? to see|"
    r"request(?:s|ed|ing)? (?:(?:a|my|your|his|her|our|their|the) )?(?:driver'?s? )?licen[cs]e"  # "me pide licencia"
)})["against"]
_LICENSE = _whole_words({"license": r"licen[cs]es?|id cards?|identification cards?|ids?"})["license"]
LANDLORDS = r"landlords?|apartment managers?|property managers?|leasing offices?"
_LANDLORD = _whole_words({"landlord": LANDLORDS})["landlord"]


@functools.lru_cache(maxsize=64)
def parties_asked(text: str) -> frozenset[str]:
    """The parties `text` names (PARTIES, and "landlord"), read through the glossary, and
    "agents" when it asks what federal immigration agents may do (_agents_asked). Kept for the
    last questions: the search and the answer's sentence table each ask it of the same one."""
    english = translate_query(text)
    return (frozenset(_names_found(_PARTIES, english)) | ({"landlord"} if _LANDLORD().search(english) else frozenset())
            | ({"agents"} if _agents_asked(english) else frozenset()))


def asks_of_unnamed(key: str, named: frozenset[str]) -> bool:
    """Whether a key (a question a passage answers) asks something of a business, an employer or
    a landlord ("Can a store treat me differently …") that is not among the parties a question
    names (`named`, from parties_asked), or of the police when the question asks what federal
    immigration agents may do: then it is no answer to that question ("can I get a REAL ID with
    an AB 60 license"), however many words they share."""
    english = translate_query(key)
    if "agents" in named and _POLICE_ASKED_OF().search(english):
        return True  # "Can police arrest someone on an ICE civil warrant?" is not "can ICE arrest me …"
    party = _party_asked_of(english)
    return party not in (None, "place") and party not in named


def party_asked_of(question: str) -> str | None:
    """The party a question asks something of, read through the glossary (_party_asked_of)."""
    return _party_asked_of(translate_query(question))


def _party_asked_of(text: str) -> str | None:
    """The party the question asks something of (_ASKED_OF: "can my employer …"): "employer",
    "business", "landlord" or "place" (one of § 7284.8(a)'s); None if it asks of none of them."""
    asked = _ASKED_OF().search(text)
    if not asked:
        return None
    who = asked.group(1)
    party = next((name for name in ("employer", "business") if _PARTIES[name]().fullmatch(who)), None)
    return party or ("landlord" if _LANDLORD().fullmatch(who) else "place" if _PLACES().fullmatch(who) else None)


# The one a question asks something of: "can the DMV …", "can my employer …", "does a landlord
# have to …", "can ICE …".
_ASKING = r"can|could|does|do|will|would|may|might|is|are|should|has|have"

# Whom a question may ask about other than the police, as an answer names them.
_OTHERS = {"employer": "employers", "business": "businesses", "landlord": "landlords",
           "place": "schools, hospitals and other such places", "agents": "federal immigration agents"}

# Federal immigration agents asked what they may do to a person ("can ICE come into my house",
# "can immigration agents take my phone", "la migra puede entrar"): the Values Act's limits bind
# California's police, not them. Only acts done to a person or a place: what ICE may obtain from
# someone ("can ICE get my address") is decided by the rule binding whoever holds it.
_AGENTS = (r"ice(?: immigration enforcement)?(?: agents?| officers?)?|immigration enforcement ice|"
           r"immigration(?: agents?| officers?| officials?)?|border patrol(?: agents?)?|cbp|"
           r"federal (?:immigration )?agents?")
_AGENT_ACTS = (r"come|enter|go|get in(?:to|side)?|arrest|detain|stop|question|take|hold|deport|pick|raid|knock|break|"
               r"search|wait|show up|grab|handcuff|follow|track|watch|monitor|wear|force|make me|make us")
_AGENTS_ACT = compiled_on_use(
    rf"(?:\b(?:{_ASKING})\s+(?:the\s+)?(?:{_AGENTS})|\b(?:{_AGENTS})\s+(?:{_ASKING}))\s+(?:\w+ly\s+|still\s+|just\s+)?"
    rf"(?:{_AGENT_ACTS})\b"
    # "if ICE stops me on the sidewalk, do I have to …", "si ICE toca" (read "if ICE knocks")
    rf"|\bif\s+(?:the\s+)?(?:{_AGENTS})\s+(?:\w+ly\s+)?(?:{_AGENT_ACTS})(?:e?s|ed)?\b"
    # Spanish order, read through the glossary: "¿pueden entrar los agentes de ICE …?"
    rf"|\b(?:can|could|may)\s+(?:{_AGENT_ACTS})\s+(?:in(?:to)?\s+)?(?:the\s+)?(?:{_AGENTS})\b",
    re.IGNORECASE)
_POLICE_ASKED_OF = compiled_on_use(
    rf"\b(?:{_ASKING})\s+(?:(?:{_DET}|local|california)\s+)?(?:{HOLDERS['police']})\b", re.IGNORECASE)
_AGENT_WORDS = compiled_on_use(rf"\b(?:{_AGENTS})\b", re.IGNORECASE)


def _agents_asked(text: str) -> bool:
    """Whether `text` (read through the glossary) asks what federal immigration agents may do to
    a person or a place (_AGENTS_ACT), naming no holder of records besides them ("immigration
    officers" are no police the Values Act binds: the agents' words are set aside) and no law the
    corpus is built around."""
    return bool(_AGENTS_ACT().search(text)) and not (
        _names_found(_HOLDERS, _AGENT_WORDS().sub(" ", text)) or _NAMED().search(text))


# A home entered: when immigration agents may come into one ("can ICE come into my apartment")
# is no rule here.
_HOME = compiled_on_use(r"\b(?:house|home|apartment|apt|dwelling|casa|bedroom|front door|my door|the door|yard)\b",
                        re.IGNORECASE)
_ENTERS = compiled_on_use(r"\b(?:(?:come|comes|go|get|break|force)\s+(?:in|into|inside)|enter\w*|search\w*|knock\w*|"
                          r"open (?:my|the) door|entrar)\b", re.IGNORECASE)


def agents_at_home(question: str) -> bool:
    """Whether the question asks whether immigration agents may enter or search someone's home
    (_agents_asked, a home and a word of entering named): no law the corpus holds decides it."""
    text = translate_query(question)
    return _agents_asked(text) and bool(_HOME().search(text)) and bool(_ENTERS().search(text))


def agents_at_place(question: str) -> str | None:
    """The place of Gov. Code § 7284.8(a) (PLACES) at which the question asks what immigration
    agents may do (_agents_asked: "can ICE arrest me at my kid's school"), in § 7284.8(a)'s words
    (policy_place); None otherwise, and for a courthouse, where Civ. Code § 43.54 bars civil
    arrests of people at court."""
    text = translate_query(question)
    found = _PLACES().search(text) if _agents_asked(text) else None
    if found is None or re.match(r"court|clerk", found.group(0), re.IGNORECASE):
        return None
    if _GROUPS["records"]().search(text):
        return None  # "does a vaccine at a county clinic put my name in a database ICE can search": records
    return policy_place(found.group(0))


def police_asked(question: str) -> bool:
    """Whether the question asks something of the police ("can police search my car"), not of
    federal immigration agents, read through the glossary."""
    text = translate_query(question)
    return bool(_POLICE_ASKED_OF().search(text)) and not _agents_asked(text)


def others_asked(question: str) -> str | None:
    """Whom the question asks about, when the subject it asks of ("can my employer …", "can a
    landlord …") is an employer, a business, a landlord or one of § 7284.8(a)'s places, and it
    names no holder of records (HOLDERS: the police, the DMV), no government body (a county, a
    city: the Values Act's limits bind their police) and no law the corpus is built around; in a
    plural an answer can name ("landlords"). None otherwise."""
    text = translate_query(question)
    if _agents_asked(text):
        return _OTHERS["agents"]
    holders = _names_found(_HOLDERS, text)
    if "police" in holders or _names_found(_GOVERNMENT_NAMED, text) or _NAMED().search(text):
        return None
    if _DMV_ASKED_OF().search(text):
        return "the DMV"  # "can the DMV ask about my immigration status"
    if holders:
        return None
    party = _party_asked_of(text)
    return _OTHERS[party] if party else None


_DMV_ASKED_OF = compiled_on_use(rf"\b(?:{_ASKING})\s+(?:the\s+)?(?:dmv|department of motor vehicles)\b", re.IGNORECASE)
_ASKED_OF = compiled_on_use(
    rf"\b(?:{_ASKING})\s+(?:(?:{_DET})\s+)?(?:[\w'-]+\s+)?"
    rf"({PARTIES['employer']}|{PARTIES['business']}|{LANDLORDS}|{PLACES})\b",
    re.IGNORECASE)


def holds_against(text: str) -> bool:
    """Whether `text` speaks of requiring, refusing or discriminating (_HELD_AGAINST): of a rule,
    whether it is one against holding a license against its holder."""
    return bool(_HELD_AGAINST().search(text))


def license_held_against(question: str) -> bool:
    """Whether the question asks about an employer, a business or a landlord requiring or refusing
    a license (_HELD_AGAINST), read through the glossary."""
    text = translate_query(question)
    return bool(_LICENSE().search(text) and _HELD_AGAINST().search(text)
                and (_names_found(_PARTIES, text) or _LANDLORD().search(text)))


# The corpus's own terms for what the police may do for immigration enforcement: naming one puts
# a question on the subject, though its other words fall in no group ("what is an immigration
# hold", "how long can ICE detainers last", "does 287g exist in California").
_TERMS = _whole_words({"terms": (
    r"detainers?|(?:immigration|ice) holds?|hold requests?|notification requests?|transfer requests?|"
    r"287\s?\(?g\)?|civil immigration warrants?|judicial warrants?|wobblers?"
)})["terms"]


def on_subject(question: str) -> bool:
    """Whether the question's words put it on the corpus's subject (see the module docstring)."""
    groups = subject_groups(question)
    return "named" in groups or "terms" in groups or len(groups) >= 2 or license_held_against(question)
