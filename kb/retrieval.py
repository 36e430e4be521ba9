"""Retrieval: exact citation lookup, lexical (BM25) and dense (FAISS) search, and their fusion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.citations import CitationRef, find_citations, format_citation, parse_citation
from kb.config import Settings
from kb.errors import CitationNotFound, InputError
from kb.glossary import expand_query, translate_query
from kb.text import require_text
from kb.models import Hit, Source
from kb.store import IndexData

if TYPE_CHECKING:
    import numpy as np

MODES = ("hybrid", "dense", "lexical")
# How many of each list take part in fusion. The FAQ and the notes alone hold ~70 passages
# that all speak of "DMV data" and "ICE": a shorter list can hold no primary law at all.
CANDIDATES = 200


@dataclass(frozen=True)
class RetrievalSettings:
    """How hybrid search fuses and ranks; every value was chosen with `kb eval` on the tuning
    half of tests/eval/questions.yaml (README, "Retrieval quality", lists the runs).

    fusion: "rrf", reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009; rrf_k = 60
    is their constant), or "score", a weighted sum of max-normalised scores.
    authority: rank multipliers, so primary law ranks ahead of guidance and secondary sources
    of similar relevance.
    primary_band: when above 0, every primary-law passage scoring at least this share of the
    best score is moved ahead of the non-primary passages in that band ("of similar
    relevance", made exact).
    """

    fusion: str = "score"
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    primary_band: float = 0.0
    authority: tuple[tuple[str, float], ...] = (
        ("statute", 1.0), ("regulation", 1.0), ("case", 0.97), ("agency", 0.93), ("note", 0.9),
        ("secondary", 0.8),
    )


@dataclass
class Retriever:
    """Searches one opened index. The query encoder and BM25 model load on first use."""

    index: IndexData
    settings: Settings
    notices: list[str] = field(default_factory=list)
    tuning: RetrievalSettings = RetrievalSettings()
    _embedder: object = None
    _lexical: object = None
    _by_source: dict = field(default=None, repr=False)
    _last_query: tuple | None = field(default=None, repr=False)
    _bills: frozenset | None = field(default=None, repr=False)
    _keys: dict | None = field(default=None, repr=False)
    _notes_by_anchor: dict | None = field(default=None, repr=False)

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

    def query_vector(self, query: str) -> "np.ndarray":
        """The vector dense search uses for `query`: glossary words in English, then embedded."""
        return self.embed_query(translate_query(query))

    def embed_query(self, text: str) -> "np.ndarray":
        """The text's vector; the last one is kept, since ask() needs it twice."""
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

    def ranked(
        self, query: str, mode: str = "hybrid", query_vector=None, primary_band: float | None = None,
    ) -> list[tuple[int, float]]:
        """(row, score) for every candidate, best first, by `mode`."""
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        t = self.tuning
        authority = dict(t.authority)
        weight = [authority.get(self.sources[sc.chunk.source_id].authority, 0.8) for sc in self.index.chunks]
        expanded = expand_query(query)
        if mode == "lexical":
            ranked = [(r, s * weight[r]) for r, s in self.lexical_scores(expanded)]
        elif mode == "dense":
            qv = self.query_vector(query) if query_vector is None else query_vector
            ranked = [(r, s * weight[r]) for r, s in self.dense_scores(qv)]
        else:
            qv = self.query_vector(query) if query_vector is None else query_vector
            fused: dict[int, float] = {}
            lists = [(self.dense_scores(qv), t.dense_weight), (self.lexical_scores(expanded), t.lexical_weight)]
            for results, w in lists:
                top = max((score for _row, score in results), default=0.0) or 1.0
                for rank, (row, score) in enumerate(results):
                    part = 1.0 / (t.rrf_k + rank + 1) if t.fusion == "rrf" else score / top
                    fused[row] = fused.get(row, 0.0) + w * part
            ranked = [(r, s * weight[r]) for r, s in fused.items()]
        ranked.sort(key=lambda rs: (-rs[1], rs[0]))
        band_share = t.primary_band if primary_band is None else primary_band
        if band_share and ranked:
            floor = band_share * ranked[0][1]
            is_primary = [self.sources[sc.chunk.source_id].is_primary for sc in self.index.chunks]
            band = [rs for rs in ranked if rs[1] >= floor]
            ranked = ([rs for rs in band if is_primary[rs[0]]] + [rs for rs in band if not is_primary[rs[0]]]
                      + ranked[len(band):])
        return ranked

    def search(
        self, query: str, k: int = 5, mode: str = "hybrid", primary_band: float | None = None,
    ) -> list[Hit]:
        """Ranked passages; a citation in the query puts its passages first. `primary_band`
        overrides the settings' (see RetrievalSettings)."""
        require_text(query, "query")
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
        cited = {h.chunk.citation for h in hits}
        for row, score in self.ranked(query, mode, primary_band=primary_band):
            chunk = self.index.chunks[row].chunk
            # Windows of one long passage share a citation: the best one stands for them all.
            if chunk.id not in seen and chunk.citation not in cited:
                seen.add(chunk.id)
                cited.add(chunk.citation)
                hits.append(self.hit(row, score))
        return [self.with_corrections(h) for h in hits[:k]]

    # --- citation lookup -------------------------------------------------------------------

    def _citation_keys(self) -> dict[tuple[str, str], Source]:
        """(code, section) -> source, parsed once per index from the sources' citations."""
        if self._keys is None:
            keys: dict[tuple[str, str], Source] = {}
            for s in self.index.sources:
                found = find_citations(s.citation)
                if found and s.authority not in ("note", "secondary"):
                    keys.setdefault(found[0][0].key, s)
            self._keys = keys
        return self._keys

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

    def lexical_strength(self, query: str) -> float:
        """The best passage's BM25 score per query term: high when one passage holds the
        question's distinctive words ("opt out", "CLETS"), whatever the embedding says."""
        if self._lexical is None:
            self.lexical_scores(query, n=1)
        terms = self._lexical.tokenize(expand_query(query))
        top = self.lexical_scores(expand_query(query), n=1)
        return top[0][1] / len(terms) if top and terms else 0.0

    # --- named laws ------------------------------------------------------------------------

    def known_bills(self) -> frozenset[str]:
        """Every bill the corpus mentions ("AB 60", "SB 54"), normalised."""
        if self._bills is None:
            found = set()
            for sc in self.index.chunks:
                found.update(_bills_in(sc.chunk.text + " " + sc.chunk.title))
            for src in self.index.sources:
                found.update(_bills_in(" ".join(src.history) + " " + src.title))
            self._bills = frozenset(found)
        return self._bills

    def names_known_law(self, question: str) -> bool:
        """Whether the question names a bill the corpus records or a section it holds: such a
        question is about the corpus even when its wording embeds poorly ("what did AB 1660 do")."""
        if _bills_in(question) & self.known_bills():
            return True
        for ref, _span in find_citations(question):
            try:
                self.resolve(ref)
                return True
            except (CitationNotFound, InputError):
                continue
        return False

    # --- corrections -----------------------------------------------------------------------

    def with_corrections(self, hit: Hit) -> Hit:
        """Attach the correction notes that point at this passage (a FAQ question)."""
        if not hit.chunk.anchor:
            return hit
        if self._notes_by_anchor is None:
            first_row: dict[str, int] = {}
            for row, sc in enumerate(self.index.chunks):
                first_row.setdefault(sc.chunk.source_id, row)
            by_anchor: dict[str, list[int]] = {}
            for src in self.index.sources:
                for anchor in src.corrects:
                    by_anchor.setdefault(anchor, []).append(first_row[src.id])
            self._notes_by_anchor = by_anchor
        notes = tuple(self.hit(row, 1.0) for row in self._notes_by_anchor.get(hit.chunk.anchor, ()))
        if not notes:
            return hit
        return Hit(chunk=hit.chunk, source=hit.source, score=hit.score, corrections=notes)


_BILL = re.compile(r"\b(AB|SB)\s?-?(\d{1,4})\b", re.IGNORECASE)


def _bills_in(text: str) -> set[str]:
    return {f"{house.upper()} {int(number)}" for house, number in _BILL.findall(text)}
