"""`facet bench`: PyTorch forward timings of a model's graphs (CPU, and CUDA when present) in the
row format of bench/results.json, and the bench-only naive graph (`--build-naive`) that
`npm run bench` times on onnxruntime as the same-run baseline."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def cmd_bench(a: argparse.Namespace) -> int:
    import torch

    from facet.bench.naive import build_naive

    model_dir = Path(a.models) / a.model
    if not (model_dir / "manifest.json").exists():
        print(f"facet bench: no model at {model_dir} (manifest.json missing)", file=sys.stderr)
        return 2
    if not (model_dir / "weights.safetensors").exists():
        print(f"facet bench: {model_dir} has no weights.safetensors; the naive graph and the PyTorch rows need it", file=sys.stderr)
        return 2
    torch.set_num_threads(a.threads)
    out_dir = Path(a.out) / a.model
    naive = build_naive(model_dir, out_dir, force=a.force)
    if a.build_naive:
        print(f"wrote {naive} ({json.loads((out_dir / 'naive.json').read_text())['macs'] / 1e9:.2f} G MACs per run)")
        return 0
    from facet.bench.torch_bench import machine_info, torch_rows

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() and not a.cpu_only else [])
    rows = torch_rows(model_dir, runs=a.runs, devices=devices, naive_tiles=a.naive_tiles)
    result = {"header": {**machine_info(), "model": a.model, "runs": a.runs}, "rows": rows}
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(result, indent=2) + "\n")
    for r in rows:
        sp = "" if r["speedup_vs_naive"] is None else f"  x{r['speedup_vs_naive']:.1f} vs naive"
        macs = "" if r["macs"] is None else f"  {r['macs'] / 1e9:8.3f} G MACs"
        print(f"{r['backend']:13s} {r['name']:60s} {r['median_ms']:10.1f} ms (min {r['min_ms']:.1f}, max {r['max_ms']:.1f}){macs}{sp}")
    return 0


def add_parser(sub) -> None:
    b = sub.add_parser("bench", help="PyTorch forward timings of a model's graphs; builds the bench-only naive graph")
    b.add_argument("--model", default="facet-default", help="model id in --models")
    b.add_argument("--models", default=str(REPO / "public" / "models"))
    b.add_argument("--out", default=str(REPO / "bench" / "build"), help="where naive.onnx goes (<out>/<model>/)")
    b.add_argument("--runs", type=int, default=3, help="warm runs per row (after one warm-up)")
    b.add_argument("--naive-tiles", type=int, default=1, help="naive tiles timed per run, scaled to the frame")
    b.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: see docs/benchmarks.md)")
    b.add_argument("--cpu-only", action="store_true", help="skip CUDA even when present")
    b.add_argument("--build-naive", action="store_true", help="only write <out>/<model>/naive.onnx (+ naive.json) and stop")
    b.add_argument("--force", action="store_true", help="rebuild naive.onnx even when it matches the weights")
    b.add_argument("--json", help="also write the rows and machine info to this JSON file")
    b.set_defaults(fn=cmd_bench)
