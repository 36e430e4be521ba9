"""Compose an extractive, cited answer from retrieved passages, or abstain.

Nothing is generated: every answer sentence is a sentence of a retrieved passage, scored by its
cosine with the question, and followed by the passage it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.text import require_text
from kb.models import Answer, AnswerSentence
from kb.retrieval import Retriever


@dataclass(frozen=True)
class AnswerSettings:
    """abstain_below: the best passage's cosine with the (glossary-expanded) question under
    which no passage is taken to answer it; questions naming a law the corpus holds, or with a
    strong lexical match (below), are exempt. `kb eval --split tune --calibrate` gave 0.5797 on
    2026-11-25: the middle of the range of thresholds that abstain on all 13 unanswerable tuning
    questions while wrongly abstaining on at most 5 % of the 75 answerable ones.
    lexical_rescue: a question whose best passage scores at least this much BM25 per query term
    is answered even below abstain_below: its distinctive words are in the corpus. 1.0 sits
    above every unanswerable tuning question (their maximum: 0.74).
    primary_band: an answer leads with primary law: primary passages scoring at least this
    share of the best passage's score go before guidance, notes and secondary sources (0.8 put
    primary law in the top 3 for 5 of the 6 design questions of issue 3 on the tuning runs, at
    the cost of 2 of 75 tuning questions leaving the top 5; `kb search` ranks without it).
    sentences: how many answer sentences to show. passages_for_sentences: how many of the top
    passages sentences are drawn from (the candidates are stored at build time, see
    kb.indexing.candidate_sentences); 3 rather than 5 raised the share of tuning questions
    whose first answer sentence comes from an expected passage from 0.53 to 0.56 (kb eval). min_sentence_cosine: a sentence less related than this
    is not shown even if it is the best a passage has; nor is one scoring under relative_floor
    times the best sentence's cosine (a history line under a sentence that answers)."""

    abstain_below: float = 0.58
    lexical_rescue: float = 1.0
    primary_band: float = 0.8
    sentences: int = 3
    passages_for_sentences: int = 3
    min_sentence_cosine: float = 0.30
    relative_floor: float = 0.8


def answer_question(
    retriever: Retriever, question: str, k: int = 5, settings: AnswerSettings = AnswerSettings()
) -> Answer:
    question = require_text(question)
    hits = retriever.search(question, k=k, primary_band=settings.primary_band)
    # A question naming a law the corpus holds ("VC 12801.9", "what did AB 1660 do"), or whose
    # distinctive words one passage holds, is never abstained on: that is evidence the
    # embedding similarity cannot see.
    exempt = retriever.names_known_law(question) or (
        retriever.lexical_strength(question) >= settings.lexical_rescue
    )
    import numpy as np

    qv = retriever.query_vector(question)
    best = max((s for _r, s in retriever.dense_scores(qv, n=1)), default=0.0)
    if not exempt and best < settings.abstain_below:
        return Answer(
            question=question, abstained=True, sentences=(), hits=tuple(hits),
            reason=(f"no passage in the corpus is close enough to the question "
                    f"(best similarity {best:.2f}, needed {settings.abstain_below:.2f})"),
        )
    # Sentence vectors were computed at build time: choosing sentences costs dot products only.
    rows = {sc.chunk.id: i for i, sc in enumerate(retriever.index.chunks)}
    usable = {
        rows[h.chunk.id]: h for h in hits[: settings.passages_for_sentences]
        if not h.corrections  # a claim our notes correct is never offered as an answer
    }
    items, vectors = retriever.index.sentences()
    picked = [i for i, item in enumerate(items) if item.row in usable]
    if not picked:
        return Answer(question, False, (), tuple(hits))
    cosines = vectors[picked] @ np.asarray(qv, dtype=np.float32)
    candidates = [(items[i].text, usable[items[i].row]) for i in picked]
    scored = sorted(
        ((float(c), j) for j, c in enumerate(cosines) if c >= settings.min_sentence_cosine),
        reverse=True,
    )
    primary = [(c, i) for c, i in scored if candidates[i][1].source.is_primary]
    # Primary law answers whenever it can; other sources only fill in when it cannot.
    pool = primary or scored
    chosen = [(c, i) for c, i in pool if c >= settings.relative_floor * pool[0][0]][: settings.sentences] if pool else []
    seen: set[str] = set()
    sentences = []
    for _c, i in chosen:
        text, hit = candidates[i]
        if text in seen:
            continue
        seen.add(text)
        sentences.append(AnswerSentence(text, (hit.chunk.id,), not hit.source.is_primary))
    return Answer(question, False, tuple(sentences), tuple(hits))
