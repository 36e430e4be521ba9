"""Issue 10, points 6 and 7: bad corpus input is one short line naming the file, field or path,
in bounded time and memory; symlinks out of the corpus are refused, symlinked folders skipped."""

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FAKE_MODEL, FAQ, NOTE, STATUTE, write_corpus
from kb.chunking import ChunkerSettings, chunk_file
from kb.cli import app
from kb.corpus import load_corpus, read_corpus_file
from kb.corpus_files import MAX_FILE_BYTES, MAX_LINE_CHARS
from kb.errors import CorpusError, EmbedderError

# A message quotes at most ~80 characters of a value; with the file name and the advice, a line
# stays well under this.
MAX_MESSAGE = 300


def _error(root: Path) -> str:
    started = time.perf_counter()
    with pytest.raises(CorpusError) as info:
        load_corpus(root)
    assert time.perf_counter() - started < 5
    message = str(info.value)
    assert "\n" not in message and len(message) <= MAX_MESSAGE, message[:500]
    return message


def _corpus(tmp_path, files):
    return write_corpus(tmp_path / "corpus", files)


def test_an_impossible_date_names_the_field(tmp_path):
    root = _corpus(tmp_path, {"x.md": STATUTE.replace("as_of: 2026-11-25", "as_of: 2024-02-30")})
    assert _error(root) == "x.md: as_of '2024-02-30' is not a date (write YYYY-MM-DD)"


def test_an_impossible_date_under_an_explicit_tag_is_a_message(tmp_path):
    root = _corpus(tmp_path, {"x.md": STATUTE.replace("as_of: 2026-11-25", "as_of: !!timestamp 2024-02-30")})
    assert _error(root).startswith("x.md: front matter is not valid YAML")


@pytest.mark.parametrize("value", ["[" * 5000 + "]" * 5000, "{a: \n" * 5000 + "1" + "}" * 5000])
def test_deep_nesting_in_front_matter_is_a_message(tmp_path, value):
    root = _corpus(tmp_path, {"x.md": STATUTE.replace("verified: official", f"extra: {value}")})
    assert _error(root).startswith("x.md: front matter is nested too deeply")


def test_deep_nesting_in_the_body_chunks_in_bounded_time(tmp_path):
    body = "\n".join("> " * 5000 + "text" for _ in range(3)) + "\n" + "- " * 5000 + "item\n"
    root = _corpus(tmp_path, {"x.md": STATUTE + "\n## (c)\n\n" + body})
    started = time.perf_counter()
    doc = read_corpus_file(root / "x.md", root)
    chunks = chunk_file(doc, lambda t: len(t.split()), ChunkerSettings())
    assert time.perf_counter() - started < 5
    assert chunks[-1].citation == "Cal. Veh. Code § 9999.1(c)"


def test_a_yaml_alias_bomb_is_refused_quickly_in_little_memory(tmp_path):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 9):
        prev = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        bomb.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    meta = NOTE.replace("corrects: [faq-test#Q1]", "\n".join(bomb) + "\ncorrects: *i")
    root = _corpus(tmp_path, {"faq.md": FAQ, "n.md": meta})
    tracemalloc.start()
    try:
        message = _error(root)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("n.md: front matter uses a YAML alias (*a at line")
    assert peak < 50 * 2**20


def test_a_long_value_is_quoted_short(tmp_path):
    root = _corpus(tmp_path, {"x.md": STATUTE.replace("authority: statute", "authority: " + "x" * 19_000)})
    message = _error(root)
    assert message.startswith("x.md: authority 'xxxx") and "…" in message
    assert message.endswith("has 19,000 characters; at most 2,000")


def test_a_file_over_the_size_cap_is_refused_naming_the_limit(tmp_path):
    root = _corpus(tmp_path, {"x.md": STATUTE + ("Filler sentence here.\n" * 60_000)})
    assert _error(root) == (f"x.md: {(root / 'x.md').stat().st_size:,} bytes is over the "
                            f"{MAX_FILE_BYTES:,}-byte limit for one corpus file (split it: one "
                            "section or guide per file, see corpus/README.md)")


def test_a_huge_single_line_is_refused_instead_of_chunked_for_minutes(tmp_path):
    line = "word " * 150_000  # 750 KB on one line: under the size cap, over the line cap
    root = _corpus(tmp_path, {"x.md": STATUTE + "\n## (c)\n\n" + line + "\n"})
    lineno = len((STATUTE + "\n## (c)\n\n").split("\n"))
    assert _error(root) == (f"x.md: line {lineno} has 750,000 characters, over the "
                            f"{MAX_LINE_CHARS:,}-character limit (break it into paragraphs)")


def test_a_long_sentence_across_many_lines_chunks_in_linear_time(tmp_path):
    # No full stop and no blank line: one 600 KB "sentence" cut at word boundaries.
    body = "\n".join("word " * 1000 for _ in range(120))
    root = _corpus(tmp_path, {"x.md": STATUTE + "\n## (c)\n\n" + body + "\n"})
    doc = read_corpus_file(root / "x.md", root)
    started = time.perf_counter()
    chunks = chunk_file(doc, lambda t: len(t.split()), ChunkerSettings(max_tokens=254))
    assert time.perf_counter() - started < 5
    assert all(len(c.text.split()) <= 254 for c in chunks)
    assert sum(c.citation.endswith("(c)") for c in chunks) > 400


def test_an_unreadable_corpus_file_is_a_message(tmp_path, monkeypatch):
    root = _corpus(tmp_path, {"a.md": STATUTE})
    real = Path.open

    def deny(self, *args, **kwargs):
        if self.name == "a.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    assert _error(root) == "a.md: cannot read it (Permission denied)"


def test_an_index_folder_that_cannot_be_written_is_a_message(settings, monkeypatch):
    real = Path.mkdir

    def deny(self, *args, **kwargs):
        if self == settings.index_dir:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", deny)
    result = CliRunner().invoke(app, ["build", "--corpus", str(settings.corpus_dir), "--index",
                                      str(settings.index_dir), "--model", FAKE_MODEL])
    assert result.exit_code == 1
    assert result.stderr == (f"kb: error: {settings.index_dir}: cannot write the index (Permission "
                             "denied); pass --index a folder you can write\n")


@pytest.mark.parametrize("name", ["hashing-0", "hashing-00", "hashing-1", "hashing-99999", "hashing-x"])
def test_a_bad_hashing_model_is_a_message_without_any_network(name, monkeypatch):
    import socket

    from kb.embedding import load_embedder, resolve_model

    def no_network(*args, **kwargs):
        raise AssertionError("kb tried the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    with pytest.raises(EmbedderError, match=rf"^--model {name}: the hashing embedder takes a "
                                            r"dimension from 8 to 4096"):
        load_embedder(resolve_model(name))


def test_a_hub_model_name_is_looked_up_offline_unless_the_user_opts_in(tmp_path, corpus_dir):
    """In a fresh process with no HF_HUB_OFFLINE set and every socket refused: a message, and
    no connection attempted."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "def _refuse(*a, **k):\n"
        f"    open({str(tmp_path / 'network-used')!r}, 'w').close()\n"
        "    raise OSError('network refused by the test')\n"
        "socket.socket.connect = socket.getaddrinfo = socket.create_connection = _refuse\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "KB_"))}
    env["PYTHONPATH"] = str(guard)
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "build", "--corpus", str(corpus_dir), "--index",
         str(tmp_path / "index"), "--model", "no-such-org/no-such-model"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= MAX_MESSAGE, proc.stderr[-2000:]
    assert lines[0] == ("kb: error: model 'no-such-org/no-such-model' not found: it is neither a local folder "
                        "nor in the Hugging Face cache (check the name; kb works offline: pass a model folder with --model, "
                        "or set KB_ONLINE=1 to let sentence-transformers download it)")
    assert not (tmp_path / "network-used").exists()


def test_a_symlinked_file_pointing_outside_the_corpus_is_refused(tmp_path):
    root = _corpus(tmp_path, {"a.md": STATUTE})
    outside = tmp_path / "outside.md"
    outside.write_text(FAQ)
    (root / "faq.md").symlink_to(outside)
    assert _error(root) == (f"faq.md: a symlink to {outside}, outside the corpus; copy the file "
                            "into the corpus instead")


def test_a_symlinked_file_inside_the_corpus_is_read(tmp_path):
    root = _corpus(tmp_path, {"a.md": STATUTE, ".shared/faq.md": FAQ})  # hidden folders are not read
    (root / "faq.md").symlink_to(root / ".shared" / "faq.md")
    assert [f.source.path for f in load_corpus(root)] == ["a.md", "faq.md"]


def test_a_broken_symlink_is_refused(tmp_path):
    root = _corpus(tmp_path, {"a.md": STATUTE})
    (root / "b.md").symlink_to(root / "gone.md")
    assert _error(root) == "b.md: a symlink to a missing file; remove it or restore its target"


def test_a_symlinked_folder_is_skipped_and_the_build_says_so(settings, tmp_path):
    from kb.indexing import build_index

    elsewhere = tmp_path / "elsewhere"
    write_corpus(elsewhere, {"faq2.md": FAQ.replace("faq-test", "faq-two")})
    (settings.corpus_dir / "linked").symlink_to(elsewhere, target_is_directory=True)
    report = build_index(settings)
    assert "linked/faq2.md" not in {p for p in report.added}
    assert report.notices == (
        "corpus folder linked is a symlink and was skipped (kb reads only folders inside the corpus)",)
