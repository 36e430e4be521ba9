"""Citation lookup: which source a citation names, and which chunk rows hold it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.citations import CitedGroup, CitationRef, format_citation, official_url, parse_citations
from kb.errors import CitationNotFound, InputError, quoted
from kb.models import AUTHORITIES, Source
from kb.query import Query, bare_sections, bills_in
from kb.store import IndexData
from kb.text import compiled_on_use


@dataclass
class CitationResolver:
    """Resolves citations against one opened index; its tables are built on first use."""

    index: IndexData
    _keys: dict | None = field(default=None, repr=False)
    _bills: frozenset | None = field(default=None, repr=False)

    def _citation_keys(self) -> dict[tuple[str, str], int]:
        """(code, section) -> the source's number in `index.sources`, from the sources' own citations (notes and guides, whose
        citations describe rather than cite, are not lookup targets): the build's table
        (kb/tables.py), since parsing every source's citation grew with the corpus."""
        if self._keys is None:
            number = self.index.source_number
            self._keys = {(code, section): n for code, section, source_id in self.index.citation_keys()
                          for n in [number(source_id)] if n is not None}
        return self._keys

    def source_rows(self, source_id: str) -> list[int]:
        number = self.index.source_number(source_id)
        if number is None:
            return []
        # A source's rows are one run of the per-row source numbers (rows are in corpus order):
        # found by bisection, with no chunk record parsed.
        start, end = self.index.source_numbers().searchsorted([number, number + 1]).tolist()
        return list(range(start, end))

    def resolve(self, ref: CitationRef) -> tuple[Source, CitationRef]:
        """The source a citation names, and the citation with its code filled in."""
        keys = self._citation_keys()
        if ref.code:
            number = keys.get(ref.key)
            if number is None:
                section = ref.with_labels(())
                url = official_url(section)
                where = f"; the official text is at {url}" if url else ""
                raise CitationNotFound(
                    f"the corpus has no {format_citation(section)} (`kb sources` lists what it holds){where}"
                )
            return self.index.sources[number], ref
        matches = [(k, s) for k, s in keys.items() if k[1] == ref.section.lower()]
        if not matches:
            raise CitationNotFound(f"the corpus has no section {ref.section} in any code (`kb sources` lists it)")
        if len(matches) > 1:
            options = ", ".join(sorted(format_citation(CitationRef(k[0], k[1])) for k, _ in matches))
            raise InputError(f"section {ref.section} is in more than one code ({options}): name the code")
        (code, _sec), number = matches[0]
        return self.index.sources[number], CitationRef(code, ref.section, ref.labels)

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
            asked = format_citation(ref)[len(source.citation):]
            if source.partial:  # the law may well have it: our digest does not
                raise CitationNotFound(
                    f"our digest of {source.citation} holds only some of its subdivisions ({have}), "
                    f"not {asked}: its file is marked `subdivisions: partial` and its note says what "
                    f"could not be read; the official text: {source.url}"
                )
            raise CitationNotFound(
                f"{source.citation} in the corpus has no subdivision "
                f"{format_citation(ref)[len(source.citation):]} (it has {have}); "
                f"`kb cite \"{source.citation}\"` shows the whole section"
            )
        return ref, exact

    def not_held(self, ref: CitationRef) -> str | None:
        """What of a citation the corpus lacks, for an answer's reason ("8 C.F.R. § 287.4 but not
        its subdivision (c)"), or None when it holds it. A bare number in no code ("section
        9999") is not taken as a citation the user meant, and says nothing."""
        try:
            self.rows(ref)
            return None
        except (CitationNotFound, InputError):
            pass
        try:
            source, full = self.resolve(ref)
        except InputError:  # a section in more than one code: the code unnamed
            return None
        except CitationNotFound:
            return f"no text of {format_citation(ref.with_labels(()))}" if ref.code else None
        asked = format_citation(full)[len(source.citation):]
        whose = "our digest of " if source.partial else ""
        return f"{whose}{source.citation} but not its subdivision {asked}"

    def cite(self, text: str) -> tuple[CitationRef | CitedGroup, list[int]]:
        """What `kb cite TEXT` shows: the rows of a citation, or of every item of a list or range
        of them; else of a bill (the History passages of the sections it added or amended), of a
        case named by its parties, or of a document named by its id (as JSON shows it)."""
        wanted = text.strip()
        source = self.index.source(wanted)
        if source is not None:
            return CitedGroup(source.citation), self.source_rows(source.id)
        if "#" in wanted and self.index.source_number(wanted.split("#", 1)[0]) is not None:
            # "faq-dmv-ice#Q7": one question of a guide, as a note's `corrects:` names it
            # Only the guide's own rows are parsed, not every record of the index.
            rows = [row for row in self.source_rows(wanted.split("#", 1)[0])
                    if self.index.chunks[row].chunk.anchor.lower() == wanted.lower()]
            if rows:
                return CitedGroup(self.index.chunks[rows[0]].chunk.citation), rows
        try:
            refs = parse_citations(text)
        except InputError:
            refs = list(bare_sections(text))  # "1798.24(o)", "section 1808.21": the corpus knows the code
            if not refs:
                if bills_in(text):
                    return self.bill_rows(bills_in(text))
                if _CASE_NAME().match(wanted):
                    return self.case_rows(wanted)
                raise
        if len(refs) == 1:
            return self.rows(refs[0])
        resolved, rows = [], []
        for ref in refs:  # every item, or the error for the first one the corpus lacks
            ref, found = self.rows(ref)
            resolved.append(ref)
            rows += [r for r in found if r not in rows]
        return CitedGroup("; ".join(r.format() for r in resolved), tuple(resolved)), rows

    def bill_rows(self, bills: frozenset[str]) -> tuple[CitedGroup, list[int]]:
        """The History passages (of primary law) that name one of `bills`, in corpus order
        (from the build's bill table, kb/tables.py)."""
        table = self.index.bills()["history_rows"]
        rows = sorted({row for bill in bills for row in table.get(bill, ())})
        named = " and ".join(sorted(bills))
        if not rows:
            raise CitationNotFound(
                f"no section in the corpus records {named} in its history (`kb search \"{named}\"` "
                "finds passages that mention it)"
            )
        sections = []
        for row in rows:
            citation = self.index.source_of_row(row).citation
            if citation not in sections:
                sections.append(citation)
        return CitedGroup(f"{named}: {'; '.join(sections)}"), rows

    def case_rows(self, name: str) -> tuple[CitedGroup, list[int]]:
        """The rows of the case file whose citation or title starts with the parties' names."""
        import numpy as np

        wanted = _case_key(name)
        cases = np.flatnonzero(self.index.authorities() == AUTHORITIES.index("case")).tolist()
        for s in (self.index.sources[n] for n in cases):  # only the case files are parsed
            if _case_key(s.citation).startswith(wanted) or _case_key(s.title).startswith(wanted):
                return CitedGroup(s.citation), self.source_rows(s.id)
        raise CitationNotFound(f"the corpus has no case named {quoted(name)} (`kb sources` lists the cases it holds)")

    def known_bills(self) -> frozenset[str]:
        """Every bill the corpus mentions ("AB 60", "SB 54"), normalised (from the build's bill
        table, kb/tables.py: scanning every passage on every question grew with the corpus)."""
        if self._bills is None:
            self._bills = frozenset(self.index.bills()["known"])
        return self._bills

    def sources_of_bills(self, bills: frozenset[str]) -> list[Source]:
        """Primary-law sources whose history names one of `bills`: the sections a bill added or
        amended ("what did AB 1766 change?" asks for exactly these). Titles are not read: a
        title's "(AB 60)" names the subject, not the bill that changed the section."""
        if not bills:
            return []
        table = self.index.bills()["history"]
        wanted = {self.index.source_number(source_id) for bill in bills for source_id in table.get(bill, ())}
        return [self.index.sources[n] for n in sorted(wanted - {None})]  # in corpus order

    def bills_not_held(self, bills: frozenset[str]) -> tuple[list[str], list[str]]:
        """Of `bills`, those whose law the corpus does not hold (no section's history names the
        bill), split in two: those no source is about, and those only a report is about (a
        development file whose title or citation names the bill, such as a pending bill's). Our
        notes and the cases may still mention either ("the United States sued over SB 54, AB 450
        and AB 103")."""
        rest = set(bills) - set(self.index.bills()["history"])
        reported: set[str] = set()
        if rest:  # rare: a question naming a bill no section's history names
            for source in self.index.sources:
                named = rest & bills_in(f"{source.title} {source.citation}")
                if named and source.is_primary:
                    rest -= named
                elif named:
                    reported |= named
        return sorted(rest - reported), sorted(reported)

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


# "United States v. California", "Doe vs. Smith": parties on either side of "v."
_CASE_NAME = compiled_on_use(r"^[A-Z][\w.,'&() -]*?\s+v(?:s)?\.?\s+[A-Z][\w.,'&() -]*$", re.IGNORECASE)


def _case_key(text: str) -> str:
    """A case name for comparison: lowercase, "vs." and "v" as "v.", single spaces."""
    text = re.sub(r"\s+vs?\.?\s+", " v. ", f" {text.lower()} ")
    return " ".join(text.replace(",", " ").split())
