"""The errors `kb` raises. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class KbError(Exception):
    """Base class: the message says what failed, where, and what to do next."""

    exit_code = 1


class InputError(KbError):
    """The user's input cannot be used: an empty question, an unreadable citation."""


class CorpusError(KbError):
    """A corpus file or folder cannot be used (bad front matter, encoding, duplicate id)."""


class IndexMissing(KbError):
    """No index has been built at the given folder."""


class IndexCorrupt(KbError):
    """The index folder holds a truncated, foreign or inconsistent file."""


class IndexStale(KbError):
    """The index does not match the corpus or the settings."""


class EmbedderError(KbError):
    """The embedding model cannot be found, loaded or exported."""


class CitationNotFound(KbError):
    """A citation parsed, but the corpus holds no such section or subdivision."""
