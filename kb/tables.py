"""Lookup tables that depend only on the corpus, worked out at build and written into the
generation as `lookup.json`: a question reads them instead of scanning the corpus.

Answering "what did AB 1766 change?" needs the sections whose history names the bill, and every
question asks whether it names a bill the corpus knows. Scanning every passage for bill names
took 0.46 s at 41,450 passages (issue 15), on every question; parsing every source's citation to
resolve one took 1.1 s (under cProfile) at 4,500 sources, the corpus copied 50 times; and a
question reads only the sources it shows (kb/records.py), so what it needs of every source is
here too. So:

    {"bills": {
       "known": ["AB 1766", ...],                 every bill a passage, title or history names
       "history": {"AB 1766": ["ca-veh-1808.48"]}, primary-law sources whose history names it
       "history_rows": {"AB 1766": [412, ...]}},  their History passages, by chunk row
     "citation_keys": [["ca-veh", "1808.48", "ca-veh-1808.48"], ...],
                                                  (code, section) -> the source it names
     "source_ids": ["ca-veh-1808.48", ...],       every source's id, in corpus order
     "jurisdictions": ["CA", "US", ...],          the jurisdictions source_table.npy numbers
     "corrections": {"faq-dmv-ice#Q7": ["note-q07"]},
                                                  a guide question -> the notes correcting it,
                                                  in corpus order (those with passages)
     "names": ["clets", "nlets", ...],            words the passages write as names (see
                                                  proper_names), lower-cased
     "asked_about": {"ca-civ-1798.90.55": "plate readers"}}
                                                  the sources that answer only questions naming
                                                  a kind of record (front matter asked_about)
"""

from __future__ import annotations

import itertools
from collections import Counter

from kb.models import Chunk, Source
from kb.query import bills_in
from kb.text import compiled_on_use

LOOKUP = "lookup.json"


def lookup_tables(sources: list[Source], chunks: list[Chunk]) -> dict:
    with_rows = {c.source_id for c in chunks}
    corrections: dict[str, list[str]] = {}
    for s in sources:
        if s.id in with_rows:  # as kb/corrections.py finds a note's rows
            for target in s.corrects:
                corrections.setdefault(target, []).append(s.id)
    return {"bills": bill_table(sources, chunks), "citation_keys": citation_keys(sources),
            "source_ids": [s.id for s in sources], "jurisdictions": jurisdictions(sources),
            "corrections": corrections, "names": proper_names(sources, chunks),
            "asked_about": {s.id: s.asked_about for s in sources if s.asked_about}}


# A word of three or more letters or digits, starting with a letter. (Both patterns are for
# builds; a question imports this module only to check the tables it reads.)
_WORD = compiled_on_use(r"(?<![\w'’-])([A-Za-z][A-Za-z0-9]{2,})(?![\w'’-])")
# What precedes a word that starts a sentence, a heading-like label or a quotation (the last
# few characters before it): a capital there says nothing about the word.
_OPENS = compiled_on_use(r"(?:^|[.?!:;(\[\"“\n]\s*)$")


def proper_names(sources: list[Source], chunks: list[Chunk]) -> list[str]:
    """Names the corpus is about: words the passages write capitalised wherever they are not
    opening a sentence (at least twice, and 90 % of the times), that a file's title or context
    also uses ("Nlets", "CLETS", "HSI", "Illinois"; not "Spanish" or "Deputy", which passages
    capitalise but no file is about), lower-cased. A question naming one that few passages hold
    is answered in words that name it (kb/answer.py)."""
    words, opens = _WORD(), _OPENS()
    about = {w.lower() for text in {s.title for s in sources} | {c.context for c in chunks}
             for w in words.findall(text)}
    capital: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for chunk in chunks:
        text = chunk.text
        for m in words.finditer(text):
            if opens.search(text[max(0, m.start() - 3):m.start()]):
                continue
            word = m.group(1)
            total[word.lower()] += 1
            capital[word.lower()] += word[0].isupper()
    return sorted(w for w, n in total.items() if n >= 2 and capital[w] >= 0.9 * n and w in about)


def jurisdictions(sources: list[Source]) -> list[str]:
    """The jurisdictions of `sources`, each once, in order of first appearance."""
    return list(dict.fromkeys(s.jurisdiction for s in sources))


def citation_keys(sources: list[Source]) -> list[list[str]]:
    """[code, section, source id] for each source whose own citation names a section (notes and
    guides, whose citations describe rather than cite, are not lookup targets); the first source
    of a key wins, as the corpus orders them."""
    from kb.citations import find_citations

    keys: dict[tuple[str, str], str] = {}
    for s in sources:
        found = find_citations(s.citation)
        if found and s.authority not in ("note", "secondary"):
            keys.setdefault(found[0][0].key, s.id)
    return [[code, section, source_id] for (code, section), source_id in keys.items()]


def bill_table(sources: list[Source], chunks: list[Chunk]) -> dict:
    """The "bills" table above, every list in corpus order."""
    known: set[str] = set()
    for chunk in chunks:
        known |= bills_in(chunk.text + " " + chunk.title)
    history: dict[str, list[str]] = {}
    for src in sources:
        known |= bills_in(" ".join(src.history) + " " + src.title)
        if src.is_primary:
            # Titles are not read here: a title's "(AB 60)" names the subject, not the bill
            # that changed the section.
            for bill in sorted(bills_in(" ".join(src.history))):
                history.setdefault(bill, []).append(src.id)
    primary = {s.id for s in sources if s.is_primary}
    history_rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        if chunk.is_history and chunk.source_id in primary:
            for bill in sorted(bills_in(chunk.text)):
                history_rows.setdefault(bill, []).append(row)
    return {"known": sorted(known), "history": history, "history_rows": history_rows}


def _all(values, kind: type) -> bool:
    """Whether `values` is a list of `kind` (checked in C: the tables grow with the corpus)."""
    return isinstance(values, list) and set(map(type, values)) <= {kind}


def _all_lists(table, kind: type) -> bool:
    """Whether `table` maps strings to lists of `kind`."""
    return (isinstance(table, dict) and set(map(type, table.values())) <= {list}
            and _all(list(itertools.chain.from_iterable(table.values())), kind))


def check_tables(tables, where) -> dict:
    """`tables` if they have the shape above, else IndexCorrupt."""
    from kb.errors import IndexCorrupt
    from kb.manifest import REBUILD

    table = tables.get("bills") if isinstance(tables, dict) else None
    keys = tables.get("citation_keys") if isinstance(tables, dict) else None
    ok = (isinstance(keys, list) and set(map(type, keys)) <= {list} and set(map(len, keys)) <= {3}
          and _all(list(itertools.chain.from_iterable(keys)), str)
          and isinstance(table, dict) and _all(table.get("known"), str)
          and _all_lists(table.get("history"), str) and _all_lists(table.get("history_rows"), int)
          and _all(tables.get("source_ids"), str) and _all(tables.get("jurisdictions"), str)
          and _all_lists(tables.get("corrections"), str) and _all(tables.get("names"), str)
          # (an index built before `asked_about` existed has none: no source is limited)
          and isinstance(tables.get("asked_about", {}), dict)
          and _all(list(tables.get("asked_about", {}).values()), str))
    if not ok:
        raise IndexCorrupt(f"{where}: not kb's lookup tables; {REBUILD}")
    return tables
