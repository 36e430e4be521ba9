"""`kb verify`: check saved `kb ask --json` answers against the corpus as it is now.

A memo outlives the corpus it quotes. Each saved answer sentence names its file, its citation
(with subdivision) and where it was; here it is looked for in the current corpus, read from the
corpus folder (no index or model needed), and given one outcome:

- unchanged: the same words are a sentence of the same subdivision of the same file;
- moved: the same words are a sentence elsewhere (another subdivision, or another file): where;
- changed: the words are nowhere, but the subdivision is still there: its current text;
- gone: the words are nowhere, and the file or the subdivision has been removed.

Only `unchanged` stands: a moved sentence's citation is no longer the one the memo gives.
Words are compared as sentences, whitespace aside (a re-wrapped line changes nothing): a
sentence that gained or lost words, even at its edges, is not the same sentence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import KbError, quoted
from kb.models import Chunk, CorpusFile
from kb.text import locate_all, normalize_space, split_sentences

STATUSES = ("unchanged", "moved", "changed", "gone")
# A saved answer is a few kilobytes (an answer with --full passages, ~20 KB); a file far larger
# is not one, and reading it whole would only cost memory.
MAX_ANSWER_BYTES = 10_000_000
SAVE_HINT = "pass files saved with `kb ask --json \"QUESTION\" > FILE`"


class SavedAnswerError(KbError):
    """A file given to `kb verify` is not a saved `kb ask --json` answer (a usage error)."""

    exit_code = 2


@dataclass(frozen=True)
class Place:
    """Where a sentence or passage is in the corpus."""

    citation: str
    source: str  # the file, relative to the corpus folder
    lines: tuple[int, int] | None = None
    chars: tuple[int, int] | None = None
    as_of: str = ""  # the file's as_of (saved with the answer, or the file's now)


@dataclass(frozen=True)
class SavedSentence:
    number: int  # 1-based, in the saved answer
    text: str
    place: Place
    sha256: str = ""  # the file's hash when the answer was saved ("" if not saved)


@dataclass(frozen=True)
class SentenceCheck:
    sentence: SavedSentence
    status: str  # one of STATUSES
    now: Place | None = None  # unchanged, moved: where the words are; changed: the subdivision
    now_text: str = ""  # changed: the subdivision's current text, as written in its file
    reason: str = ""  # gone: what was removed

    @property
    def stands(self) -> bool:
        return self.status == "unchanged"


@dataclass(frozen=True)
class VerifyReport:
    """One saved answer, checked."""

    path: str  # as given
    question: str
    saved_corpus: str  # the corpus sha256 saved with the answer ("" for an older answer)
    checks: tuple[SentenceCheck, ...]
    abstained: bool = False

    @property
    def stands(self) -> bool:
        return all(c.stands for c in self.checks)


@dataclass(frozen=True)
class VerifyRun:
    reports: tuple[VerifyReport, ...]
    corpus_sha256: str  # of the corpus as it is now
    files: int

    @property
    def stands(self) -> bool:
        return all(r.stands for r in self.reports)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.reports:
            for c in r.checks:
                out[c.status] += 1
        return out


# --- reading saved answers ------------------------------------------------------------------

def saved_answer_paths(paths: list[Path]) -> list[Path]:
    """The files to check: each file given, and the *.json files of each folder given (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                raise SavedAnswerError(f"{path}: a folder without .json files; {SAVE_HINT}")
            out.extend(found)
        else:
            out.append(path)
    return out


def read_saved_answer(path: Path) -> tuple[dict, list[SavedSentence]]:
    """The saved answer in `path` and its sentences, or one SavedAnswerError line."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_ANSWER_BYTES + 1)
    except OSError as exc:
        raise SavedAnswerError(f"{path}: cannot read it ({exc.strerror or exc}); {SAVE_HINT}") from None
    if len(data) > MAX_ANSWER_BYTES:
        raise SavedAnswerError(f"{path}: over {MAX_ANSWER_BYTES:,} bytes, not a saved answer; {SAVE_HINT}")
    try:
        saved = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SavedAnswerError(f"{path}: not UTF-8 text (bad byte at offset {exc.start}); {SAVE_HINT}") from None
    except json.JSONDecodeError as exc:
        raise SavedAnswerError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); {SAVE_HINT}"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise SavedAnswerError(f"{path}: not valid JSON ({quoted(str(exc))}); {SAVE_HINT}") from None
    if not (isinstance(saved, dict) and isinstance(saved.get("question"), str)
            and isinstance(saved.get("answer"), list)):
        what = _what_it_is(saved)
        raise SavedAnswerError(f"{path}: {what}, not a saved `kb ask --json` answer (it needs 'question' "
                               f"and 'answer'); {SAVE_HINT}")
    passages = {p.get("id"): p for p in saved.get("passages") or [] if isinstance(p, dict)}
    sentences = [_saved_sentence(path, i + 1, item, passages) for i, item in enumerate(saved["answer"])]
    return saved, sentences


def _what_it_is(saved) -> str:
    if isinstance(saved, dict):
        if "results" in saved and "query" in saved:
            return "`kb search --json` output"
        if "matches" in saved and "normalized" in saved:
            return "`kb cite --json` output"
        if "answers" in saved and "corpus" in saved:
            return "`kb verify --json` output"
        keys = ", ".join(sorted(str(k) for k in saved)[:4])
        return f"a JSON object with {quoted(keys, 40) if keys else 'no fields'}"
    return f"a JSON {type(saved).__name__ if saved is not None else 'null'}"


def _span(value) -> tuple[int, int] | None:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return (value[0], value[1])
    return None


def _saved_sentence(path: Path, number: int, item, passages: dict) -> SavedSentence:
    """A saved sentence; one saved before sentences carried their place takes its passage's."""
    if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
        raise SavedAnswerError(f"{path}: answer sentence {number} has no 'text'; {SAVE_HINT}")
    ids = item.get("passages") if isinstance(item.get("passages"), list) else []
    passage = passages.get(ids[0]) if ids else None
    passage = passage if isinstance(passage, dict) else {}

    def pick(name: str) -> str:
        value = item.get(name, passage.get(name))
        return value if isinstance(value, str) else ""

    citation, source = pick("citation"), pick("source")
    if not citation or not source:
        raise SavedAnswerError(
            f"{path}: answer sentence {number} names no citation and source file (nor does its "
            f"passage); {SAVE_HINT}")
    place = Place(citation, source, _span(item.get("lines")), _span(item.get("chars")), pick("as_of"))
    return SavedSentence(number, normalize_space(item["text"]), place, pick("sha256"))


# --- the corpus as it is now ----------------------------------------------------------------

@dataclass
class CurrentCorpus:
    """Every passage and sentence of the corpus as it is now, with its place."""

    docs: list[CorpusFile]
    passages: list[tuple[CorpusFile, Chunk]] = field(default_factory=list)
    by_sentence: dict[str, list[Place]] = field(default_factory=dict)

    @classmethod
    def read(cls, corpus_dir: Path) -> "CurrentCorpus":
        from kb.chunking import ChunkerSettings, chunk_file
        from kb.corpus import load_corpus

        docs = load_corpus(corpus_dir)
        current = cls(docs)
        for doc in docs:
            # No token budget: every passage whole, as it is written (windows are an index's
            # concern), with the citation the index gives it.
            for chunk in chunk_file(doc, lambda _text: 0, ChunkerSettings()):
                current.passages.append((doc, chunk))
                current._add_sentences(doc, chunk)
        return current

    def _add_sentences(self, doc: CorpusFile, chunk: Chunk) -> None:
        sentences = split_sentences(chunk.text)
        for sentence, span in zip(sentences, locate_all(sentences, doc.text, chunk.char_start, chunk.char_end)):
            if span is None:
                continue  # not in the file as written: no answer quotes it
            lines = (_line_of(doc.text, span[0]), _line_of(doc.text, max(span[0], span[1] - 1)))
            self.by_sentence.setdefault(sentence, []).append(
                Place(chunk.citation, doc.source.path, lines, span, doc.source.as_of))

    def sha256(self) -> str:
        from kb.hashing import corpus_sha256

        return corpus_sha256({d.source.path: d.source.sha256 for d in self.docs})

    def paths(self) -> set[str]:
        return {d.source.path for d in self.docs}

    def passage(self, source: str, citation: str) -> tuple[CorpusFile, Chunk] | None:
        """The subdivision `citation` in file `source`, or else in any file (a renamed file)."""
        same_file = [(d, c) for d, c in self.passages if c.citation == citation and d.source.path == source]
        anywhere = [(d, c) for d, c in self.passages if c.citation == citation]
        found = same_file or anywhere
        return found[0] if found else None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def check_sentence(sentence: SavedSentence, corpus: CurrentCorpus) -> SentenceCheck:
    saved = sentence.place
    places = corpus.by_sentence.get(sentence.text, [])
    same = [p for p in places if p.source == saved.source and p.citation == saved.citation]
    if same:
        # Of several, the one nearest where it was (a sentence may recur in one subdivision).
        near = min(same, key=lambda p: abs((p.chars or (0, 0))[0] - (saved.chars or (0, 0))[0]))
        return SentenceCheck(sentence, "unchanged", near)
    if places:
        in_file = [p for p in places if p.source == saved.source]
        return SentenceCheck(sentence, "moved", (in_file or places)[0])
    found = corpus.passage(saved.source, saved.citation)
    if found is not None:
        doc, chunk = found
        lines = (_line_of(doc.text, chunk.char_start), _line_of(doc.text, max(chunk.char_start, chunk.char_end - 1)))
        place = Place(chunk.citation, doc.source.path, lines, (chunk.char_start, chunk.char_end),
                      doc.source.as_of)
        return SentenceCheck(sentence, "changed", place, now_text=chunk.text)
    if saved.source not in corpus.paths():
        reason = f"{saved.source} is no longer in the corpus"
    else:
        reason = f"{saved.source} no longer has {saved.citation}"
    return SentenceCheck(sentence, "gone", reason=reason)


def verify_files(corpus_dir: Path, paths: list[Path]) -> VerifyRun:
    """Check every saved answer in `paths` (files, or folders of *.json) against the corpus.

    Every file is read and checked for shape first: one that is not a saved answer stops the
    run (SavedAnswerError, exit 2) before the corpus is read.
    """
    if not paths:
        raise SavedAnswerError(f"no saved answers given; {SAVE_HINT}")
    files = saved_answer_paths([Path(p) for p in paths])
    saved = [(path, *read_saved_answer(path)) for path in files]
    corpus = CurrentCorpus.read(corpus_dir)
    reports = []
    for path, data, sentences in saved:
        corpus_hash = data.get("corpus", {}).get("sha256", "") if isinstance(data.get("corpus"), dict) else ""
        reports.append(VerifyReport(
            path=str(path), question=data["question"], saved_corpus=corpus_hash if isinstance(corpus_hash, str) else "",
            checks=tuple(check_sentence(s, corpus) for s in sentences),
            abstained=bool(data.get("abstained")),
        ))
    return VerifyRun(tuple(reports), corpus.sha256(), len(corpus.docs))
