"""YAML front matter: split it from the Markdown body and read it safely (pure, no validation).

PyYAML's SafeLoader still expands aliases and raises its own exception types from deep inside;
here every failure becomes one CorpusError line naming the file.
"""

from __future__ import annotations

import functools

from kb.errors import CorpusError, clip


class _AliasRefused(Exception):
    def __init__(self, anchor: str, line: int):
        super().__init__(anchor)
        self.anchor, self.line = anchor, line


@functools.lru_cache(maxsize=1)
def _front_matter_loader():
    """yaml.SafeLoader without aliases, and with dates left as text.

    An alias repeats a node: nine aliases of nine aliases... expand a few lines into gigabytes
    (issue 10 saw 1.2 GB and a 300 MB error line for one file under `corrects:`), so any alias
    is refused.
    Dates stay text so that `as_of: 2024-02-30` is reported against its field (validation parses
    it) instead of as a ValueError from inside the YAML library.
    """
    import yaml  # only corpus reading needs it; keeps `kb --help` light

    class FrontMatterLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _AliasRefused(event.anchor, event.start_mark.line)
            return super().compose_node(parent, index)

    timestamp = "tag:yaml.org,2002:timestamp"
    FrontMatterLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != timestamp]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return FrontMatterLoader


def split_front_matter(text: str, shown: str) -> tuple[dict, str, int]:
    """(front matter, body, 1-based line where the body starts)."""
    import yaml  # only corpus reading needs it; keeps `kb --help` light

    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    tokens = MarkdownIt("zero").use(front_matter_plugin).parse(text)
    if not tokens or tokens[0].type != "front_matter" or tokens[0].map is None:
        raise CorpusError(
            f"{shown}: no YAML front matter (start the file with a '---' line, the fields, "
            "and a closing '---'; see corpus/README.md)"
        )
    token = tokens[0]
    try:
        meta = yaml.load(token.content, Loader=_front_matter_loader())  # noqa: S506 (safe: a SafeLoader)
    except _AliasRefused as exc:
        raise CorpusError(
            f"{shown}: front matter uses a YAML alias (*{clip(exc.anchor)} at line {exc.line + 2}); "
            "kb does not expand aliases: write the value out"
        ) from None
    except RecursionError:
        raise CorpusError(f"{shown}: front matter is nested too deeply (fields are plain values "
                          "and lists of them)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"{shown}: front matter is not valid YAML{where}: {clip(problem)}") from None
    except Exception as exc:  # noqa: BLE001
        # A tagged value the constructors choke on: `!!timestamp 2024-02-30` is a ValueError,
        # an empty `!!timestamp` an AttributeError (found by tests/test_properties.py).
        raise CorpusError(
            f"{shown}: front matter is not valid YAML: {clip(str(exc) or type(exc).__name__)}"
        ) from None
    if not isinstance(meta, dict):
        raise CorpusError(f"{shown}: front matter must be a mapping of fields (key: value)")
    end = token.map[1]  # 0-based, end-exclusive: the first line after the closing '---'
    lines = text.split("\n")
    return meta, "\n".join(lines[end:]), end + 1
