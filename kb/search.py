"""Lexical (BM25) and dense (numpy, inner product) search over one opened index, and their fusion."""

from __future__ import annotations

from collections.abc import Sequence
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


class Ranking(Sequence):
    """(row, score) pairs, best first, held as two numpy arrays (rows int64, scores float64):
    a ranking of every row of the index (an answer ranks all primary law) is worked on by numpy
    and made into Python tuples only as far as it is read. A Python loop over every row was
    the part of a question that grew with the corpus (issue 15)."""

    def __init__(self, rows: "np.ndarray", scores: "np.ndarray"):
        self.rows, self.scores = rows, scores
        self._by_row = self._places = None

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(zip(self.rows[i].tolist(), self.scores[i].tolist()))
        return int(self.rows[i]), float(self.scores[i])

    def __iter__(self):
        for start in range(0, len(self.rows), 64):
            yield from zip(self.rows[start:start + 64].tolist(), self.scores[start:start + 64].tolist())

    def score_of(self, row: int) -> float | None:
        """The score of `row`, or None when it is not ranked here."""
        if self._by_row is None:
            import numpy as np

            self._by_row = np.full(int(self.rows.max()) + 1 if len(self.rows) else 0, np.nan)
            self._by_row[self.rows] = self.scores
        if not 0 <= row < len(self._by_row) or self._by_row[row] != self._by_row[row]:  # NaN: absent
            return None
        return float(self._by_row[row])

    def position(self, row: int) -> int | None:
        """Where `row` stands in this ranking (0: first), or None when it is not ranked here."""
        if self._places is None:
            import numpy as np

            self._places = np.full(int(self.rows.max()) + 1 if len(self.rows) else 0, -1)
            self._places[self.rows] = np.arange(len(self.rows))
        if not 0 <= row < len(self._places) or self._places[row] < 0:
            return None
        return int(self._places[row])

    def first(self, rows: list[int], score: float | None = None) -> "Ranking":
        """`rows` first, in their order (at `score`, else at their own), then the rest as ranked."""
        import numpy as np

        rows_array = np.asarray(rows, dtype=np.int64)
        rest = ~np.isin(self.rows, rows_array)
        if score is None:
            scores = np.asarray([self.score_of(r) for r in rows], dtype=np.float64)
        else:
            scores = np.full(len(rows), score, dtype=np.float64)
        return Ranking(np.concatenate([rows_array, self.rows[rest]]), np.concatenate([scores, self.scores[rest]]))


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


# How close to the question a key must be for whom it asks about to be read (Searcher and the
# answer's sentence table set aside the same keys): below it a key lifts no passage far, and
# reading every key's text would parse records a question never needs.
OTHERS_KEY_NEAR = 0.7


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
    _weights: object = field(default=None, repr=False)  # np.ndarray
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

    def dense_scores(self, query: Query) -> "np.ndarray":
        """Every row's cosine with the question (float32, row i for chunk i), or that of the
        closest question the passage answers if higher: each is a second key for its passage
        (issue 13, item 2). Kept for the last query, since an answer ranks the same question
        several ways (fused, law only, best cosine). One numpy product over the mapped vectors
        (9 ms at 51,800 rows; loading them into FAISS and searching every row took 87 + 44 ms,
        issue 15)."""
        if self._last_dense is None or self._last_dense[0] != query.dense:
            import numpy as np

            vectors = self.index.vector_matrix()
            qv = np.asarray(self.vector(query), dtype=np.float32)
            scores = vectors @ qv if len(vectors) else np.zeros(0, dtype=np.float32)
            own = float(scores.max()) if len(scores) else 0.0
            rows, keys = self.key_rows()
            key = float("-inf")  # no keys: the passages decide
            if len(rows):
                key_scores = keys @ qv
                self._drop_keys_of_others(query, key_scores)
                key = float(key_scores.max())
                np.maximum.at(scores, rows, key_scores)
            self._last_dense = (query.dense, scores, (own, key))
        return self._last_dense[1]

    def _drop_keys_of_others(self, query: Query, key_scores: "np.ndarray", near: float = OTHERS_KEY_NEAR) -> None:
        """A key close to the question (`near`) that asks something of a party the question does
        not name counts for nothing, in place (kb.subject.asks_of_unnamed: "Can a store treat me
        differently because my ID is an AB 60 license?" is no answer to "can I get a REAL ID with
        an AB 60 license", nor "Can police arrest someone on an ICE civil warrant?" to "can ICE
        arrest me without a warrant")."""
        import numpy as np

        from kb.subject import asks_of_unnamed, parties_asked

        close = np.flatnonzero(key_scores >= near)
        if not len(close):
            return
        items, _vectors = self.index.sentences()
        start, _end = self.index.kind_span("key")
        asked = parties_asked(query.text)
        for i in close:
            if asks_of_unnamed(items[start + int(i)].text, asked):
                key_scores[i] = -1.0

    def key_rows(self):
        """(rows, vectors) of the questions passages answer (front matter `questions:`)."""
        if self._keys is None:
            import numpy as np

            _items, vectors = self.index.sentences()
            start, end = self.index.kind_span("key")  # one run of rows: no record parsed
            self._keys = (self.index.sentence_rows()[start:end], np.asarray(vectors[start:end]))
        return self._keys

    def best_context_cosine(self, query: Query) -> float | None:
        """The question's cosine with the closest file context (front matter `context:`): how
        near it comes to what some section governs, whatever the passages' wording; None when
        no file has a context."""
        if self._contexts is None:
            import numpy as np

            _items, vectors = self.index.sentences()
            start, end = self.index.kind_span("context")
            self._contexts = np.asarray(vectors[start:end])
        if not len(self._contexts):
            return None
        return float((self._contexts @ self.vector(query)).max())

    def dense(self, query: Query, n: int = CANDIDATES) -> Ranked:
        """(row, cosine) of the `n` nearest chunks."""
        return _best(self.dense_scores(query), n)

    def best_cosine(self, query: Query) -> float:
        """The best row's cosine, a key counting as its passage."""
        return max(self.best_cosines(query))

    def best_cosines(self, query: Query) -> tuple[float, float]:
        """(the best passage's own cosine, the best key's): how close the question comes to
        what the law says, and to a question some passage answers (front matter `questions:`)."""
        self.dense_scores(query)
        return self._last_dense[2]

    def lexical_index(self):
        """The BM25 index (kb/lexical.py), opened on first use."""
        return self._bm25()

    def _bm25(self):
        if self._lexical is None:
            from kb.lexical import LexicalIndex

            self._lexical = LexicalIndex(self.index.path, self.index)
        return self._lexical

    def lexical_scores(self, query: Query) -> "np.ndarray":
        """Every row's BM25 score (0 for a chunk sharing no term with the query); kept for the
        last query, like the dense scores."""
        if self._last_lexical is None or self._last_lexical[0] != query.lexical:
            self._last_lexical = (query.lexical, self._bm25().scores(query.lexical))
        return self._last_lexical[1]

    def lexical(self, query: Query, n: int = CANDIDATES) -> Ranked:
        """(row, BM25) of the `n` best chunks that share at least one term with the query."""
        return _best(self.lexical_scores(query), n, positive=True)

    def lexical_strength(self, query: Query) -> float:
        """The best passage's BM25 score per query term: high when one passage holds the
        question's distinctive words ("opt out", "CLETS"), whatever the embedding says."""
        terms = self._bm25().tokenize(query.lexical)
        top = self.lexical(query, n=1)
        return top[0][1] / len(terms) if top and terms else 0.0

    def authority_weights(self) -> "np.ndarray":
        """Row -> the rank multiplier of its source's authority (float64)."""
        if self._weights is None:
            import numpy as np

            from kb.models import AUTHORITIES

            weight = dict(self.tuning.authority)
            per_authority = np.asarray([weight.get(a, 0.8) for a in AUTHORITIES], dtype=np.float64)
            # From the per-source and per-row tables: no record is parsed.
            self._weights = per_authority[self.index.authorities()][self.index.source_numbers()]
        return self._weights

    def ranked(self, query: Query, mode: str = "hybrid", keep: "Callable[[int], bool] | np.ndarray | None" = None) -> Ranked:
        """Every candidate row, best first, by `mode`, authority-weighted; `keep` (a function of
        the row, or a boolean per row) filters rows before ranking (the answer ranks primary law
        on its own, so it is never crowded out): see `ranked_rows`."""
        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        if keep is not None:
            import numpy as np

            if not isinstance(keep, np.ndarray):
                keep = np.fromiter((bool(keep(r)) for r in range(len(self.index.chunks))), dtype=bool)
            rows, scores = self.ranked_rows(query, keep, mode)
            return list(zip(rows.tolist(), scores.tolist()))
        t = self.tuning
        if mode == "lexical":
            scored = dict(self.lexical(query))
        elif mode == "dense":
            scored = dict(self.dense(query))
        else:
            scored = {}
            for results, w in ((self.dense(query), t.dense_weight), (self.lexical(query), t.lexical_weight)):
                top = max((score for _row, score in results), default=0.0) or 1.0
                for rank, (row, score) in enumerate(results):
                    part = 1.0 / (t.rrf_k + rank + 1) if t.fusion == "rrf" else score / top
                    scored[row] = scored.get(row, 0.0) + w * part
        rows = list(scored)
        weights = self.authority_weights()[rows].tolist() if rows else []
        out = [(r, scored[r] * w) for r, w in zip(rows, weights)]
        out.sort(key=lambda rs: (-rs[1], rs[0]))
        return out

    def ranked_rows(self, query: Query, keep: "np.ndarray", mode: str = "hybrid") -> tuple["np.ndarray", "np.ndarray"]:
        """(rows, scores) of every row `keep` marks, best first (ties by row), as `ranked` would
        fuse them from lists of every row: a filtered ranking looks at every row, since the rows
        it keeps may all sit below the top CANDIDATES of the whole index (the FAQ and notes crowd
        primary law out of it). Worked out by numpy, with the same arithmetic in the same order
        (float64 over the float32 scores), so its figures are those of the lists."""
        import numpy as np

        if mode not in MODES:
            raise InputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        t = self.tuning
        n = len(self.index.chunks)
        present = np.ones(n, dtype=bool)  # the dense list holds every row, the lexical one some
        if mode == "lexical":
            fused = self.lexical_scores(query).astype(np.float64)
            present = fused > 0
        elif mode == "dense":
            fused = self.dense_scores(query).astype(np.float64)
        else:
            fused = np.zeros(n, dtype=np.float64)
            lexical = self.lexical_scores(query).astype(np.float64)
            for scores, listed, w in ((self.dense_scores(query).astype(np.float64), present, t.dense_weight),
                                      (lexical, lexical > 0, t.lexical_weight)):
                if t.fusion == "rrf":
                    part = np.zeros(n, dtype=np.float64)
                    order = _order(scores, listed)
                    part[order] = 1.0 / (t.rrf_k + np.arange(len(order)) + 1)
                else:
                    top = float(scores[listed].max()) if listed.any() else 0.0
                    part = scores / (top or 1.0)
                if listed is present:  # every row: no mask to apply
                    fused += w * part
                else:
                    fused[listed] += w * part[listed]
        fused *= self.authority_weights()
        rows = np.flatnonzero(keep & present)
        scores = fused[rows]
        order = best_first(scores)
        return rows[order], scores[order]


def best_first(scores: "np.ndarray") -> "np.ndarray":
    """The order of `scores`, highest first, ties in their given order: what a stable sort
    gives, from numpy's unstable sort (4.3 against 0.8 ms over 51,800 rows) and one sort of
    integers to put each run of equal scores back in order."""
    import numpy as np

    n = len(scores)
    order = np.argsort(-scores)
    ranked = scores[order]
    if n < 2 or not (ranked[1:] == ranked[:-1]).any():
        return order
    run = np.concatenate([[0], np.cumsum(ranked[1:] != ranked[:-1])])  # a number per run of ties
    return np.sort(run * n + order) % n


def _order(scores: "np.ndarray", listed: "np.ndarray") -> "np.ndarray":
    """The listed rows, best first, ties by row."""
    import numpy as np

    rows = np.flatnonzero(listed)
    return rows[best_first(scores[rows])]


def _best(scores: "np.ndarray", n: int, positive: bool = False) -> Ranked:
    """(row, score) of the `n` best rows (only those scoring above 0 if `positive`), best first,
    ties by row: a partition finds them without sorting every row."""
    import numpy as np

    rows = np.flatnonzero(scores > 0) if positive else np.arange(len(scores))
    if len(rows) > n > 0:
        kth = np.partition(scores[rows], len(rows) - n)[len(rows) - n]  # the n-th best score
        rows = rows[scores[rows] >= kth]  # ties at the boundary too: ordered by row below
    order = np.lexsort((rows, -scores[rows]))[:n]
    rows = rows[order]
    return list(zip(rows.tolist(), scores[rows].tolist()))
