"""Speed and memory of the `kb` command line, measured the way a user meets them.

    python bench/benchmark.py [--runs 10] [--builds] [--runtimes] [--baseline CHECKOUT] [--json FILE]
    python bench/benchmark.py --scale [--runs 10] [--json FILE]

Every figure is a median over --runs cold processes (new interpreter each time, index already
built, page cache warm after a first untimed run). Peak memory is the child's maximum resident
set size from wait4(). kb's .pyc files are compiled first, for this checkout and the baseline,
as `pip install` and `make install` do (with PYTHONDONTWRITEBYTECODE set, as on the CI machine,
an editable install would otherwise compile kb's sources on every run). All query paths are
timed in the same run, alternating, so their ratios are not skewed by whatever else the machine
is doing:

- `kb ask` as installed: the question embedded by numpy (kb/embedding/numpy_bert.py);
- `kb ask (no .pyc)`: the same code from a copy without .pyc, none written (what compiling saves);
- `kb ask (onnxruntime question)`: the same, the question embedded by onnxruntime instead;
- `kb ask (sentence-transformers)`: the reference, when sentence-transformers is installed;
- `kb ask (baseline)`: another checkout (--baseline, e.g. main before a change), its own index.

With --builds, a full build of the shipped corpus is timed per encoder (and for the baseline),
alternating, --build-runs times each. With --runtimes, numpy and onnxruntime embed the same
corpus passages in one process, alternating (passages/s). README.md records the latest run.

With --scale, the corpus is copied 1x, 10x and 50x into a temporary folder (each copy's ids,
`corrects:` targets and citations rewritten, so the corpus stays valid and its passages distinct),
each copy is built with the hashing embedder (no model cost), and cold `kb ask` is timed on all
three in the same run (kb's .pyc compiled first): what a question costs as the corpus grows.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION = "Can ICE get the documents I gave the DMV for my AB 60 license?"


def compile_kb(python: str, checkout: Path) -> None:
    """kb's .pyc, as an install writes them (a user's first run would write them too)."""
    subprocess.run([python, "-m", "compileall", "-q", str(checkout / "kb")], check=True, stdout=subprocess.DEVNULL)


def kb_command(*args: str) -> list[str]:
    # -P: never the current folder's kb ahead of PYTHONPATH (a baseline run from a checkout).
    return [sys.executable, "-P", "-m", "kb.cli", *args]


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one cold process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


def measure(cases: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, dict]:
    """Run every case `runs` times, interleaved, after one untimed warm-up each."""
    for cmd, env in cases.values():
        run_once(cmd, env)
    samples: dict[str, list[tuple[float, int, int]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (cmd, env) in cases.items():
            samples[name].append(run_once(cmd, env))
    out = {}
    for name, rows in samples.items():
        codes = {code for _t, _m, code in rows}
        if codes != {0}:
            raise SystemExit(f"{name}: exit codes {codes}; run the command by hand to see why")
        times = [t for t, _m, _c in rows]
        out[name] = {
            "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3),
            "max_s": round(max(times), 3),
            "peak_rss_mib": max(m for _t, m, _c in rows),
            "runs": len(rows),
        }
    return out


def build_rate(index: Path, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        kb_command("build", "--full", "--json", "--index", str(index), "--corpus", str(REPO / "corpus")),
        env=env, capture_output=True, text=True, check=True,
    )
    report = json.loads(proc.stdout)
    return {
        "encoder": report["encoder"],
        "seconds": report["seconds"],
        "embed_seconds": report["embed_seconds"],
        "texts_embedded": report["embedded_texts"],
        "passages_per_s": round(report["embedded_texts"] / report["embed_seconds"], 1),
    }


def builds(cases: dict[str, tuple[Path, dict[str, str]]], runs: int) -> dict[str, dict]:
    """Full builds per case, alternating; medians of seconds and passages/s."""
    samples: dict[str, list[dict]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (index, env) in cases.items():
            samples[name].append(build_rate(index, env))
    out = {}
    for name, rows in samples.items():
        out[name] = {
            "encoder": rows[0]["encoder"],
            "median_s": round(statistics.median(r["seconds"] for r in rows), 1),
            "texts_embedded": rows[0]["texts_embedded"],
            "median_passages_per_s": round(statistics.median(r["passages_per_s"] for r in rows), 1),
            "runs": len(rows),
        }
    return out


# A cold `kb ask` whose question is embedded by onnxruntime (over the same onnx/ folder) instead
# of numpy: what the choice of numpy for questions is measured against.
ORT_QUESTION = """
import sys
import kb.embedding.numpy_bert as nb
from kb.embedding.onnx_graph import OnnxEmbedder
nb.NumpyBertEmbedder = lambda files, model_id='': OnnxEmbedder(files.weights.parent, model_id=model_id)
from kb.cli import main
sys.argv = ['kb', *sys.argv[1:]]
main()
"""


def runtimes(index: Path, rounds: int) -> dict:
    """numpy and onnxruntime embedding the same corpus passages in one process, alternating."""
    sys.path.insert(0, str(REPO))
    from kb.embedding.folder import load_onnx_info
    from kb.embedding.numpy_bert import NumpyBertEmbedder
    from kb.embedding.onnx_graph import OnnxEmbedder

    generation = next((index / "generations").iterdir())
    texts = [json.loads(line)["text"] for line in (generation / "chunks.jsonl").read_text().splitlines()][::4]
    info = load_onnx_info(generation / "onnx")
    embedders = {"onnxruntime": OnnxEmbedder(info.path), "numpy": NumpyBertEmbedder(info.files)}
    question = {name: [] for name in embedders}
    rate = {name: [] for name in embedders}
    for e in embedders.values():
        e.encode(texts[:2])
    for _ in range(rounds):
        for name, e in embedders.items():
            start = time.perf_counter()
            e.encode(texts, batch_size=16)
            rate[name].append(len(texts) / (time.perf_counter() - start))
            times = []
            for _ in range(10):
                start = time.perf_counter()
                e.encode([QUESTION])
                times.append(time.perf_counter() - start)
            question[name].append(statistics.median(times))
    return {
        "passages": len(texts),
        "passages_per_s": {n: round(statistics.median(r), 1) for n, r in rate.items()},
        "question_ms": {n: round(1000 * statistics.median(q), 1) for n, q in question.items()},
    }


SCALES = (1, 10, 50)
SCALE_MODEL = "hashing-256"


def copy_corpus(src: Path, dest: Path, times: int) -> int:
    """`src` copied `times` times into `dest`: the first copy as is, copy n (2..) under `xNN/`
    with every id, `corrects:` target and citation given the suffix of copy n. Returns the
    number of files written."""
    files = sorted(p for p in src.rglob("*.md") if not (p.parent == src and p.name == "README.md"))
    written = 0
    for n in range(1, times + 1):
        for path in files:
            rel = path.relative_to(src)
            text = path.read_text(encoding="utf-8")
            target = dest / rel if n == 1 else dest / f"x{n:02d}" / rel
            if n > 1:
                text = _rename_copy(text, n)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            # The original's mtime, as `cp -p` keeps it: a corpus at rest, not files written
            # within kb.corpus_files.RACY_NS of the build (those are hashed on every question).
            st = path.stat()
            os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
            written += 1
    return written


def _rename_copy(text: str, n: int) -> str:
    """The front matter of copy n: `id: x` -> `id: x-xNN`, `corrects:` entries `doc#Q1` ->
    `doc-xNN#Q1`, `citation: "C"` -> `citation: "C (copy n)"`."""
    head, sep, body = text.partition("\n---\n")
    suffix = f"-x{n:02d}"
    head = re.sub(r"(?m)^id:\s*(\S+)\s*$", lambda m: f"id: {m.group(1)}{suffix}", head)
    head = re.sub(r"([a-z0-9][a-z0-9.\-]*)#", lambda m: f"{m.group(1)}{suffix}#", head)

    def cite(m: re.Match) -> str:
        value = m.group(1).strip()
        quoted = len(value) > 1 and value[0] == value[-1] and value[0] in "\"'"
        inner = value[1:-1] if quoted else value
        return "citation: " + json.dumps(f"{inner} (copy {n})", ensure_ascii=False)

    head = re.sub(r"(?m)^citation:\s*(.+)$", cite, head)
    return head + sep + body


def scale_cases(work: Path, env: dict[str, str]) -> dict[str, tuple[list[str], dict[str, str]]]:
    cases = {}
    for times in SCALES:
        corpus, index = work / f"corpus-{times}x", work / f"index-{times}x"
        copy_corpus(REPO / "corpus", corpus, times)
        proc = subprocess.run(
            kb_command("build", "--json", "--corpus", str(corpus), "--index", str(index), "--model", SCALE_MODEL),
            env=env, capture_output=True, text=True,
        )
        if proc.returncode:
            raise SystemExit(f"build of the {times}x corpus failed: {proc.stderr.strip()[-500:]}")
        chunks = json.loads(proc.stdout)["chunks"]
        cases[f"kb ask, {times}x corpus ({chunks:,} passages)"] = (
            kb_command("ask", QUESTION, "--corpus", str(corpus), "--index", str(index), "--model", SCALE_MODEL),
            env,
        )
    return cases


def run_scale(args, env: dict[str, str]) -> None:
    work = Path(tempfile.mkdtemp(prefix="kb-bench-scale-"))
    try:
        cases = scale_cases(work, env)
        load_start = [round(x, 2) for x in os.getloadavg()]
        cold = measure(cases, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    names = list(cold)
    base = cold[names[0]]["median_s"]
    results = {
        "model": SCALE_MODEL, "cold": cold,
        "ratio_to_1x": {name: round(cold[name]["median_s"] / base, 2) for name in names},
        "machine": {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "load_average_at_start": load_start,
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
    }
    print(f"kb benchmark, corpus scale — {results['machine']['date']}, {SCALE_MODEL}, "
          f"median of {args.runs} cold runs")
    print(f"{'command':<44} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9} {'vs 1x':>6}")
    for name, r in cold.items():
        print(f"{name:<44} {r['median_s']:>9.3f} {r['min_s']:>7.3f} {r['max_s']:>7.3f} "
              f"{r['peak_rss_mib']:>9} {results['ratio_to_1x'][name]:>6.2f}")
    print(f"load average at start {load_start}, at end {results['machine']['load_average_at_end']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--builds", action="store_true", help="also time full builds")
    parser.add_argument("--build-runs", type=int, default=1)
    parser.add_argument("--runtimes", action="store_true", help="numpy against onnxruntime, in process")
    parser.add_argument("--baseline", type=Path, help="another checkout to time in the same run")
    parser.add_argument("--baseline-python", default=sys.executable,
                        help="the interpreter for the baseline (e.g. a virtualenv with torch)")
    parser.add_argument("--index", type=Path, help="time against this built index instead of building one")
    parser.add_argument("--baseline-index", type=Path, help="the same, for the baseline")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--scale", action="store_true",
                        help="time cold `kb ask` on the corpus copied 1x, 10x and 50x (hashing embedder)")
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=str(REPO))
    base_env = dict(os.environ, PYTHONPATH=str(args.baseline)) if args.baseline else None
    has_st = importlib.util.find_spec("sentence_transformers") is not None
    if args.scale:
        compile_kb(sys.executable, REPO)  # as an install does: the same at every scale
        run_scale(args, env)
        return
    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        compile_kb(sys.executable, REPO)
        if args.baseline:
            compile_kb(args.baseline_python, args.baseline)
        shutil.copytree(REPO / "kb", work / "no-pyc" / "kb", ignore=shutil.ignore_patterns("__pycache__"))
        index = args.index or work / "index"
        if args.index is None:
            subprocess.run(kb_command("build", "--index", str(index)), env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        corpus = ["--corpus", str(REPO / "corpus")]  # the baseline reads this checkout's corpus too
        idx = ["--index", str(index), *corpus]
        cases = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "kb --help": (kb_command("--help"), env),
            "kb cite": (kb_command("cite", "VC 12800.7", *idx), env),
            "kb ask": (kb_command("ask", QUESTION, *idx), env),
            "kb ask (no .pyc)": (kb_command("ask", QUESTION, *idx),
                                 dict(env, PYTHONPATH=str(work / "no-pyc"), PYTHONDONTWRITEBYTECODE="1")),
            "kb ask (onnxruntime question)": ([sys.executable, "-c", ORT_QUESTION, "ask", QUESTION, *idx], env),
        }
        if has_st:
            cases["kb ask (sentence-transformers)"] = (
                kb_command("ask", QUESTION, *idx), dict(env, KB_ENCODER="sentence-transformers"))
        if base_env is not None:
            base_kb = [args.baseline_python, "-P", "-m", "kb.cli"]
            base_index = args.baseline_index or work / "baseline-index"
            if args.baseline_index is None:
                subprocess.run([*base_kb, "build", "--index", str(base_index), *corpus], env=base_env, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cases["kb ask (baseline)"] = ([*base_kb, "ask", QUESTION, "--index", str(base_index), *corpus], base_env)
        results = {"cold": measure(cases, args.runs)}
        cold = results["cold"]
        results["ratios"] = {
            f"{name} / kb ask": round(cold[name]["median_s"] / cold["kb ask"]["median_s"], 2)
            for name in cold if name.startswith("kb ask (")
        }
        if args.runtimes:
            results["runtimes"] = runtimes(index, rounds=3)
        if args.builds:
            build_cases = {"default": (work / "build-default", env)}
            if has_st:
                build_cases["sentence-transformers"] = (work / "build-st", dict(env, KB_ENCODER="sentence-transformers"))
            if base_env is not None:
                build_cases["baseline"] = (work / "build-baseline", base_env)  # same interpreter
            results["builds"] = builds(build_cases, args.build_runs)
        results["machine"] = {
            "date": time.strftime("%Y-%m-%d"),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"kb benchmark — {results['machine']['date']}, {results['machine']['cpus']} CPUs, "
          f"Python {results['machine']['python']}, median of {args.runs} cold runs, kb's .pyc compiled")
    print(f"{'command':<34} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}")
    for name, r in results["cold"].items():
        print(f"{name:<34} {r['median_s']:>9.3f} {r['min_s']:>7.3f} {r['max_s']:>7.3f} {r['peak_rss_mib']:>9}")
    for name, ratio in results["ratios"].items():
        print(f"{name} (same run): {ratio}")
    if "runtimes" in results:
        r = results["runtimes"]
        print(f"in process, {r['passages']} passages, batch 16: passages/s {r['passages_per_s']}; "
              f"one question, ms {r['question_ms']}")
    for name, b in results.get("builds", {}).items():
        print(f"full build ({name}, {b['encoder']}): median {b['median_s']:.1f} s of {b['runs']}, "
              f"{b['texts_embedded']} texts, {b['median_passages_per_s']} passages/s")
    print(f"load average at end: {results['machine']['load_average_at_end']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
