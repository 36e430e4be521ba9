"""sha256 of texts and files: source identity, chunk identity, index checksums."""

from __future__ import annotations

import hashlib
import os
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


def stamp(st: os.stat_result) -> str:
    """A file's stamp as a manifest records it, "size:mtime_ns:ctime_ns:inode": what the file
    system says of a file that changes whenever its bytes do. The mtime; the ctime, which no
    tool sets back (unlike mtime), so an edit that puts the mtime back still shows; the inode,
    for another file put in its place. Recorded at build for corpus files and index files, so a
    question need not hash them; one string, since a manifest holds one per corpus file and
    parsing four large integers each doubled its parse (11.5 against 5.9 ms at 4,500 files)."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
