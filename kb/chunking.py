"""Markdown → chunks, one per subdivision or heading, each carrying its exact citation (pure)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable

from kb.config import ChunkerSettings
from kb.errors import CorpusError
from kb.models import Chunk, CorpusFile
from kb.text import locate_all, split_sentences

# "(a)", "(12)", "(A)", "(iv)" at the start of a heading: a statutory subdivision label.
_SUBDIVISION = re.compile(r"^\(([A-Za-z0-9]{1,5})\)(?:\s+(.*))?$")
# "Q1. What is ...?": one question of a guide.
_QUESTION = re.compile(r"^(Q\d{1,3})\.\s+(.*)$")
# A section without subdivisions digests its rule under this heading: the statute's own text,
# cited to the section, unlike "## History" or "## Notes" (our commentary, cited "[Notes]").
TEXT_HEADING = "Text"


TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class _Section:
    level: int  # 1 for the text before any heading, else the heading level
    heading: str
    label: str  # subdivision label, "Q1", or ""
    start: int  # 0-based line of the heading (or of the body start) in the body
    end: int  # 0-based, exclusive


def split_sections(body: str) -> list[_Section]:
    """The body's headings and the line range each one owns, up to the next heading."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    heads = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map is not None:
            inline = tokens[i + 1]
            heads.append((int(tok.tag[1]), inline.content.strip(), tok.map[0]))
    n_lines = body.count("\n") + 1
    sections = []
    first = heads[0][2] if heads else n_lines
    sections.append(_Section(1, "", "", 0, first))
    for j, (level, heading, line) in enumerate(heads):
        end = heads[j + 1][2] if j + 1 < len(heads) else n_lines
        m = _SUBDIVISION.match(heading) or _QUESTION.match(heading)
        sections.append(_Section(level, heading, m.group(1) if m else "", line, end))
    return sections


def chunk_file(
    doc: CorpusFile, count_tokens: TokenCounter, settings: ChunkerSettings
) -> list[Chunk]:
    """All chunks of one corpus file, in document order."""
    source = doc.source
    lines = doc.body.split("\n")
    # Where each body line starts in the file's text: passages carry character offsets.
    line_at = [doc.body_offset]
    for line in lines[:-1]:
        line_at.append(line_at[-1] + len(line) + 1)
    stack: list[_Section] = []
    chunks: list[Chunk] = []
    seen_paths: dict[tuple, int] = {}
    for sec in split_sections(doc.body):
        if sec.heading:
            while stack and stack[-1].level >= sec.level:
                stack.pop()
            stack.append(sec)
        text_start = sec.start + 1 if sec.heading else sec.start
        own = lines[text_start : sec.end]
        while own and not own[-1].strip():
            own.pop()
        joined = "\n".join(own)
        text = joined.strip()
        if not text:
            continue
        # text is the file's own characters from here: doc.text[char_start:char_end] == text.
        char_start = line_at[text_start] + len(joined) - len(joined.lstrip())
        char_end = char_start + len(text)
        labels = tuple(s.label for s in stack if s.label and not _QUESTION.match(s.heading))
        question = next((s.label for s in stack if _QUESTION.match(s.heading)), "")
        trail = tuple(s.heading for s in stack)
        citation = source.citation + "".join(f"({label})" for label in labels)
        if question:
            citation = f"{source.citation}, {question}"
        elif stack and not stack[-1].label and stack[-1].heading != TEXT_HEADING:
            # "## History", "## Notes": our commentary on the section, not a subdivision of it;
            # the citation says so rather than passing it off as the statute's text.
            citation = f"{citation} [{stack[-1].heading}]"
        anchor = f"{source.id}#{question}" if question else ""
        first_line = doc.body_line + text_start
        last_line = doc.body_line + text_start + len(own) - 1
        path_key = (labels, question, trail)
        ordinal = seen_paths.get(path_key, 0)
        seen_paths[path_key] = ordinal + 1
        prefix = "" if anchor else f"{citation} — {source.title}" + (f"\n{doc.context}" if doc.context else "")
        windows, pieces, ranges = _windows(text, prefix, trail, count_tokens, settings)
        spans = _window_spans(pieces, ranges, doc.text, char_start, char_end) if doc.text else None
        for part, window in enumerate(windows):
            chunks.append(
                Chunk(
                    id=_chunk_id(source.path, labels, question, trail, ordinal, part),
                    source_id=source.id,
                    citation=citation,
                    labels=labels,
                    anchor=anchor,
                    heading_trail=trail,
                    title=source.title,
                    text=window,
                    start_line=first_line,
                    end_line=max(first_line, last_line),
                    part=part,
                    parts=len(windows),
                    char_start=spans[part][0] if spans else 0,
                    char_end=spans[part][1] if spans else 0,
                    context="" if anchor else doc.context,
                )
            )
    has_history = any(c.is_history for c in chunks)
    if source.history and not has_history:
        # Users ask "when was AB 60 passed?": the front matter's history becomes a passage.
        trail = ("History",)
        text = "\n".join(f"- {event}" for event in source.history)
        first, last = _line_span(doc.text, *doc.history_lines) if doc.text else (0, 0)
        chunks.append(Chunk(
            id=_chunk_id(source.path, (), "", trail, 0, 0), source_id=source.id,
            citation=f"{source.citation} [History]", labels=(), anchor="", heading_trail=trail,
            title=source.title, text=text, start_line=doc.history_lines[0], end_line=doc.history_lines[1],
            char_start=first, char_end=last,
        ))
    return _attach_questions(doc, chunks)


def label_path(labels: tuple[str, ...]) -> str:
    return "".join(f"({label})" for label in labels)


def _attach_questions(doc: CorpusFile, chunks: list[Chunk]) -> list[Chunk]:
    """Each subdivision's questions (front matter `questions:`) become its search keys, on its
    first window. "" names the section's own text: its "Text" passage, else its summary; a
    heading in brackets ("[What Nlets is]") the passage under that heading that has no label."""
    if not doc.questions:
        return chunks
    from dataclasses import replace

    wanted = dict(doc.questions)
    own = next((i for i, c in enumerate(chunks) if not c.labels and c.heading_trail == (TEXT_HEADING,)
                and c.part == 0), None)
    if own is None:
        own = next((i for i, c in enumerate(chunks) if c.is_summary and c.part == 0), None)
    out = list(chunks)
    for path, questions in wanted.items():
        if path == "":
            at = own
        elif path.startswith("["):
            at = next((i for i, c in enumerate(chunks) if not c.labels and c.heading_trail
                       and c.heading_trail[-1] == path[1:-1] and c.part == 0 and not c.is_commentary), None)
        else:
            at = next((i for i, c in enumerate(chunks) if label_path(c.labels) == path and c.part == 0
                       and not c.is_commentary and not c.anchor), None)
        if at is None and path.startswith("["):
            have = ", ".join(dict.fromkeys(f"[{c.heading_trail[-1]}]" for c in chunks
                                           if not c.labels and c.heading_trail and not c.is_commentary)) or "none"
            raise CorpusError(f"{doc.source.path}: questions: {path} names no heading of the file "
                              f"(its headings: {have[:300]})")
        if at is None:
            have = ", ".join(dict.fromkeys(label_path(c.labels) for c in chunks if c.labels)) or "none"
            raise CorpusError(
                f"{doc.source.path}: questions: {path or chr(34) * 2} names no subdivision in the file "
                f"(its label paths: {have[:300]})"
            )
        out[at] = replace(out[at], keys=out[at].keys + questions)
    return out


def _line_span(text: str, first: int, last: int) -> tuple[int, int]:
    """Characters of 1-based lines first..last of `text` (no span for line 0: none given)."""
    if first < 1:
        return (0, 0)
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: first - 1])
    end = start + sum(len(line) + 1 for line in lines[first - 1 : last]) - 1
    return (start, max(start, end))


def _window_spans(pieces: list[str], ranges: list[tuple[int, int]], text: str, start: int, end: int
                  ) -> list[tuple[int, int]]:
    """Each window's span in the file: from the start of its first piece (a sentence, or a cut
    of one too long for a window) to the end of its last. Pieces are the passage's own words in
    order, so each is found after the one before; a window whose ends are not found (never seen)
    keeps the whole passage's span."""
    if not pieces:
        return [(start, end)] * len(ranges)
    found = locate_all(pieces, text, start, end)
    out = []
    for i, j in ranges:
        first, last = found[i], found[j - 1]
        out.append((first[0], last[1]) if first and last else (start, end))
    return out


def _chunk_id(path: str, labels, question: str, trail, ordinal: int, part: int) -> str:
    key = "\x1f".join([path, "/".join(labels), question, " > ".join(trail), str(ordinal), str(part)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _windows(
    text: str, citation: str, trail: tuple[str, ...], count: TokenCounter, settings: ChunkerSettings
) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    """The text whole if it fits the model's window with its heading trail; else overlapping
    windows of whole sentences. A sentence longer than a window keeps a window of its own, whole,
    up to settings.whole_sentence_windows windows long (the
    longest sentence of law in the corpus, § 12800.7(b)'s first, is about 1.2 windows) (the encoder reads its first max_tokens; BM25 and
    the answer read all of it: an answer never quotes half a sentence); a longer run without a
    full stop is cut at word boundaries.
    Also the pieces the windows were made of, and each window's range of pieces (first, last +
    1): where a window is in the file (none for a whole text: it is the file's own)."""
    prefix = " > ".join(p for p in (citation, *trail) if p) + "\n"
    budget = settings.max_tokens - count(prefix)
    if count(text) <= budget:
        return [text], [], [(0, 0)]
    budget = max(budget, 16)
    pieces: list[tuple[str, int]] = []
    for sentence in split_sentences(text):
        n = count(sentence)
        if n <= budget * settings.whole_sentence_windows:
            pieces.append((sentence, n))
            continue
        # A sentence longer than the window: cut it at word boundaries. Word pieces never span
        # whitespace (both tokenizers split on it first), so a run's count is the sum of its
        # words' counts: one count per word, where re-counting the growing run was quadratic
        # (minutes for one long paragraph without a full stop).
        current: list[str] = []
        size = 0
        for word in sentence.split():
            n_word = count(word)
            if current and size + n_word > budget:
                piece = " ".join(current)
                pieces.append((piece, count(piece)))
                current, size = [], 0
            current.append(word)
            size += n_word
        if current:
            piece = " ".join(current)
            pieces.append((piece, count(piece)))
    windows: list[str] = []
    ranges: list[tuple[int, int]] = []
    i = 0
    while i < len(pieces):
        size, j = 0, i
        while j < len(pieces) and (j == i or size + pieces[j][1] <= budget):
            size += pieces[j][1]
            j += 1
        windows.append(" ".join(p for p, _ in pieces[i:j]))
        ranges.append((i, j))
        if j >= len(pieces):
            break
        # Step back over trailing pieces up to the overlap, but always move forward.
        back, k = 0, j
        while k - 1 > i and back + pieces[k - 1][1] <= settings.overlap_tokens:
            k -= 1
            back += pieces[k][1]
        i = k
    return windows, [p for p, _ in pieces], ranges
