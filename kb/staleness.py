"""Tell whether the index is stale: compare it with the corpus and the settings, reading only
its manifest and the corpus's listing (see check_index), never a model.

Apart from kb.indexing (the build) so that a question, which checks before it answers, imports
nothing of the build: chunking, front-matter checks, the model export (issue 15, cold `kb ask`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.config import ChunkerSettings, Settings
from kb.corpus_files import hash_corpus
from kb.embedding import Embedder, ModelSpec, load_embedder, read_max_seq_length, resolve_model
from kb.errors import IndexCorrupt, IndexMissing, IndexOutdated
from kb.glossary import fingerprint as glossary_fingerprint


@dataclass(frozen=True)
class StaleReport:
    index_path: Path
    missing: bool = False
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = field(default=())  # model or chunker differences, damage
    damaged: tuple[str, ...] = ()  # damaged or missing index files (also listed in reasons)
    outdated: bool = False  # built by an older kb in a format this one cannot read (in reasons)
    # The manifest's bytes and what they parsed to: opening the same generation next need not
    # parse it again (kb.store.open_index; 21 ms at 4,500 files, issue 15).
    parsed: tuple[bytes, dict] | None = field(default=None, compare=False, repr=False)

    @property
    def stale(self) -> bool:
        return self.missing or bool(self.added or self.changed or self.removed or self.reasons)


def chunker_settings_for(spec: ModelSpec, embedder: Embedder | None = None) -> ChunkerSettings:
    """The chunker settings a build with this model uses (kb.indexing) and a current index was
    built with: the window is the model's, less its two special tokens ([CLS] and [SEP] for BERT
    models)."""
    if embedder is not None:
        window = embedder.max_seq_length
    elif spec.path is not None:
        window = read_max_seq_length(spec.path)
    else:
        window = load_embedder(spec).max_seq_length
    return ChunkerSettings(max_tokens=window - 2)


def check_index(settings: Settings, verify: bool = False, spec: ModelSpec | None = None) -> StaleReport:
    """Compare the index with the corpus and settings without loading any model.

    With `verify` (`kb build --check`), also read every file of the generation and report any
    whose checksum differs, and a manifest of the wrong shape, as damage. Without it (before
    answering), a manifest that cannot be used is raised as IndexCorrupt: one line, not a
    warning followed by the same error. `spec`: the settings' model as resolved a moment ago
    (kb.preflight.require_model); resolving the default model again would hash its 0.5 MB
    tokenizer file a second time.
    """
    from kb.generations import open_generation
    from kb.manifest import MANIFEST, parse_manifest

    leftovers: list[str] = []
    if verify:
        from kb.leftovers import report

        leftovers = report(Path(os.path.abspath(settings.index_dir)))
    try:
        opened = open_generation(settings.index_dir)
    except IndexMissing:
        return StaleReport(settings.index_dir, missing=True, reasons=tuple(leftovers))
    # The generation stays share-locked until every file of it has been read: a build may prune
    # it meanwhile only once this check is done with it.
    try:
        try:
            manifest = parse_manifest(opened.manifest_bytes, opened.path / MANIFEST)
        except IndexOutdated as exc:  # an older kb's index: stale, and rebuilt before answering
            return StaleReport(settings.index_dir, reasons=(str(exc), *leftovers), outdated=True)
        except IndexCorrupt as exc:
            if not verify:
                raise
            return StaleReport(settings.index_dir, reasons=(str(exc), *leftovers), damaged=(str(exc),))
        note, damaged = opened.note, []
        if verify:
            from kb.manifest import damaged_files

            damaged = damaged_files(opened.path, manifest)
    finally:
        opened.hold.close()
    # Before a question, a file whose size and stamp are as built is not read; --check reads all.
    current = hash_corpus(settings.corpus_dir, None if verify else manifest["sources"])
    built = {path: meta["sha256"] for path, meta in manifest["sources"].items()}
    reasons = [note] if note else []
    spec = spec or resolve_model(settings.model)
    if manifest["model"]["id"] != spec.model_id:
        reasons.append(
            f"built with model {manifest['model']['id']}, settings ask for {spec.model_id}"
        )
    else:
        chunker = chunker_settings_for(spec).to_json()
        if manifest.get("chunker") != chunker:
            reasons.append(f"built with chunker settings {manifest.get('chunker')}, now {chunker}")
    if manifest.get("glossary") != glossary_fingerprint():
        reasons.append("built under another version of kb/glossary.py, through which corpus keys are embedded")
    same = current == built  # the usual case, decided in C
    return StaleReport(
        settings.index_dir,
        added=() if same else tuple(sorted(set(current) - set(built))),
        changed=() if same else tuple(sorted(p for p in current if p in built and built[p] != current[p])),
        removed=() if same else tuple(sorted(set(built) - set(current))),
        reasons=tuple(reasons + damaged + leftovers),
        damaged=tuple(damaged),
        parsed=(opened.manifest_bytes, manifest),
    )
