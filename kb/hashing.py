"""sha256 of texts and files: source identity, chunk identity, index checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_sha256(file_hashes: dict[str, str]) -> str:
    """One hash for a whole corpus: sha256 of its `sha256sum`-style listing ("<sha256>  <path>\\n"
    per file, sorted by path), from each file's sha256 as kb reads it (newlines normalised).
    Any edit, addition, removal or rename changes it; `kb verify` compares it with a saved one."""
    listing = "".join(f"{sha}  {path}\n" for path, sha in sorted(file_hashes.items()))
    return sha256_text(listing)
