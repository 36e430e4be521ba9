"""Retrieval over one opened index: the searcher, the citation resolver and the notes, and the
ranked passages (`Hit`s) they make together for `kb search`, `kb cite` and `kb ask`."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.citations import CitationRef, CitedGroup
from kb.config import Settings
from kb.corrections import Notes
from kb.errors import CitationNotFound, InputError
from kb.lookup import CitationResolver
from kb.models import Hit, Source
from kb.query import Query, parse_query
from kb.search import MODES, RetrievalSettings, Searcher
from kb.store import IndexData

__all__ = ["MODES", "RetrievalSettings", "Retriever"]


@dataclass
class Retriever:
    index: IndexData
    settings: Settings
    notices: list[str] = field(default_factory=list)
    searcher: Searcher = field(init=False)
    resolver: CitationResolver = field(init=False)
    notes: Notes = field(init=False)

    def __post_init__(self) -> None:
        self.searcher = Searcher(self.index, self.settings, self.notices)
        self.resolver = CitationResolver(self.index)
        self.notes = Notes(self.index, self.resolver)

    def source_of(self, row: int) -> Source:
        return self.index.source_of_row(row)  # without parsing the row's record

    def hit(self, row: int, score: float) -> Hit:
        """The passage at `row`, with the notes that correct it (a FAQ question) attached."""
        chunk = self.index.chunks[row].chunk
        notes = tuple(self.hit(r, 1.0) for r in self.notes.correcting(chunk.anchor))
        return Hit(chunk=chunk, source=self.index.source_of_row(row), score=float(score), corrections=notes)

    def cited_rows(self, query: Query, whole_section: bool = False) -> list[tuple[CitationRef, list[int]]]:
        """Each citation in the question that the corpus holds, with its rows, in question order.
        With `whole_section`, a subdivision the corpus lacks ("1808.21(z)") stands for its
        section, when the corpus holds that: the closest law there is to what was asked."""
        out = []
        for ref in query.citations:
            try:
                out.append((ref, self.resolver.rows(ref)[1]))
            except (CitationNotFound, InputError):
                if whole_section and ref.labels:
                    try:
                        out.append((ref.with_labels(()), self.resolver.rows(ref.with_labels(()))[1]))
                    except (CitationNotFound, InputError):
                        pass
                continue  # a cite the corpus lacks: plain search still answers the rest
        return out

    def lookup_rows(self, query: Query) -> list[int]:
        """Rows of every citation in the question that the corpus holds, in question order."""
        return list(dict.fromkeys(r for _ref, rows in self.cited_rows(query) for r in rows))

    def search(self, query: Query | str, k: int = 5, mode: str = "hybrid") -> list[Hit]:
        """Ranked passages; a citation in the query puts its passages first. Windows of one
        long passage share a citation: the best one stands for them all."""
        if isinstance(query, str):
            query = parse_query(query, "query")
        if k < 1:
            raise InputError("-k must be at least 1")
        hits = [self.hit(r, 1.0) for r in self.lookup_rows(query)]
        cited = {h.chunk.citation for h in hits}
        for row, score in self.searcher.ranked(query, mode):
            if len(hits) >= k:
                break
            citation = self.index.chunks[row].chunk.citation
            if citation not in cited:
                cited.add(citation)
                hits.append(self.hit(row, score))
        return hits[:k]

    def cite(self, text: str) -> tuple[CitationRef | CitedGroup, list[Hit]]:
        """A citation's passages; lists, ranges, bills, case names and ids too (see lookup.py)."""
        ref, rows = self.resolver.cite(text)
        return ref, [self.hit(r, 1.0) for r in rows]
