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


class IndexWriteError(KbError):
    """The index folder cannot be written (permissions, a full disk)."""


class BuildBusy(KbError):
    """Another `kb build` holds the index's build lock."""


class IndexCorrupt(KbError):
    """The index folder holds a truncated, foreign or inconsistent file."""


class IndexOutdated(IndexCorrupt):
    """The index was built by an older kb, in a format this one no longer reads: rebuild it."""


class IndexStale(KbError):
    """The index does not match the corpus or the settings."""


class EmbedderError(KbError):
    """The embedding model cannot be found, loaded or exported."""


class IndexForeign(KbError):
    """The --index path holds something kb did not build: kb will not write into it or replace it."""


class CitationNotFound(KbError):
    """A citation parsed, but the corpus holds no such section or subdivision."""


# How much of a user's value a message quotes: enough to recognise it, never a whole file
# (an alias bomb once made a 300 MB error line).
QUOTE_CHARS = 80


def clip(value: object, limit: int = QUOTE_CHARS) -> str:
    """`value` as text on one line, cut to `limit` characters with an ellipsis."""
    if isinstance(value, str):
        text = value
    else:  # reprlib stops after a few items and levels, however large the value
        import reprlib

        text = reprlib.repr(value)
    text = printable(" ".join(text[: limit * 4].split()))  # newlines would break the one-line rule
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """`value` clipped and in single quotes, for messages that quote a user's value."""
    return f"'{clip(value, limit)}'"


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters (an escape sequence can retitle or clear
    the terminal) dropped, and bytes that were not UTF-8 shown as \\xNN."""
    import unicodedata

    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape" if _escaped_bytes_only(text) else "surrogatepass") \
            .decode("utf-8", "backslashreplace")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def _escaped_bytes_only(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True
