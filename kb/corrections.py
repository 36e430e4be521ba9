"""Our notes: which guide passages each note corrects, and which law each note relies on."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.citations import find_citations
from kb.errors import CitationNotFound, InputError
from kb.lookup import CitationResolver
from kb.store import IndexData


@dataclass
class Notes:
    """Correction notes of one opened index; tables are built on first use."""

    index: IndexData
    resolver: CitationResolver
    _by_anchor: dict | None = field(default=None, repr=False)
    _cited: dict = field(default_factory=dict, repr=False)

    def first_row(self, source_id: str) -> int | None:
        """A note's summary passage: the conclusion it opens with."""
        rows = self.resolver.source_rows(source_id)
        return rows[0] if rows else None

    def correcting(self, anchor: str) -> list[int]:
        """Summary rows of the notes that correct a guide question ("faq-dmv-ice#Q14")."""
        if not anchor:
            return []
        if self._by_anchor is None:
            # From the build's table (kb/tables.py): no source record is parsed.
            self._by_anchor = {}
            for target, note_ids in self.index.corrections().items():
                rows = [self.first_row(note_id) for note_id in note_ids]
                self._by_anchor[target] = [row for row in rows if row is not None]
        return self._by_anchor.get(anchor, [])

    def cited_rows(self, source_id: str) -> list[list[int]]:
        """For each entry of a note's `cites:` that the corpus holds, the rows of that section
        or subdivision, in the note's order. Entries the corpus lacks are skipped: a note may
        cite a case or regulation we have not digested."""
        if source_id not in self._cited:
            source = self.index.source(source_id)
            out = []
            for text in source.cites if source else ():
                found = find_citations(text)
                if not found:
                    continue
                try:
                    _ref, rows = self.resolver.rows(found[0][0])
                except (CitationNotFound, InputError):
                    continue
                if rows:
                    out.append(rows)
            self._cited[source_id] = out
        return self._cited[source_id]
