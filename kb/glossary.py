"""Query normalisation: the words advocates type that the corpus spells another way.

The default model and the BM25 stemmer are English-only, and the corpus is written in English
legal terms. A question in Spanish or with British spellings and shorthand ("licencia AB 60",
"adress", "SSN", "info") shares few words with it. Each glossary entry appends the corpus's term
to the query for lexical search (the original words stay) and replaces the word for dense search. Entries are common
Spanish words and shorthand in advocates' questions, mapped to the corpus's own vocabulary.
"""

from __future__ import annotations

import re

from kb.text import compiled_on_use

# word or phrase as typed (lower case, accents as typed or not) -> the corpus's words
GLOSSARY: dict[str, str] = {
    # Spanish
    "licencia": "license", "licencias": "licenses", "licencia de manejo": "driver's license",
    "licencia de conducir": "driver's license", "identificación": "identification card",
    "identificacion": "identification card", "dirección": "address", "direccion": "address",
    "domicilio": "residence address", "documentos": "documents", "papeles": "documents",
    "pasaporte": "passport", "acta de nacimiento": "birth certificate", "seguro social": "social security",
    "número de seguro social": "social security number", "numero de seguro social": "social security number",
    "policía": "police law enforcement", "policia": "police law enforcement", "migra": "immigration enforcement ICE",
    "inmigración": "immigration", "inmigracion": "immigration", "estatus migratorio": "immigration status",
    "indocumentado": "undocumented", "indocumentados": "undocumented", "foto": "photograph",
    "fotografía": "photograph", "fotografia": "photograph", "compartir": "share disclose",
    "comparte": "share disclose", "comparten": "share disclose", "datos": "information data",
    "información": "information", "informacion": "information", "dueño": "landlord owner",
    "apartamento": "housing", "rentar": "housing rent", "trabajo": "employment", "patrón": "employer",
    "discriminación": "discrimination", "discriminacion": "discrimination", "cárcel": "jail",
    "carcel": "jail", "orden judicial": "court order warrant", "citatorio": "subpoena",
    "leyes": "law", "ley": "law", "puede": "can", "pueden": "can", "necesito": "need", "sacar": "obtain",
    "privacidad": "privacy", "protección": "protection", "proteccion": "protection",
    "detenido": "detained", "detenida": "detained", "detenidos": "detained", "arrestado": "arrested",
    "arrestada": "arrested", "archivo": "record", "archivos": "records", "expediente": "record",
    "traductor": "interpreter", "intérprete": "interpreter", "interprete": "interpreter",
    "preguntar": "ask", "preguntarle": "ask", "puedo": "can I", "tienen": "have", "sobre": "about",
    "reconocimiento facial": "facial recognition", "sacaron": "obtained", "sacan": "obtain",
    "saca": "obtains", "entregar": "give", "entrega": "gives", "entregan": "give", "entregó": "gave",
    "entregaron": "gave", "usar": "use", "usan": "use", "usaron": "used", "multa": "fine", "demandar": "sue",
    "avisar": "notify", "avisan": "notify", "aviso": "notice",
    # spelling variants and shorthand
    "papers": "documents", "photo": "photograph", "photos": "photographs", "pic": "photograph",
    "picture": "photograph", "sell": "sale", "home address": "residence address",
    "licence": "license", "licences": "licenses", "lisence": "license", "liscense": "license",
    "lisense": "license", "licsense": "license", "lincense": "license", "adress": "address", "addres": "address",
    "info": "information", "bank": "financial institution", "banks": "financial institutions", "ssn": "social security number", "dl": "driver's license",
    "ab60": "AB 60", "sb54": "SB 54", "ab1766": "AB 1766", "ab1747": "AB 1747", "ab1660": "AB 1660",
    "dppa": "Driver's Privacy Protection Act",
    "clets": "CLETS California Law Enforcement Telecommunications System", "realid": "REAL ID", "opt out": "opt-out consent",
    "opt-out": "opt-out consent", "sanctuary": "California Values Act SB 54",
    "sanctuary state": "California Values Act SB 54",
    # Users say "ICE"; the statutes say "immigration enforcement" (Gov. Code § 7284.4(f)).
    "ice": "ICE immigration enforcement", "green light": "Green Light law New York",
}

# Words of access and sharing: users ask whether someone can "get" or "see" records, or whether
# the DMV will "give" or "share" them; the statutes say "obtain", "access" and "disclose". Added
# to the lexical query only: the embedding already reads these verbs as near-synonyms, and
# replacing them made dense answers worse on the tuning questions.
ACCESS_WORDS: dict[str, str] = {
    "get": "obtain disclose", "see": "access", "give": "disclose", "hand over": "disclose",
    "share": "disclose", "shares": "discloses", "sharing": "disclosure", "shared": "disclosed",
}

# Everyday phrasings of the statutes' terms: a client says "where I live", "cop", "criminal
# record" or "hand someone over to ICE"; the statutes say "home address", "peace officer",
# "criminal history" and "transfer". Appended to the lexical query only, like ACCESS_WORDS (the
# embedding already reads them as near-synonyms). Keys are patterns, so a pronoun may vary.
_WHO = r"(?:i|we|you|he|she|they|someone|somebody|people|my \w+|a person)"
# "asked if I'm legal", "am I here legally": a person's immigration status, in a client's words
# (the statutes: "immigration status", Gov. Code § 7284.6(a)(1)(A)). Not "is it legal".
BEING_LEGAL = (r"(?:i'?m|i am|am i|is (?:he|she)|are (?:you|they|we)|he'?s|she'?s|they'?re|we'?re|you'?re)"
               r" (?:here )?(?:il)?legal(?:ly)?(?! to\b)")
EVERYDAY_WORDS: tuple[tuple[str, str], ...] = (
    (rf"where {_WHO} (?:live|lives|stay|stays|sleep|sleeps)", "home address residence"),
    (rf"where {_WHO} (?:work|works)", "work address employer"),
    (r"criminal records?|rap sheets?|record of arrests", "criminal history"),
    (r"police officers?|cops?|officers? of the law", "peace officer law enforcement"),
    (r"sheriffs?(?: department| deputies| deputy)?|police departments?", "law enforcement agency"),
    (r"jails?|lock-?up|prisons?", "custody"),
    (r"(?:hand|turn|give)(?:s|ed|ing)? (?:me|him|her|them|us|someone|somebody|people|a person|inmates?|prisoners?) over",
     "transfer custody"),
    (r"(?:ice|immigration|federal|la migra) (?:agents?|officers?|officials?)", "immigration authorities"),
    (r"look(?:s|ed|ing)? (?:me |him |her |them |someone |it )?up|run(?:s)? (?:my |a |the )?(?:name|plates?)", "access obtain inquiry"),
    (r"sue|sued|suing|lawsuits?|take (?:them|it|him|her) to court", "civil action court case"),
    (r"challenged in court|court challenges?", "court case lawsuit"),
    (r"translat(?:e|es|ed|ing|ion|or|ors)", "interpreter interpret"),
    (r"(?<!can you )(?<!could you )(?:tell|let|warn)s? (?:me|you|him|her|them|us)(?: know)? (?:if|when|whether|who|before)",
     "notify notice"),
    (r"(?:here|in the (?:us|u\.s\.|country)) (?:legally|illegally)|"
     r"legal status|(?:has|have|had|got|get) (?:no )?papers|country of citizenship|" + BEING_LEGAL, "immigration status"),
    (r"fined|fines?|penalt(?:y|ies)", "civil penalty"),
    # A person asking for their own file: the IPA's "individual" who may "inspect" a "record"
    # about them (Civ. Code §§ 1798.32, 1798.34), not a requester of someone else's.
    (r"(?:i|me)(?:\s+\w+){0,6}?\s+(?:see|look at|check|read|get|copy|request|ask for|asked for|find|"
     r"(?:ask|asked|requested)(?: the)? (?:dmv|agency|department) for)\s+"
     r"(?:a copy of\s+|all\s+)?my (?:own\s+)?"
     r"(?:dmv\s+)?(?:files?|records?|info\w*|data)|(?:a|any) (?:file|record)s? (?:on|about) (?:me|myself)|"
     r"(?:can'?t|cannot|couldn'?t|could not) (?:find|locate) my (?:file|record)s?",
     "individual inspect own record"),
)
# The same phrasings, reworded for the dense encoder where the statute's term reads naturally in
# their place ("tell ICE where I live" -> "tell ICE the home address").
EVERYDAY_DENSE: tuple[tuple[str, str], ...] = (
    (rf"where {_WHO} (?:live|lives|stay|stays|sleep|sleeps)", "the home address"),
    (r"criminal records?|rap sheets?", "criminal history"),
    (r"(?:ice|immigration|federal) (?:agents?|officers?|officials?)", "immigration authorities"),
    (r"translators?", "interpreter"),
    (r"(?:if|whether) " + BEING_LEGAL, "about my immigration status"),
    (BEING_LEGAL, "my immigration status"),
    # "will the DMV tell me if ICE looks me up": the statutes "notify" the person.
    (r"(?<!can you )(?<!could you )(?:tell|let|warn)(s?) (me|you|him|her|them|us)(?: know)? (if|when|whether|who|before)",
     r"notify\1 \2 \3"),
    (r"translat(?:e|es|ed|ing)", "interpret"),
    (r"(?:hand|turn)(s|ed|ing)? (me|him|her|them|us|someone|somebody|people|a person|inmates?|prisoners?) over",
     r"transfer\1 \2"),
)
_EVERYDAY_DENSE = [(re.compile(rf"(?<!\w)(?:{key})(?!\w)", re.IGNORECASE), term) for key, term in EVERYDAY_DENSE]


def plain_terms(text: str) -> str:
    """`text` with everyday phrasings replaced by the statutes' terms, for the dense encoder."""
    for pattern, term in _EVERYDAY_DENSE:
        text = pattern.sub(term, text)
    return text


_EVERYDAY = [(re.compile(rf"(?<!\w)(?:{key})(?!\w)", re.IGNORECASE), term) for key, term in EVERYDAY_WORDS]

# Spanish grammar words: translated for the dense encoder only when the question reads as Spanish
# (they mean nothing to BM25, whose English stop-word list drops their translations anyway).
SPANISH_WORDS: dict[str, str] = {
    "mi": "my", "mis": "my", "el": "the", "la": "the", "los": "the", "las": "the", "del": "of the",
    "de": "of", "para": "to", "por": "for", "con": "with", "sin": "without", "que": "that",
    "qué": "what", "cómo": "how", "como": "how", "dónde": "where", "cuándo": "when", "es": "is",
    "son": "are", "ver": "see", "dar": "give", "darle": "give", "tengo": "I have", "tiene": "has",
    "si": "if", "sí": "yes", "mí": "me", "a": "to", "un": "a", "una": "a", "y": "and", "o": "or",
    "en": "in", "al": "to the", "lo": "it", "le": "to them", "legal": "legal", "pasa": "happens",
}
_SPANISH_HINT = re.compile(r"[¿¡áéíóúñ]|\b(?:mi|mis|del|para|puede|qué|cómo)\b", re.IGNORECASE)
_SPANISH_PATTERN = compiled_on_use(r"(?<!\w)(" + "|".join(re.escape(k) for k in SPANISH_WORDS) + r")(?!\w)", re.IGNORECASE)

_PATTERN = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(GLOSSARY, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)


def translate_query(text: str) -> str:
    """`text` with each glossary word replaced by the corpus's term: for the dense encoder,
    whose English-only model embeds a half-Spanish question poorly even with terms appended."""
    text = _PATTERN.sub(lambda m: GLOSSARY[m.group(1).lower()], text)
    if _SPANISH_HINT.search(text):
        text = _SPANISH_PATTERN().sub(lambda m: SPANISH_WORDS[m.group(1).lower()], text).replace("¿", "")
    return text


_ACCESS_PATTERN = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(ACCESS_WORDS, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)


def expand_query(text: str) -> str:
    """`text` with the corpus's terms for any glossary words appended (each once)."""
    extra: list[str] = []
    found = [(m.start(), GLOSSARY[m.group(1).lower()]) for m in _PATTERN.finditer(text)]
    found += [(m.start(), ACCESS_WORDS[m.group(1).lower()]) for m in _ACCESS_PATTERN.finditer(text)]
    found += [(m.start(), term) for pattern, term in _EVERYDAY for m in pattern.finditer(text)]
    for _start, term in sorted(found):
        if term not in extra and term.lower() not in text.lower():
            extra.append(term)
    return f"{text} ({'; '.join(extra)})" if extra else text
