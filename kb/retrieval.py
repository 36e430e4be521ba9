"""Retrieval: exact citation lookup, lexical (BM25) and dense (FAISS) search, and their fusion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.citations import CitationRef, find_citations, format_citation, parse_citation
from kb.config import Settings
from kb.errors import CitationNotFound, InputError
from kb.models import Chunk, Hit, Source
from kb.store import IndexData

if TYPE_CHECKING:
    import numpy as np

MODES = ("hybrid", "dense", "lexical")
# Reciprocal rank fusion constant from Cormack, Clarke & Büttcher (SIGIR 2009); kb eval compares
# it with score fusion on the tuning questions (README, "Retrieval quality").
RRF_K = 60
# Rank multipliers by authority: primary law ahead of guidance and secondary sources "of similar
# relevance". Set on the tuning half of tests/eval/questions.yaml (see README for the runs).
AUTHORITY_WEIGHT = {
    "statute": 1.0, "regulation": 1.0, "case": 0.97, "agency": 0.93, "note": 0.9, "secondary": 0.8,
}
# How many of each list take part in fusion: more than any -k a user asks for.
CANDIDATES = 50


@dataclass
class Retriever:
    """Searches one opened index. The query encoder and BM25 model load on first use."""

    index: IndexData
    settings: Settings
    notices: list[str] = field(default_factory=list)
    _embedder: object = None
    _lexical: object = None
    _by_source: dict = field(default=None, repr=False)
    _last_query: tuple | None = field(default=None, repr=False)

    # --- building blocks -------------------------------------------------------------------

    @property
    def sources(self) -> dict[str, Source]:
        if self._by_source is None:
            self._by_source = self.index.source_by_id()
        return self._by_source

    def embedder(self):
        if self._embedder is None:
            from kb.encoders import query_embedder

            self._embedder = query_embedder(self.index, self.settings, self.notices)
        return self._embedder

    def embed_query(self, text: str) -> "np.ndarray":
        """The query's vector; the last one is kept, since ask() needs it twice."""
        if self._last_query is None or self._last_query[0] != text:
            self._last_query = (text, self.embedder().encode([text])[0])
        return self._last_query[1]

    def hit(self, row: int, score: float) -> Hit:
        chunk = self.index.chunks[row].chunk
        return Hit(chunk=chunk, source=self.sources[chunk.source_id], score=float(score))

    def dense_scores(self, query_vector: "np.ndarray", n: int = CANDIDATES) -> list[tuple[int, float]]:
        """(row, cosine) of the `n` nearest chunks, best first."""
        index = self.index.faiss_index()
        n = min(n, index.ntotal)
        if n == 0:
            return []
        scores, rows = index.search(query_vector.reshape(1, -1), n)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def lexical_scores(self, query: str, n: int = CANDIDATES) -> list[tuple[int, float]]:
        """(row, BM25) of the `n` best chunks that share at least one term with the query."""
        import numpy as np

        if self._lexical is None:
            from kb.lexical import LexicalIndex

            self._lexical = LexicalIndex(self.index.path)
        scores = self._lexical.scores(query)
        order = np.argsort(-scores, kind="stable")[:n]
        return [(int(r), float(scores[r])) for r in order if scores[r] > 0]

    # --- search ----------------------------------------------------------------------------

    def ranked(self, query: str, mode: str = "hybrid", query_vector=None) -> list[tuple[int, float]]:
        """(row, score) for every candidate, best first, by `mode`."""
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        weight = [AUTHORITY_WEIGHT.get(self.sources[sc.chunk.source_id].authority, 0.8)
                  for sc in self.index.chunks]
        if mode == "lexical":
            ranked = [(r, s * weight[r]) for r, s in self.lexical_scores(query)]
        elif mode == "dense":
            qv = self.embed_query(query) if query_vector is None else query_vector
            ranked = [(r, s * weight[r]) for r, s in self.dense_scores(qv)]
        else:
            qv = self.embed_query(query) if query_vector is None else query_vector
            fused: dict[int, float] = {}
            for results in (self.dense_scores(qv), self.lexical_scores(query)):
                for rank, (row, _score) in enumerate(results):
                    fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
            ranked = [(r, s * weight[r]) for r, s in fused.items()]
        return sorted(ranked, key=lambda rs: (-rs[1], rs[0]))

    def search(self, query: str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """Ranked passages; a citation in the query puts its passages first."""
        if not query.strip():
            raise InputError("the query is empty: ask a question or give a citation")
        if k < 1:
            raise InputError("-k must be at least 1")
        hits: list[Hit] = []
        seen: set[str] = set()
        for ref, _span in find_citations(query):
            try:
                for h in self.lookup(ref):
                    if h.chunk.id not in seen:
                        seen.add(h.chunk.id)
                        hits.append(h)
            except (CitationNotFound, InputError):
                continue  # a cite the corpus lacks: plain search still answers the rest
        for row, score in self.ranked(query, mode):
            chunk = self.index.chunks[row].chunk
            if chunk.id not in seen:
                seen.add(chunk.id)
                hits.append(self.hit(row, score))
        return [self.with_corrections(h) for h in hits[:k]]

    # --- citation lookup -------------------------------------------------------------------

    def _citation_keys(self) -> dict[tuple[str, str], Source]:
        keys = {}
        for s in self.index.sources:
            found = find_citations(s.citation)
            if found and s.authority not in ("note", "secondary"):
                keys.setdefault(found[0][0].key, s)
        return keys

    def resolve(self, ref: CitationRef) -> tuple[Source, CitationRef]:
        """The source a citation names, and the citation with its code filled in."""
        keys = self._citation_keys()
        if ref.code:
            source = keys.get(ref.key)
            if source is None:
                raise CitationNotFound(
                    f"the corpus has no {format_citation(ref.with_labels(()))} "
                    "(`kb sources` lists what it holds)"
                )
            return source, ref
        matches = [(k, s) for k, s in keys.items() if k[1] == ref.section.lower()]
        if not matches:
            raise CitationNotFound(f"the corpus has no section {ref.section} in any code (`kb sources` lists it)")
        if len(matches) > 1:
            options = ", ".join(sorted(format_citation(CitationRef(k[0], k[1])) for k, _ in matches))
            raise InputError(f"section {ref.section} is in more than one code ({options}): name the code")
        (code, _sec), source = matches[0]
        return source, CitationRef(code, ref.section, ref.labels)

    def lookup(self, ref: CitationRef) -> list[Hit]:
        """The passages of a section, or of one subdivision and everything under it."""
        source, ref = self.resolve(ref)
        rows = [i for i, sc in enumerate(self.index.chunks) if sc.chunk.source_id == source.id]
        if not ref.labels:
            return [self.with_corrections(self.hit(r, 1.0)) for r in rows]
        n = len(ref.labels)
        exact = [r for r in rows if self.index.chunks[r].chunk.labels[:n] == ref.labels]
        if not exact:  # "12801.9(J)": letters typed in the wrong case still find the subdivision
            exact = [r for r in rows
                     if tuple(x.lower() for x in self.index.chunks[r].chunk.labels[:n])
                     == tuple(x.lower() for x in ref.labels)]
        if not exact:
            tops = sorted({self.index.chunks[r].chunk.labels[0] for r in rows if self.index.chunks[r].chunk.labels},
                          key=lambda x: (len(x), x))
            have = ", ".join(f"({t})" for t in tops) or "no lettered subdivisions"
            raise CitationNotFound(
                f"{source.citation} in the corpus has no subdivision {format_citation(ref)[len(source.citation):] or ''}"
                f" (it has {have}); `kb cite \"{source.citation}\"` shows the whole section"
            )
        return [self.with_corrections(self.hit(r, 1.0)) for r in exact]

    def cite(self, text: str) -> tuple[CitationRef, list[Hit]]:
        ref = parse_citation(text)
        source, ref = self.resolve(ref)
        return ref, self.lookup(ref)

    # --- corrections -----------------------------------------------------------------------

    def with_corrections(self, hit: Hit) -> Hit:
        """Attach the correction notes that point at this passage (a FAQ question)."""
        if not hit.chunk.anchor:
            return hit
        notes = []
        for s in self.index.sources:
            if hit.chunk.anchor in s.corrects:
                row = next(i for i, sc in enumerate(self.index.chunks) if sc.chunk.source_id == s.id)
                notes.append(self.hit(row, 1.0))
        if not notes:
            return hit
        return Hit(chunk=hit.chunk, source=hit.source, score=hit.score, corrections=tuple(notes))


def chunk_rows(index: IndexData) -> dict[str, int]:
    return {sc.chunk.id: i for i, sc in enumerate(index.chunks)}


def is_primary_chunk(chunk: Chunk, sources: dict[str, Source]) -> bool:
    return sources[chunk.source_id].is_primary
