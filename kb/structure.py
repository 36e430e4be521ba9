"""Maintainers' slips that `kb build` reports with file and line: subdivision labels that skip,
repeat or sit at the wrong heading level, a missing `verified`, and a `cites:` entry naming a
section or subdivision the corpus does not hold (reads only the files it is given).

A file that digests only some subdivisions of its section (a comparison file, say) says so in
its front matter with `subdivisions: partial`: gaps are then expected and not reported, while
repeats, wrong levels and order still are (corpus/README.md).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from kb.chunking import _SUBDIVISION, split_sections
from kb.citations import CitationRef, find_citations
from kb.models import CorpusFile


def _letters(alphabet: str) -> list[str]:
    """a … z, then aa, ab … (California's labels after (z), e.g. Gov. Code § 7282.5(a)(3)(AE))."""
    return list(alphabet) + [alphabet[0] * 2] + [alphabet[0] + c for c in alphabet[1:]]


_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv",
          "xv", "xvi", "xvii", "xviii", "xix", "xx"]
SEQUENCES = {
    "lowercase letter": _letters(string.ascii_lowercase),
    "number": [str(n) for n in range(1, 200)],
    "capital letter": _letters(string.ascii_uppercase),
    "roman numeral": _ROMAN,
    # The U.S. Code's subclauses, under a clause: 8 U.S.C. § 1225(b)(1)(A)(iii)(I).
    "capital roman numeral": [x.upper() for x in _ROMAN],
}
# How the corpus nests them (corpus/README.md): ## (a), ### (1), #### (A), ##### (i); a label's
# heading level is 2 + how many labelled headings it sits under.
FIRST_LEVEL = 2


def kind_of(label: str, parent_kind: str | None = None) -> str | None:
    """Which sequence a label belongs to. "(i)" opens roman numerals, and so does any label of
    roman digits longer than one; a single other letter is a letter. Under a roman numeral,
    "(I)", "(II)" … are the U.S. Code's subclauses."""
    if parent_kind == "roman numeral" and label in SEQUENCES["capital roman numeral"]:
        return "capital roman numeral"
    if label.isdigit():
        return "number"
    if label == "i" or (len(label) > 1 and label in _ROMAN):
        return "roman numeral"
    if label in SEQUENCES["lowercase letter"]:
        return "lowercase letter"
    if label in SEQUENCES["capital letter"]:
        return "capital letter"
    return None


@dataclass(frozen=True)
class _Heading:
    label: str
    level: int
    line: int  # 1-based, in the file


def _label_tree(doc: CorpusFile) -> dict[tuple[str, ...], list[_Heading]]:
    """Labelled headings grouped by the label path of their parent, in document order. A
    heading under an unlabelled one (## History) is not a subdivision and is left out."""
    stack: list[tuple[int, str]] = []
    children: dict[tuple[str, ...], list[_Heading]] = {}
    for sec in split_sections(doc.body):
        if not sec.heading:
            continue
        label = sec.label if _SUBDIVISION.match(sec.heading) else ""
        while stack and stack[-1][0] >= sec.level:
            stack.pop()
        parent = tuple(lab for _lvl, lab in stack)
        stack.append((sec.level, label))
        if label and all(parent):
            children.setdefault(parent, []).append(_Heading(label, sec.level, doc.body_line + sec.start))
    return children


def label_paths(doc: CorpusFile, tree: dict | None = None) -> set[tuple[str, ...]]:
    """Every subdivision's label path in the file: ("a",), ("a", "1"), …"""
    tree = _label_tree(doc) if tree is None else tree
    return {parent + (h.label,) for parent, kids in tree.items() for h in kids}


def _where(parent: tuple[str, ...], label: str) -> str:
    return "".join(f"({x})" for x in (*parent, label))


def label_problems(doc: CorpusFile, partial: bool = False, tree: dict | None = None) -> list[str]:
    """Gaps, repeats and wrong heading levels among the file's subdivision labels."""
    path = doc.source.path
    out: list[str] = []
    tree = _label_tree(doc) if tree is None else tree
    for parent, kids in tree.items():
        grandparent_kind = kind_of(parent[-2]) if len(parent) > 1 else None
        parent_kind = kind_of(parent[-1], grandparent_kind) if parent else None
        kind = kind_of(kids[0].label, parent_kind)
        depth_level = FIRST_LEVEL + len(parent)
        seen: dict[str, int] = {}
        previous: int | None = None
        for n, h in enumerate(kids):
            here = f"{path}:{h.line}: {_where(parent, h.label)}"
            if h.label in seen:
                out.append(f"{here} appears twice (first at line {seen[h.label]}); each subdivision "
                           "has one heading")
                continue
            seen[h.label] = h.line
            if h.level != depth_level:
                out.append(f"{here} is at heading level {h.level} ({'#' * h.level}), but a label "
                           f"{len(parent)} level(s) down is at {depth_level} ({'#' * depth_level})")
                continue
            if parent_kind is not None and kind_of(h.label, parent_kind) == parent_kind and n == 0:
                out.append(f"{here} sits under ({parent[-1]}), a label of the same kind: give it "
                           f"the heading level of ({parent[-1]})")
                continue
            sequence = SEQUENCES.get(kind or "", [])
            if h.label not in sequence:
                out.append(f"{here} is not a {kind} like its first sibling ({kids[0].label}): "
                           f"a heading level off? (## (a), ### (1), #### (A), ##### (i))")
                continue
            index = sequence.index(h.label)
            if previous is None:
                if index != 0 and not partial:
                    out.append(f"{here} opens its level, but ({sequence[0]}) is missing (add it, or "
                               f"mark the file `subdivisions: partial` if it digests only some subdivisions)")
            elif index <= previous:
                out.append(f"{here} comes after ({sequence[previous]}): labels run in order")
            elif index != previous + 1 and not partial:
                missing = ", ".join(f"({x})" for x in sequence[previous + 1: index])
                out.append(f"{here} follows ({sequence[previous]}), but {missing} is missing (add it, "
                           f"or mark the file `subdivisions: partial` if it digests only some subdivisions)")
            previous = index
    return out


def _read(doc: CorpusFile) -> str:
    """The file's text: kept by the corpus reader (CorpusFile.text), read again only for a
    CorpusFile made without it."""
    if doc.text:
        return doc.text
    from kb.corpus_files import read_text

    return read_text(doc.abspath, doc.source.path)


def _front_line(doc: CorpusFile, text: str, key: str, value: str = "") -> int:
    """The 1-based line of a front matter key (or of one of its listed values); 1 if absent."""
    lines = text.split("\n")[: doc.body_line - 1]
    start = next((i for i, ln in enumerate(lines) if ln.startswith(f"{key}:")), None)
    if start is None:
        return 1
    if value:
        for i in range(start, len(lines)):
            if value in lines[i] and (i == start or lines[i].startswith((" ", "-", "\t"))):
                return i + 1
    return start + 1


def check_corpus(docs: list[CorpusFile]) -> list[str]:
    """Every slip in the corpus, as "path:line: what is wrong and what to do"."""
    texts = {d.source.path: _read(d) for d in docs}
    trees = {d.source.path: _label_tree(d) for d in docs}
    keys: dict[tuple[str, str], CorpusFile] = {}
    for doc in docs:
        found = find_citations(doc.source.citation)
        if found and doc.source.authority not in ("note", "secondary"):
            keys.setdefault(found[0][0].key, doc)
    paths: dict[str, set[tuple[str, ...]]] = {}
    out: list[str] = []
    for doc in docs:
        src, text = doc.source, texts[doc.source.path]
        # A value other than official or secondary is refused when the file is read (kb/corpus.py).
        if src.authority != "secondary" and not src.verified:
            line = _front_line(doc, text, "verified")
            out.append(f"{src.path}:{line}: front matter lacks 'verified' (official, or secondary when "
                       "only a secondary page could be read)")
        out += label_problems(doc, src.partial, trees[src.path])
        for entry in src.cites:
            found = find_citations(entry)
            if not found:
                continue  # validated elsewhere (tests/test_corpus_content.py)
            ref: CitationRef = found[0][0]
            target = keys.get(ref.key) if ref.code else next(
                (d for k, d in keys.items() if k[1] == ref.section.lower()), None)
            line = _front_line(doc, text, "cites", entry)
            if target is None:
                out.append(f"{src.path}:{line}: cites {entry!r}, which no corpus file holds (restore "
                           "the section, or remove or correct the entry)")
                continue
            if ref.labels:
                if target.source.path not in paths:
                    paths[target.source.path] = label_paths(target, trees[target.source.path])
                held = paths[target.source.path]
                if not any(p[: len(ref.labels)] == ref.labels for p in held):
                    out.append(f"{src.path}:{line}: cites {entry!r}, but {target.source.path} has no "
                               f"subdivision {''.join(f'({x})' for x in ref.labels)}")
    return out
