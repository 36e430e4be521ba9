"""The numpy query path over bm25s's saved index scores exactly as bm25s itself does."""

import numpy as np
import pytest

from kb.lexical import TOKEN_PATTERN, LexicalIndex, build_lexical

TEXTS = [
    "Cal. Veh. Code § 12800.7 — Documents given to the DMV are not public records.",
    "Residence addresses in DMV records are confidential; licenses, licensing, licensed.",
    "The DPPA permits disclosure to any government agency, including law enforcement.",
    "¿Puede ICE obtener mi licencia AB 60? Información confidencial del DMV.",
    "Safe at Home: the Secretary of State's address confidentiality program.",
    "",
]
QUERIES = [
    "can ICE get my documents", "residence address confidential license", "licencia AB 60",
    "government agencies law enforcement disclosure disclosure", "the of and", "zzz unknown words",
    "Secretary of State's program", "DMV DMV DMV",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("idx")
    build_lexical(TEXTS, path)
    return path


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_bm25s(folder, query):
    import bm25s
    import Stemmer

    reference = bm25s.BM25.load(str(folder / "lexical"), allow_pickle=False, show_progress=False)
    tokens = bm25s.tokenize([query], stopwords="en", stemmer=Stemmer.Stemmer("english"),
                            token_pattern=TOKEN_PATTERN, return_ids=False, show_progress=False)[0]
    want = reference.get_scores(tokens) if tokens else np.zeros(len(TEXTS))
    got = LexicalIndex(folder).scores(query)
    assert got.shape == (len(TEXTS),)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_stemming_matches_inflections(folder):
    scores = LexicalIndex(folder).scores("licensing")
    assert scores[1] > 0 and scores[0] == 0


def test_query_with_no_known_word_scores_zero(folder):
    assert not LexicalIndex(folder).scores("zzz qqq").any()
