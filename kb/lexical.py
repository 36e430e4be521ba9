"""BM25 over chunk texts with bm25s: built at index time, saved without pickle, loaded per query."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kb.errors import IndexCorrupt

if TYPE_CHECKING:
    import numpy as np

LEXICAL_DIR = "lexical"


def _stemmer():
    import Stemmer  # PyStemmer: Snowball stemming, so "licenses" finds "license"

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, English stop words dropped, stemmed: the same for documents and queries."""
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False, return_ids=False
    )


def build_lexical(texts: Sequence[str], index_dir: Path) -> None:
    """Write the BM25 index of `texts` (row i = chunk i) into `index_dir/lexical`."""
    import bm25s

    retriever = bm25s.BM25()
    tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), show_progress=False)
    retriever.index(tokens, show_progress=False)
    retriever.save(str(index_dir / LEXICAL_DIR), show_progress=False, allow_pickle=False)


class LexicalIndex:
    def __init__(self, index_dir: Path):
        self._path = index_dir / LEXICAL_DIR
        self._retriever = None

    def _load(self):
        if self._retriever is None:
            import bm25s

            try:
                self._retriever = bm25s.BM25.load(str(self._path), show_progress=False, allow_pickle=False)
            except (OSError, ValueError, KeyError) as exc:
                raise IndexCorrupt(
                    f"{self._path}: BM25 index unreadable ({exc}); run `kb build --full` to rebuild it"
                ) from None
        return self._retriever

    def scores(self, query: str) -> "np.ndarray":
        """BM25 score of every chunk for `query` (zeros when no query word is in the corpus)."""
        return self._load().get_scores(tokenize([query])[0])
