"""Compose an extractive, cited answer from the law, or abstain.

Nothing is generated: every answer sentence is a sentence of a passage, followed by the passage
it came from. Answer sentences come from primary law (statutes, regulations, cases) and from
our notes that cite it; a secondary source (the FAQ) never supplies one, and agency material
only when nothing else answers or the question names the agency's document ("bulletin
18-10-CJIS"), labelled as the agency's statement. When one of our notes
answers the question, its conclusion leads ("there is no opt-out"), followed by the law it
relies on.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kb.citations import CitationRef, parse_citation
from kb.errors import KbError
from kb.glossary import BEING_LEGAL, ORIGIN, translate_query
from kb.models import AUTHORITIES, PRIMARY_AUTHORITIES, Answer, AnswerSentence, Hit, group_of
from kb.query import Query, bills_in, parse_query
from kb.records import COMMENTARY, CORRECTED
from kb.retrieval import Retriever
from kb.jurisdictions import is_home, state_name, states_named
from kb.search import OTHERS_KEY_NEAR, Ranked, Ranking, best_first
from kb.subject import (ACT_BILLS, REPORTED_ONLY, acts_named, agents_at_home, agents_at_place, asks_errand,
                        asks_filming, asks_own_case,
                        asks_of_unnamed, holders_named, holds_against, license_held_against, names_government,
                        on_subject, others_asked, outside_holders, outside_sharer, parties_asked, parties_named,
                        party_asked_of, police_asked, policy_place, records_named, subject_groups)
from kb.text import compiled_on_use


@dataclass(frozen=True)
class AnswerSettings:
    """How an answer is chosen. Values marked (tuned) were chosen with `kb eval --split tune`
    on tests/eval/questions.yaml (README, "Answers", lists the variants tried); the others are
    limits on length.

    Abstention (issue 13, item 3: abstain only off topic, decided by more than one cosine): a
    question is answered when it names a law the corpus holds, or has a strong lexical match
    (lexical_rescue), or when both (1) its best passage's cosine reaches abstain_below, or only
    on_subject_floor if its words are on the corpus's subject (kb/subject.py), and (2) its
    cosine with the closest file context reaches context_floor. Off the subject by its words,
    a key (a question a passage answers) counts towards (1) only when its cosine reaches
    key_floor: 0.72, the middle of the tuning half's gap between the off-subject answerable
    questions' best keys (0.747 and up) and the off-topic ones' (0.69 at most) once the
    fourth-session keys were added ("how do I register to vote" came within 0.64 of a key
    on the ID card's voter-registration notice). Each floor is the middle of the
    widest gap between the tuning half's answerable and off-topic questions (README): 0.615
    (calibrated with `kb eval --calibrate` before issue 13), 0.49 (between 0.44, the one
    off-topic question on the subject by its words, "the immigration court moved my hearing",
    and 0.535, the lowest such answerable one, on the tuning half with the i-block; it was
    0.42, between 0.331 and 0.506, before the i-block) and 0.32 (between 0.271 and 0.366). An answer on a question below abstain_below says that no
    passage decides it exactly (Answer.closest). lexical_rescue: a question whose best passage
    scores at least this much BM25 per query term is answered whatever its cosines: its
    distinctive words are in the corpus (tuned).
    question_match: a note leads when the question's cosine with a guide question the note
    corrects is at least this: the user asked that question, nearly word for word (tuned:
    0.85 beat 0.65, 0.75 and off by one or two tuning questions).
    note_lead: otherwise a note leads when its best passage, or the guide question it corrects,
    scores at least this share of the best passage of law on the fused scale (tuned: 1.0 beat
    1.1, 1.2 and 1.35, which let the law lead where the note held the answer).
    summary_weight: a section's plain-language summary counts this much against its own
    subdivisions, so the answer cites the exact subdivision (tuned: 0.8 of 0.7–1.0).
    best_sentence: a passage of law rises by this share of the best score times its closest
    sentence's cosine with the question (tuned: 0.45 of 0–1.0), among the first rerank_depth
    passages (tuned: 20 gained a question over 10; 40 gained nothing more).
    law_passages / law_floor: how many passages of law may give answer sentences, and how
    close to the best they must score (tuned: 3 and 0.75; 2 lost answers).
    second_sentence: a passage's second sentence is added only when its cosine with the
    question is at least this; max_sentences caps the answer so it reads at a glance (a
    sentence stating the exception its passage attaches to a quoted one may exceed it by one).
    Issue 13, item 4: duplicate: a sentence whose cosine with one already in the answer is at
    least this says the same thing and is left out (0.9: paraphrases of one rule score 0.9+,
    different rules of one section under 0.85 on the tuning answers); restated: a sentence of
    law is left out, its passage cited by the note sentence instead, when that note sentence
    names its section and holds at least this share of its stemmed content words (0.4: the
    seed notes that restate § 1808.48 hold 0.43-0.87 of its words, those that only discuss it
    0.0-0.3); key_match: a passage one of whose questions (front matter `questions:`) has at
    least this cosine with the question answers it exactly and leads over a general note,
    when one of its own sentences reaches key_own_floor ("can I sue if someone misused my DMV
    info" matched (b)(4)'s key "Can a court order someone to stop misusing my DMV
    information?" at 0.87, its sentence "the court may award such other … relief" at 0.10:
    0.3 changed no tuning answer, 0.4 lost one lead);
    ban_depth: when none of the limits for immigration enforcement among the first rerank_depth
    passages binds the holder the question names (the DMV), how deep one that does is looked for.
    penalty_depth: asked whether or how conduct is punished, how deep among the passages of law a
    rule setting a penalty is looked for (penalty rules are few, and ranked by what the conduct
    is: "a cop who looks up DMV info for ICE" ranks § 1808.46 23rd).
    history_depth: for a "when" question, how deep among the passages of law a History passage
    is looked for before the best passage's own section's.
    rare_share / named_depth: a question naming a name (a word the passages write capitalised)
    that at most this share of passages hold ("Nlets") gets, second, the sentence closest to it
    that names the name, from the first named_depth passages of law or our notes, when no answer
    sentence names it.
    item_floor: a quoted rule that points to the items its paragraphs list ("the relief listed
    in paragraphs (1) to (4)") is followed by the item closest to the question when that item's
    cosine reaches this (tuned: 0.4; at 0.55 no item was ever added, with none at all an item
    the question was not about pushed the deciding passage out of the first two sentences).
    law_shown / shown_floor: passages of law listed under the answer, and how close to the best
    they must score. agency_floor: the best agency passage (a DOJ bulletin, a DMV page) is listed
    when it scores at least this share of the best passage of all. secondary_floor / secondary_shown: a FAQ passage is listed (apart,
    labelled) only when it scores at least this share of the best passage of all.
    report_lead: a report we digested (a development) leads, labelled, when its best passage
    scores at least this share of the best passage of law and of our notes on the fused scale
    (tuned: 0.9 of 0.7–1.0; 0.95 and 1.0 led fewer questions about the reported events, 0.8
    one more, and at 0.7 a report led a question the REAL ID Act decides).
    """

    abstain_below: float = 0.615
    on_subject_floor: float = 0.49
    context_floor: float = 0.32
    lexical_rescue: float = 1.0
    note_lead: float = 1.0
    question_match: float = 0.85
    summary_weight: float = 0.8
    best_sentence: float = 0.45
    rerank_depth: int = 20
    ban_depth: int = 100
    penalty_depth: int = 40
    law_passages: int = 3
    law_floor: float = 0.75
    second_sentence: float = 0.55
    duplicate: float = 0.9
    restated: float = 0.4
    key_match: float = 0.8
    key_own_floor: float = 0.3
    history_depth: int = 10
    max_sentences: int = 4
    law_shown: int = 4
    shown_floor: float = 0.5
    agency_floor: float = 0.8
    secondary_floor: float = 0.8
    secondary_shown: int = 2
    rare_share: float = 0.02
    named_depth: int = 10
    key_floor: float = 0.72
    item_floor: float = 0.4
    report_lead: float = 0.9


# group_of(source) by authority (an index in AUTHORITIES): primary law is "law".
_GROUP_OF_AUTHORITY = tuple("law" if a in PRIMARY_AUTHORITIES else a for a in AUTHORITIES)

# A sentence opening with one of these leans on the one before it ("It also…", "This
# paragraph…"), so it cannot be quoted alone.
_LEANS_ON_CONTEXT = re.compile(
    r"^(?:it(?! is (?:unlawful|illegal|a violation|a crime|a misdemeanor|the (?:policy|intent)))|"
    r"its|this|that|these|those|such|they|their|them|the same|also|however|but|and|or|"
    r"otherwise|further|furthermore|in addition|likewise|both of|either of|neither of|here|there|then|"
    r"thus|so|instead|even so|for example|for instance|e\.g\.|"
    # "The ban applies…", "The section does not…": the thing named is the one just described.
    r"the (?:section|subdivision|paragraph|subparagraph|ban|rule|bar|list|exception|provision|"
    r"clause|definition|duty|requirement|prohibition|limit|period)s?)\b",
    re.IGNORECASE,
)


# A quotation of a few words or more: quoting it twice in one answer says the same thing twice.
_QUOTATION = re.compile(r"[\"“]([^\"”]{12,})[\"”]")
# A sentence that carves cases out of a rule: quoted whatever conditions the rule states itself
# ("Notwithstanding any other law, the DMV shall not …, unless …" is still followed by "The bar
# does not apply to …").
_CARVE_OUT = re.compile(
    r"\b(?:do(?:es)? not apply|shall not apply|(?:is|are) exempt\w*|exempts?\b|"
    r"does not (?:prohibit|prevent|restrict|alter|violate|count as|include|cover)|"
    r"do not (?:prohibit|prevent|restrict|alter|violate|count as|include|cover)|"
    r"nothing in this (?:section|subsection|subdivision|paragraph) requires|do(?:es)? not (?:require|direct))",
    re.IGNORECASE,
)
# A rule's parent that says the rule permits and does not require ("nothing in this subsection
# requires a DMV to make those disclosures"): quoted after a permission it frames.
_PERMITS_ONLY = compiled_on_use(r"\bnothing in this (?:section|subsection|subdivision|paragraph) requires\b|"
                           r"\bdo(?:es)? not require\b", re.IGNORECASE)
# A rule that points to the items its paragraphs list ("any of the following", "the things listed
# in paragraphs (1) to (6)", "the items in (A) and (B)", "the offenses described in (A) and (B)",
# "one of the exceptions (a) to (w)"): alone it says nothing of what they are. A pair of labels
# after a section number ("§ 7284.4(b) and (c)") names another law's parts, not its own items.
_POINTS_TO_ITEMS = re.compile(
    r"\b(?:the following|below)\b|"
    r"\b(?:paragraphs?|subparagraphs?|clauses?|items|exceptions|described in|listed in|set out in)\s+"
    r"(?:in\s+)?\(\w+\)\s*(?:to|through|and|or)\s*\(\w+\)",
    re.IGNORECASE,
)
# A sentence that excepts cases by their labels ("except for the uses permitted in (b)(1), (b)(4)
# and (b)(9)", "except as subsection (b) provides", "except as paragraph (5) provides"): group 1
# holds the labels.
_EXCEPTED_BY_LABEL = compiled_on_use(
    r"\bexcept (?:as|for|in|under)\b[^.;]{0,60}?((?:\([a-z0-9]+\))+(?:(?:,\s*|\s+(?:and|or)\s+|,\s+(?:and|or)\s+)"
    r"(?:\([a-z0-9]+\))+)*)", re.IGNORECASE)
_LABEL_PATH = re.compile(r"(?:\([a-z0-9]+\))+", re.IGNORECASE)
_LABEL = re.compile(r"\(([a-z0-9]+)\)", re.IGNORECASE)
# A sentence cut by a window's edge: it does not end as a sentence ends, or begins mid-sentence.
_ENDS = re.compile(r"[.?!:;][\"”’')\]]*\s*$")


def is_complete(sentence: str) -> bool:
    """Whether a stored sentence is whole: a long passage is stored in windows, and a window's
    edge may cut a sentence, whose whole text is in the neighbouring window."""
    text = sentence.strip()
    return bool(_ENDS.search(text)) and not text[:1].islower()
# A sentence that limits another: an exception, an exemption or a condition.
_CONDITION = re.compile(
    r"\b(?:do(?:es)? not apply|shall not apply|not required|except(?:ion)?s?\b|unless|exempt\w*|"
    r"only (?:if|when|where)|provided that|notwithstanding)",
    re.IGNORECASE,
)
# "Does federal law …", "under federal law": a question about federal law, which then ranks first
# among passages of similar relevance (FEDERAL_WEIGHT, 1.15: lifts 18 U.S.C. § 2721 into the first three for the design question of issue 3; no tune-half figure moved).
_FEDERAL = re.compile(r"\b(?:federal|u\.?s\.?) (?:law|laws|statute|statutes|act|rule|rules|government)\b", re.IGNORECASE)
FEDERAL_WEIGHT = 1.15
# "Does New York …": a question naming another state (and not California) is about that state's
# law, which then ranks first among passages of similar relevance.
STATE_WEIGHT = 1.3
# "California", "Calif.", "Cal.", and "CA" in capitals ("a violent felony in CA"), not "ca" in a word.
_HOME_NAMED = compiled_on_use(r"\b(?:california|calif\.|cal\.|(?-i:CA))(?!\w)", re.IGNORECASE)


def states_named_home(text: str) -> bool:
    return bool(_HOME_NAMED().search(text))


# Whether a law is still in force ("is the TRUTH act still in effect", "has SB 54 been repealed"):
# its History (enacted, amended), not a rule's own operative date ("paragraphs (1) and (2) become
# inoperative …"), which would read as the law ending.
STILL_IN_FORCE = (r"\b(?:still|currently) (?:in (?:effect|force)|the law|good law|on the books)\b|"
                  r"\b(?:was|been|get|got|gotten) repealed\b|\bsigue (?:vigente|en vigor)\b")
_STILL_IN_FORCE = compiled_on_use(STILL_IN_FORCE, re.IGNORECASE)
# "When did…", "what year…", "since when…": asked for a date, answered from History.
_WHEN = re.compile(r"^\s*(?:¿\s*)?(?:when|what year|what date(?! of birth)|since when|since what (?:date|year)|"
                   r"(?:desde )?cu[aá]ndo|(?:en )?qu[eé] (?:fecha|año|dia|día))\b|"
                   r"\bwhen (?:did|was|were|does|do)\b|"
                   # "from what date could people apply", "… and what year was it", "on what date was that"
                   r"^\s*(?:from|on|in|since) (?:what|which) (?:date|year|day)\b|"
                   r"\b(?:and|,) (?:on |in )?what (?:date|year) (?:was|were|did|is)\b|\bon what date\b|"
                   + STILL_IN_FORCE,  # whether a law is still in force: its History answers
                   re.IGNORECASE)
# ... but not a leading clause of condition, its subject straight after "when", before the question
# itself: "when police answer ICE's rap sheet request, can they add the address", "when the ID
# cards come out, do the rules cover them".
_WHEN_CLAUSE = compiled_on_use(
    r"^\s*when\s+(?!(?:did|was|were|does|do|is|are|will|would|has|have|had|can|could|should|must|might|may)\b)"
    r"\S.*\b(?:can|could|do|does|did|is|are|was|were|will|would|should|must|may|what|how|who|which)\b",
    re.IGNORECASE)


# Asked who wrote or carried a bill ("who wrote SB 54", "who was the author of the TRUTH Act"):
# the History line adding a section names the bill's author.
_ASKS_AUTHOR = compiled_on_use(
    r"\bwho\s+(?:wrote|authored|introduced|sponsored|carried|proposed)\b|"
    r"\bwho\s+(?:was|is|were)\s+(?:the\s+)?(?:authors?|sponsors?)\b|\b(?:authors?|sponsors?)\s+of\b|"
    r"\bqui[eé]n\s+(?:escribi[oó]|propuso|present[oó])\b", re.IGNORECASE)


def asks_when(text: str) -> bool:
    """Whether a question asks for a date ("when did AB 60 take effect", "what year…")."""
    return bool(_WHEN.search(text)) and not _WHEN_CLAUSE().search(text)


_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")
_STOP = frozenset("""a an the of to or and for in on by as at is are be may not no any its it this that
with from under which who whom shall must than other otherwise""".split())


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer, which the lexical index already loads for the same question

    return Stemmer.Stemmer("english")


def _content_words(text: str) -> set[str]:
    """Stemmed content words ("obtaining" and "obtain" are one word), with BM25's stemmer."""
    stem = _stemmer().stemWord
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def stands_alone(sentence: str) -> bool:
    """Whether a sentence can be quoted without the one before it."""
    return not _LEANS_ON_CONTEXT.match(sentence.lstrip("\"“(*_ "))


@dataclass
class _Candidates:
    """Rows of the fused ranking, by group, best first."""

    law: Ranking  # every row of primary law, as arrays (kb.search.Ranking)
    notes: Ranked
    agency: Ranked
    secondary: Ranked
    best: float  # the best score of any passage
    named: bool = False  # the question names a section or bill whose passages lead `law`
    law_top: float = 0.0  # the best passage of law's score on the fused scale notes are ranked on
    immigration_first: bool = False  # a rule limiting immigration enforcement was put first


def answer_question(
    retriever: Retriever, question: str | Query, k: int = 4, settings: AnswerSettings = AnswerSettings()
) -> Answer:
    query = question if isinstance(question, Query) else parse_query(question)
    searcher = retriever.searcher
    everything = searcher.ranked(query)
    if asks_errand(query.text) and not query.citations:  # "can I renew my AB 60 license online"
        return _refused(retriever, query, everything,
                        "the question asks how to run an errand (a renewal, an appointment, a towed car, "
                        "points), on which the corpus holds no law: it covers who may obtain DMV and police "
                        "records and how far agencies help immigration enforcement")
    # Naming a law the corpus holds, or what only its reports tell of ("what is the state to state
    # system", "who owns nlets"), a question is on its subject whatever its cosine.
    named_law = retriever.resolver.names_known_law(query)
    exempt = named_law or bool(_ONLY_REPORTED().search(query.text)) or (
        searcher.lexical_strength(query) >= settings.lexical_rescue
        and (bool(subject_groups(query.text)) or license_held_against(query.text)  # what on_subject reads
             or bool(_ASKS_MEANING().search(translate_query(query.text))))  # "¿qué es un detainer?" too
    )
    own, key = searcher.best_cosines(query)
    best = max(own, key)  # a key counts as its passage (Searcher.dense_scores)
    floor = settings.abstain_below
    if not exempt and (best < floor or own < floor):  # only then can the question's words matter
        if on_subject(query.text):
            floor = min(settings.on_subject_floor, floor)
        else:
            # Off the subject by its words, a question close only to a key (a question a passage
            # answers, in users' words about the same DMV and police) is not close to the law:
            # the key counts when it is near a paraphrase (key_floor).
            best = max(own, key if key >= settings.key_floor else 0.0)
    context = searcher.best_context_cosine(query)
    if context is None:  # a corpus without contexts: the passage's cosine decides alone
        context = settings.context_floor
    if not exempt and (best < floor or context < settings.context_floor):
        why = (f"best similarity {best:.3f}, needed {floor:.3f}" if best < floor else
               f"closest section topic {context:.3f}, needed {settings.context_floor:.3f}")
        return _refused(retriever, query, everything,
                        f"the question does not seem to be about what the corpus covers ({why})")
    declined = _out_of_scope(retriever, query, everything, exempt, named_law, settings)
    if declined is not None:
        return declined
    closest = not exempt and best < settings.abstain_below
    table = _SentenceTable(retriever, query)
    found = _candidates(retriever, query, everything, table, settings)
    composer = _Composer(retriever, table, settings)
    for row in _named_document(retriever, query, found.agency):
        composer.add_law(row)  # "what is bulletin 18-10-CJIS": the agency's statement, labelled, leads
        if composer.sentences:
            break
    # A question naming a section or bill the corpus holds asks about that law: it leads.
    lead, asked = (None, False) if found.named else _answering_note(retriever, found, table, settings)
    # Asked about a reported event no law decides ("is California joining the state-to-state
    # system", "what did the Nlets letters ask"): our digest of the reports leads, labelled as
    # reports, and the answer says no law decides it.
    report = None if asked else _leading_report(retriever, query, found, settings)
    if report is not None:
        composer.add_closest(report)
    when = asks_when(query.text) and report is None
    began = when and bool(_ASKS_BEGAN().search(query.text))
    if began:
        found = dataclasses.replace(found, law=_past_before_future(retriever, table, found.law, settings))
    if when:  # asked for a date: a rule that states one, else the History event
        dated = (None if _ENACTED().search(query.text) or _STILL_IN_FORCE().search(query.text)
                 else _dated_law(retriever, found.law, table, settings))
        if dated is not None:
            composer.add_law(dated)
        event = _bill_event(retriever, query, table, found.law, query.bills_asked | acts_named(query.dense))
        if event is not None:  # "when did AB 60 take effect": the History event naming that bill
            composer.add_sentence(*event)
        else:
            history = _history_row(retriever, found.law, settings)
            if history is not None:
                composer.add_closest(history, dated=True, earliest=began)
    elif _ASKS_AUTHOR().search(query.text):  # "who wrote SB 54": the History event names its author
        event = _bill_event(retriever, query, table, found.law, query.bills_asked | acts_named(query.dense))
        if event is not None:
            composer.add_sentence(*event)
    # A question about immigration enforcement and DMV records: the rule limiting immigration
    # enforcement leads even over a passage answering the question without those words.
    exact = None if found.immigration_first else _exact_law(query, found.law, table, settings)
    if lead is not None and exact is not None and not asked:
        lead = None  # a subdivision answers exactly: it leads over a general note
    if lead is not None:
        composer.add_note(lead)
        law = _rows_cited_by(retriever, lead, found.law)
    elif exact is not None:
        law = _rule_before_exception(retriever, table, found.law.first([exact]), settings)
        law = _conviction_before_charge(retriever, query, table, law, settings)  # a key on charges, asked of a conviction
        # (A key about the state prisons matches a question about a county jail word for word.)
        law = _local_before_state_prisons(retriever, query, table, law, settings)
        # A federal permission answering exactly ("can local police be deputized to enforce
        # immigration law": 8 U.S.C. § 1357(g)) still follows California's rule limiting it.
        law = _home_rule_before_federal_permission(retriever, query, table, law, settings, bans_only=True)
    else:
        law = found.law
        if not found.named:  # passages ranked for the question, not a section it cites: which leads
            law = _holder_first(retriever, query, table, law, settings)
            law = _local_before_state_prisons(retriever, query, table, law, settings)
            law = _own_record_first(retriever, query, table, law, settings)
            law = _rule_before_item(retriever, query, table, law, settings)
            law = _rule_before_summary(retriever, table, law, settings)
            law = _rule_before_definition(retriever, query, law, settings)
            law = _home_rule_before_federal_permission(retriever, query, table, law, settings)
            law = _rule_before_exception(retriever, table, law, settings)
            law = _conviction_before_charge(retriever, query, table, law, settings)
    # Our Notes and History on a section give no sentences of law: they take no place here.
    # (`law` is read only as far as the first law_passages rules: it may rank every row.)
    rules = (rs for rs in law if not retriever.index.is_commentary(rs[0]))
    # A "when" question already answered with a year: a further rule is quoted only when it
    # states a date or bears on the question itself, not because it belongs to the same law.
    dated = when and composer.states_year()
    top_law = None
    for n, (row, score) in enumerate(itertools.islice(rules, settings.law_passages)):
        top_law = score if top_law is None else top_law
        if score < settings.law_floor * top_law or (dated and not composer.bears_on_date(row)):
            continue
        if (n >= 2 or report is not None) and not composer.bears_on(row):
            # A third rule, or any after a report, is quoted for what it says to the question,
            # not for its rank.
            continue
        composer.add_law(row)
    if not composer.sentences:  # no rule to quote: our remark on the best section, as ours
        for row, _score in law[:1]:
            if retriever.index.chunks[row].chunk.is_commentary:
                composer.add_closest(row)
    if not composer.sentences and found.agency:
        composer.add_law(found.agency[0][0])  # the agency's statement, labelled as such
    named = _naming_sentence(retriever, query, table, composer, everything, settings)
    if named is not None:
        composer.add_second(*named)
    # A question naming a state whose law the corpus does not hold ("is my AB 60 license good in
    # Nevada"): no passage decides it, whatever the cosines; say which law is missing.
    # Likewise a question about a bill whose law the corpus does not hold ("under AB 450 …"), or
    # about records of a body no law here governs ("does USCIS share my DACA file").
    missing = sorted(states_named(query.text) - set(retriever.index.jurisdictions()[0]))
    gaps = [f"no law of {_joined([state_name(code) for code in missing])}"] if missing else []
    # (When one of our notes leads, it answers the question about the bill: nothing is missing.)
    unheld, reported = retriever.resolver.bills_not_held(query.bills_asked if lead is None else frozenset())
    if unheld:
        mentioned = all(bill in retriever.resolver.known_bills() for bill in unheld)
        gaps.append(f"no text of {_joined(unheld)}" + (", which it only mentions" if mentioned else ""))
    gaps += [f"only reports of {_joined(reported)}, listed below, not its text"] if reported else []
    gaps += ["reports on this, not law"] if report is not None and not reported else []
    # A subdivision cited that the corpus lacks ("what does 8 CFR 287.4(c) say"): its section's
    # other passages answer, as the closest law, and the reason says what is missing.
    gaps += [gap for gap in map(retriever.resolver.not_held, query.citations) if gap]
    # Asked whether breaking a section it names is punished, or gives a suit ("is there a penalty
    # for violating 1808.48"), when no passage of that section sets one: say so.
    gaps += [f"no penalty or remedy in {citation}" for citation in _unpunished_sections(retriever, query, composer.rows)]
    bound_elsewhere = _binds_someone_else(retriever, query, table, composer.rows)
    if bound_elsewhere:
        gaps.append(bound_elsewhere)
    # Asked for a figure (a count, a fee, a phone number, a colour) that no sentence of the answer
    # gives ("how many people are enrolled in Safe at Home"): what it quotes is the closest law.
    asked_figure = _ASKS_FIGURE().search(f"{query.text} {query.dense}")  # "¿cuántos …?" too
    if asked_figure and not any(_gives_figure(s.text) for s in composer.sentences):
        gaps.append("no passage stating the figure asked for")
    reason = f"the corpus holds {'; '.join(gaps)}" if gaps else ""
    return Answer(query.text, False, tuple(composer.sentences),
                  tuple(_shown(retriever, composer, found, law, k, settings)), reason=reason,
                  closest=closest or bool(gaps))


# What every refusal of a question outside the corpus's scope says the corpus covers instead.
_COVERS = "it covers DMV and police records and how far California agencies help immigration enforcement"
_MODEL_POLICIES = "the model policies Gov. Code § 7284.8(a) has such places adopt or encourages"


def _out_of_scope(retriever: Retriever, query: Query, everything: Ranked, exempt: bool, named_law: bool,
                  settings: AnswerSettings) -> Answer | None:
    """The refusal of a question on the corpus's subject by its words but outside its scope, with
    why and the nearest passages listed; None when the question is within it. `exempt`: it names
    a law the corpus holds or what only its reports tell of, or BM25 rescues it; `named_law`: it
    names a bill or section the corpus holds."""
    # "does Texas DPS share license records with ICE": California's law is no answer, and the
    # closest it comes would read as if it were; federal law, which binds every state, is listed first.
    elsewhere = [] if exempt else _state_not_held(retriever, query)
    if elsewhere:
        places = retriever.index.jurisdictions()[0]
        compared = sorted(state_name(j) for j in places if not is_home(j))
        federal = _law_first(retriever, everything, lambda row: retriever.source_of(row).jurisdiction == "US", settings)
        return _refused(retriever, query, federal,
                        f"the corpus holds no law of {_joined([state_name(j) for j in elsewhere])}: it holds "
                        "California's law, federal law, which binds every state"
                        + (f", and for comparison the law of {_joined(compared, 'and')}" if compared else ""))
    if query.citations:  # a question citing a section asks about that law, whatever else it names
        return None
    # "does USCIS share my DACA file", "can the post office tell ICE where I live": no law here
    # binds the body asked about (said after the reasons above, which are more telling when they
    # apply: "how do I apply for Medi-Cal" is off the subject).
    outside = outside_holders(query.text)
    sharer = None if outside else outside_sharer(query.text)
    if outside or sharer:
        about = (f"on the records of {_joined(outside)}" if outside else
                 f"on what {sharer} may share with immigration enforcement")
        place = policy_place(sharer) if sharer else None  # "can the school give ICE my kid's records"
        if place is not None:
            # A school, hospital, library or shelter: the closest the law comes is the model
            # policies Gov. Code § 7284.8(a) has the Attorney General publish for such places,
            # listed first; the eval's writers, asked for off-topic questions, wrote these.
            about += f", beyond {_MODEL_POLICIES}"
            everything = _naming_first(retriever, _SentenceTable(retriever, query), everything, place, settings)
        return _refused(retriever, query, everything, f"the corpus holds no law {about}: {_COVERS}")
    if agents_at_home(query.text):  # "can ICE come into my house with their own warrant"
        return _refused(retriever, query, everything,
                        f"the corpus holds no law on when immigration agents may enter a home: {_COVERS} "
                        "(8 U.S.C. § 1357(a), on their powers without a warrant, gives none to enter a home: "
                        "its access to private land near the border excludes dwellings)")
    place = agents_at_place(query.text)
    if place is not None:  # "can ICE arrest me at my kid's school": no law here says where they may
        everything = _naming_first(retriever, _SentenceTable(retriever, query), everything, place, settings)
        return _refused(retriever, query, everything,
                        f"the corpus holds no law on what immigration agents may do at a {place}, beyond "
                        f"{_MODEL_POLICIES}; the one place it protects is a courthouse, where Civ. Code § 43.54 "
                        "bars the civil arrest of a person attending a court proceeding or having legal business "
                        f"there: {_COVERS}")
    if named_law:
        return None
    if asks_filming(query.text):  # "is it legal to record ICE agents"
        return _refused(retriever, query, everything,
                        f"the corpus holds no law on filming or recording the police or immigration agents: {_COVERS}")
    # (Whatever its words' BM25 strength: "visa" is held by a passage on U visa certifications.)
    case = asks_own_case(query.text)  # "how do I renew DACA"
    if case is not None:
        return _refused(retriever, query, everything,
                        f"the corpus holds no law on a person's own {case} case ({_OWN_CASE_EXAMPLES[case]}): "
                        f"{_COVERS}")
    return None


_OWN_CASE_EXAMPLES = {"immigration": "visas, asylum, green cards, DACA, citizenship, check-ins with ICE, bond hearings",
                      "family": "custody, divorce, child support"}


def _naming_first(retriever: Retriever, table: "_SentenceTable", ranked: Ranked, place: str,
                  settings: AnswerSettings) -> Ranked:
    """`ranked` with the best-ranked passage of primary law among the first rerank_depth whose
    opening names the place ("school" for "my kid's school district": a passage naming public
    schools) first, if there is one."""
    stem = re.sub(r"(?:ies|y|es|s)$", "", place.lower())  # "library", "libraries": "librar"
    naming = re.compile(rf"\b{re.escape(stem)}\w*", re.IGNORECASE)
    return _law_first(retriever, ranked, lambda row: bool(naming.search(_opening(table, row))), settings)


def _law_first(retriever: Retriever, ranked: Ranked, keep: Callable[[int], bool], settings: AnswerSettings) -> Ranked:
    """`ranked` with its best-ranked passage of primary law among the first rerank_depth that
    `keep` takes first, if there is one."""
    for n, (row, score) in enumerate(ranked[: settings.rerank_depth]):
        if retriever.source_of(row).is_primary and not retriever.index.is_commentary(row) and keep(row):
            return [(row, score)] + list(ranked[:n]) + list(ranked[n + 1:])
    return ranked


def _state_not_held(retriever: Retriever, query: Query) -> list[str]:
    """The states a question asks about whose law the corpus does not hold ("does Texas DPS share
    license records with ICE"), when it names no state whose law it holds, not California, and no
    federal law, which reaches every state (the caller sets aside a question naming a bill or
    section the corpus holds, or Nlets: `exempt`)."""
    if query.citations or states_named_home(query.text) or _BINDS_EVERY_STATE().search(query.text):
        return []
    named = states_named(query.text)
    held = set(retriever.index.jurisdictions()[0])
    return [] if named & held else sorted(named - held)


def _refused(retriever: Retriever, query: Query, everything: Ranked, reason: str) -> Answer:
    """No answer, with why and the closest passages (listed, never quoted)."""
    return Answer(question=query.text, abstained=True, sentences=(),
                  hits=tuple(retriever.hit(r, s) for r, s in _distinct(retriever, everything)[:3]), reason=reason)


def _binds_someone_else(retriever: Retriever, query: Query, table: "_SentenceTable", rows: list[int]) -> str | None:
    """Why the rule leading an answer (`rows[0]`) does not decide the question, when it binds
    someone other than the one asked about: a rule binding only the police, asked about a
    landlord, an employer, a school or federal immigration agents ("can a landlord ask for my
    immigration status": the Values Act's limit on law enforcement agencies); a rule binding the
    DMV, asked what the agents may do ("can ICE deport me if I have a pending asylum case": not
    the DMV's list of documents it accepts); a power of immigration officers, asked what the
    police may do ("can police search my car without a warrant": 8 U.S.C. § 1357(a)(3)). None
    otherwise. (Whom the question asks about is read only then: most answers are led by other
    rules.)"""
    if not rows or query.citations:
        return None
    opening = table.first(rows[0])
    if retriever.source_of(rows[0]).is_primary and _BINDS_POLICE_ONLY().match(opening):
        others = others_asked(query.text)
        return f"no rule deciding this for {others}: the rule quoted binds law enforcement agencies" if others else None
    if _BINDS_DMV_ONLY().match(opening) and "agents" in parties_asked(query.text):
        return "no rule deciding this for federal immigration agents: the rule quoted binds the DMV"
    if _BINDS_AGENTS_ONLY().match(opening) and police_asked(query.text):
        return "no rule deciding this for the police: the rule quoted binds federal immigration officers"
    return None


# A rule whose opening binds law enforcement agencies, and no other agency or person.
_BINDS_POLICE_ONLY = compiled_on_use(
    r"^(?:a|an|the|no)\s+(?:california\s+|local\s+|state\s+(?:or\s+local\s+)?)?law enforcement (?:agenc|officials?)",
    re.IGNORECASE)


# A rule whose opening binds the DMV alone ("The DMV must accept …").
_BINDS_DMV_ONLY = compiled_on_use(r"^the (?:dmv|department)\b", re.IGNORECASE)
# A rule whose opening binds federal immigration officers ("An authorized immigration officer or
# employee may, without a warrant, …").
_BINDS_AGENTS_ONLY = compiled_on_use(r"^(?:an?|the)\s+(?:authorized\s+)?immigration officers?\b", re.IGNORECASE)


# Asked for a figure: how many, how much, a phone number, a vote count, a colour.
_ASKS_FIGURE = compiled_on_use(
    # "how many …" opening the question or a clause of it, not inside a yes-or-no question ("is the
    # AG supposed to publish numbers on how many people task forces arrested?")
    r"(?:^|[.?!,;:]\s*|\b(?:and|but|so|also|exactly)\s+)[¿\s]*(?:how many|how much|"
    r"what (?:is|was|are) the (?:number|count|total|fee|cost|price))\b|"
    r"\b(?:(?:what(?:'s| is)?|whats) (?:the |their |its |(?:the )?[\w-]+'s )?(?:tele)?phone number|vote count|"
    r"what colou?r|how long (?:does|will|did) it take)\b", re.IGNORECASE)
# Asked for a sum of money: how much, or what a fine, fee, cost, price or damages come to.
_ASKS_AMOUNT = compiled_on_use(r"\bhow much\b|\bwhat(?:'s| is| are)? the (?:fine|fee|cost|price|penalty|damages)\b",
                               re.IGNORECASE)
_SUM = compiled_on_use(r"\$\s?\d")
# A figure in a sentence: an amount or a count in digits (not a section's number or label,
# "§ 12801.9(d)(1)", "Section 12801", "8 U.S.C.", "ch. 524"), or a number written out ("one",
# as in "one of the following", counts nothing).
_FIGURE = compiled_on_use(
    r"(?<![§.\w(/-])(?<!§ )(?<!ch\. )(?<!No\. )(?<!section )(?<!sections )"
    r"\$?\d[\d,]*(?![\w(]|\.\d|\s*(?:U\.?S\.?C|C\.?F\.?R))|"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|thousand|"
    r"million|billion|double|twice)\b", re.IGNORECASE)


def _gives_figure(sentence: str) -> bool:
    """Whether a sentence states a figure (_FIGURE) other than a date or a year: "on or after
    January 1, 2023" gives no vote count, fee or phone number."""
    return bool(_FIGURE().search(_YEAR().sub(" ", _DATE().sub(" ", sentence))))


# A document's number as its citation writes it ("18-10-CJIS", "DLE-2018-01"), and the kinds of
# agency document a question may name by kind alone ("the AG's bulletin").
_DOCUMENT_NUMBER = re.compile(r"(?<![\w-])(?=[\w-]*\d)[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])", re.IGNORECASE)
_DOCUMENT_KIND = compiled_on_use(r"\b(bulletins?)\b", re.IGNORECASE)


def _named_document(retriever: Retriever, query: Query, agency: Ranked) -> list[int]:
    """The passages, best first, of an agency document the question names by its number, or by
    its kind when the best-ranked agency passage is of that kind ("what did DOJ's 2018 bulletin
    say"): the question asks what the document says, which no law answers. Empty otherwise."""
    asked = query.text.lower()

    def numbered(row: int) -> bool:
        return any(n.lower() in asked for n in _DOCUMENT_NUMBER.findall(retriever.source_of(row).citation))

    # A number names one document, whatever its rank; a kind only the best-ranked agency document.
    kinds = {m.lower().rstrip("s") for m in _DOCUMENT_KIND().findall(asked)}
    named = next((row for row, _score in agency if numbered(row)), None)
    if named is None and agency and any(k in retriever.source_of(agency[0][0]).citation.lower() for k in kinds):
        named = agency[0][0]
    if named is None:
        return []
    source_id = retriever.source_of(named).id
    return [r for r, _s in agency if retriever.source_of(r).id == source_id]


def _joined(names: list[str], conjunction: str = "or") -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")  # a word that may be a name (kb/tables.py)


def _naming_sentence(retriever: Retriever, query: Query, table: "_SentenceTable", composer: "_Composer",
                     everything: Ranked, settings: AnswerSettings) -> tuple[int, int] | None:
    """A question naming something the corpus seldom mentions ("does the DMV share with ICE
    through Nlets": a word the passages write as a name, kb/tables.py, that few passages hold)
    is answered in words that name it: when no answer sentence does, the sentence closest to the
    question that names it, from the best passages of law or our notes (an agency's page or a
    guide is listed, never quoted). None when the answer names it already or no passage does."""
    lexical = retriever.searcher.lexical_index()
    named = [w for w in _NAME_WORD.findall(query.text) if w.lower() in retriever.index.names()]
    rare = lexical.rare_terms(" ".join(named), settings.rare_share) if named else frozenset()
    if not rare or not composer.sentences:
        return None
    if rare & set(lexical.tokenize(" ".join(s.text for s in composer.sentences))):
        return None
    found = []
    answering = _answering_rows(retriever, query)
    # What only reports tell of (Nlets, the State-to-State system): a report's sentence, as reported.
    reported = bool(_ONLY_REPORTED().search(query.text))
    for row, _score in everything[: settings.named_depth]:
        if group_of(retriever.source_of(row), retriever.index.chunks[row].chunk) not in ("law", "note") and not (
                reported and retriever.source_of(row).is_report):
            continue  # an answer's sentences are the law's and our notes' (agency and guides are listed)
        if not answering[row]:
            continue  # another state's law ("tail light" is no question about New York's Green Light law)
        for i in table.quotable(row):
            text = table.items[i].text
            if stands_alone(text) and rare & set(lexical.tokenize(text)):
                found.append((row, i))
    if not found:
        return None
    cosines = table.cosines([i for _row, i in found])
    return found[max(range(len(found)), key=cosines.__getitem__)]


def _distinct(retriever: Retriever, ranked: Ranked) -> Ranked:
    """One row per citation: windows of one long passage share a citation."""
    seen: set = set()
    out = []
    for row, score in ranked:
        citation = retriever.index.citation_number(row)  # no record parsed: kb/records.py
        if citation not in seen:
            seen.add(citation)
            out.append((row, score))
    return out


def _candidates(retriever: Retriever, query: Query, everything: Ranked, table: "_SentenceTable",
                settings: AnswerSettings) -> _Candidates:
    groups: dict[str, Ranked] = {"law": [], "note": [], "agency": [], "secondary": []}
    distinct = _distinct(retriever, everything)
    # group_of(source) from the sources' authorities (kb/records.py): no source record is parsed.
    index = retriever.index
    authorities = index.authorities()[index.source_numbers()[[row for row, _score in distinct]]].tolist()
    for (row, score), authority in zip(distinct, authorities):
        groups[_GROUP_OF_AUTHORITY[authority]].append((row, score))
    # Primary law is ranked on its own, over every row: in the fused top few hundred the FAQ
    # and the notes, written in the users' own words, can crowd it out entirely.
    law = _distinct_ranking(retriever, _law_ranking(retriever, query))
    # Notes are weighed against the law on the one fused scale both were ranked on.
    natural_top = next((score for _row, score in groups["law"]), 0.0)
    law = _rerank_law(retriever, law, table, settings)
    # A section named in the question comes first; then, for a bill named in the question, the
    # sections its history says it added or amended, each by its best passage for the question.
    first = [r for r in _named_rows(retriever, query, law) if retriever.source_of(r).is_primary]
    first += (_overview_asked(retriever, query, law)
              or _enacted_rows(retriever, query.bills_asked, law))
    # "is a border patrol agent an 'immigration authority' under SB 54": the definition decides,
    # when it is of the law the question names (if it names one).
    named_sources = {retriever.index.chunks[r].chunk.source_id for r in first}

    def of_named(rows: list[int]) -> list[int]:
        """`rows` of the law the question names, if it names one."""
        return [r for r in rows if not named_sources or retriever.index.chunks[r].chunk.source_id in named_sources]

    first = of_named(_definition_asked(retriever, query, law, settings)) + first
    # "was SB 54 struck down by the supreme court", "what did the court say about 8 USC 1373":
    # asked what a court decided, the decision leads, before the law it decided on.
    first = _decision_asked(retriever, query, law, settings) + first
    # "can I sue the DMV for leaking my information": the suit against an agency leads.
    first = _suit_against_agency(retriever, query, table, law, settings) + first
    # "cop pulled me over and asked where im from": the rule on inquiring into status leads.
    first = _inquiry_asked(retriever, query, table, law, settings) + first
    # "a DMV clerk sold my address, is that a crime": the rule setting the penalty leads.
    # (Not another law's penalty for a question naming a section: "is there a penalty for
    # violating 1808.48" is not answered by the DPPA's fine.)
    first = of_named(_penalty_asked(retriever, query, table, law, settings)) + first
    immigration_first = False
    words = f"{query.text} {query.dense}"  # as typed, and in the corpus's English (a Spanish question)
    # Plate-reader scans ("Flock cameras", "plate reader data") are not the DMV's records, unless
    # the question names the DMV too.
    dmv_records = bool(_NAMES_DMV().search(query.text)) or "plate readers" not in records_named(query.text)
    records = dmv_records and bool(_ABOUT_DMV_RECORDS.search(words) and (
        _ACCESS_ASKED.search(words) or (_TELLS_IMMIGRATION().search(words) and "dmv" in holders_named(query.text))
        or (_REPORTS_TO_IMMIGRATION().search(words) and _NAMES_DMV().search(query.text))))
    if (_ABOUT_IMMIGRATION.search(_IMMIGRATION_SETTING().sub(" ", words)) and not _NOTICE_ASKED().search(words)
            and (records or _asks_to_hold_or_help(words)) and not _CRIMINAL_RECORD().search(words)
            and not _NAMES_A_LAW.search(query.text) and not query.bills_asked
            and not (states_named(query.text) and not states_named_home(query.text))
            # asked of an employer, a business or a landlord, not of DMV records in its hands: the
            # rule binding it decides ("can my boss give my license info to immigration": Veh. Code
            # § 12801.9(h), not § 1808.48; "can a company sell DMV data to ICE" is § 1808.48's)
            and not (party_asked_of(query.text) in _OTHER_HOLDERS and not _NAMES_DMV().search(query.text))):
        # Asked whether immigration enforcement may have the DMV's records: the best-ranked rule
        # that forbids it for immigration enforcement comes before general permissions ("to a
        # court, a law enforcement agency or another government agency"), which it limits.
        # A question naming a section or network ("does CLETS let ICE see DMV data"): that law's
        # own limit, if it states one, before its other passages.
        # Among such rules, one binding whoever the question says holds the records (the DMV,
        # the police) comes first: "is it legal for the DMV to give ICE my address" is decided by
        # the DMV's limit, not by the police's, though both forbid it.
        named = {retriever.index.chunks[r].chunk.source_id for r in first}
        ban = _leading_ban(retriever, query, table, law, named, settings)
        if ban is not None:
            # Whether a person may be held or handed over: the ban leads, unless a subdivision
            # answers the question exactly (an exception, a definition), which then comes first.
            immigration_first = records
            if first:
                first = [ban] + first
            else:
                law = law.first([ban], law[0][1])
    elif law and not query.citations:  # asked about a party, not a cited subdivision
        parties = parties_named(query.text)
        top = first[0] if first else law[0][0]
        bound = _sibling_binding(retriever, table, top, law, parties, settings)
        if bound is None:
            bound = _sibling_card(retriever, table, top, law, _cards_named(query.dense), settings)
        if bound is None and license_held_against(query.text):
            bound = _rule_against_holding(retriever, table, top, law, parties, settings)
        if bound is None and parties == {"employer"} and _SHARES().search(translate_query(query.text)):
            bound = _rule_on_sharing(retriever, table, top, law, parties, settings)
        if bound is not None and first:
            first[0] = bound
        elif bound is not None:
            law = law.first([bound], law[0][1])
    if first:
        top = max(law[0][1] if law else 1.0, 1.0)
        law = law.first(list(dict.fromkeys(first)), top)
    return _Candidates(law, groups["note"], groups["agency"], groups["secondary"],
                       everything[0][1] if everything else 0.0, named=bool(first), law_top=natural_top,
                       immigration_first=immigration_first)


# Parties asked of (kb.subject.party_asked_of) who hold no DMV or police records: no limit on
# immigration enforcement's use of those records binds them.
_OTHER_HOLDERS = ("employer", "business", "landlord")

# A question about immigration enforcement: the agencies, or the word.
_ABOUT_IMMIGRATION = re.compile(r"\b(?:ice|immigration|287\s?\(?g\)?|inmigraci[oó]n|la migra|migra|deport\w*|dhs|hsi|cbp|"
                                r"border patrol|homeland security)\b", re.IGNORECASE)
# Immigration named only as the setting of the person's own affairs ("my immigration lawyer wants
# my DMV records for my case", "I'm held at an ICE detention center, can I get my records", "a
# subpoena in an immigration court case") asks nothing of immigration enforcement's access. (The
# glossary writes "ICE" as "ICE immigration enforcement" in the question's English form.)
_IMMIGRATION_SETTING = compiled_on_use(
    r"\b(?:immigration|ice)\s+(?:immigration enforcement\s+)?"
    r"(?:lawyers?|attorneys?|advocates?|courts?(?:\s+cases?)?|judges?|cases?|hearings?|"
    r"detention(?:\s+(?:centers?|facilit(?:y|ies)))?|forms?|applications?)\b", re.IGNORECASE)
# Whether the person will learn of it ("is there a way to find out whether ICE asked for my file",
# "the DMV would never tell her they looked her up"): notice to the person decides, not the ban.
_NOTICE_ASKED = compiled_on_use(
    r"\b(?:find(?:s|ing)? out|found out|know (?:if|whether|when|who)|let (?:me|her|him|them|us) know|"
    r"(?:tell|tells|told|notif(?:y|ies|ied)|warn(?:s|ed)?|inform(?:s|ed)?) (?:me|her|him|them|us)\b)", re.IGNORECASE)
# ... whether someone may have them or use them: get, see, share, give, use, search, run, or
# whether they are safe from it (the immigration limits forbid obtaining, accessing, using and
# disclosing alike; "tell me when ICE looks" asks about notice).
_ACCESS_ASKED = re.compile(r"\b(?:get|gets|getting|see|access\w*|obtain\w*|receiv\w*|give|gives|giving|gave|"
                           r"look(?:s|ed|ing)? (?:\w+ ){0,2}up|share\w*|send\w*|hand\w*|disclos\w*|releas\w*|sell\w*|"
                           r"resell\w*|sold|resold|buy\w*|bought|pass\w*|turn\w* over|find\w*|"
                           r"wants?|wanted|ask(?:s|ed)? for|request\w*|forward\w*|pull\w*|"
                           r"use|uses|used|using|search\w*|scan\w*|match\w*|compar\w*|run|runs|running|"
                           r"compart\w*|dar|darle|usa\w*|"
                           # "is my AB 60 info safe from ICE": whether ICE may have it, asked the other way
                           r"safe|protected|secure|private|confidential|kept from|hidden)\b", re.IGNORECASE)
_NETWORK = compiled_on_use(r"\b(?:clets|nlets)\b", re.IGNORECASE)
_NAMES_DMV = compiled_on_use(r"\b(?:dmv|department of motor vehicles)\b", re.IGNORECASE)
_LICENSE_PHOTOS = compiled_on_use(r"\b(?:driver'?s?\s+)?licen[cs]e (?:photo|picture)s\b", re.IGNORECASE)
# ... or, of the DMV, whether it tells them ("does the DMV tell ICE where I live": whether it
# discloses). Of the police, "tell ICE about my record" is as often answered by an exception
# (criminal history may be shared), which the ban would push down; "tell me" asks for notice.
_IMMIGRATION_TOLD = r"(?:the )?(?:ice|immigration|la migra|migra|dhs|feds|federal agents)\b"
_TELLS_IMMIGRATION = compiled_on_use(rf"\btell\w* {_IMMIGRATION_TOLD}", re.IGNORECASE)
# "will the DMV report me to immigration", "will DMV turn me in to ICE": the same, asked of the
# person, when the question names the DMV itself (not "can my landlord report me to ICE because
# of my AB 60 license", where the license is only what the landlord saw).
_REPORTS_TO_IMMIGRATION = compiled_on_use(rf"\b(?:report\w* (?:\w+ ){{0,2}}to|turn\w* (?:\w+ )?in to) {_IMMIGRATION_TOLD}",
                                          re.IGNORECASE)
# ... or whether the police or a jail may hold or hand a person over for it.
_HOLDING = r"hold\w*|held|keep\w*|kept|detain\w*|detention"
_HANDING_OVER = r"hand\w* (?:\w+ )?over|turn\w* (?:\w+ )?over"
_HELD_FOR_ICE = compiled_on_use(rf"\b(?:{_HOLDING}|{_HANDING_OVER}|"
                                r"transfer(?:s|red|ring)? (?:me|him|her|them|us|someone|somebody|people|a person|my \w+)|"
                                r"pick\w* (?:\w+ )?up)\b", re.IGNORECASE)
# ... or whether they may work with it: a 287(g) agreement, deputizing officers, helping ICE.
_WORKS_WITH_ICE = compiled_on_use(r"\b(?:287\s?\(?g\)?|deputiz\w*|(?:work\w*|cooperat\w*|partner\w*|help\w*|assist\w*|"
                             r"team\w* up|sign\w*) (?:\w+ ){0,2}(?:with )?(?:ice|dhs|immigration|feds|federal immigration))\b",
                             re.IGNORECASE)
# ... by the police (kb/subject.py's holder) or a local government, whom the Values Act binds
# (not a school or hospital).
_LOCAL_GOVERNMENT = compiled_on_use(r"\b(?:county|counties|city|cities|local|deput\w*)\b", re.IGNORECASE)
# ... asked as whether it is allowed ("can they", "is it legal", "isn't he eligible"), not what a word means.
_ASKS_IF_ALLOWED = compiled_on_use(r"\b(?:can|could|may|might|are|is|isn'?t|aren'?t|do|does|did|should|allowed|legal|"
                              r"supposed|have to|puede\w*)\b", re.IGNORECASE)


_CONVICTED = compiled_on_use(r"\b(?:convict\w*|felon\w*|misdemeanors?|condena\w*)\b", re.IGNORECASE)


def _asks_to_hold_or_help(words: str) -> bool:
    """Whether a question asks if someone may hold a person for immigration enforcement, if the
    police or a local government may work with it, or if the police may tell it of a release
    (patterns compiled only when asked)."""
    police = "police" in holders_named(words)
    # "¿la cárcel le puede avisar a ICE cuando salga?"; not when the question gives a conviction,
    # which asks whether § 7282.5's exception for it applies ("he has a felony DUI, can the jail
    # notify ICE about his release").
    tells_release = police and _ACTS["release date"]().search(words) and not _CONVICTED().search(words)
    # "can local cops arrest him for an old deportation order": the police arresting for it (not
    # ICE, whose own powers of arrest 8 U.S.C. § 1357(a) sets).
    arrests = police and _ACTS["arrest"]().search(words)
    acts = _HELD_FOR_ICE().search(words) or (
        _WORKS_WITH_ICE().search(words) and (_LOCAL_GOVERNMENT().search(words) or police)) or tells_release or arrests
    return bool(acts and _ASKS_IF_ALLOWED().search(words))


# A question naming a law or program asks about that law, not about the immigration limits.
_NAMES_A_LAW = re.compile(r"\b(?:federal|dppa|driver'?s privacy|safe at home|real ?id|values act|trust act|"
                          r"truth act|sanctuary|green light|u\.?s\.?c|c\.?f\.?r|s2s|subpoena\w*|summons\w*)\b", re.IGNORECASE)
# ... about the DMV's records: the DMV, a license or ID, or what its files hold.
_ABOUT_DMV_RECORDS = re.compile(r"\b(?:dmv|licen[cs]es?|licencia|ab ?60|id cards?|driver'?s? (?:record|info\w*|data)|"
                                r"records?|photos?|pictures?|address(?:es)?|documents?|data|info\w*|ssn|social security|"
                                # a car's records are the DMV's ("find me through my car registration")
                                r"(?:car |vehicle )?registrations?|(?:license )?plates?|"
                                # the networks that carry them ("does ICE have access to CLETS")
                                r"clets|nlets|databases?)\b",
                                re.IGNORECASE)
# A rule that limits something for immigration enforcement: "may not … for the purpose of
# immigration enforcement", "'Immigration enforcement' … does not count as an urgent … need".
_IMMIGRATION_LIMIT = compiled_on_use(
    r"(?=.*\bimmigration enforcement\b)(?=.*(?:\b(?:may not|shall not|does not count|not be used|prohibit\w*)\b|"
    r"\bno\b[^.]{0,120}?\bmay\b))", re.IGNORECASE)


def _states_immigration_limit(retriever: Retriever, table: "_SentenceTable", row: int) -> bool:
    """Whether a passage of law's opening sentences forbid or limit something for immigration
    enforcement (its rule, not a mention)."""
    if retriever.index.is_commentary(row):
        return False
    # A section's summary is quoted by its first sentence alone (_Composer._add_rule).
    opening = 1 if retriever.index.chunks[row].chunk.is_summary else 2
    return any(_IMMIGRATION_LIMIT().match(table.items[i].text) for i in table.quotable(row)[:opening])


def _leading_ban(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking, named: set[str],
                 settings: AnswerSettings) -> int | None:
    """The limit on immigration enforcement that answers a question on whether it may have the
    records (of the sections the question names, if it names any): among the first rerank_depth
    passages, the limit of the network the question names ("through CLETS"), else one binding the
    holder it names (the DMV, the police), else the best-ranked. A limit binding a body the
    question names as such ("does the DMV tell ICE where I live") is looked for further down
    (ban_depth), when the near ones bind only others: the police's limits on addresses can
    outrank the DMV's ban. None when there is no such limit."""

    def bans(start: int, end: int) -> Iterator[int]:
        # A long passage ranks by its best window; its rule is in its first ("no one may obtain …").
        return (row for row in (_first_window(retriever, row) for row, _score in law[start:end])
                if (not named or retriever.index.chunks[row].chunk.source_id in named)
                and _states_immigration_limit(retriever, table, row))

    near = list(bans(0, settings.rerank_depth))
    networks = {n.lower() for n in _NETWORK().findall(query.text)}
    holders = holders_named(query.text)
    ban = next((row for row in near if networks & {n.lower() for n in _NETWORK().findall(_opening(table, row))}), None)
    if ban is None and len(holders) > 1 and _NAMES_DMV().search(query.text):
        # Naming both the police and the DMV ("ICE asked our local PD to pull a license photo from
        # the DMV"; not "pulled over with no license, can the cop call ICE"): a limit binding both
        # (§ 1808.48 binds any "law enforcement agency" obtaining the DMV's information), looked
        # for as far as ban_depth, before one binding the police alone.
        ban = next((row for row in itertools.chain(near, bans(settings.rerank_depth, settings.ban_depth))
                    if holders <= _binds(table, row)), None)
    if ban is None:
        binding = [row for row in near if holders & _binds(table, row)]
        if holders and "dmv" not in holders:
            # Asked of the police, not of DMV records ("does LAPD share information with
            # immigration"): a limit binding them on their own records before the DMV's ban,
            # which binds any law enforcement agency that obtains the DMV's (stable: by rank within each).
            binding.sort(key=lambda row: "dmv" in _binds(table, row))
        # Among those, one on the act asked about ("can the jail keep him till monday so ICE can
        # come get him": the hold, § 7284.6(a)(1)(B), not the release date, (a)(1)(C)).
        # The act the question asks about, after its asking verb, before one its situation names
        # ("mi hermano está detenido …, ¿el sheriff le puede avisar a ICE el día que sale?": the
        # release date, not the hold "detenido" reads as).
        acts = _acts_asked(query.dense) or _acts_asked(query.text) or {
            act for act, pattern in _ACTS.items() if pattern().search(f"{query.text} {query.dense}")}
        ban = next((row for row in binding if any(_ACTS[act]().search(_opening(table, row)) for act in acts)),
                   binding[0] if binding else None)
    if ban is not None:
        return ban
    # Named as a body, not a card someone else holds ("HR kept a copy of my AB 60 license"); the
    # photos on licenses are the DMV's own ("does ICE run facial recognition on driver license photos").
    bodies = holders - (set() if _NAMES_DMV().search(query.text) or _LICENSE_PHOTOS().search(query.text) else {"dmv"})
    further = bans(settings.rerank_depth, settings.ban_depth) if bodies else ()
    return next((row for row in further if bodies & _binds(table, row)), near[0] if near else None)


# A criminal record asked about ("can police give ICE my criminal record", "rap sheet"): the
# limits on immigration enforcement's access keep criminal history out of their reach (Veh. Code
# § 1808.48 bars "noncriminal history information"; Gov. Code § 7284.6(b)(2) lets police answer
# for criminal history), so none of them leads as the ban.
_CRIMINAL_RECORD = compiled_on_use(r"\b(?:criminal (?:record|history|histories|records)|rap sheets?|arrest records?|"
                                   r"antecedentes(?: penales)?)\b", re.IGNORECASE)


# The acts the Values Act limits one by one, as a question and as a rule's opening name them.
_ACTS = {
    "hold": compiled_on_use(rf"\b(?:{_HOLDING}|past (?:his|her|my|their) release)\b", re.IGNORECASE),
    "release date": compiled_on_use(r"\b(?:release dates?|when (?:he|she|they|i|someone) (?:gets?|get) out|"
                                    r"(?:when|before|once) (?:\w+ ){0,3}(?:am|is|are|gets?) released|"
                                    r"notif\w*|emails? ice|call\w* ice before)\b", re.IGNORECASE),
    "transfer": compiled_on_use(rf"\b(?:transfer\w*|{_HANDING_OVER})\b", re.IGNORECASE),
    # (the act asked about, not "if I get arrested for shoplifting, can police call ICE")
    "arrest": compiled_on_use(r"\barrest(?:s|ing)?\b|\barrests? based\b", re.IGNORECASE),
}


# Where a question asks ("… can the sheriff tell ICE …"): what follows is the act asked about.
_ASKING_VERB = compiled_on_use(r"\b(?:can|could|may|might|will|would|does|do|is it|are they|puede|pueden)\b", re.IGNORECASE)


def _acts_asked(text: str) -> set[str]:
    """The acts of _ACTS named after the question's first asking verb, when one is."""
    asking = _ASKING_VERB().search(text)
    asked = text[asking.end():] if asking else ""
    return {act for act, pattern in _ACTS.items() if pattern().search(asked)}


# A conviction told of ("my brother has a felony DUI conviction, can the jail notify ICE"), and
# no charge still pending ("held to answer", "no conviction yet")...
_CONVICTION = compiled_on_use(r"\b(?:convict\w*|condena\w*|prior (?:felony|felonies|record)|(?:pled|pleaded|found) guilty)\b",
                              re.IGNORECASE)
_PENDING = compiled_on_use(r"\b(?:charg\w*|probable cause|held to answer|prelim\w*|magistrate|arraign\w*|pending|"
                           r"no conviction|not (?:yet )?convicted|awaiting trial|acusad\w*)\b", re.IGNORECASE)
# ... is answered by the rules on convictions (Gov. Code § 7282.5(a)), not the one on charges a
# magistrate has found probable cause for (§ 7282.5(b)).
_ON_CHARGES = compiled_on_use(r"\b(?:charge|charged|charges|magistrate|probable cause|held to answer)\b", re.IGNORECASE)


def _conviction_before_charge(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                              settings: AnswerSettings) -> Ranking:
    """When the question tells of a conviction and of no pending charge, and the best rule of law
    is one on pending charges, the next rule leads and it follows ("if someone has a prior felony
    conviction for residential burglary can the jail tell ICE what day he gets released" led with
    Gov. Code § 7282.5(b), on charges held to answer)."""
    words = f"{query.text} {query.dense}"
    if not _CONVICTION().search(words) or _PENDING().search(words):
        return law
    rules = _first_rules(retriever, law, settings)
    if len(rules) < 2 or not _ON_CHARGES().search(table.first(rules[0])) or _ON_CHARGES().search(table.first(rules[1])):
        return law
    return law.first([rules[1], rules[0]], law[0][1])


def _parent_row(retriever: Retriever, row: int) -> int | None:
    """The passage one level up (the subdivision whose paragraph `row` is), if stored; None for a
    top-level subdivision, whose parent is the section itself, not a rule."""
    chunks = retriever.index.chunks
    chunk = chunks[row].chunk
    if len(chunk.labels) < 2:
        return None
    parent = chunk.labels[:-1]
    return next((r for r in retriever.resolver.source_rows(chunk.source_id)
                 if r != row and chunks[r].chunk.labels == parent and chunks[r].chunk.part == 0
                 and not chunks[r].chunk.is_commentary), None)


def _first_rules(retriever: Retriever, law: Ranking, settings: AnswerSettings) -> list[int]:
    """The first law_passages passages of law that give rules (not our Notes or History)."""
    rules = (row for row, _score in law if not retriever.index.is_commentary(row))  # read as far as needed
    return list(itertools.islice(rules, settings.law_passages))


# A county jail or a city's police (the TRUTH Act's "local law enforcement agency", Gov. Code
# § 7283.1) as against the state prisons (the Department of Corrections and Rehabilitation, whose
# parallel duties are Gov. Code § 7284.10).
_LOCAL_CUSTODY = compiled_on_use(r"\b(?:jails?|sheriffs?|county|counties|city|police|cops?|local)\b", re.IGNORECASE)
_STATE_PRISONS = compiled_on_use(r"\b(?:prisons?|cdcr|corrections|penitentiar\w*)\b", re.IGNORECASE)
# A rule binding the state prisons names their department (not "a felony punishable by
# imprisonment in the state prison", a kind of crime).
_BINDS_CDCR = compiled_on_use(r"\b(?:department of corrections and rehabilitation|cdcr)\b", re.IGNORECASE)


def _local_before_state_prisons(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                                settings: AnswerSettings) -> Ranking:
    """When the question names a jail, a sheriff or the police and no state prison, and the best
    rule binds the Department of Corrections and Rehabilitation ("does the jail have to give me a
    copy of the ICE detainer": Gov. Code § 7284.10(a)(2), CDCR's duty), its counterpart among the
    first rerank_depth rules binding the police instead leads (§ 7283.1(b), the local agency's)."""
    english = translate_query(query.text)
    rules = _first_rules(retriever, law, settings)
    if (not rules or not _LOCAL_CUSTODY().search(english) or _STATE_PRISONS().search(english)
            or not _BINDS_CDCR().search(_opening(table, rules[0]))):
        return law
    local = [row for row, _score in law[: settings.rerank_depth]
             if not retriever.index.is_commentary(row) and table.quotable(row)
             and not _BINDS_CDCR().search(_opening(table, row)) and "police" in _binds(table, row)]
    if not local or not table.quotable(rules[0]):
        return law
    # The local agency's counterpart: the rule whose opening sentence is closest to the prisons'
    # (§ 7283.1(b) for § 7284.10(a)(2), word for word but for who is bound).
    prisons = table.vectors[table.quotable(rules[0])[0]]
    twin = max(local, key=lambda row: float(table.vectors[table.quotable(row)[0]] @ prisons))
    return law.first([twin], law[0][1])


def _holder_first(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                  settings: AnswerSettings) -> Ranking:
    """When a question on being told names one holder of records (the DMV, the police) and the
    best passage of law binds only another ("will the DMV tell me if ICE looks up my record":
    the TRUTH Act's notice by a local jail), the first law_passages rules binding the holder
    named, or no holder in particular, come before those binding only others, in their order."""
    holders = holders_named(query.text)
    if len(holders) != 1 or not _NOTICE_ASKED().search(f"{query.text} {query.dense}"):
        return law
    rules = _first_rules(retriever, law, settings)
    top = _binds(table, rules[0]) if rules else frozenset()
    if not top or top & holders:
        return law

    def named_or_none(row: int) -> bool:  # binds the holder named, or no holder in particular
        bound = _binds(table, row)
        return not bound or bool(bound & holders)

    depth = [row for row, _score in law[: settings.rerank_depth] if not retriever.index.is_commentary(row)]
    kept = [row for row in depth if named_or_none(row)]
    if not kept:
        return law
    return law.first(kept[: settings.law_passages], law[0][1])


def _own_record_first(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                      settings: AnswerSettings) -> Ranking:
    """When the person asks for their own record ("can I ask the DMV whether it keeps a record on
    me") and the best rule answers no such question (its front matter `questions:` are about
    others' requests, as Veh. Code § 1810(b)(1)'s procedures for people inspecting someone's
    record), the best-ranked rule among the first rerank_depth that answers one (the Information
    Practices Act's right of access) leads. Keys are read only for such a question."""
    if not _asks_own(query):
        return law
    rules = [row for row, _score in law[: settings.rerank_depth] if not retriever.index.is_commentary(row)]
    found = next((row for row in rules if any(asks_own_record(table.items[i].text) for i in table.keys(row))), None)
    if found is None or found == rules[0]:  # the best rule already answers it
        return law
    return law.first([found], law[0][1])


# Asked what a court decided about a law: whether it was struck down or upheld, what a court said
# or held, a lawsuit over it, an appeal, a rehearing (not "can a court order …", a rule's words).
_ASKS_DECISION = compiled_on_use(
    r"\b(?:struck down|strike down|strikes down|upheld|uphold\w*|unconstitutional|lawsuits?|sued|suing|"
    r"rehear\w*|en banc|certiorari|appeal(?:ed|s)?|overturn\w*|"
    r"(?:did|does|has|have|what did|how did|what has)\s+(?:the\s+)?(?:\w+\s+)?(?:courts?|judges?|ninth circuit|"
    r"9th circuit|supreme court)\s+(?:say|said|rule|ruled|decide|decided|hold|held|find|found|think)|"
    r"(?:courts?|judges?|ninth circuit|9th circuit|supreme court)\s+(?:said|ruled|decided|held|found))\b",
    re.IGNORECASE)


# Asked whether a law it names is valid ("is SB 54 legal", "is the values act constitutional"),
# or of the suit over it ("did the feds sue california over sb 54"): a court decides that, not
# the law's own words (not "is it legal for …", which asks what the law allows, nor "is my AB 60
# license valid", which asks about a card).
_ASKS_VALIDITY = compiled_on_use(
    r"\b(?:is|was|are|were)\s+(?!(?:it|this|that|they|my|your|his|her|our|their|a|an)\b)"
    r"(?:(?!(?:licen[cs]es?|cards?|ids?|permits?)\b)[\w.'-]+\s+){1,5}?"
    r"(?:legal|lawful|constitutional|valid|enforceable|preempted)\s*[?.!]*\s*$|"
    r"\bsue[sd]?\s+(?:the\s+)?(?:state(?:\s+of\s+california)?|california)\b",
    re.IGNORECASE)


_A_SUIT = compiled_on_use(r"lawsuits?|sued|suing", re.IGNORECASE)


def _decision_asked(retriever: Retriever, query: Query, law: Ranking, settings: AnswerSettings) -> list[int]:
    """For a question asking what a court decided (_ASKS_DECISION), or whether a law it names is
    valid (_ASKS_VALIDITY), the best-ranked passage of a court decision among the first
    rerank_depth passages of law, else nothing."""
    words = f"{query.text} {query.dense}"
    validity = bool(query.bills_asked or acts_named(words)) and bool(_ASKS_VALIDITY().search(query.text))
    decision = _ASKS_DECISION().search(words)
    if decision and _A_SUIT().fullmatch(decision.group(0)) and "named" not in subject_groups(query.text):
        # A suit asked about that names no law or case ("did the DMV ever get sued for sharing
        # data with ICE"): no decision here is on it (ICE v. Gomez is a Colorado sheriff's), and
        # our note on the claimed challenges answers.
        decision = None
    if not (validity or decision):
        return []
    index = retriever.index  # authorities from the build's tables: no source record is parsed
    case = AUTHORITIES.index("case")
    return next(([row] for row, _score in law[: settings.rerank_depth]
                 if index.authorities()[index.source_numbers()[row]] == case), [])


# Asked whether a state agency itself can be sued ("can I sue the DMV", "demandar al DMV"),
# in the question's English form; and a rule giving that suit, by its opening.
_AGENCY_ITSELF = (r"(?:the\s+)?(?:dmv|department of motor vehicles|state(?:\s+agenc(?:y|ies))?|agenc(?:y|ies))\b"
                  r"(?!\s+(?:worker|employee|clerk|officer|staff)s?\b)")
_SUES_AGENCY = compiled_on_use(
    rf"\b(?:(?:sue|suing|lawsuit against)\s+(?:to\s+)?{_AGENCY_ITSELF}|"
    rf"(?:take|taking)\s+{_AGENCY_ITSELF}\s+to\s+court|"  # not "taking the DMV written test"
    # money asked for what the agency did ("can I get money if the DMV leaked my address")
    rf"(?:get|recover|receive|collect|owed?)\s+(?:any\s+|some\s+)?(?:money|paid|compensat\w*|damages)\b"
    rf"[^?.!]{{0,30}}?\b(?:if|when|because|since|after|from)\s+{_AGENCY_ITSELF})",
    re.IGNORECASE)
_SUIT_AGAINST_AGENCY = compiled_on_use(
    r"\b(?:action\s+against|sue)\s+(?:a|an|the|any)\s+(?:california\s+)?(?:state\s+)?agency\b", re.IGNORECASE)


def _suit_against_agency(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                         settings: AnswerSettings) -> list[int]:
    """For a question on suing a state agency itself (_SUES_AGENCY: "can I sue the DMV for leaking
    my information"), the best-ranked rule among the first rerank_depth passages of law whose
    opening gives an action against an agency (Civ. Code § 1798.45), else nothing: the federal
    DPPA's suit lies against a "person", which excludes a state agency (18 U.S.C. § 2725(2))."""
    if not _SUES_AGENCY().search(f"{query.text} {query.dense}"):
        return []
    # (Such rules are few, and ranked by the conduct asked about: "can I get money if the DMV
    # leaked my address" ranks Civ. Code § 1798.45(c) 82nd, under the criminal rules on leaks.)
    return _first_rule_opening(retriever, table, law, settings, _SUIT_AGAINST_AGENCY().search,
                               depth=settings.ban_depth)


# An official asking a person about status or origin ("asked where im from", "asked if he's here
# legally", "the jail form asked his country of citizenship"), in the question's English form.
_ASKS_STATUS = compiled_on_use(
    rf"\b(?:ask\w*|question\w*|inquir\w*|interrogat\w*)\b[^?.!]*?"
    rf"(?:\b(?:status|citizenship|papers|country)\b|{BEING_LEGAL}|{ORIGIN})", re.IGNORECASE)
# A rule on inquiring into immigration status (Gov. Code § 7284.6(a)(1)(A)), by its opening.
_INQUIRY_RULE = compiled_on_use(r"\binquir\w*\b[^.;]*\bimmigration status\b", re.IGNORECASE)


def _inquiry_asked(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                   settings: AnswerSettings) -> list[int]:
    """For a question on whether the police may ask a person about status or origin
    (_ASKS_STATUS), the best-ranked rule among the first rerank_depth passages of law whose opening
    is about inquiring into immigration status, else nothing."""
    if not _ASKS_STATUS().search(f"{query.text} {query.dense}") or "police" not in holders_named(query.text):
        return []
    return _first_rule_opening(retriever, table, law, settings, _INQUIRY_RULE().search)


# Asked whether some conduct is punished, or how ("is that a crime", "what crime did he commit",
# "what's the penalty", "what happens to a cop who …"), in the question's English form; and a rule
# setting a penalty (a misdemeanor, a fine, civil penalties), by its opening. Not "damages" or
# "sue": a suit is the person's remedy, not a penalty.
_PENALTY_ASKED = compiled_on_use(
    r"\b(?:(?:is|was|isn'?t|wasn'?t)\s+(?:that|this|it|what \w+ did)\s+(?:\w+\s+)?(?:a\s+)?crime|what crime|"
    r"a crime (?:to|for|if|when)|a crime(?=\s*[?.!]*\s*$)|commit\w*\s+a\s+crime|criminal(?:ly)? (?:charg\w*|liab\w*|penalt\w*)|"
    r"penalt(?:y|ies)|punish\w*|get\s+fined|be\s+fined|jail time|go to jail|prosecut\w*|"
    r"what happens to (?:a|an|the|that|this)\s+(?:[\w-]+\s+){0,2}?(?:who|that))\b",
    re.IGNORECASE)
# (Not the Values Act's list of crimes: "a felony punishable by imprisonment in the state prison",
# "a conviction that is a felony" describe an offense, not a penalty for breaking the rule.)
_SETS_PENALTY = compiled_on_use(
    r"\b(?:(?<!that\s)(?:is|commits?|guilty of)\s+(?:a\s+|an\s+)?(?:misdemeanor|felony)|civil penalt\w*|fine of|"
    r"(?:shall|must|may)\s+be\s+(?:fined|punished|imprisoned)|(?<!felony\s)punishable\s+by)\b", re.IGNORECASE)
# ... or discipline, only when asked about losing a job ("can the DMV clerk be fired for it"):
# Civ. Code § 1798.55 binds state agencies' officers and employees, not a city's police.
_JOB_ASKED = compiled_on_use(
    r"\b(?:workers?|employees?|clerks?|officers?|officials?|staff(?:ers?)?)\b[^?.!]*?"
    r"\b(?:fired|disciplin\w*|terminat\w*|los[et] (?:his|her|their) jobs?)\b", re.IGNORECASE)
_SETS_DISCIPLINE = compiled_on_use(r"\bdisciplin\w*", re.IGNORECASE)
_WHAT_HAPPENS_TO_WORKER = compiled_on_use(
    r"\bwhat happens to (?:a|an|the|that|this)\s+(?:[\w-]+\s+)?(?:workers?|employees?|clerks?|officers?|officials?|"
    r"staff(?:ers?)?)\b", re.IGNORECASE)


def _penalty_asked(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                   settings: AnswerSettings) -> list[int]:
    """For a question on whether or how conduct is punished (_PENALTY_ASKED), or whether a worker
    can lose their job for it (_JOB_ASKED), the best-ranked rule among the first penalty_depth
    passages of law whose opening sets a penalty (Veh. Code § 1808.45's misdemeanor, § 1808.46's
    civil penalties, 18 U.S.C. § 2723's fine) or discipline (Civ. Code § 1798.55), else nothing."""
    words = f"{query.text} {query.dense}"
    job = _JOB_ASKED().search(words)
    if not job and not _PENALTY_ASKED().search(words):
        return []
    sets = [_SETS_DISCIPLINE()] if job else [_SETS_PENALTY()]
    if not job and _WHAT_HAPPENS_TO_WORKER().search(words):
        # "what happens to a DMV employee who gives my info to ICE": discipline as well as a
        # penalty (Civ. Code § 1798.55 binds state agencies' employees), whichever ranks first.
        sets.append(_SETS_DISCIPLINE())
    # A penalty for breaking one subdivision's rules ("a knowing violation of paragraph (1) … of
    # subdivision (d)": an attorney's use of an address) answers only when the best-ranked rule is
    # that subdivision's: a DMV clerk selling an address is punished by another section.
    top_citation = retriever.index.chunks[law[0][0]].chunk.citation if law else ""

    def applies(row: int) -> bool:
        listed = _OF_SUBDIVISION().search(_opening(table, row))
        return listed is None or top_citation.startswith(f"{retriever.source_of(row).citation}({listed.group(1)})")

    return _first_rule_opening(retriever, table, [rs for rs in law[: settings.penalty_depth] if applies(rs[0])],
                               settings, lambda opening: any(p.search(opening) for p in sets),
                               depth=settings.penalty_depth)


_OF_SUBDIVISION = compiled_on_use(r"\bviolation of (?:paragraphs?\b[^.;]*?\bof\s+)?subdivision \((\w+)\)", re.IGNORECASE)


# Asked for a remedy ("can I sue under 8 USC 1373", "damages for a violation of …"); and words
# by which a passage gives one.
_REMEDY_ASKED = compiled_on_use(r"\b(?:sue|suing|lawsuits?|damages|remed(?:y|ies)|private right)\b", re.IGNORECASE)
_GIVES_REMEDY = compiled_on_use(
    r"\b(?:civil action|may sue|may bring|liable|damages|attorney'?s'? fees|injunct\w*|enjoin\w*|"
    r"cause of action|right of action|invasion of privacy|disciplin\w*)", re.IGNORECASE)


def _unpunished_sections(retriever: Retriever, query: Query, quoted: list[int]) -> list[str]:
    """For a question asking about a penalty or remedy (_PENALTY_ASKED, _REMEDY_ASKED), the
    citations of the statutes it cites, or else of the statute whose passage leads the answer
    (`quoted`: the passages quoted, in order) when none quoted sets one ("can I sue the police for
    helping ICE": the Values Act), none of whose passages (our Notes aside) sets a penalty or
    gives a remedy."""
    words = f"{query.text} {query.dense}"
    if not (_PENALTY_ASKED().search(words) or _REMEDY_ASKED().search(words)):
        return []
    chunks = retriever.index.chunks

    def sets_one(rows) -> bool:
        return any(_SETS_PENALTY().search(chunks[r].chunk.text) or _GIVES_REMEDY().search(chunks[r].chunk.text)
                   for r in rows if not chunks[r].chunk.is_commentary)

    if query.citations:
        asked = [rows[0] for _ref, rows in retriever.cited_rows(query, whole_section=True)]
    elif quoted and not sets_one(quoted):
        asked = quoted[:1]
    else:
        return []
    out: list[str] = []
    for row in asked:
        source = retriever.source_of(row)
        if (source.authority == "statute" and source.citation not in out
                and not sets_one(retriever.resolver.source_rows(source.id))):
            out.append(source.citation)
    return out


def _first_rule_opening(retriever: Retriever, table: "_SentenceTable", law: Ranking, settings: AnswerSettings,
                        keep, depth: int | None = None) -> list[int]:
    """The best-ranked rule (not our Notes or History) among the first `depth` (rerank_depth)
    passages of law whose opening sentences `keep` accepts, as a one-item list; else an empty one."""
    return next(([row] for row, _score in law[: depth or settings.rerank_depth]
                 if not retriever.index.chunks[row].chunk.is_commentary and keep(_opening(table, row))), [])


def _rule_before_item(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                      settings: AnswerSettings) -> Ranking:
    """When the best passage of law is an item of a rule ranked close behind it ("the DMV may
    disclose it to the Franchise Tax Board", under "SSN information shall not be disclosed
    except…"), and the question asks nothing the item says that its rule does not, the rule
    leads: the question is about the rule ("can the DMV share my SSN"), the item one case of it.
    "Asks nothing the item says": the rule's opening is closer to the question than the item's,
    and the item does not bind a party the question names."""
    rules = _first_rules(retriever, law, settings)
    if len(rules) < 2:
        return law
    parent = _parent_row(retriever, rules[0])
    if parent is None or parent not in rules[1:]:
        return law
    if parties_named(query.text) & parties_named(_opening(table, rules[0])):
        return law  # the item binding the party asked about ("my boss": the employer rule)
    item, rule = (table.cosines(table.quotable(row)[:1]) for row in (rules[0], parent))
    if not item or not rule or item[0] >= rule[0]:
        return law
    return law.first([parent, rules[0]], law[0][1])


# Words by which a sentence states a rule: who may, must or must not do what.
_STATES_A_RULE = compiled_on_use(
    r"\b(?:may|shall|must|not|no|never|forbids?|bars?|requires?|makes?|lets?|allows?|permits?|bans?|"
    r"limits?|exempts?|tells?|creat(?:es|ed))\b", re.IGNORECASE)


def _rule_before_summary(retriever: Retriever, table: "_SentenceTable", law: Ranking,
                         settings: AnswerSettings) -> Ranking:
    """When the best passage of law is a section's summary that only says what the section is
    ("Section 12926 holds the definitions for FEHA", "Section 15160 governs CLETS": no rule in
    its opening sentence) and a rule of law ranks close behind it, the rule leads ("my boss
    wants to see my AB 60 license, can he fire me": Veh. Code § 12801.9(g)(2)(A)). Not when the
    question asks what something is ("what is CLETS"): saying what the section is answers it."""
    rules = _first_rules(retriever, law, settings)
    if len(rules) < 2 or not _describes_only(retriever, table, rules[0]):
        return law
    if (_ASKS_MEANING().search(table.text) or _ASKS_MEANING().search(translate_query(table.text))
            or _ASKS_MEANING_ES().search(table.text)):
        return law  # as typed ("what is CLETS", "¿qué es CLETS?"), or in English
    rule = next((row for row in rules[1:] if not retriever.index.chunks[row].chunk.is_summary), None)
    return law if rule is None else law.first([rule], law[0][1])


def _defined_term(retriever: Retriever, row: int) -> str | None:
    """The term passage `row` defines (_DEFINES), if it is a definition of law."""
    chunk = retriever.index.chunks[row].chunk
    found = _DEFINES().match(chunk.text) if chunk.part == 0 and not chunk.is_commentary else None
    return found[1] if found else None


def _rule_before_definition(retriever: Retriever, query: Query, law: Ranking, settings: AnswerSettings) -> Ranking:
    """When the best passage of law defines a term the question does not ask the meaning of ("can
    ICE get my info from a license plate reader": who is a "public agency" under the ALPR law) and
    a rule ranks among the next law_passages, the rule leads and the definition follows it."""
    rules = _first_rules(retriever, law, settings)
    term = _defined_term(retriever, rules[0]) if rules else None
    if term is None or _asks_meaning(query.text, term):
        return law
    rule = next((row for row in rules[1:] if _defined_term(retriever, row) is None), None)
    return law if rule is None else law.first([rule, rules[0]], law[0][1])


def _describes_only(retriever: Retriever, table: "_SentenceTable", row: int) -> bool:
    """Whether passage `row` is a section's summary whose opening sentence states no rule, only
    what the section is ("Section 12926 holds the definitions for FEHA")."""
    if not retriever.index.chunks[row].chunk.is_summary:
        return False
    return not _STATES_A_RULE().search(table.first(row))


def _windows(retriever: Retriever, row: int) -> list[int]:
    """The rows of the passage `row` belongs to: all its windows, in order (itself, if alone)."""
    chunks = retriever.index.chunks
    chunk = chunks[row].chunk
    rows = [r for r in retriever.resolver.source_rows(chunk.source_id)
            if chunks[r].chunk.citation == chunk.citation and chunks[r].chunk.heading_trail == chunk.heading_trail]
    return rows or [row]


def _first_window(retriever: Retriever, row: int) -> int:
    """The first window of the passage `row` belongs to (itself, for a passage in one window)."""
    if retriever.index.chunks[row].chunk.part == 0:
        return row
    return next((r for r in _windows(retriever, row) if retriever.index.chunks[r].chunk.part == 0), row)


_NAMES_DPPA = compiled_on_use(r"\b(?:dppa|driver'?s privacy protection act)\b", re.IGNORECASE)
# A federal rule that permits ("A state DMV may disclose personal information for use …").
# ... or lets a state's officers work for immigration enforcement (8 U.S.C. § 1357(g)'s "may make
# written agreements", which Gov. Code § 7284.6(a)(1)(G) bars California's police from joining).
_PERMITS = compiled_on_use(r"\bmay (?:disclose|release|share|obtain|use|make written agreements)\b", re.IGNORECASE)


def _home_rule_before_federal_permission(retriever: Retriever, query: Query, table: "_SentenceTable",
                                         law: Ranking, settings: AnswerSettings, bans_only: bool = False) -> Ranking:
    """When the best passage of law is a federal permission (a DPPA use for which a DMV "may
    disclose") and a passage of California law ranks close behind it, California's leads: the
    federal permissions only permit ("nothing … requires a DMV to make those disclosures"), and
    California's own rule decides what its DMV may do ("my landlord says he can look up any
    tenant's home address at the DMV": Veh. Code § 1808.21(a), before 18 U.S.C. § 2721(b)(13)).
    Not for a question asking what federal law says ("under the DPPA …"). `bans_only`: only a
    California rule that forbids (_forbids) goes first: the federal passage answers the question
    exactly (a question it answers matched), and only a ban overrides it ("can a tow company get
    my address from the DMV" keeps the DPPA's towing notice first)."""
    if _FEDERAL.search(query.text) or _NAMES_DPPA().search(query.text):
        return law
    places, jurisdiction = retriever.index.jurisdictions()
    numbers = retriever.index.source_numbers()

    def place(row: int) -> str:
        return places[jurisdiction[numbers[row]]]

    rules = _first_rules(retriever, law, settings)
    if len(rules) < 2 or place(rules[0]) != "US":
        return law
    if not _PERMITS().search(table.first(rules[0])):
        return law
    # California's own rule, not another federal one (federal law is "home" too, kb.jurisdictions:
    # "can someone get my DMV records with a subpoena" had put 18 U.S.C. § 2722(b), on false
    # representations, before the DPPA's consent use), and a rule limiting immigration
    # enforcement only for a question about it (that question is none on § 1808.48).
    immigration = bool(_ABOUT_IMMIGRATION.search(f"{query.text} {query.dense}"))
    # ... and one about what was asked: a limit on immigration enforcement asked about, or a rule
    # nearly as close to the question as the federal permission ("can a private investigator get
    # my DMV record": not Veh. Code § 12800.7(b), on the documents an applicant gives, before the
    # DPPA's use for licensed investigators).
    near = table.closest(rules[0]) - EXCEPTION_MARGIN

    def about_it(row: int) -> bool:
        limits_immigration = bool(_ABOUT_IMMIGRATION.search(table.first(row)))
        return immigration and limits_immigration or not limits_immigration and table.closest(row) >= near

    home = next((row for row in rules[1:]
                 if place(row) == "CA" and (not bans_only or _forbids(retriever, table, row)) and about_it(row)), None)
    return law if home is None else law.first([home, rules[0]], law[0][1])


# An exception to a section's rule: "Section 1808.21 does not apply to …", "Section 1808.21's
# residence-address confidentiality does not apply …", "Section 7284.6 does not prevent …"
# (group 1: the section), or to its own section's rules: "An employer does not violate the law
# by …" (no group 1), or to one rule of it named by its label (group "labels").
_EXCEPTS = compiled_on_use(
    r"^(?:nothing in )?(?:section|§)\s*(\d+(?:\.\d+)*)(?:'s\b[^.]{0,80}?)?\s+(?:also\s+)?(?:does|do|shall) not\s+"
    r"(?:apply|prevent|prohibit|restrict|limit|bar|forbid)\b|"
    # what does not break the section's rule: "An employer does not violate the law by …"
    r"^(?:an?|the)\s+[\w\s'-]{1,40}?\s+does not violate\b|"
    # an exception to a rule of the same section it names by its label (group "labels"): "The
    # procedures required by paragraph (1) do not apply to a governmental entity …", "The no-SSN
    # route in (c) does not apply …" (group "sibling": "paragraph", when the label is a sibling's)
    r"^the\s+[^.]{1,80}?\b(?:required by|in|of|under)\s+(?:(?P<sibling>paragraph)\s+|(?:subdivision|subsection)\s+)?"
    r"(?P<labels>(?:\([0-9a-zA-Z]+\))+)\s+(?:does|do|shall) not\s+(?:apply|prevent|prohibit|restrict|limit|bar|forbid)\b",
    re.IGNORECASE)
_FORBIDS = compiled_on_use(r"\b(?:may not|shall not|must not|cannot|confidential|prohibit\w*|unlawful|violates)\b",
                           re.IGNORECASE)
# A list this long holds items alike enough that the closest by cosine need not be the one asked
# about (_Composer._add_item): § 7282.5(a)(3) lists 32 offenses; the Values Act's lists hold 3 to 7.
LONG_LIST = 10
# How much closer to the question an exception must be than the rule it excepts to lead it.
EXCEPTION_MARGIN = 0.1


def _excepted_rows(retriever: Retriever, table: "_SentenceTable", row: int) -> list[int]:
    """The rows of the section whose rule passage `row` excepts ("Section 1808.21 does not
    apply to a financial institution …": § 1808.21's; its own section's, for "Section 7284.6
    does not prevent …" in § 7284.6, and for "An employer does not violate the law by …"); []
    when `row`'s opening sentence is not an exception naming a section the corpus holds."""
    match = _EXCEPTS().match(table.first(row))
    if match is None:
        return []
    chunk = retriever.index.chunks[row].chunk
    if match.group("labels"):  # the one rule of its section it names: "paragraph (1)", "(b)(2)(A)"
        named = tuple(re.findall(r"\(([0-9a-zA-Z]+)\)", match.group("labels")))
        labels = chunk.labels[:-1] + named if match.group("sibling") else named
        chunks = retriever.index.chunks
        return [r for r in retriever.resolver.source_rows(chunk.source_id)
                if r != row and chunks[r].chunk.labels[:len(labels)] == labels]
    try:  # a case's or another state's passage may have no citation of a code's section
        own = parse_citation(chunk.citation)
        if match.group(1) is None or match.group(1) == own.section:
            return retriever.resolver.source_rows(chunk.source_id)
        return retriever.resolver.rows(CitationRef(own.code, match.group(1)))[1]
    except KbError:
        return []


def _forbids(retriever: Retriever, table: "_SentenceTable", row: int) -> bool:
    """Whether a passage of law's opening sentence forbids something (and is no exception)."""
    if retriever.index.is_commentary(row):
        return False
    first = table.first(row)
    return bool(_FORBIDS().search(first)) and not _EXCEPTS().match(first)


def _rule_before_exception(retriever: Retriever, table: "_SentenceTable", law: Ranking,
                           settings: AnswerSettings) -> Ranking:
    """When the best passage of law is an exception to a section's rule ("Section 1808.21 does
    not apply to a financial institution with a signed waiver") and a ban of that section ranks
    near it, the ban leads and the exception follows: quoted first, an exception reads as the
    answer ("can my landlord get my address from the DMV": § 1808.21(a), addresses are
    confidential, then § 1808.22(a); "can the jail keep my brother for ICE after his release
    date": § 7284.6(a)(1)(B), then (b)(5); "does the DMV have to tell me when someone gets my
    record": § 1810(b)(1)'s notice, then (b)(2), which excepts government requesters from
    "paragraph (1)"). Not when the exception is closer to the question than every such ban by
    EXCEPTION_MARGIN."""
    rules = _first_rules(retriever, law, settings)
    excepted = set(_excepted_rows(retriever, table, rules[0])) if rules else set()
    # An exception in the rule's own section ("Section 7284.6 does not prevent …") excepts no
    # one ban of it: the ban ranked right behind it leads, if one does; another section's, the
    # best-ranked ban of that section.
    own = rules[0] in excepted
    near = rules[1:2] if own else [row for row, _score in law[: settings.ban_depth]]
    # One named by its label ("paragraph (1)") is the rule excepted, whatever it says: a duty
    # ("the DMV must establish procedures … notice") as well as a ban.
    labelled = bool(excepted) and _EXCEPTS().match(table.first(rules[0])).group("labels")
    if labelled and names_government(table.first(rules[0])) and names_government(table.text):
        return law  # "the police asked the DMV for my record": the exception for government decides it
    bans = [row for row in near if row in excepted and (labelled or _forbids(retriever, table, row))]
    if not bans:
        return law
    if table.closest(rules[0]) >= max(map(table.closest, bans)) + EXCEPTION_MARGIN:
        return law
    return law.first([bans[0], rules[0]], law[0][1])


def _opening(table: "_SentenceTable", row: int) -> str:
    """A passage's first two sentences, which say whom its rule binds."""
    return " ".join(table.items[i].text for i in table.quotable(row)[:2])


def _binds(table: "_SentenceTable", row: int) -> frozenset[str]:
    """The holders of records (kb/subject.py) a passage's opening sentences name: whom it binds."""
    return holders_named(_opening(table, row))


def _sibling_binding(retriever: Retriever, table: "_SentenceTable", top: int, law: Ranking,
                     parties: frozenset[str], settings: AnswerSettings) -> int | None:
    """When the passage of law that would lead (`top`) binds a party other than the one the
    question names (the employer rule, asked about a gym), the best-ranked passage of the same
    section binding the named party (the business rule); when `top` binds no party, the
    best-ranked of its own items binding it. None when there is none or `top` already binds it."""
    if not parties:
        return None
    bound = parties_named(_opening(table, top))
    if bound & parties:
        return None
    # A rule binding no one party in particular yields only to its own items ("discriminating
    # against a holder … is a violation of law, including (1) to (3)": the employer's item (2)(A)
    # for "my boss saw my AB 60 license, can he fire me").
    labels = retriever.index.chunks[top].chunk.labels
    source = retriever.index.chunks[top].chunk.source_id
    for row, _score in law[: settings.rerank_depth]:
        chunk = retriever.index.chunks[row].chunk
        if (row != top and chunk.source_id == source and not chunk.is_commentary
                and (bound or (labels and chunk.labels[: len(labels)] == labels))
                and parties & parties_named(_opening(table, row))):
            return row
    return None


# A driver's license or an ID card: sibling rules issue each ("must issue an original driver's
# license", § 12801.9(a)(1); "must issue an ID card", (a)(2)), and the one on the card asked
# about decides ("can undocumented people get a driver's license" is (a)(1), though (a)(2)'s words
# are as close).
_CARDS = {"license": compiled_on_use(r"\blicen[cs]es?\b", re.IGNORECASE),
          # an ID card, or a bare "ID" ("a state ID"), not a "consular identification document"
          "id card": compiled_on_use(r"\b(?:id|identification) cards?\b|\bids?\b", re.IGNORECASE)}


def _cards_named(text: str) -> frozenset[str]:
    """The kinds of card (_CARDS) `text` names."""
    return frozenset(kind for kind, pattern in _CARDS.items() if pattern().search(text))


def _sibling_card(retriever: Retriever, table: "_SentenceTable", top: int, law: Ranking,
                  cards: frozenset[str], settings: AnswerSettings) -> int | None:
    """When the question names one kind of card and the passage that would lead (`top`) is on the
    other alone, the best-ranked passage of the same section whose opening names the kind asked
    and not the other. None otherwise."""
    if len(cards) != 1 or _cards_named(_opening(table, top)) != frozenset(_CARDS) - cards:
        return None
    source = retriever.index.chunks[top].chunk.source_id
    same = [(row, score) for row, score in law[: settings.rerank_depth]
            if retriever.index.chunks[row].chunk.source_id == source]
    found = _first_rule_opening(retriever, table, same, settings, lambda opening: _cards_named(opening) == cards)
    return found[0] if found else None


def _rule_against_holding(retriever: Retriever, table: "_SentenceTable", top: int, law: Ranking,
                          parties: frozenset[str], settings: AnswerSettings) -> int | None:
    """Asked whether an employer, a business or a government office may hold a license against
    its holder ("my boss saw 'federal limits apply' on my license, can he fire me"), when the
    passage that would lead binds none of them (the card's notice, § 12800.5(b)): the best-ranked
    rule whose opening binds the party asked and forbids discriminating or requiring (§ 12801.9
    (g)(2)(A)). None when `top` binds the party already or no such rule is ranked."""
    if parties & parties_named(_opening(table, top)):
        return None
    found = _first_rule_opening(retriever, table, law, settings,
                                lambda opening: bool(parties & parties_named(opening)) and holds_against(opening))
    return found[0] if found else None


# Asked whether someone may pass on what they hold ("can my employer tell ICE about my AB 60
# license"), and a rule that says it may not, or that it is confidential.
_SHARES = compiled_on_use(r"\b(?:tell|tells|told|share\w*|give|gives|gave|giving|send\w*|pass\w* (?:on|along)|"
                          r"disclos\w*|report\w*|hand\w* (?:it |them )?over|sell\w*|sold)\b", re.IGNORECASE)
_KEEPS_CONFIDENTIAL = compiled_on_use(r"\b(?:confidential\w*|(?:may|shall|must) not disclose|not (?:to )?disclose)\b",
                                      re.IGNORECASE)


def _rule_on_sharing(retriever: Retriever, table: "_SentenceTable", top: int, law: Ranking,
                     parties: frozenset[str], settings: AnswerSettings) -> int | None:
    """Asked whether an employer may pass on what it holds ("can my employer tell ICE about my AB
    60 license"), when the passage that would lead binds no employer (§ 12801.9(i), the DMV's):
    the best-ranked rule, as deep as ban_depth, whose opening binds the party asked and keeps the
    information confidential (§ 12801.9(h)). None when `top` binds the party already or no such
    rule is ranked. (Of every party, a business's or a government's "company" and "federal
    government" drew the DMV's rules on utilities and records: measured, only the employer.)"""
    if parties & parties_named(_opening(table, top)):
        return None
    found = _first_rule_opening(retriever, table, law, settings,
                                lambda opening: bool(parties & parties_named(opening))
                                and bool(_KEEPS_CONFIDENTIAL().search(opening)), depth=settings.ban_depth)
    return found[0] if found else None


def _named_rows(retriever: Retriever, query: Query, law: Ranking) -> list[int]:
    """The passages of the law the question names, in the order they answer it: a subdivision
    named ("1798.24(o)") comes first, as the question asked for it; a whole section named ("who
    can still get a confidential address under 1808.4") gives its passages best answer first."""
    if not query.citations:
        return []
    rows: list[int] = []
    for ref, found in retriever.cited_rows(query, whole_section=True):
        if not ref.labels and _asks_more_than_the_citation(query):
            scores = {r: law.score_of(r) for r in found}  # looked up: `law` may rank every row
            found = sorted(found, key=lambda r: -(float("-inf") if scores[r] is None else scores[r]))
        rows += [r for r in found if r not in rows]
    return rows


def _asks_more_than_the_citation(query: Query) -> bool:
    """Whether the question has words of its own beyond its citations ("what does § 1808.4
    say" does not; "who can still get a confidential address under 1808.4" does)."""
    words = set(_content_words(query.text))
    for ref in query.citations:
        words.discard(ref.section.lower())
    return len(words - _LOOKUP_WORDS) >= 2


_LOOKUP_WORDS = frozenset("""say says said text what mean means read show section sec subdivision
code veh vehicl gov govern civ civil usc cfr law statut full pleas""".split())


def _distinct_ranking(retriever: Retriever, ranking: Ranking) -> Ranking:
    """`_distinct` of a ranking of every row, by numpy: each citation's first row."""
    import numpy as np

    citations = retriever.index.citation_numbers()[ranking.rows]
    first = np.full(int(citations.max()) + 1 if len(citations) else 0, len(citations))
    np.minimum.at(first, citations, np.arange(len(citations)))  # each citation's first place
    keep = np.flatnonzero(first[citations] == np.arange(len(citations)))
    return Ranking(ranking.rows[keep], ranking.scores[keep])


# A passage that defines a term: it opens with the term in quotation marks, then "means", "is",
# "includes" ('An "immigration authority" under the California Values Act is any …').
_DEFINES = compiled_on_use(
    r'^(?:an?\s+|the\s+)?["“]([^"”]{3,60})["”](?:\s+under\s+[^,;]{0,80}?)?\s+'
    r"(?:means|is|are|includes?|has the meaning|refers? to)\b", re.IGNORECASE)


# ... in Spanish as typed ("¿qué es CLETS?": the glossary spells CLETS out past four words).
_ASKS_MEANING_ES = compiled_on_use(r"^\W*qu[eé]\s+(?:es|son|significa)\s+(?:una?\s+|el\s+|la\s+|los\s+|las\s+)?"
                                   r"[\w.'-]+(?:\s+[\w.'-]+){0,3}\W*$", re.IGNORECASE)


def _asks_meaning(text: str, term: str) -> bool:
    """Whether `text` asks what `term` means or covers: the term in quotation marks, "what is a
    T", "T includes", "is Y a T", "count as T"."""
    t = re.escape(term.lower()) + r"s?"
    # "what records" alone asks which ("how do I see what records an agency has about me"), unless
    # the term ends the question ("what personal information?").
    return bool(re.search(
        rf"['\"‘’“”]{t}['\"‘’“”]|\bwhat(?:'s| is| are| counts as)(?: an?| the)? {t}\b|\bwhat {t}\W*$|"
        rf"\b{t}(?: under [\w\s.'§()-]{{0,40}}?)? (?:mean|means|include|includes|cover|covers)\b|"
        rf"\b(?:is|are|be|count as|counts as|considered|qualify as|qualifies as|treated as|defined as|definition of)"
        rf"(?: an?| the)? {t}\b", text.lower()))


def _definition_asked(retriever: Retriever, query: Query, law: Ranking, settings: AnswerSettings) -> list[int]:
    """The best-ranked passage among the first rerank_depth that defines a term the question
    asks the meaning of (_asks_meaning), alone; empty if none."""
    for row, _score in law[: settings.rerank_depth]:
        term = _defined_term(retriever, row)
        if term is not None and _asks_meaning(query.text, term):
            return [row]
    return []


def _enacted_rows(retriever: Retriever, bills: frozenset[str], law: Ranking) -> list[int]:
    """For the bills named in the question, each section their history says they added or
    amended, by its best passage of law (not our commentary) in `law`, in `law`'s order."""
    import numpy as np

    enacted = {s.id for s in retriever.resolver.sources_of_bills(bills)}
    if not enacted or not len(law):
        return []
    index = retriever.index
    numbers = [n for n in map(index.source_number, enacted) if n is not None]
    sources = index.source_numbers()[law.rows]
    at = np.flatnonzero(np.isin(sources, numbers) & (index.row_flags()[law.rows] & COMMENTARY == 0))
    _numbers, first = np.unique(sources[at], return_index=True)
    return law.rows[at[np.sort(first)]].tolist()


# Words that ask only what a law is or does ("what does AB 60 do", "what is the TRUTH Act about").
_OVERVIEW_WORDS = frozenset(_content_words("what does did are say says said require requires cover covers mean means "
                                           "about explain summary summarize overview tell act law bill california "
                                           "state basically"))


def _overview_asked(retriever: Retriever, query: Query, law: Ranking) -> list[int]:
    """For a question asking only what a bill or act does ("what does AB 60 do", "what does the
    TRUTH Act require"), the summary of each section the bill added or amended, in `law`'s order
    (each section's best passage where it has no summary): the section's own account of what it
    does, not whichever subdivision its words rank first (AB 60's ID-card notice had led)."""
    bills = query.bills_asked | acts_named(query.dense)
    if not bills or query.citations or asks_when(query.text):
        return []
    naming = _content_words(" ".join((*bills, *(name for name, bill in ACT_BILLS.items() if bill in bills))))
    if _content_words(query.dense) - naming - _OVERVIEW_WORDS:
        return []
    chunks = retriever.index.chunks

    def summary(row: int) -> int:
        source = chunks[row].chunk.source_id
        return next((r for r in retriever.resolver.source_rows(source)
                     if chunks[r].chunk.is_summary and chunks[r].chunk.part == 0 and not chunks[r].chunk.is_commentary), row)

    return [summary(row) for row in _enacted_rows(retriever, bills, law)]


def _rerank_law(retriever: Retriever, law: Ranking, table: "_SentenceTable", settings: AnswerSettings) -> Ranking:
    """The best few passages of law, re-ranked for answering: a section's summary gives way to
    its subdivisions (an answer cites the exact subdivision), and a passage holding a sentence
    close to the question rises. Passages below `rerank_depth` keep their order, after these."""
    import numpy as np

    if not law:
        return law
    top = law[0][1] or 1.0
    head = law[: settings.rerank_depth]
    rescored = []
    for row, score in head:
        weight = settings.summary_weight if _is_summary(retriever, row) else 1.0
        rescored.append((row, weight * score + settings.best_sentence * top * table.closest(row)))
    rescored.sort(key=lambda rs: -rs[1])
    floor = min(score for _row, score in rescored)
    depth = len(head)
    return Ranking(np.concatenate([np.asarray([r for r, _s in rescored], dtype=np.int64), law.rows[depth:]]),
                   np.concatenate([np.asarray([s for _r, s in rescored], dtype=np.float64),
                                   np.minimum(law.scores[depth:], floor)]))


def _is_summary(retriever: Retriever, row: int) -> bool:
    """A section's plain-language summary, when the section also has labelled subdivisions."""
    chunk = retriever.index.chunks[row].chunk
    if not chunk.is_summary:
        return False
    return any(retriever.index.chunks[r].chunk.labels for r in retriever.resolver.source_rows(chunk.source_id))


def _answering_rows(retriever: Retriever, query: Query) -> "np.ndarray":
    """Per row, whether its source may answer the question (issue 13, item 4): California's and
    federal law and our notes always, another state's law only for a question naming that state,
    and a law on one kind of record (`asked_about`: plate readers) only for a question naming it.
    From the build's tables: no record is parsed."""
    import numpy as np

    states = states_named(query.text)
    records = records_named(query.text)
    places, jurisdiction = retriever.index.jurisdictions()
    answering = np.asarray([is_home(j) or j in states for j in places], dtype=bool)[jurisdiction]
    for number, kind in retriever.index.asked_about().items():
        answering[number] &= kind in records
    return answering[retriever.index.source_numbers()]


def _law_ranking(retriever: Retriever, query: Query) -> Ranking:
    """Primary law ranked on its own; another state's law only for a question naming the state."""
    import numpy as np

    index = retriever.index
    states = states_named(query.text)
    # Per source from the build's tables, then per row: no record is parsed.
    places, jurisdiction = index.jurisdictions()
    primary = np.isin(index.authorities(), [AUTHORITIES.index(a) for a in PRIMARY_AUTHORITIES])
    numbers = index.source_numbers()
    rows, scores = retriever.searcher.ranked_rows(query, primary[numbers] & _answering_rows(retriever, query))

    def weighted(rows, scores, chosen: list[bool], weight: float):
        """`scores` times `weight` for the rows of the chosen jurisdictions, ranked again (ties by row)."""
        scores = scores * np.where(np.asarray(chosen, dtype=bool)[jurisdiction][numbers[rows]], weight, 1.0)
        by_row = np.argsort(rows)
        rows, scores = rows[by_row], scores[by_row]
        order = best_first(scores)
        return rows[order], scores[order]

    if states and not states_named_home(query.text):
        # "does New York share …": the named state's law is what was asked about; California's
        # stays as the comparison, after it.
        rows, scores = weighted(rows, scores, [j in states for j in places], STATE_WEIGHT)
    if _FEDERAL.search(query.text):  # "does federal law …": federal law is what was asked about
        rows, scores = weighted(rows, scores, [j == "US" for j in places], FEDERAL_WEIGHT)
    return Ranking(rows, scores)


def _exact_law(query: Query, law: Ranked, table: "_SentenceTable", settings: AnswerSettings) -> int | None:
    """A passage among the first few of law one of whose questions (front matter `questions:`)
    is the question asked, near enough (cosine >= key_match) and of the same kind, and whose own
    words are not far from it (a sentence at key_own_floor): it answers exactly."""
    asked = (*_kind(query.text)[:2], _asks_own(query))  # own record also in English ("¿puedo ver mi expediente?")
    for row, _score in law[:3]:
        keys = table.keys(row)
        if max(table.cosines(table.quotable(row)), default=0.0) < settings.key_own_floor:
            continue  # its own words are far from the question: the key matched on others
        if any(cosine >= settings.key_match and _kind(table.items[i].text) == asked
               for i, cosine in zip(keys, table.cosines(keys))):
            return row
    return None


def _kind(question: str) -> tuple[bool, bool, bool]:
    """What kind of thing a question asks, as far as a key must match it: whether the person is
    told, whether it asks when ("will the DMV tell me if ICE looks up my record" is not "can
    ICE get my information from the DMV", however many words they share), and whether the person
    asks for their own record ("can I ask the DMV whether it keeps a record on me" is not "will
    the DMV tell me if someone looked up my record")."""
    return bool(_NOTICE_ASKED().search(question)), asks_when(question), asks_own_record(question)


# The person asking for their own record ("can I see my DMV file", "how do I get a copy of my
# records", "the DMV won't show me my file", "I asked the DMV for my records", "my records
# request"), not someone else seeking it: the Information Practices Act's right of access
# (Civ. Code §§ 1798.32, 1798.34) answers, not the rules on others' requests (Veh. Code § 1810(b)).
_RECORD = r"(?:records?|files?|info|information|data|archivos?|expedientes?|registros?)"
_OWN_RECORD = compiled_on_use(
    rf"\b(?:can|could|may|do|does|how do|how can|where do|where can|am)\s+i\s+(?:\w+\s+){{0,3}}?"
    rf"(?:see|get|obtain|inspect|review|read|copy|access|request|ask|look at|view|check)\b"
    rf"[^?.!]{{0,40}}?\b(?:my|me)\b[^?.!]{{0,20}}?\b{_RECORD}\b"
    rf"|\b(?:can|could|may|do|does|how do|how can|where do|where can)\s+i\s+(?:\w+\s+){{0,3}}?"
    rf"(?:see|get|obtain|inspect|review|read|copy|access|request|ask)\b[^?.!]{{0,40}}?\b{_RECORD}\s+(?:on|about)\s+me\b"
    rf"|\b(?:give|show|send|mail|let)\s+me\s+(?:see\s+|have\s+|inspect\s+|look at\s+)?"
    rf"(?:my|a copy|copies|certain|the)\b[^?.!]{{0,30}}?\b{_RECORD}\b"
    rf"|\bmy own\s+(?:[\w-]+\s+){{0,2}}?{_RECORD}\b"
    rf"|\bi\s+(?:asked|requested|ask|request)\b[^?.!]{{0,30}}?\bfor\s+my\s+(?:[\w-]+\s+){{0,2}}?{_RECORD}\b"
    rf"|\bmy\s+(?:records?|file) requests?\b",
    re.IGNORECASE)


# ... to see it, not to have it corrected ("how do I get my record corrected": Civ. Code § 1798.35).
_CORRECTION = compiled_on_use(r"\b(?:correct\w*|fix\w*|amend\w*|updat\w*|chang\w*|wrong|mistakes?|errors?)\b",
                              re.IGNORECASE)


def asks_own_record(question: str) -> bool:
    """Whether the person asks to see their own record (_OWN_RECORD), not to correct it."""
    return bool(_OWN_RECORD().search(question)) and not _CORRECTION().search(question)


def _asks_own(query: Query) -> bool:
    """asks_own_record of the question as typed or in the corpus's English (a Spanish question)."""
    return asks_own_record(query.text) or asks_own_record(query.dense)


# "When was SB 54 signed", "when did AB 1766 become law": asked when a law was made, which its
# History answers, not a date the rule itself sets.
_ENACTED = compiled_on_use(r"\b(?:pass(?:ed)?|sign(?:ed)?|enact(?:ed)?|adopt(?:ed)?|amend(?:ed)?|approv(?:ed|e)|"
                      r"become|became|take effect|took effect|go into effect|went into effect|"
                      r"effective|introduc(?:ed|e)|written|made)\b", re.IGNORECASE)
# A year in our History ("Enacted in 1996 as section 642 ..."): what a "when" question asks for.
_YEAR = compiled_on_use(r"\b(?:19|20)\d\d\b")
# A calendar date in a rule's text: "January 1, 2020", "July 1, 2027".
_DATE = compiled_on_use(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                   r"December) \d{1,2}, (?:19|20)\d\d\b")


# A "when" question on when something already began ("when did California start giving
# licenses …", "since when …"): a date still to come does not answer it. (Not "when was the ID
# card law passed": a law enacted in 2022 may start in 2027.)
_ASKS_BEGAN = compiled_on_use(r"\b(?:when|what year|what date|which year)\s+(?:did|was|were|had)\b[^?.!]*?"
                              r"\b(?:start\w*|begin|began|begun|first)\b|\bsince when\b|"
                              r"\bcu[aá]ndo\s+(?:empez[oó]|comenz[oó])\b|\bdesde\s+cu[aá]ndo\b", re.IGNORECASE)


def _past_before_future(retriever: Retriever, table: "_SentenceTable", law: Ranking,
                        settings: AnswerSettings) -> Ranking:
    """`law` with the rules among the first rerank_depth whose opening dates all fall in a later
    year than today's and than the year their text is stated as of ("starting no later than July
    1, 2027": the AB 60 ID card) moved behind the others: asked when something began, a date still
    to come is not the answer ("when did California start giving licenses to undocumented
    people" is answered by § 12801(f)'s January 1, 2015, not § 13001.5's 2027)."""
    this_year = datetime.date.today().year

    def future(row: int) -> bool:
        if retriever.index.is_commentary(row):
            return False
        dates = [d for i in table.quotable(row)[:2] for d in _DATE().findall(table.items[i].text)]
        as_of = _YEAR().search(retriever.source_of(row).as_of or "")
        now = max(this_year, int(as_of.group()) if as_of else this_year)
        return bool(dates) and all(int(_YEAR().search(d).group()) > now for d in dates)

    later = [row for row, _score in law[: settings.rerank_depth] if future(row)]
    if not later:
        return law
    keep = [row for row, _score in law[: settings.rerank_depth] if row not in later]
    return law.first(keep + later) if keep else law


def _dated_law(retriever: Retriever, law: Ranking, table: "_SentenceTable", settings: AnswerSettings) -> int | None:
    """For a "when" question, a passage of law among the best two that states a date ("starting
    no later than July 1, 2027"): the rule's own date answers it before any History event."""
    rules = (row for row, _score in law if not retriever.index.is_commentary(row))  # read as far as needed
    for row in itertools.islice(rules, 2):
        if any(_DATE().search(table.items[i].text) for i in table.quotable(row)[:2]):
            return row
    return None


_WHEN_WORDS = frozenset(w for text in ("when what year date since did does was were become became law take took "
                                        "effect effective pass passed sign signed enact enacted start started go went "
                                        "into approve approved adopt adopted california bill",)
                        for w in _content_words(text))


def _bill_event(retriever: Retriever, query: Query, table: "_SentenceTable", law: Ranking,
                bills: frozenset[str]) -> tuple[int, int] | None:
    """For a "when" question naming a bill (`bills`: by number, or an act by its popular name),
    the History sentence of a section it added or amended that names the bill: one saying the
    bill added a section first, then the best-ranked section's."""
    if not bills:
        return None
    # Only when the bill itself is what the question asks about ("when did AB 60 take effect"), not
    # one of its rules ("when did AB 60 discrimination become illegal for employers"). Words that
    # only name the bill do not count: its number, an act's popular name, "law", "California".
    # Read in the question's English form ("¿en qué año entró en vigor la ley TRUTH?").
    naming = _content_words(" ".join((*bills, *ACT_BILLS, "law california")))
    if len(_content_words(query.dense) - naming - _WHEN_WORDS) > 1:
        return None
    enacted = {s.id for s in retriever.resolver.sources_of_bills(bills)}
    found = []
    for source_id in enacted:
        rows = retriever.resolver.source_rows(source_id)
        section_rank = min((p for p in map(law.position, rows) if p is not None), default=len(law))
        for row in rows:
            chunk = retriever.index.chunks[row].chunk
            if not (chunk.is_commentary and chunk.is_history):
                continue
            for i in table.quotable(row):
                text = table.items[i].text
                if bills & bills_in(text):
                    found.append((not text.startswith("Added"), section_rank, row, i))
    return min(found)[2:] if found else None


def _history_row(retriever: Retriever, law: Ranked, settings: AnswerSettings) -> int | None:
    """The History passage for a "when" question: the first among the best `history_depth`
    passages of law, else the History of the best passage's section."""
    chunks = retriever.index.chunks

    def is_history(row: int) -> bool:
        return chunks[row].chunk.is_commentary and chunks[row].chunk.is_history

    for row, _score in law[: settings.history_depth]:
        if is_history(row):
            return row
    for row, _score in law[:1]:
        return next((r for r in retriever.resolver.source_rows(chunks[row].chunk.source_id) if is_history(r)), None)
    return None


def _answering_note(retriever: Retriever, found: _Candidates, table: "_SentenceTable",
                    settings: AnswerSettings) -> tuple[str | None, bool]:
    """The note whose conclusion answers the question, if any: the question is one a note was
    written to answer (a guide question it corrects, nearly word for word), or the note itself,
    or the guide question it corrects, matches the question at least as well as the law. The
    flag says whether it is a question a note was written to answer (the first case)."""
    # Guide questions a note corrects, each by its question (its one sentence): from the build's
    # flags, without parsing their records (kb/records.py).
    asked = table.first_quotable(retriever.index.flagged(CORRECTED))
    if asked:
        cosines = table.cosines([i for _row, i in asked])
        best = max(range(len(asked)), key=cosines.__getitem__)
        if cosines[best] >= settings.question_match:
            notes = retriever.notes.correcting(retriever.index.chunks[asked[best][0]].chunk.anchor)
            # Several notes may correct one guide question (one on its wrong year, one on what it
            # asks): the one whose conclusion is closest to the question asked leads.
            openings = [(table.quotable(row) or [None])[0] for row in notes]
            scored = table.cosines([i for i in openings if i is not None])
            closest = iter(scored)
            ranked = [(next(closest) if i is not None else -1.0, -n) for n, i in enumerate(openings)]
            chosen = notes[-max(ranked)[1]]
            return retriever.index.chunks[chosen].chunk.source_id, True
    # A note one of whose own questions (front matter `questions:`) is the question asked, nearly
    # (key_match) and more nearly than any question of the first passages of law: its conclusion
    # answers ("can ICE subpoena the DMV": our note on subpoenas for DMV records, not a Colorado
    # court's order to a sheriff).
    # (Our notes are on California's law: not when the question names another state.)
    note = _best_key(table, [row for row, _score in found.notes[: settings.law_passages]])
    if note is not None and note[1] >= settings.key_match and not states_named(table.text):
        law = _best_key(table, _first_rules(retriever, found.law, settings))
        if law is None or note[1] > law[1]:
            return retriever.index.chunks[note[0]].chunk.source_id, True
    bar = settings.note_lead * found.law_top
    if found.notes and found.notes[0][1] >= bar:
        return retriever.index.chunks[found.notes[0][0]].chunk.source_id, False
    for row, score in found.secondary[:1]:
        if score < bar:
            break
        notes = retriever.notes.correcting(retriever.index.chunks[row].chunk.anchor)
        if notes:
            return retriever.index.chunks[notes[0]].chunk.source_id, False
    return None, False


def _best_key(table: "_SentenceTable", rows: list[int]) -> tuple[int, float] | None:
    """Of `rows`, the one with the question (key) closest to the question asked, and its
    cosine; None when none of them has a key."""
    scored = [(row, max(cosines)) for row in rows if (cosines := table.cosines(table.keys(row)))]
    return max(scored, key=lambda pair: pair[1], default=None)


def _leading_report(retriever: Retriever, query: Query, found: _Candidates,
                    settings: AnswerSettings) -> int | None:
    """The best passage of a report we digested (Source.is_report), when it ranks above every
    passage of law and every note of ours (report_lead of the best), and no law was asked for by
    name: the question asks what was reported (a decision, letters, a pending bill), which no
    law decides. None otherwise."""
    if found.named or query.citations or found.immigration_first or not found.secondary:
        return None
    bar = settings.report_lead * max([found.law_top] + [score for _row, score in found.notes[:1]])
    # Asked about something only reports tell of (the State-to-State system, Nlets), by name: the
    # best report naming it leads wherever it ranks among the reports, no rule of law holding the
    # name ("what is California loading into the state to state system" had led with § 1653.5(f)).
    only_reported = _ONLY_REPORTED().search(query.text)
    for row, score in found.secondary:
        if retriever.source_of(row).is_report:
            chunk = retriever.index.chunks[row].chunk
            if only_reported and _ONLY_REPORTED().search(f"{chunk.citation} {chunk.text}"):
                return row
            return row if score >= bar else None
    return None


# A question asking what a term means ("what is a hold request", "what does noncriminal history
# mean"): its distinctive words in the corpus put it on the subject, though they may be its only
# words of it.
_ASKS_MEANING = compiled_on_use(r"^\W*(?:what(?:'s| is| are)\s+(?:an?\s+|the\s+)?[\w.'-]+(?:\s+[\w.'-]+){0,3}\W*$|"
                                r"what does\b.*\bmean\b|what significa\b|defin(?:e|ition of)\b|meaning of\b)",
                                re.IGNORECASE)
_ONLY_REPORTED = compiled_on_use(rf"\b(?:{REPORTED_ONLY})\b", re.IGNORECASE)
# Laws that bind every state ("does Texas follow the DPPA", "is Florida REAL ID compliant").
_BINDS_EVERY_STATE = compiled_on_use(
    r"\b(?:federal|dppa|driver'?s privacy|real ?id|u\.?s\.?c|c\.?f\.?r|287 ?\(?g\)?|1373|1644|ley federal)\b", re.IGNORECASE)


def _rows_cited_by(retriever: Retriever, note_id: str, law: Ranking) -> Ranked:
    """The law a note relies on, best match first: for each entry of its `cites:`, the entry's
    passage that ranks highest for the question."""
    out: Ranked = []
    for rows in retriever.notes.cited_rows(note_id):
        score = {r: s for r in rows for s in [law.score_of(r)] if s is not None}
        ranked = sorted((r for r in rows if r in score), key=lambda r: -score[r])
        if ranked and ranked[0] not in dict(out):
            out.append((ranked[0], score[ranked[0]]))
    out.sort(key=lambda rs: -rs[1])
    return _distinct(retriever, out)


class _SentenceTable:
    """The stored answer-sentence candidates (text and vector, computed at build time) of an
    index, by chunk row, and their cosines with the question: choosing sentences costs only
    dot products."""

    def __init__(self, retriever: Retriever, query: Query):
        import numpy as np

        index = retriever.index
        self.items, self.vectors = index.sentences()
        # Sentences are stored kind by kind, each in chunk order: a passage's sentences of one
        # kind are one run, found without parsing any (kb/records.py).
        rows = index.sentence_rows()
        self._spans = {kind: (start, rows[start:end]) for kind in ("", "key")
                       for start, end in [index.kind_span(kind)]}
        self.qv = np.asarray(retriever.searcher.vector(query), dtype=np.float32)
        self.question = query.dense  # in the corpus's words ("the FBI": "a government agency (the FBI)")
        self.text = query.text  # the question as asked
        self._of_others: dict[int, bool] = {}

    def _of(self, row: int, kind: str) -> list[int]:
        start, rows = self._spans[kind]
        first, end = rows.searchsorted([row, row + 1]).tolist()
        return list(range(start + first, start + end))

    def first_quotable(self, rows: "np.ndarray") -> list[tuple[int, int]]:
        """(row, its first quotable sentence) for each of `rows` (rising) that has one."""
        start, quotable = self._spans[""]
        at = quotable.searchsorted(rows)
        found = at < len(quotable)
        rows, at = rows[found], at[found]
        own = quotable[at] == rows
        return list(zip(rows[own].tolist(), (start + at[own]).tolist()))

    def quotable(self, row: int) -> list[int]:
        """Sentences of passage `row` that an answer may quote, in passage order."""
        return self._of(row, "")

    def keys(self, row: int) -> list[int]:
        """Questions passage `row` answers (front matter `questions:`), never quoted, but those
        asking something of a party the question does not name (kb.subject.asks_of_unnamed; the
        search sets them aside too)."""
        return [i for i in self._of(row, "key") if not self._of_other(i)]

    def _of_other(self, i: int) -> bool:
        if i not in self._of_others:
            # Only a key near the question is read (OTHERS_KEY_NEAR, as the search does): no record
            # is parsed for the rest.
            # (parties_asked keeps its answer for the last questions: the search read it too.)
            near = float(self.vectors[i] @ self.qv) >= OTHERS_KEY_NEAR
            self._of_others[i] = near and asks_of_unnamed(self.items[i].text, parties_asked(self.text))
        return self._of_others[i]

    def first(self, row: int) -> str:
        """Passage `row`'s opening sentence ("" if it has none), which states its rule."""
        quotable = self.quotable(row)
        return self.items[quotable[0]].text if quotable else ""

    def closest(self, row: int) -> float:
        """The best cosine with the question of passage `row`'s sentences and questions."""
        return max(self.cosines(self.quotable(row) + self.keys(row)), default=0.0)

    def cosines(self, ids: list[int]) -> list[float]:
        return [float(c) for c in self.vectors[ids] @ self.qv] if ids else []


class _Composer:
    """Collects answer sentences: at most two a passage, those that state its rule, with the
    exception or condition the passage attaches to them; nothing said twice."""

    def __init__(self, retriever: Retriever, table: _SentenceTable, settings: AnswerSettings):
        self.retriever = retriever
        self.table = table
        self.settings = settings
        self.sentences: list[AnswerSentence] = []
        self.ids: list[int] = []  # table ids of the sentences, for comparing them
        self.rows: list[int] = []
        # Asked how much: a passage's sentence naming a sum is its further sentence (_add_rule).
        self.amount_asked = bool(_ASKS_AMOUNT().search(table.question))

    def _repeats(self, i: int) -> bool:
        """Whether sentence `i` says again what the answer already says: the same text, a
        quotation the answer already holds, or the same meaning (cosine >= duplicate)."""
        text = self.table.items[i].text
        if any(s.text == text for s in self.sentences):
            return True
        quotes = set(_QUOTATION.findall(text))
        if quotes and any(quotes & set(_QUOTATION.findall(s.text)) for s in self.sentences):
            return True
        if self.ids:
            near = self.table.vectors[self.ids] @ self.table.vectors[i]
            return bool((near >= self.settings.duplicate).any())
        return False

    def _restated_by_note(self, row: int, i: int) -> int | None:
        """The answer's note sentence that already says what sentence `i` of passage `row`
        says, citing its section: most of the sentence's words are in it (restated)."""
        source = self.retriever.source_of(row)
        section = "§ " + source.citation.rsplit("§", 1)[-1].strip() if "§" in source.citation else ""
        words = _content_words(self.table.items[i].text)
        for n, s in enumerate(self.sentences):
            if s.authority == "note" and section and section in s.text and words:
                if len(words & _content_words(s.text)) / len(words) >= self.settings.restated:
                    return n
        return None

    def _add(self, row: int, i: int, *, room: int = 0) -> bool:
        """Add sentence `i` of passage `row`; `room` lets a condition exceed max_sentences."""
        if len(self.sentences) >= self.settings.max_sentences + room or self._repeats(i):
            return False
        chunk = self.retriever.index.chunks[row].chunk
        source = self.retriever.source_of(row)
        item = self.table.items[i]
        if item.start is None or (chunk.parts > 1 and not is_complete(item.text)):
            return False  # not in its file as written (see Sentence), or cut: an answer quotes only what is
        said = self._restated_by_note(row, i) if source.is_primary else None
        if said is not None:  # the note said it citing this section: it cites the passage too
            s = self.sentences[said]
            if chunk.id not in s.chunk_ids:
                self.sentences[said] = dataclasses.replace(s, chunk_ids=s.chunk_ids + (chunk.id,))
            if row not in self.rows:
                self.rows.append(row)
            return False
        ours = chunk.is_commentary  # our Notes or History on a section: shown as our note
        authority = "note" if ours else source.authority
        self.sentences.append(AnswerSentence(item.text, (chunk.id,), ours or not source.is_primary, authority,
                                             start=item.start, end=item.end, lines=item.lines))
        self.ids.append(i)
        if row not in self.rows:
            self.rows.append(row)
        return True

    def states_year(self) -> bool:
        """Whether a sentence of the answer names a year."""
        return any(_YEAR().search(s.text) for s in self.sentences)

    def bears_on(self, row: int) -> bool:
        """Whether passage `row`'s rule (its opening sentence) is close to the question: cosine
        at least second_sentence, the bar for quoting a passage's further sentence."""
        picked = self.table.quotable(row)[:1]
        return bool(picked) and self.table.cosines(picked)[0] >= self.settings.second_sentence

    def bears_on_date(self, row: int) -> bool:
        """Whether passage `row`'s rule (its opening sentence) answers a "when" question: it
        states a date, or it is close to the question (cosine at least second_sentence, the bar
        for quoting a passage's further sentence)."""
        picked = self.table.quotable(row)[:1]
        return bool(picked) and (bool(_DATE().search(self.table.items[picked[0]].text)) or self.bears_on(row))

    def add_note(self, note_id: str) -> None:
        """A note's conclusion: the opening sentence of its summary passage."""
        row = self.retriever.notes.first_row(note_id)
        picked = self.table.quotable(row)
        if picked:
            self._add(row, picked[0])

    def add_second(self, row: int, i: int) -> None:
        """Sentence `i` of passage `row`, placed right after the lead (it may exceed
        max_sentences by one: what it says was asked for by name)."""
        count = len(self.sentences)
        if self._add(row, i, room=1) and count:
            self.sentences.insert(1, self.sentences.pop())
            self.ids.insert(1, self.ids.pop())
            if self.rows[-1] == row and len(self.rows) > 1:
                self.rows.insert(1, self.rows.pop())

    def add_sentence(self, row: int, i: int) -> None:
        """Sentence `i` of passage `row`, chosen by the caller (a History event)."""
        self._add(row, i)

    def add_closest(self, row: int, *, dated: bool = False, earliest: bool = False) -> None:
        """The sentence of passage `row` closest to the question: of our History or Notes on a
        section (shown as our note), or of a report (shown as reported); for a "when" question
        (`dated`), the closest of those that name a year, when any does (the event, not a
        remark beside it), and, asked when something began (`earliest`), of those naming the
        earliest year (the section's enactment, not a later amendment). A passage stored in
        windows is read whole."""
        picked = [i for i in self._passage_sentences(row) if stands_alone(self.table.items[i].text)]
        if dated:
            picked = [i for i in picked if _YEAR().search(self.table.items[i].text)] or picked
        if earliest:
            first = {i: min(map(int, _YEAR().findall(self.table.items[i].text)), default=9999) for i in picked}
            earliest_year = min(first.values(), default=9999)
            picked = [i for i in picked if first[i] == earliest_year]
        if picked:
            best = max(zip(self.table.cosines(picked), picked))[1]
            self._add(self.table.items[best].row, best)

    def add_law(self, row: int) -> None:
        """A passage's rule (its opening sentence, which the corpus writes to stand alone) and,
        when it bears on the question, one more sentence that also stands alone; then any
        sentence of the passage stating an exception or condition to what was quoted. A later
        window of a long passage, ranked on its own words, is quoted from the passage's first,
        which holds the rule its sentences tell on from ("a subpoena qualifies only if …" after
        "the DMV shall not disclose it except …")."""
        row = _first_window(self.retriever, row)
        before = (list(self.sentences), list(self.ids), list(self.rows))
        self._add_rule(row)
        if before[0] and len(self.sentences) > self.settings.max_sentences:
            # A later passage whose rule and the limits it must carry do not fit: left out whole
            # (listed below the answer), never quoted without its exception.
            self.sentences, self.ids, self.rows = before

    def _add_rule(self, row: int) -> None:
        chunk = self.retriever.index.chunks[row].chunk
        picked = self.table.quotable(row)
        if not picked or chunk.is_commentary:  # our notes on a section are not its rule
            return
        items = self.table.items
        quoted: list[int] = []
        opening = items[picked[0]].text
        # A later window of a long passage opens mid-passage: its first sentence is no rule.
        if chunk.part == 0 and stands_alone(opening):
            if self._add(row, picked[0]):
                quoted.append(picked[0])
            elif row in self.rows:
                return  # a note already stated this rule: what follows it would tell on from it
            rest = picked[1:]
        else:
            rest = picked
        if chunk.is_summary:
            return  # a section's summary: its later sentences tell on from its first
        if quoted and _POINTS_TO_ITEMS.search(opening):
            self._add_item(row)
        if chunk.parts > 1 and chunk.part == 0:  # a long passage: its later windows' sentences too
            rest = [i for i in self._passage_sentences(row) if i != picked[0]]
        scored = sorted(zip(self.table.cosines(rest), rest), reverse=True)
        if self.amount_asked:
            # "how much can I get if someone misused my DMV info": the sentence naming a sum of
            # money is the answer, however few of the question's words it shares.
            scored = [(1.0, i) for _cosine, i in scored if _SUM().search(items[i].text)] + scored
        for cosine, i in scored:
            if cosine < self.settings.second_sentence:
                break
            if stands_alone(items[i].text):
                if self._add(items[i].row, i):
                    quoted.append(i)
                break
        self._add_conditions(row, picked, quoted)

    def _add_item(self, row: int) -> None:
        """After a rule that points to the items its paragraphs list, the item closest to the
        question when it bears on it (cosine at least item_floor): the opening sentence of that
        paragraph (it may exceed max_sentences by one)."""
        chunks = self.retriever.index.chunks
        labels = chunks[row].chunk.labels
        items = [r for r in self.retriever.resolver.source_rows(chunks[row].chunk.source_id)
                 if chunks[r].chunk.part == 0 and not chunks[r].chunk.is_commentary and self._item_of(r, labels)]
        found = self._closest_opening(items, keep=self._item_asked_about(items))  # an item the question is about
        if found is not None and self._add(*found, room=1):  # with the exception it attaches, as a rule's
            self._add_conditions(found[0], self.table.quotable(found[0]), [found[1]])

    def _item_asked_about(self, items: list[int]) -> Callable[[str], bool]:
        """Which of a rule's items' openings may be quoted as the one asked about: any, but in a
        long list of like items (LONG_LIST: § 7282.5(a)(3)'s thirty-odd offenses) only one sharing
        a word with the question beyond the words the items share ("is a qualifying offense under
        § 7282.5(a)(3)"): "a misdemeanor conviction from 6 years ago … is there a 5 year lookback"
        is about no one offense, and had drawn (AB), offenses committed on bail, at cosine 0.44."""
        if len(items) < LONG_LIST:
            return lambda text: True
        openings = [self.table.first(r) for r in items]
        counts = Counter(word for text in openings for word in _content_words(text))
        listed = {word for word, n in counts.items() if n >= len(openings) / 3}
        asked = _content_words(f"{self.table.text} {self.table.question}")
        return lambda text: bool((_content_words(text) - listed) & asked)

    def _closest_opening(self, rows: list[int], keep=lambda text: True) -> tuple[int, int] | None:
        """Of `rows`, (row, sentence) for the opening sentence closest to the question among those
        that stand alone and that `keep` accepts, when it bears on the question (cosine at least
        item_floor); None when none does."""
        openings = [(r, first[0]) for r in rows for first in [self.table.quotable(r)[:1]]
                    if first and stands_alone(self.table.items[first[0]].text)
                    and keep(self.table.items[first[0]].text)]
        if not openings:
            return None
        cosines = self.table.cosines([i for _r, i in openings])
        best = max(range(len(openings)), key=cosines.__getitem__)
        return openings[best] if cosines[best] >= self.settings.item_floor else None

    def _add_conditions(self, row: int, picked: list[int], quoted: list[int]) -> None:
        """A quoted sentence is never left without the exception its passage attaches: the
        passage's sentences that limit it ("do not apply to", "unless", "except") follow it,
        wherever in the passage they are (a long passage is stored in windows), and so does a
        sibling subdivision written as an exception to it ("notwithstanding (A), …")."""
        if not quoted:
            return
        items = self.table.items
        rest = [i for i in self._passage_sentences(row) if i not in quoted]
        carve_outs = [i for i in rest if _CARVE_OUT.search(items[i].text)]
        if not carve_outs and not any(_CONDITION.search(items[i].text) for i in quoted):
            carve_outs = [i for i in picked if i not in quoted and _CONDITION.search(items[i].text)][:1]
        added = 0
        for i in carve_outs:
            added += self._add(items[i].row, i, room=1 + added)
            if added == 2:
                return
        for sibling in self._excepting_siblings(row):
            opening = self.table.quotable(sibling)
            if opening and self._add(sibling, opening[0], room=1 + added):
                # Right after the rule it excepts (and the rule's item quoted with it): read
                # before the rule's further sentences.
                at = self.ids.index(quoted[0]) + 1
                labels = self.retriever.index.chunks[row].chunk.labels
                if at < len(self.ids) - 1 and self._item_of(self.table.items[self.ids[at]].row, labels):
                    at += 1
                self.sentences.insert(at, self.sentences.pop())
                self.ids.insert(at, self.ids.pop())
                return
        if self._add_referenced_exception(row, quoted, room=1 + added):
            return
        parent = _parent_row(self.retriever, row)
        if parent is not None:
            for i in self._passage_sentences(parent):
                if _PERMITS_ONLY().search(items[i].text) and self._add(items[i].row, i, room=1 + added):
                    return

    def _add_referenced_exception(self, row: int, quoted: list[int], room: int) -> bool:
        """After a quoted sentence that excepts cases by label ("except for the uses permitted in
        (b)(1), (b)(4), (b)(6) and (b)(9)", "except as subsection (b) provides"), the exception of
        its section closest to the question, when it bears on it (cosine at least item_floor):
        its opening sentence ("can the DMV give my photo to the FBI": the DPPA's bar on photos,
        then (b)(1), any government agency's use). Of a subdivision with items, its items too."""
        chunks = self.retriever.index.chunks
        chunk = chunks[row].chunk
        paths = [tuple(_LABEL.findall(path)) for i in quoted
                 for m in _EXCEPTED_BY_LABEL().finditer(self.table.items[i].text)
                 for path in _LABEL_PATH.findall(m.group(1))]
        if not paths:
            return False
        # "(b)(1)" from the section's top; "paragraph (5)" among the quoted passage's siblings.
        wanted = set(paths) | {chunk.labels[: len(chunk.labels) - len(p)] + p for p in paths}
        rows = [r for r in self.retriever.resolver.source_rows(chunk.source_id)
                if r != row and chunks[r].chunk.part == 0 and not chunks[r].chunk.is_commentary
                and (chunks[r].chunk.labels in wanted or chunks[r].chunk.labels[:-1] in wanted)]
        # Only an exception for the party the question names ("the FBI": a government agency)
        # tells the question's case; the closest by words alone is often another party's.
        asked = parties_named(self.table.question)
        found = self._closest_opening(rows, keep=lambda text: bool(asked & parties_named(text)))
        return found is not None and self._add(*found, room=room)

    def _item_of(self, row: int, labels: tuple[str, ...]) -> bool:
        """Whether passage `row` is one of the items of the subdivision labelled `labels`."""
        own = self.retriever.index.chunks[row].chunk.labels
        return len(own) == len(labels) + 1 and own[: len(labels)] == labels

    def _passage_sentences(self, row: int) -> list[int]:
        """The quotable sentences of the passage `row` belongs to: all its windows, in order."""
        return [i for r in _windows(self.retriever, row) for i in self.table.quotable(r)]

    def _excepting_siblings(self, row: int) -> list[int]:
        """Sibling subdivisions (same parent) whose opening sentence is an exception to this
        one by its label: "notwithstanding (A)", "subparagraph (A) does not apply"."""
        chunks = self.retriever.index.chunks
        chunk = chunks[row].chunk
        if not chunk.labels:
            return []
        label = re.escape(chunk.labels[-1])
        refers = re.compile(
            rf"\bnotwithstanding (?:(?:sub)?(?:division|paragraph) )?\({label}\)|"
            # "(A) does not apply", "paragraph (1) do not apply", "subparagraphs (A), (B) and (C) do not apply"
            rf"(?:\b(?:sub)?(?:division|paragraph)s? )?(?:\(\w+\)(?:,? (?:and |or )?)?)*\({label}\)"
            rf"(?:,? (?:and |or )?\(\w+\))*,? do(?:es)? not apply", re.IGNORECASE)
        out = []
        for r in self.retriever.resolver.source_rows(chunk.source_id):
            other = chunks[r].chunk
            if (r != row and other.part == 0 and len(other.labels) == len(chunk.labels)
                    and other.labels[:-1] == chunk.labels[:-1] and other.labels != chunk.labels):
                opening = self.table.quotable(r)
                if any(refers.search(self.table.items[i].text) for i in opening[:2]):
                    out.append(r)
        return out


def _shown(retriever: Retriever, composer: _Composer, found: _Candidates, law: Ranked, k: int,
           settings: AnswerSettings) -> list[Hit]:
    """The passages listed under the answer, in the order the renderer numbers them: the law
    (the passages quoted first), our notes, agency material, then secondary sources apart."""
    score = {**dict(found.notes), **dict(found.agency), **dict(found.secondary)}  # else found.law's
    rows = list(composer.rows)
    top_law = law[0][1] if law else 0.0
    quoted_law = [r for r in rows if group_of(retriever.source_of(r), retriever.index.chunks[r].chunk) == "law"]
    wanted = max(0, min(k, settings.law_shown) - len(quoted_law))
    # `law` may rank every row: read only as far as the passages shown.
    extra_law = (r for r, s in law if s >= settings.shown_floor * top_law and r not in rows)
    rows += list(itertools.islice(extra_law, wanted))
    for row, s in found.agency[:1]:  # an agency's own statement near the top: listed, labelled
        if s >= settings.agency_floor * found.best and row not in rows:
            rows.append(row)
    for row, s in found.secondary[: settings.secondary_shown]:
        if s >= settings.secondary_floor * found.best:
            rows.append(row)
    order = {"law": 0, "note": 1, "agency": 2, "secondary": 3}
    # Stable: quoted first. Our Notes and History on a section go with our notes, not the law.
    rows.sort(key=lambda r: order[group_of(retriever.source_of(r), retriever.index.chunks[r].chunk)])

    def score_of(row: int) -> float:
        if row in score:
            return score[row]
        law_score = found.law.score_of(row)
        return 1.0 if law_score is None else law_score

    return [retriever.hit(r, score_of(r)) for r in dict.fromkeys(rows)]
