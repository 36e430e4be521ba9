"""Build the index from the corpus, fully or incrementally, and tell when it is stale."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb.chunking import ChunkerSettings, chunk_file
from kb.config import Settings
from kb.corpus import hash_corpus, load_corpus
from kb.embedding import Embedder, ModelSpec, load_embedder, read_max_seq_length, resolve_model
from kb.errors import IndexCorrupt, IndexMissing, KbError
from kb.hashing import sha256_text
from kb.store import Sentence, StoredChunk, open_index, read_manifest, write_index
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
    reasons: tuple[str, ...] = field(default=())  # model or chunker differences, corruption

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
    out = []
    for row, chunk in enumerate(chunks):
        if chunk.anchor:
            question = chunk.heading_trail[-1].split(". ", 1)[-1] if chunk.heading_trail else ""
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


def check_index(settings: Settings) -> StaleReport:
    """Compare the index with the corpus and settings without loading any model."""
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexMissing:
        return StaleReport(settings.index_dir, missing=True)
    except IndexCorrupt as exc:
        return StaleReport(settings.index_dir, reasons=(str(exc),))
    current = hash_corpus(settings.corpus_dir)
    built = {path: meta["sha256"] for path, meta in manifest.get("sources", {}).items()}
    reasons = []
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
        reasons=tuple(reasons),
    )


def build_index(settings: Settings, *, full: bool = False, progress: Progress | None = None) -> BuildReport:
    """Build or update the index at settings.index_dir; only changed chunk texts are embedded."""
    from filelock import FileLock, Timeout

    settings.index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index_dir.parent / f".{settings.index_dir.name}.lock"))
    try:
        with lock.acquire(timeout=0):
            return _build(settings, full=full, progress=progress or (lambda *a: None))
    except Timeout:
        raise KbError(
            f"another `kb build` is writing {settings.index_dir}; wait for it to finish and retry"
        ) from None


def _build(settings: Settings, *, full: bool, progress: Progress) -> BuildReport:
    started = time.perf_counter()
    notices: list[str] = []
    docs = load_corpus(settings.corpus_dir)
    spec = resolve_model(settings.model)

    previous = None
    if settings.index_dir.exists():
        try:
            previous = open_index(settings.index_dir)
        except IndexMissing:
            previous = None
        except IndexCorrupt as exc:
            notices.append(f"previous index unusable, building from scratch: {exc}")

    from kb.encoders import build_encoder  # ONNX export and its parity check live there

    encoder = build_encoder(spec, settings, previous, notices)
    chunker = chunker_settings_for(spec, encoder.embedder)

    chunks = []
    for i, doc in enumerate(docs):
        chunks.extend(chunk_file(doc, encoder.embedder.count_tokens, chunker))
        progress("chunk", i + 1, len(docs))
    texts = [c.embed_text for c in chunks]
    shas = [sha256_text(t) for t in texts]

    sentences = candidate_sentences(chunks)
    # Vectors depend only on the text and the model: reuse every one whose text is unchanged.
    chunk_cache = sentence_cache = None
    if not full and previous is not None and previous.model_id == encoder.embedder.model_id:
        chunk_cache = ({sc.text_sha: row for row, sc in enumerate(previous.chunks)}, previous.vectors())
        old_items, old_vectors = previous.sentences()
        sentence_cache = ({item.sha: i for i, item in enumerate(old_items)}, old_vectors)
    embed_started = time.perf_counter()
    vectors, embedded = _embed(encoder.embedder, texts, shas, chunk_cache, progress, "embed")
    sentence_vectors, embedded_sentences = _embed(
        encoder.embedder, [x.text for x in sentences], [x.sha for x in sentences],
        sentence_cache, progress, "sentences",
    )
    embed_seconds = time.perf_counter() - embed_started

    old_sources = previous.manifest.get("sources", {}) if previous else {}
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
        path=settings.index_dir,
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
