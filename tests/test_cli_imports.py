"""Start-up stays fast: commands that need no model import none of the heavy libraries.

Checks modules, not time, so it cannot be flaky (see STYLE.md, principle 2).
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "sentence_transformers", "faiss", "onnxruntime", "bm25s", "scipy")

PROBE = """
import json, sys
from kb.cli import app
code = 0
try:
    code = app({args}, standalone_mode=False) or 0
except SystemExit as exc:
    code = exc.code
print(json.dumps([code, sorted(sys.modules)]), file=sys.stderr)
"""


def _modules_after(args: list[str]) -> set[str]:
    """Every module imported by running `kb ARGS` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                          timeout=120)
    exit_code, modules = json.loads(proc.stderr.strip().splitlines()[-1])
    assert exit_code == 0, proc.stdout + proc.stderr  # the command really ran
    assert proc.stdout.strip()  # and printed its result
    return set(modules)


def _heavy_modules_after(args: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in _modules_after(args)} & set(HEAVY))


def test_importing_the_cli_loads_nothing_heavy():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, kb.cli; print(sorted(m for m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    loaded = {m.split(".")[0] for m in eval(proc.stdout)}
    assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)
    assert "numpy" not in loaded


@pytest.mark.parametrize("command", [["--help"], ["sources"], ["build", "--check"]])
def test_light_commands_stay_light(command, built):
    args = command + ([] if command == ["--help"] else
                      ["--corpus", str(built.corpus_dir), "--index", str(built.index_dir), "--model", "hashing-64"])
    assert _heavy_modules_after(args) == []


def test_cite_stays_light(built):
    args = ["cite", "VC 9999.1(a)", "--corpus", str(built.corpus_dir), "--index", str(built.index_dir),
            "--model", "hashing-64"]
    assert _heavy_modules_after(args) == []


# What only builds need: chunking and front matter, the model export, evaluation and `kb verify`,
# Markdown and YAML parsing, and the standard modules they alone use. Each of these was imported
# by every cold `kb ask` until issue 15 (the build's modules, ~80 regular expressions and ~40
# dataclasses made at import were a fifth of its instructions).
BUILD_ONLY = (
    "kb.indexing", "kb.chunking", "kb.corpus", "kb.frontmatter", "kb.quotations", "kb.structure",
    "kb.evaluation", "kb.verify", "kb.embedding.onnx_graph", "kb.embedding.onnx_proto",
    "markdown_it", "yaml", "tempfile", "secrets", "onnx",
)


def test_a_question_imports_nothing_only_builds_need(built):
    args = ["ask", "Can ICE get the documents I gave the DMV?", "--corpus", str(built.corpus_dir),
            "--index", str(built.index_dir), "--model", "hashing-64"]
    loaded = _modules_after(args)
    assert "kb.answer" in loaded  # it answered
    assert sorted(loaded & set(BUILD_ONLY)) == []
    assert _heavy_modules_after(args) == []


def test_a_question_compiles_no_pattern_only_builds_use(built):
    """Patterns made with kb.text.compiled_on_use stay uncompiled unless something uses them:
    sentence splitting is for builds, and a plain question names no citation list or date."""
    code = (
        "import json, sys\n"
        "from kb.cli import app\n"
        "import kb.text, kb.citations, kb.answer\n"
        f"app({['ask', 'Can ICE get the documents I gave the DMV?', '--corpus', str(built.corpus_dir), '--index', str(built.index_dir), '--model', 'hashing-64']!r}, standalone_mode=False)\n"
        "lazy = {'split': kb.text._BOUNDARY, 'lists': kb.citations._LIST_OF_SECTIONS, 'dates': kb.answer._DATE}\n"
        "print(json.dumps({k: f.cache_info().currsize for k, f in lazy.items()}), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"split": 0, "lists": 0, "dates": 0}
