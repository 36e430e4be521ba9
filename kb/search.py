"""Lexical (BM25) and dense (FAISS) search over one opened index, and their fusion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from kb.config import Settings
from kb.errors import InputError
from kb.query import Query
from kb.store import IndexData

if TYPE_CHECKING:
    import numpy as np

MODES = ("hybrid", "dense", "lexical")
# How many of each list take part in fusion. The FAQ and the notes alone hold ~70 passages
# that all speak of "DMV data" and "ICE": a shorter list can hold no primary law at all.
CANDIDATES = 200

Ranked = list[tuple[int, float]]  # (chunk row, score), best first


@dataclass(frozen=True)
class RetrievalSettings:
    """How hybrid search fuses and ranks; every value was chosen with `kb eval` on the tuning
    half of tests/eval/questions.yaml (README, "Retrieval quality", lists the runs).

    fusion: "rrf", reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009; rrf_k = 60
    is their constant), or "score", a weighted sum of max-normalised scores.
    authority: rank multipliers, so primary law ranks ahead of guidance and secondary sources
    of similar relevance.
    """

    fusion: str = "score"
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    authority: tuple[tuple[str, float], ...] = (
        ("statute", 1.0), ("regulation", 1.0), ("case", 0.97), ("agency", 0.93), ("note", 0.9),
        ("secondary", 0.8),
    )


@dataclass
class Searcher:
    """Ranks an index's chunks for a query. The query encoder and BM25 arrays load on first use,
    and the last query's vector is kept (an answer needs it for passages and sentences)."""

    index: IndexData
    settings: Settings
    notices: list[str] = field(default_factory=list)
    tuning: RetrievalSettings = RetrievalSettings()
    _embedder: object = field(default=None, repr=False)
    _lexical: object = field(default=None, repr=False)
    _last_vector: tuple | None = field(default=None, repr=False)
    _last_dense: tuple | None = field(default=None, repr=False)
    _last_lexical: tuple | None = field(default=None, repr=False)
    _weights: list[float] | None = field(default=None, repr=False)
    _keys: tuple | None = field(default=None, repr=False)
    _contexts: object = field(default=None, repr=False)

    def encoder(self):
        """The query encoder the index was built for (ONNX, or sentence-transformers)."""
        if self._embedder is None:
            from kb.embedding.encoders import query_embedder

            self._embedder = query_embedder(self.index, self.settings, self.notices)
        return self._embedder

    def embed(self, text: str) -> "np.ndarray":
        """The text's vector."""
        if self._last_vector is None or self._last_vector[0] != text:
            self._last_vector = (text, self.encoder().encode([text])[0])
        return self._last_vector[1]

    def vector(self, query: Query) -> "np.ndarray":
        return self.embed(query.dense)

    def _all_dense(self, query: Query) -> Ranked:
        """(row, cosine) of every chunk, best first; kept for the last query, since an answer
        ranks the same question several ways (fused, law only, best cosine)."""
        key = ("dense", query.dense)
        if self._last_dense is None or self._last_dense[0] != key:
            index = self.index.faiss_index()
            ranked: Ranked = []
            if index.ntotal:
                scores, rows = index.search(self.vector(query).reshape(1, -1), index.ntotal)
                ranked = [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]
                ranked = self._with_keys(query, ranked)
            self._last_dense = (key, ranked)
        return self._last_dense[1]

    def key_rows(self):
        """(rows, vectors) of the questions passages answer (front matter `questions:`)."""
        if self._keys is None:
            import numpy as np

            items, vectors = self.index.sentences()
            ids = [i for i, item in enumerate(items) if item.kind == "key"]
            self._keys = (np.asarray([items[i].row for i in ids], dtype=np.int64), vectors[ids])
        return self._keys

    def best_context_cosine(self, query: Query) -> float | None:
        """The question's cosine with the closest file context (front matter `context:`): how
        near it comes to what some section governs, whatever the passages' wording; None when
        no file has a context."""
        if self._contexts is None:
            items, vectors = self.index.sentences()
            self._contexts = vectors[[i for i, item in enumerate(items) if item.kind == "context"]]
        if not len(self._contexts):
            return None
        return float((self._contexts @ self.vector(query)).max())

    def _with_keys(self, query: Query, ranked: Ranked) -> Ranked:
        """A passage scores as well as the closest of the questions it answers: each question is
        a second key for its passage (issue 13, item 2)."""
        rows, vectors = self.key_rows()
        if not len(rows):
            return ranked
        cosines = vectors @ self.vector(query)
        best: dict[int, float] = {}
        for row, cosine in zip(rows.tolist(), cosines.tolist()):
            best[row] = max(best.get(row, -1.0), cosine)
        out = [(r, max(s, best.get(r, -1.0))) for r, s in ranked]
        out.sort(key=lambda rs: (-rs[1], rs[0]))
        return out

    def dense(self, query: Query, n: int = CANDIDATES) -> Ranked:
        """(row, cosine) of the `n` nearest chunks."""
        return self._all_dense(query)[:n]

    def best_cosine(self, query: Query) -> float:
        return max((s for _r, s in self.dense(query, n=1)), default=0.0)

    def _bm25(self):
        if self._lexical is None:
            from kb.lexical import LexicalIndex

            self._lexical = LexicalIndex(self.index.path)
        return self._lexical

    def _all_lexical(self, query: Query) -> Ranked:
        """(row, BM25) of every chunk sharing a term with the query, best first; kept for the
        last query, like the dense list."""
        if self._last_lexical is None or self._last_lexical[0] != query.lexical:
            import numpy as np

            scores = self._bm25().scores(query.lexical)
            order = np.argsort(-scores, kind="stable")
            self._last_lexical = (query.lexical, [(int(r), float(scores[r])) for r in order if scores[r] > 0])
        return self._last_lexical[1]

    def lexical(self, query: Query, n: int = CANDIDATES) -> Ranked:
        """(row, BM25) of the `n` best chunks that share at least one term with the query."""
        return self._all_lexical(query)[:n]

    def lexical_strength(self, query: Query) -> float:
        """The best passage's BM25 score per query term: high when one passage holds the
        question's distinctive words ("opt out", "CLETS"), whatever the embedding says."""
        terms = self._bm25().tokenize(query.lexical)
        top = self.lexical(query, n=1)
        return top[0][1] / len(terms) if top and terms else 0.0

    def authority_weights(self) -> list[float]:
        """Row -> the rank multiplier of its source's authority."""
        if self._weights is None:
            weight = dict(self.tuning.authority)
            by_id = self.index.source_by_id()
            self._weights = [weight.get(by_id[sc.chunk.source_id].authority, 0.8) for sc in self.index.chunks]
        return self._weights

    def ranked(self, query: Query, mode: str = "hybrid", keep: Callable[[int], bool] | None = None) -> Ranked:
        """Every candidate row, best first, by `mode`, authority-weighted; `keep` filters rows
        before ranking (the answer ranks primary law on its own, so it is never crowded out)."""
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        t = self.tuning
        # A filtered ranking looks at every row: the rows it keeps may all sit below the top
        # CANDIDATES of the whole index (the FAQ and notes crowd primary law out of it).
        n = CANDIDATES if keep is None else len(self.index.chunks)
        if mode == "lexical":
            scored = dict(self.lexical(query, n))
        elif mode == "dense":
            scored = dict(self.dense(query, n))
        else:
            scored = {}
            for results, w in ((self.dense(query, n), t.dense_weight), (self.lexical(query, n), t.lexical_weight)):
                top = max((score for _row, score in results), default=0.0) or 1.0
                for rank, (row, score) in enumerate(results):
                    part = 1.0 / (t.rrf_k + rank + 1) if t.fusion == "rrf" else score / top
                    scored[row] = scored.get(row, 0.0) + w * part
        weight = self.authority_weights()
        out = [(r, s * weight[r]) for r, s in scored.items() if keep is None or keep(r)]
        out.sort(key=lambda rs: (-rs[1], rs[0]))
        return out
