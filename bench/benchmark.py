"""Speed and memory of the `kb` command line, measured the way a user meets them.

    python bench/benchmark.py [--runs 10] [--builds] [--json FILE]

Every figure is a median over --runs cold processes (new interpreter each time, index already
built, page cache warm after a first untimed run). Peak memory is the child's maximum resident
set size from wait4(). The ONNX and sentence-transformers query paths are timed in the same run,
alternating, so their ratio is not skewed by whatever else the machine is doing. With --builds,
a full build of the shipped corpus is timed with each encoder (passages/s over chunks and answer
sentences embedded). Results go to stdout as a table; README.md records the latest run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION = "Can ICE get the documents I gave the DMV for my AB 60 license?"


def kb_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kb.cli", *args]


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


def build_rate(encoder: str, index: Path, env: dict[str, str]) -> dict:
    env = dict(env, KB_ENCODER=encoder)
    proc = subprocess.run(
        kb_command("build", "--full", "--json", "--index", str(index)),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--builds", action="store_true", help="also time full builds with each encoder")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=str(REPO))
    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        index = work / "index"
        subprocess.run(kb_command("build", "--index", str(index)), env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        st_env = dict(env, KB_ENCODER="sentence-transformers")
        idx = ["--index", str(index)]
        cases = {
            "kb --help": (kb_command("--help"), env),
            "kb cite": (kb_command("cite", "VC 12800.7", *idx), env),
            "kb ask (onnx)": (kb_command("ask", QUESTION, *idx), env),
            "kb ask (sentence-transformers)": (kb_command("ask", QUESTION, *idx), st_env),
        }
        results = {"cold": measure(cases, args.runs)}
        onnx = results["cold"]["kb ask (onnx)"]["median_s"]
        st = results["cold"]["kb ask (sentence-transformers)"]["median_s"]
        results["ask_speedup"] = round(st / onnx, 1)
        if args.builds:
            results["builds"] = [
                build_rate(encoder, work / f"build-{encoder}", env)
                for encoder in ("onnx", "sentence-transformers")
            ]
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
          f"Python {results['machine']['python']}, median of {args.runs} cold runs")
    print(f"{'command':<34} {'median s':>9} {'min s':>7} {'max s':>7} {'peak MiB':>9}")
    for name, r in results["cold"].items():
        print(f"{name:<34} {r['median_s']:>9.3f} {r['min_s']:>7.3f} {r['max_s']:>7.3f} {r['peak_rss_mib']:>9}")
    print(f"ask speed-up, onnx vs sentence-transformers (same run): {results['ask_speedup']}x")
    for b in results.get("builds", []):
        print(f"full build with {b['encoder']}: {b['seconds']:.1f} s, {b['texts_embedded']} texts embedded "
              f"in {b['embed_seconds']:.1f} s = {b['passages_per_s']} passages/s")
    print(f"load average at end: {results['machine']['load_average_at_end']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
