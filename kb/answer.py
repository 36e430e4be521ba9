"""Compose an extractive, cited answer from retrieved passages, or abstain.

Nothing is generated: every answer sentence is a sentence of a retrieved passage, scored by its
cosine with the question, and followed by the passage it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.citations import find_citations
from kb.errors import InputError
from kb.models import Answer, AnswerSentence, Hit
from kb.retrieval import Retriever


@dataclass(frozen=True)
class AnswerSettings:
    """abstain_below: the best passage's cosine with the question under which no passage is
    taken to answer it. Calibrated with `kb eval` on the tuning half of the question set (the
    unanswerable questions' best cosines against the answerable ones'); README has the run.
    sentences: how many answer sentences to show. passages_for_sentences: how many of the top
    passages sentences are drawn from (the candidates are stored at build time, see
    kb.indexing.candidate_sentences). min_sentence_cosine: a sentence less related than this
    is not shown even if it is the best a passage has."""

    abstain_below: float = 0.40
    sentences: int = 3
    passages_for_sentences: int = 5
    min_sentence_cosine: float = 0.30


def answer_question(
    retriever: Retriever, question: str, k: int = 5, settings: AnswerSettings = AnswerSettings()
) -> Answer:
    question = question.strip()
    if not question:
        raise InputError("the question is empty: ask something, e.g. kb ask \"how do I opt out?\"")
    hits = retriever.search(question, k=k)
    # Passages found by a citation in the question carry score 1.0 (see Retriever.lookup).
    cited = bool(find_citations(question)) and any(h.score == 1.0 for h in hits)
    import numpy as np

    qv = retriever.embed_query(question)
    best = max((s for _r, s in retriever.dense_scores(qv, n=1)), default=0.0)
    if not cited and best < settings.abstain_below:
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
    chosen = primary[: settings.sentences] if primary else scored[: settings.sentences]
    seen: set[str] = set()
    sentences = []
    for _c, i in chosen:
        text, hit = candidates[i]
        if text in seen:
            continue
        seen.add(text)
        sentences.append(AnswerSentence(text, (hit.chunk.id,), not hit.source.is_primary))
    return Answer(question, False, tuple(sentences), tuple(hits))
