"""BM25 over chunk texts: bm25s builds and saves the index; queries read its score matrix.

bm25s scores eagerly: its saved index is a sparse (chunk × term) matrix of BM25 weights in CSC
form (.npy arrays, no pickle) plus a JSON vocabulary, and a query's scores are the sums of its
terms' columns. Importing bm25s costs ~0.3 s here (it pulls in scipy), so the query path reads
those arrays with numpy and tokenises exactly as bm25s does; tests/test_lexical.py checks that
the scores equal bm25s's own `get_scores` for many queries.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kb.errors import IndexCorrupt

if TYPE_CHECKING:
    import numpy as np

LEXICAL_DIR = "lexical"
TOKENIZER_FILE = "kb_tokenizer.json"
# bm25s's default token pattern: words of two or more characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_REBUILD = "run `kb build --full` to rebuild it"


def _stemmer():
    import Stemmer  # PyStemmer: Snowball stemming, so "licenses" finds "license"

    return Stemmer.Stemmer("english")


def build_lexical(texts: Sequence[str], index_dir: Path) -> None:
    """Write the BM25 index of `texts` (row i = chunk i) into `index_dir/lexical`."""
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    folder = index_dir / LEXICAL_DIR
    retriever = bm25s.BM25()
    tokens = bm25s.tokenize(
        list(texts), stopwords=list(STOPWORDS_EN), stemmer=_stemmer(), token_pattern=TOKEN_PATTERN,
        show_progress=False,
    )
    retriever.index(tokens, show_progress=False)
    retriever.save(str(folder), show_progress=False, allow_pickle=False)
    # What the query path needs to tokenise exactly as bm25s did.
    (folder / TOKENIZER_FILE).write_text(
        json.dumps({"token_pattern": TOKEN_PATTERN, "stopwords": sorted(STOPWORDS_EN),
                    "stemmer": "english", "lower": True}, indent=1) + "\n",
        encoding="utf-8",
    )


class LexicalIndex:
    def __init__(self, index_dir: Path, index=None):
        """The BM25 index in `index_dir/lexical`; given `index` (the opened generation, an
        IndexData), its files are read through it: checked against the manifest it has already
        parsed, the score matrix memory-mapped when its stamp is as built."""
        self._path = index_dir / LEXICAL_DIR
        self._index = index
        self._loaded = None

    def _load(self):
        if self._loaded is None:
            import io

            import numpy as np

            if self._index is not None:
                index = self._index
                read = lambda name: index.read_verified(f"{LEXICAL_DIR}/{name}")  # noqa: E731
                load = lambda name: index.array(f"{LEXICAL_DIR}/{name}")  # noqa: E731
            else:
                from kb.manifest import verified_reader

                # In a generation, each file is checked against the manifest and parsed from the
                # very bytes that were checked.
                read = verified_reader(self._path)
                load = lambda name: np.load(io.BytesIO(read(name)), allow_pickle=False)  # noqa: E731
            try:
                arrays = {name: load(f"{name}.csc.index.npy") for name in ("data", "indices", "indptr")}
                vocab = json.loads(read("vocab.index.json").decode("utf-8"))
                params = json.loads(read("params.index.json").decode("utf-8"))
                tok = json.loads(read(TOKENIZER_FILE).decode("utf-8"))
            except (OSError, ValueError) as exc:
                raise IndexCorrupt(f"{self._path}: BM25 index unreadable ({exc}); {_REBUILD}") from None
            self._loaded = (arrays, vocab, int(params["num_docs"]), tok, re.compile(tok["token_pattern"]),
                            frozenset(tok["stopwords"]), _stemmer())
        return self._loaded

    def tokenize(self, text: str) -> list[str]:
        _arrays, _vocab, _n, tok, pattern, stopwords, stemmer = self._load()
        words = [w for w in pattern.findall(text.lower() if tok["lower"] else text) if w not in stopwords]
        return stemmer.stemWords(words)

    def rare_terms(self, text: str, share: float) -> frozenset[str]:
        """The terms of `text` (as tokenized for BM25) that at least one passage holds and at
        most `share` of all passages do: the names a question gives that the corpus seldom
        uses ("Nlets", "Fortify"). One lookup per term in the index's column pointers."""
        arrays, vocab, num_docs, *_ = self._load()
        indptr = arrays["indptr"]
        found = set()
        for t in self.tokenize(text):
            column = vocab.get(t, len(indptr))
            if column < len(indptr) - 1 and 0 < indptr[column + 1] - indptr[column] <= share * num_docs:
                found.add(t)
        return frozenset(found)

    def scores(self, query: str) -> "np.ndarray":
        """BM25 score of every chunk for `query` (zeros when no query word is in the corpus)."""
        import numpy as np

        arrays, vocab, num_docs, *_ = self._load()
        data, indices, indptr = arrays["data"], arrays["indices"], arrays["indptr"]
        # bm25s's vocabulary also holds "" (its empty-document token), which has no column.
        ids = [vocab[t] for t in self.tokenize(query) if vocab.get(t, len(indptr)) < len(indptr) - 1]
        out = np.zeros(num_docs, dtype=np.float32)
        for t in ids:  # one column of the CSC matrix per query term, repeats counted as bm25s does
            start, end = indptr[t], indptr[t + 1]
            np.add.at(out, indices[start:end], data[start:end])
        return out
