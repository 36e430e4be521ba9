"""The records that flow through `kb`: sources, chunks, hits and answers (all frozen)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.text import compiled_on_use

# Headings under which a file gives our commentary on a section, not its text: its notes and
# history, related law, background, and what news reports or secondary sources say of it.
_COMMENTARY = compiled_on_use(
    r"^(?:notes?|history|related\b|background\b|later history|enactment|what the case does not decide)"
    r"|\((?:news reports|secondary sources)\)",
    re.IGNORECASE,
)

# Authorities that state the law themselves. Everything else (agency guidance, secondary guides,
# our own notes) ranks behind them at similar relevance.
PRIMARY_AUTHORITIES = frozenset({"statute", "regulation", "case"})
AUTHORITIES = ("statute", "regulation", "case", "agency", "note", "secondary")
STATUSES = ("in force", "pending", "failed", "repealed")
# How an answer lists its sources: the law first, then our notes, agency material, and secondary
# sources apart under a label that says what they are.
GROUPS = ("law", "note", "agency", "secondary")


@dataclass(frozen=True)
class Source:
    """One corpus document, as read from its front matter."""

    id: str
    title: str
    citation: str
    jurisdiction: str
    authority: str
    url: str
    as_of: str
    status: str
    path: str  # relative to the corpus folder, with forward slashes
    sha256: str
    corrects: tuple[str, ...] = ()
    history: tuple[str, ...] = ()  # enacting and amending bills, from the front matter
    cites: tuple[str, ...] = ()  # notes only: the primary law the note relies on
    label: str = ""  # how answers introduce a non-primary source ("AI-written, not law")
    verified: str = ""  # "official" or "secondary": what kind of text the digest was written from
    partial: bool = False  # front matter `subdivisions: partial`: only some subdivisions digested
    # front matter `asked_about`: the kind of record (kb.subject.ASKED_ABOUT) a question must name
    # for this law to answer it ("plate readers"); empty: any question on the corpus's subject
    asked_about: str = ""

    @property
    def is_primary(self) -> bool:
        return self.authority in PRIMARY_AUTHORITIES

    @property
    def is_report(self) -> bool:
        """Our digest of reports (a development: news of a decision, letters, a pending bill):
        secondary, but written and checked by us (it says how, `verified`), unlike a guide kept
        as received (the seed FAQ), which never supplies an answer."""
        return self.authority == "secondary" and bool(self.verified)


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage: a subdivision, a heading's text, or a window of a long one."""

    id: str
    source_id: str
    citation: str  # with the subdivision path: "Cal. Veh. Code § 12801.9(a)(1)"
    labels: tuple[str, ...]  # subdivision labels on the heading trail: ("a", "1")
    anchor: str  # "faq-dmv-ice#Q1" for a guide question, "" otherwise
    heading_trail: tuple[str, ...]
    title: str  # the document's title, so a bare subdivision is embedded with its topic
    text: str  # the passage itself, as written in the source
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    part: int = 0  # window number when a long passage was split
    parts: int = 1
    # Where `text` is in its file: characters (code points) of the file's text with newlines
    # normalised, first and last + 1. For a window of a long passage, the window's own span
    # (from its first sentence to its last), inside start_line..end_line.
    char_start: int = 0
    char_end: int = 0
    context: str = ""  # the section's context (front matter `context:`), embedded, never shown
    keys: tuple[str, ...] = ()  # questions this passage answers (front matter `questions:`)

    @property
    def is_summary(self) -> bool:
        """A document's opening plain-language passage, before any heading."""
        return not self.heading_trail and not self.anchor

    @property
    def is_commentary(self) -> bool:
        """Our commentary on a section ("§ 12801.9 [Notes]", "[History]"), not its rule. Other
        bracketed headings ("[Opening rule]", a case's "[Holding on SB 54]") hold the law."""
        return (not self.anchor and self.citation.endswith("]") and bool(self.heading_trail)
                and bool(_COMMENTARY().search(self.heading_trail[-1])))

    @property
    def is_history(self) -> bool:
        """Our History passage on a section (its front matter `history:` or "## History")."""
        return self.heading_trail[-1:] == ("History",)

    @property
    def embed_text(self) -> str:
        """What the embedder and BM25 see: citation, title and heading trail give a bare
        subdivision ("(2) Paragraph two covers attorneys.") the context it needs."""
        if self.anchor:
            # A guide's question says what its passage is about; the guide's citation and title
            # name the whole corpus's topic ("DMV data sharing with ICE") and would make every
            # one of its passages match every question about it.
            return " > ".join(self.heading_trail) + "\n" + self.text
        head = " > ".join((f"{self.citation} — {self.title}", *self.heading_trail))
        # The section's context names the act, what the section governs and whom it binds:
        # words a subdivision's own text rarely repeats (issue 13, item 1).
        return head + ("\n" + self.context if self.context else "") + "\n" + self.text

    @property
    def lexical_text(self) -> str:
        """What BM25 indexes: the embedded text and the questions the passage answers."""
        return self.embed_text + "".join("\n" + k for k in self.keys)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "citation": self.citation,
            "labels": list(self.labels),
            "anchor": self.anchor,
            "heading_trail": list(self.heading_trail),
            "title": self.title,
            "text": self.text,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "part": self.part,
            "parts": self.parts,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "context": self.context,
            "keys": list(self.keys),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Chunk":
        return cls(
            id=data["id"],
            source_id=data["source_id"],
            citation=data["citation"],
            labels=tuple(data["labels"]),
            anchor=data["anchor"],
            heading_trail=tuple(data["heading_trail"]),
            title=data["title"],
            text=data["text"],
            start_line=data["start_line"],
            end_line=data["end_line"],
            part=data["part"],
            parts=data["parts"],
            char_start=data["char_start"],
            char_end=data["char_end"],
            context=data.get("context", ""),
            keys=tuple(data.get("keys", ())),
        )


@dataclass(frozen=True)
class Hit:
    """A chunk retrieved for a query, with its score and the notes that correct it."""

    chunk: Chunk
    source: Source
    score: float
    corrections: tuple["Hit", ...] = ()

    @property
    def is_digest(self) -> bool:
        """Our own wording of the law this passage cites (a subdivision, a section's rule or its
        summary), not the official text: words in quotation marks are the law's own."""
        return self.source.is_primary and not self.chunk.is_commentary


def group_of(source: Source, chunk: Chunk | None = None) -> str:
    """"law" for primary law, else the source's authority ("note", "agency", "secondary"). Our
    commentary on a section (its Notes and History passages) is a note, never "the law"."""
    if chunk is not None and source.is_primary and chunk.is_commentary:
        return "note"
    return "law" if source.is_primary else source.authority


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    chunk_ids: tuple[str, ...]
    secondary: bool  # true when the sentence is not primary law (a note, or agency material)
    authority: str = ""  # the authority of its source: "statute", "note", "agency", ...
    # Where the sentence is in its passage's file (the passage is chunk_ids[0]): characters
    # first and last + 1, and the 1-based lines they fall on (see Chunk.char_start).
    start: int | None = None
    end: int | None = None
    lines: tuple[int, int] | None = None


@dataclass(frozen=True)
class CorpusStamp:
    """Which corpus an answer was given from: a memo outlives the corpus it quotes.

    sha256: kb.hashing.corpus_sha256 of the files the index was built from; files: how many.
    """

    sha256: str
    files: int
    kb_version: str
    date: str  # the day the answer was given (UTC), YYYY-MM-DD


@dataclass(frozen=True)
class Answer:
    question: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...]
    hits: tuple[Hit, ...]
    reason: str = ""  # why it abstained, for the human output
    corpus: CorpusStamp | None = None  # set by kb.api.ask
    closest: bool = False  # on the corpus's subject, but no passage is close: the nearest law


@dataclass(frozen=True)
class CorpusFile:
    """A corpus file read from disk: its source record, body and where the body starts."""

    source: Source
    body: str
    body_line: int  # 1-based line number of the body's first line in the file
    abspath: Path = field(compare=False)
    history_lines: tuple[int, int] = (0, 0)  # 1-based span of `history:` in the front matter
    # The whole file's text (newlines normalised) and where the body starts in it: offsets of
    # passages and sentences are counted in this text.
    text: str = field(default="", compare=False, repr=False)
    body_offset: int = 0
    context: str = ""  # front matter `context:`: the act, what the section governs, whom it binds
    # front matter `questions:`: subdivision label path ("(a)(1)(D)"; "" for the section's own
    # text) -> the questions, in users' words, that the subdivision answers
    questions: tuple[tuple[str, tuple[str, ...]], ...] = ()
