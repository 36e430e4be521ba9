"""Citation lookup: which source a citation names, and which chunk rows hold it."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.citations import CitationRef, find_citations, format_citation, official_url, parse_citation
from kb.errors import CitationNotFound, InputError
from kb.models import Source
from kb.query import Query, bare_sections, bills_in
from kb.store import IndexData


@dataclass
class CitationResolver:
    """Resolves citations against one opened index; its tables are built on first use."""

    index: IndexData
    _keys: dict | None = field(default=None, repr=False)
    _rows: dict | None = field(default=None, repr=False)
    _bills: frozenset | None = field(default=None, repr=False)

    def _citation_keys(self) -> dict[tuple[str, str], Source]:
        """(code, section) -> source, from the sources' own citations (notes and guides, whose
        citations describe rather than cite, are not lookup targets)."""
        if self._keys is None:
            keys: dict[tuple[str, str], Source] = {}
            for s in self.index.sources:
                found = find_citations(s.citation)
                if found and s.authority not in ("note", "secondary"):
                    keys.setdefault(found[0][0].key, s)
            self._keys = keys
        return self._keys

    def source_rows(self, source_id: str) -> list[int]:
        if self._rows is None:
            rows: dict[str, list[int]] = {}
            for row, sc in enumerate(self.index.chunks):
                rows.setdefault(sc.chunk.source_id, []).append(row)
            self._rows = rows
        return self._rows.get(source_id, [])

    def resolve(self, ref: CitationRef) -> tuple[Source, CitationRef]:
        """The source a citation names, and the citation with its code filled in."""
        keys = self._citation_keys()
        if ref.code:
            source = keys.get(ref.key)
            if source is None:
                section = ref.with_labels(())
                url = official_url(section)
                where = f"; the official text is at {url}" if url else ""
                raise CitationNotFound(
                    f"the corpus has no {format_citation(section)} (`kb sources` lists what it holds){where}"
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

    def parse(self, text: str) -> CitationRef:
        """The citation `text` holds: an official or informal form, or a bare section number
        ("1798.24(o)", "2724(b)") that the corpus resolves to its code."""
        try:
            return parse_citation(text)
        except InputError:
            bare = bare_sections(text)
            if not bare:
                raise
            return bare[0]

    def rows(self, ref: CitationRef) -> tuple[CitationRef, list[int]]:
        """The citation with its code filled in, and the rows of the section or of the one
        subdivision (with everything under it) that it names."""
        source, ref = self.resolve(ref)
        rows = self.source_rows(source.id)
        if not ref.labels:
            return ref, rows
        chunks = self.index.chunks
        n = len(ref.labels)
        exact = [r for r in rows if chunks[r].chunk.labels[:n] == ref.labels]
        if not exact:  # "12801.9(J)": letters typed in the wrong case still find the subdivision
            lowered = tuple(x.lower() for x in ref.labels)
            exact = [r for r in rows if tuple(x.lower() for x in chunks[r].chunk.labels[:n]) == lowered]
        if not exact:
            tops = sorted({chunks[r].chunk.labels[0] for r in rows if chunks[r].chunk.labels},
                          key=lambda x: (len(x), x))
            have = ", ".join(f"({t})" for t in tops) or "no lettered subdivisions"
            raise CitationNotFound(
                f"{source.citation} in the corpus has no subdivision "
                f"{format_citation(ref)[len(source.citation):]} (it has {have}); "
                f"`kb cite \"{source.citation}\"` shows the whole section"
            )
        return ref, exact

    def known_bills(self) -> frozenset[str]:
        """Every bill the corpus mentions ("AB 60", "SB 54"), normalised."""
        if self._bills is None:
            found: set[str] = set()
            for sc in self.index.chunks:
                found |= bills_in(sc.chunk.text + " " + sc.chunk.title)
            for src in self.index.sources:
                found |= bills_in(" ".join(src.history) + " " + src.title)
            self._bills = frozenset(found)
        return self._bills

    def sources_of_bills(self, bills: frozenset[str]) -> list[Source]:
        """Primary-law sources whose history names one of `bills`: the sections a bill added or
        amended ("what did AB 1766 change?" asks for exactly these). Titles are not read: a
        title's "(AB 60)" names the subject, not the bill that changed the section."""
        if not bills:
            return []
        return [s for s in self.index.sources if s.is_primary and bills & bills_in(" ".join(s.history))]

    def names_known_law(self, query: Query) -> bool:
        """Whether the question names a bill the corpus records or a section it holds: such a
        question is about the corpus even when its wording embeds poorly ("what did AB 1660 do")."""
        if query.bills & self.known_bills():
            return True
        for ref in query.citations:
            try:
                self.resolve(ref)
                return True
            except (CitationNotFound, InputError):
                continue
        return False
