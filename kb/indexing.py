"""Build the index from the corpus, fully or incrementally (whether it is stale: kb/staleness.py)."""

from __future__ import annotations

import errno
import os
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from kb.chunking import chunk_file
from kb.config import Settings
from kb.corpus import load_corpus
from kb.corpus_files import scan_corpus, stamp_corpus
from kb.embedding import resolve_model
from kb.errors import BuildBusy, IndexCorrupt, IndexMissing, IndexWriteError, KbError
from kb.glossary import fingerprint as glossary_fingerprint
from kb.hashing import corpus_sha256, sha256_text
from kb.staleness import chunker_settings_for
from kb.store import Sentence, StoredChunk, open_index, read_manifest, write_index
from kb.testhooks import pause_at
from kb.text import locate_all, split_sentences

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildReport:
    path: Path
    sources: int
    chunks: int
    embedded: int  # chunks whose text was embedded in this build
    reused: int  # chunks whose vector was taken from the previous index
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    encoder: str  # "onnx" or "sentence-transformers" or "hashing"
    seconds: float
    embed_seconds: float = 0.0  # of which embedding chunks and sentences
    embedded_texts: int = 0  # chunks and answer sentences embedded
    notices: tuple[str, ...] = ()
    unchanged: bool = False  # nothing to do: the current generation was kept, none written


# Sentences shorter than this are headings, list numbers or fragments: they answer nothing.
MIN_SENTENCE_CHARS = 25


def candidate_sentences(chunks, texts: dict[str, str] | None = None) -> list[Sentence]:
    """Every sentence an answer may quote, with the row of the chunk it belongs to and, given
    `texts` (source id -> the file's text), where it is in its file. A guide's passage (never
    quoted) is represented by its question instead ("What is the process … to opt out …?"): a
    user asking that question is answered by the note that corrects it."""
    from kb.glossary import translate_query  # a question is embedded as a user's would be

    texts = texts or {}
    lines = _LineTables(texts)
    out = []
    contexts: set[str] = set()
    for row, chunk in enumerate(chunks):
        if chunk.anchor:
            question = chunk.heading_trail[-1].split(". ", 1)[-1] if chunk.heading_trail else ""
            question = translate_query(question)
            if chunk.part == 0 and len(question) >= MIN_SENTENCE_CHARS:
                out.append(Sentence(row, question, sha256_text(question)))
            continue
        sentences = split_sentences(chunk.text)
        text = texts.get(chunk.source_id, "")
        spans = (locate_all(sentences, text, chunk.char_start, chunk.char_end) if text
                 else [None] * len(sentences))
        for sentence, span in zip(sentences, spans):
            if len(sentence) >= MIN_SENTENCE_CHARS:
                where = {} if span is None else {
                    "start": span[0], "end": span[1], "lines": lines.span(chunk.source_id, *span)}
                out.append(Sentence(row, sentence, sha256_text(sentence), **where))
        for key in chunk.keys:
            # A question the passage answers: searched like the passage (issue 13, item 2),
            # embedded as a user's question is, and never quoted.
            key = translate_query(key)
            out.append(Sentence(row, key, sha256_text(key), kind="key"))
        if chunk.context and chunk.context not in contexts:
            # Once per file, on its first passage: what the corpus's sections are about, for
            # telling an off-topic question from one the corpus covers (issue 13, item 3).
            contexts.add(chunk.context)
            out.append(Sentence(row, chunk.context, sha256_text(chunk.context), kind="context"))
    return out


class _LineTables:
    """1-based line numbers of character offsets, per file (a table of line starts each)."""

    def __init__(self, texts: dict[str, str]):
        self.texts = texts
        self.starts: dict[str, list[int]] = {}

    def line(self, source_id: str, offset: int) -> int:
        import bisect

        if source_id not in self.starts:
            text = self.texts[source_id]
            self.starts[source_id] = [0] + [m.end() for m in re.finditer("\n", text)]
        return bisect.bisect_right(self.starts[source_id], offset)

    def span(self, source_id: str, start: int, end: int) -> tuple[int, int]:
        return (self.line(source_id, start), self.line(source_id, max(start, end - 1)))


def _embed(embedder, texts, shas, previous, progress: Progress, stage: str):
    """Vectors for `texts`, taking those whose sha is in `previous` (sha -> row, vectors)
    instead of embedding them again. Returns (vectors, how many were embedded)."""
    import numpy as np

    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    old_rows, old_vectors = previous if previous is not None else ({}, None)
    todo = []
    for i, sha in enumerate(shas):
        if sha in old_rows:
            vectors[i] = old_vectors[old_rows[sha]]
        else:
            todo.append(i)
    batch = 32
    for start in range(0, len(todo), batch):
        rows = todo[start : start + batch]
        vectors[rows] = embedder.encode([texts[r] for r in rows], batch_size=16)
        progress(stage, min(start + batch, len(todo)), len(todo))
    return vectors, len(todo)


def build_index(settings: Settings, *, full: bool = False, progress: Progress | None = None) -> BuildReport:
    """Build or update the index at settings.index_dir; only changed chunk texts are embedded.

    The folder must be missing, empty or an index kb made (IndexForeign otherwise). Under the
    build lock: leftovers of killed builds are removed, a missing or damaged CURRENT is restored,
    the new generation is published, and generations no reader holds beyond the last two are
    pruned.
    """
    from filelock import FileLock, Timeout

    from kb.generations import LOCK, classify, mark_index

    # Absolute, so that `--index .` names a real folder in messages and has a real parent.
    index_dir = Path(os.path.abspath(settings.index_dir))
    try:
        classify(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(index_dir / LOCK))
        try:
            with lock.acquire(timeout=0):
                pause_at("locked")
                kind = classify(index_dir)  # again: another process may have written meanwhile
                if kind != "kb":
                    mark_index(index_dir)
                return _build_locked(replace(settings, index_dir=index_dir), settings.index_dir,
                                     full=full, progress=progress or (lambda *a: None))
        except Timeout:
            raise BuildBusy(
                f"another `kb build` is writing {settings.index_dir}; wait for it to finish and retry"
            ) from None
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else index_dir
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise IndexWriteError(_no_space(index_dir, exc)) from None
        if where != index_dir and index_dir not in where.parents:
            raise  # not about the index folder: not ours to explain here
        raise IndexWriteError(
            f"{where}: cannot write the index ({exc.strerror}); pass --index a folder you can write"
        ) from None


def refuse_foreign(index_dir: Path) -> None:
    """IndexForeign when `index_dir` is not a folder kb may build an index in."""
    from kb.generations import classify

    classify(Path(os.path.abspath(index_dir)))


def wait_for_build(index_dir: Path, seconds: float) -> bool:
    """Wait up to `seconds` for the `kb build` writing `index_dir` to finish; whether it did."""
    from filelock import FileLock, Timeout

    from kb.generations import LOCK

    try:
        with FileLock(str(Path(os.path.abspath(index_dir)) / LOCK)).acquire(timeout=seconds):
            return True
    except Timeout:
        return False


def _no_space(index_dir: Path, exc: OSError) -> str:
    """"no space left on DEVICE for the index at PATH (N MB needed)": N is the size of the
    current generation, or of what this build had written when the disk filled, if larger."""
    needed = getattr(exc, "kb_bytes_written", 0)
    try:
        manifest, _note, _path = read_manifest(index_dir)
        needed = max(needed, sum(e["bytes"] for e in manifest["files"].values()))
    except KbError:
        pass
    return (f"no space left on {_device(index_dir)} for the index at {index_dir} "
            f"({max(1, -(-needed // 2**20))} MB needed); free some space or pass --index a folder on another disk")


def _device(path: Path) -> str:
    """The device (as `mount` names it) holding `path`, from /proc/self/mountinfo; else its
    major:minor numbers."""
    best, source = "", ""
    try:
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            point = fields[4].encode().decode("unicode_escape") if len(fields) > 4 else ""
            inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
            if inside and len(point) > len(best) and len(tail) >= 2:
                best, source = point, tail[1]
    except OSError:
        pass
    if source:
        return source
    try:
        st = os.stat(path)
        return f"device {os.major(st.st_dev)}:{os.minor(st.st_dev)}"
    except OSError:
        return "the device"


def _build_locked(settings: Settings, shown: Path, *, full: bool, progress: Progress) -> BuildReport:
    from kb.generations import prune, read_pointer, restore_pointer
    from kb.leftovers import remove_dead
    from kb.manifest import MANIFEST, damaged_files, parse_manifest

    index_dir = settings.index_dir
    notices: list[str] = []
    removed = remove_dead(index_dir, notices)
    if removed:
        notices.append(f"removed {len(removed)} temporary folder(s) left by killed builds")
    pause_at("leftovers-removed")

    def is_valid(generation: Path) -> bool:
        try:
            manifest = parse_manifest((generation / MANIFEST).read_bytes(), generation / MANIFEST)
        except (OSError, IndexCorrupt):
            return False
        return not damaged_files(generation, manifest)

    restored = restore_pointer(index_dir, is_valid)
    if restored:
        notices.append(restored)
    previous_id = read_pointer(index_dir)
    report = _build(settings, shown, full=full, progress=progress, notices=notices)
    pause_at("switched")
    # Keep the new generation and the one it replaced: readers that opened it may still be reading.
    kept: list[str] = []
    prune(index_dir, keep={gid for gid in (read_pointer(index_dir), previous_id) if gid}, notices=kept)
    pause_at("pruned")
    return replace(report, notices=report.notices + tuple(kept))


def _build(settings: Settings, shown: Path, *, full: bool, progress: Progress, notices: list[str]) -> BuildReport:
    started = time.perf_counter()
    scan = scan_corpus(settings.corpus_dir)
    notices.extend(scan.notices)
    stats = stamp_corpus(settings.corpus_dir, scan)  # as listed, before reading: see stamp_corpus
    docs = load_corpus(settings.corpus_dir)
    from kb.structure import check_corpus  # maintainers' slips, each with file and line

    notices.extend(f"warning: {problem}" for problem in check_corpus(docs))
    pause_at("corpus-read")
    spec = resolve_model(settings.model)

    previous = None
    try:
        # Exact: what is reused (vectors, the model folder) is hashed, never trusted by its stamp.
        previous = open_index(settings.index_dir, exact=True)
    except IndexMissing:
        previous = None
    except IndexCorrupt as exc:
        notices.append(f"previous index unusable, building from scratch: {exc}")

    from kb.embedding.encoders import build_encoder  # the model folder and its checks live there

    progress("model", 0, 1)  # loading the model (and exporting it to ONNX) can take a while
    encoder = build_encoder(spec, settings, previous, notices)
    progress("model", 1, 1)
    try:
        chunker = chunker_settings_for(spec, encoder.embedder)

        chunks = []
        for i, doc in enumerate(docs):
            chunks.extend(chunk_file(doc, encoder.embedder.count_tokens, chunker))
            progress("chunk", i + 1, len(docs))
        pause_at("chunked")
        texts = [c.embed_text for c in chunks]
        shas = [sha256_text(t) for t in texts]

        sentences = candidate_sentences(chunks, {d.source.id: d.text for d in docs})
        # Vectors depend only on the text and the model: reuse every one whose text is unchanged.
        chunk_cache = sentence_cache = None
        if not full and previous is not None and previous.model_id == encoder.embedder.model_id:
            try:
                chunk_cache = ({sc.text_sha: row for row, sc in enumerate(previous.chunks)}, previous.vectors())
                old_items, old_vectors = previous.sentences()
                sentence_cache = ({item.sha: i for i, item in enumerate(old_items)}, old_vectors)
            except IndexCorrupt as exc:  # its records were sound, its vectors are not: embed anew
                chunk_cache = sentence_cache = None
                notices.append(f"previous vectors unusable, embedding every text: {exc}")
        embed_started = time.perf_counter()
        vectors, embedded = _embed(encoder.embedder, texts, shas, chunk_cache, progress, "embed")
        sentence_vectors, embedded_sentences = _embed(
            encoder.embedder, [x.text for x in sentences], [x.sha for x in sentences],
            sentence_cache, progress, "sentences",
        )
        embed_seconds = time.perf_counter() - embed_started
        pause_at("embedded")

        old_sources = previous.manifest["sources"] if previous else {}
        new_sources = {
            d.source.path: {"sha256": d.source.sha256, "id": d.source.id, **stats.get(d.source.path, {})}
            for d in docs
        }
        manifest = {
            "model": {
                "id": encoder.embedder.model_id,
                "name": spec.name,
                "dim": encoder.embedder.dim,
                "max_seq_length": encoder.embedder.max_seq_length,
            },
            "chunker": chunker.to_json(),
            "glossary": glossary_fingerprint(),  # keys are embedded through it (kb/staleness.py)
            "sources": new_sources,
            # What `kb ask --json` reports as the corpus's identity (kb.hashing), once here.
            "corpus_sha256": corpus_sha256({path: meta["sha256"] for path, meta in new_sources.items()}),
            "onnx": encoder.onnx_manifest,
            "lexical": {"library": "bm25s", "tokenizer": "bm25s en stopwords + PyStemmer english"},
        }

        from kb.lexical import build_lexical

        write_index(
            settings.index_dir,
            manifest,
            [d.source for d in docs],
            [StoredChunk(c, s) for c, s in zip(chunks, shas)],
            vectors,
            sentences,
            sentence_vectors,
            extra_writers=[lambda tmp: build_lexical([c.lexical_text for c in chunks], tmp), *encoder.writers],
        )
        return BuildReport(
            path=shown,
            sources=len(docs),
            chunks=len(chunks),
            embedded=embedded,
            reused=len(chunks) - embedded,
            added=tuple(sorted(set(new_sources) - set(old_sources))),
            changed=tuple(sorted(
                p for p in new_sources if p in old_sources and old_sources[p]["sha256"] != new_sources[p]["sha256"]
            )),
            removed=tuple(sorted(set(old_sources) - set(new_sources))),
            encoder=encoder.name,
            seconds=time.perf_counter() - started,
            embed_seconds=embed_seconds,
            embedded_texts=embedded + embedded_sentences,
            notices=tuple(notices),
        )
    finally:
        encoder.cleanup()  # an export staged but never written (a failed build)
