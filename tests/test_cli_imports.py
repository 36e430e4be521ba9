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
print(json.dumps([code, sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy}))]), file=sys.stderr)
"""


def _heavy_modules_after(args: list[str]) -> list[str]:
    code = PROBE.format(args=args, heavy=list(HEAVY))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    exit_code, heavy = json.loads(proc.stderr.strip().splitlines()[-1])
    assert exit_code == 0, proc.stdout + proc.stderr  # the command really ran
    assert proc.stdout.strip()  # and printed its result
    return heavy


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
