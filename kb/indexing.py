"""Build the index from the corpus, fully or incrementally, and tell when it is stale."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from kb.chunking import ChunkerSettings, chunk_file
from kb.config import Settings
from kb.corpus import hash_corpus, load_corpus, scan_corpus
from kb.embedding import Embedder, ModelSpec, load_embedder, read_max_seq_length, resolve_model
from kb.errors import IndexCorrupt, IndexMissing, IndexWriteError, KbError
from kb.hashing import sha256_text
from kb.store import Sentence, StoredChunk, open_index, read_manifest, write_index
from kb.testhooks import pause_at
from kb.text import split_sentences

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


@dataclass(frozen=True)
class StaleReport:
    index_path: Path
    missing: bool = False
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default=())  # model or chunker differences, damage
    damaged: tuple[str, ...] = ()  # damaged or missing index files (also listed in reasons)

    @property
    def stale(self) -> bool:
        return self.missing or bool(self.added or self.changed or self.removed or self.reasons)


def chunker_settings_for(spec: ModelSpec, embedder: Embedder | None = None) -> ChunkerSettings:
    """The window is the model's, less its two special tokens ([CLS] and [SEP] for BERT models)."""
    if embedder is not None:
        window = embedder.max_seq_length
    elif spec.path is not None:
        window = read_max_seq_length(spec.path)
    else:
        window = load_embedder(spec).max_seq_length
    return ChunkerSettings(max_tokens=window - 2)


# Sentences shorter than this are headings, list numbers or fragments: they answer nothing.
MIN_SENTENCE_CHARS = 25


def candidate_sentences(chunks) -> list[Sentence]:
    """Every sentence an answer may quote, with the row of the chunk it belongs to. A guide's
    passage (never quoted) is represented by its question instead ("What is the process … to opt
    out …?"): a user asking that question is answered by the note that corrects it."""
    from kb.glossary import translate_query  # a question is embedded as a user's would be

    out = []
    for row, chunk in enumerate(chunks):
        if chunk.anchor:
            question = chunk.heading_trail[-1].split(". ", 1)[-1] if chunk.heading_trail else ""
            question = translate_query(question)
            if chunk.part == 0 and len(question) >= MIN_SENTENCE_CHARS:
                out.append(Sentence(row, question, sha256_text(question)))
            continue
        for sentence in split_sentences(chunk.text):
            if len(sentence) >= MIN_SENTENCE_CHARS:
                out.append(Sentence(row, sentence, sha256_text(sentence)))
    return out


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


def check_index(settings: Settings, verify: bool = False) -> StaleReport:
    """Compare the index with the corpus and settings without loading any model.

    With `verify` (`kb build --check`), also read every file of the generation and report any
    whose checksum differs, and a manifest of the wrong shape, as damage. Without it (before
    answering), a manifest that cannot be used is raised as IndexCorrupt: one line, not a
    warning followed by the same error.
    """
    try:
        manifest, note, generation = read_manifest(settings.index_dir)
    except IndexMissing:
        return StaleReport(settings.index_dir, missing=True)
    except IndexCorrupt as exc:
        if not verify:
            raise
        return StaleReport(settings.index_dir, reasons=(str(exc),), damaged=(str(exc),))
    damaged: list[str] = []
    if verify:
        from kb.manifest import damaged_files

        damaged = damaged_files(generation, manifest)
    current = hash_corpus(settings.corpus_dir)
    built = {path: meta["sha256"] for path, meta in manifest["sources"].items()}
    reasons = [note] if note else []
    spec = resolve_model(settings.model)
    if manifest["model"]["id"] != spec.model_id:
        reasons.append(
            f"built with model {manifest['model']['id']}, settings ask for {spec.model_id}"
        )
    else:
        chunker = chunker_settings_for(spec).to_json()
        if manifest.get("chunker") != chunker:
            reasons.append(f"built with chunker settings {manifest.get('chunker')}, now {chunker}")
    return StaleReport(
        settings.index_dir,
        added=tuple(sorted(set(current) - set(built))),
        changed=tuple(sorted(p for p in current if p in built and built[p] != current[p])),
        removed=tuple(sorted(set(built) - set(current))),
        reasons=tuple(reasons + damaged),
        damaged=tuple(damaged),
    )


def build_index(settings: Settings, *, full: bool = False, progress: Progress | None = None) -> BuildReport:
    """Build or update the index at settings.index_dir; only changed chunk texts are embedded.

    The folder must be missing, empty or a kb index (IndexForeign otherwise). Under the build
    lock: leftovers of killed builds are removed, a missing or damaged CURRENT is restored, the
    new generation is published, and generations no reader holds beyond the last two are pruned.
    """
    from filelock import FileLock, Timeout

    from kb.generations import LOCK, classify

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
                return _build_locked(replace(settings, index_dir=index_dir), settings.index_dir, kind,
                                     full=full, progress=progress or (lambda *a: None))
        except Timeout:
            raise KbError(
                f"another `kb build` is writing {settings.index_dir}; wait for it to finish and retry"
            ) from None
    except OSError as exc:
        where = Path(exc.filename) if exc.filename else index_dir
        if where != index_dir and index_dir not in where.parents:
            raise  # not about the index folder: not ours to explain here
        raise IndexWriteError(
            f"{where}: cannot write the index ({exc.strerror}); pass --index a folder you can write"
        ) from None


def _build_locked(settings: Settings, shown: Path, kind: str, *, full: bool, progress: Progress) -> BuildReport:
    from kb.generations import (
        generations_dir, prune, read_pointer, remove_legacy, restore_pointer,
    )
    from kb.leftovers import remove_dead, remove_dead_old_style
    from kb.manifest import MANIFEST, damaged_files, parse_manifest

    index_dir = settings.index_dir
    notices: list[str] = []
    removed = (remove_dead(generations_dir(index_dir)) + remove_dead(index_dir)
               + remove_dead_old_style(index_dir))
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
    prune(index_dir, keep={gid for gid in (read_pointer(index_dir), previous_id) if gid})
    if kind == "legacy":
        remove_legacy(index_dir)
    pause_at("pruned")
    return report


def _build(settings: Settings, shown: Path, *, full: bool, progress: Progress, notices: list[str]) -> BuildReport:
    started = time.perf_counter()
    scan = scan_corpus(settings.corpus_dir)
    notices.extend(scan.notices)
    docs = load_corpus(settings.corpus_dir)
    pause_at("corpus-read")
    spec = resolve_model(settings.model)

    previous = None
    try:
        previous = open_index(settings.index_dir)
    except IndexMissing:
        previous = None
    except IndexCorrupt as exc:
        notices.append(f"previous index unusable, building from scratch: {exc}")

    from kb.embedding.encoders import build_encoder  # the model folder and its checks live there

    encoder = build_encoder(spec, settings, previous, notices)
    chunker = chunker_settings_for(spec, encoder.embedder)

    chunks = []
    for i, doc in enumerate(docs):
        chunks.extend(chunk_file(doc, encoder.embedder.count_tokens, chunker))
        progress("chunk", i + 1, len(docs))
    pause_at("chunked")
    texts = [c.embed_text for c in chunks]
    shas = [sha256_text(t) for t in texts]

    sentences = candidate_sentences(chunks)
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
        d.source.path: {"sha256": d.source.sha256, "id": d.source.id} for d in docs
    }
    manifest = {
        "model": {
            "id": encoder.embedder.model_id,
            "name": spec.name,
            "dim": encoder.embedder.dim,
            "max_seq_length": encoder.embedder.max_seq_length,
        },
        "chunker": chunker.to_json(),
        "sources": new_sources,
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
        extra_writers=[lambda tmp: build_lexical(texts, tmp), *encoder.writers],
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
