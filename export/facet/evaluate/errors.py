"""`facet errors`: where a model's squared error lies, against the world's ground truth.

The same renders as `facet eval` (`eval_one`: 256 px, the world at 2 x 2 rays a pixel), on
calibration portraits by default (seeds from CALIBRATION_SEED_BASE, which `facet eval` never draws).
Every pixel falls in one of three parts:
- `wrong`: the model's label differs from the world's;
- `edge`: the label is right, but some pixel of the 3 x 3 around it has another label in either map;
- `inside`: the rest, also split by region.
For each part: its share of the pixels, its share of the summed squared error, and the PSNR over
all the pixels if that part's error were zero. The wrong pixels are also split by pair (the world's
label, the model's), largest share of the error first. PSNR here is over the pooled pixels of all
the portraits (`facet eval` averages each portrait's PSNR instead).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch

PARTS = ("wrong", "edge", "inside")


def _psnr(sse: float, pixels: int) -> float:
    return -10 * math.log10(max(sse / max(pixels, 1), 1e-12))


@torch.no_grad()
def error_split(g, n: int, res: int = 256, supersample: int = 2, seed_base: int | None = None,
                top: int = 12, progress: bool = True) -> dict:
    from tqdm import tqdm

    from facet.evaluate.cli import eval_one
    from facet.training.synthetic_data import CALIBRATION_SEED_BASE, label_edges

    base = CALIBRATION_SEED_BASE if seed_base is None else seed_base
    regions = list(g.cfg.regions)
    k = len(regions)
    part_sse, part_px = torch.zeros(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64)
    in_sse, in_px = torch.zeros(k, dtype=torch.float64), torch.zeros(k, dtype=torch.float64)
    pair_sse, pair_px = torch.zeros(k * k, dtype=torch.float64), torch.zeros(k * k, dtype=torch.float64)
    for i in tqdm(range(n), desc="errors", disable=not progress):
        o = eval_one(g, i, res, False, supersample, seed_base=base, keep=True)
        d = (o["pred"]["image"] - o["gt"]["image"]).double().pow(2).mean(0).reshape(-1)   # per pixel, channels' mean
        world, model = o["gt"]["labels"], o["pred"]["labels"]                              # [H, W]
        wrong = world != model
        edge = (label_edges(world) | label_edges(model)) & ~wrong
        masks = [m.reshape(-1) for m in (wrong, edge, ~wrong & ~edge)]
        for j, m in enumerate(masks):
            part_sse[j] += d[m].sum()
            part_px[j] += m.sum()
        inside, w = masks[2], world.reshape(-1)
        in_sse.index_add_(0, w[inside], d[inside])
        in_px += torch.bincount(w[inside], minlength=k).double()
        pair = w * k + model.reshape(-1)
        pair_sse.index_add_(0, pair, d)
        pair_px += torch.bincount(pair, minlength=k * k).double()
    total, pixels = float(part_sse.sum()), int(part_px.sum())
    share = lambda v: float(v) / total if total > 0 else 0.0
    parts = {name: {"pixels": float(part_px[j]) / pixels, "error": share(part_sse[j]),
                    "psnr_if_perfect": _psnr(total - float(part_sse[j]), pixels)}
             for j, name in enumerate(PARTS)}
    inside = {r: {"error": share(in_sse[j]), "mse": float(in_sse[j] / in_px[j]) if in_px[j] else None,
                  "pixels": int(in_px[j])} for j, r in enumerate(regions)}
    pairs = [{"world": regions[a], "model": regions[b], "error": share(pair_sse[a * k + b]),
              "pixels": int(pair_px[a * k + b]),
              "mse": float(pair_sse[a * k + b] / pair_px[a * k + b]) if pair_px[a * k + b] else None}
             for a in range(k) for b in range(k) if a != b and pair_px[a * k + b] > 0]
    pairs.sort(key=lambda p: -p["error"])
    return {"n": n, "res": res, "supersample": supersample, "seed_base": base, "pixels": pixels,
            "psnr_pooled": _psnr(total, pixels), "parts": parts, "inside": inside, "wrong_pairs": pairs[:top]}


def print_split(r: dict) -> None:
    print(f"{r['n']} portraits at {r['res']} px (seeds from {r['seed_base']}): PSNR over the pooled pixels "
          f"{r['psnr_pooled']:.2f} dB")
    for name, p in r["parts"].items():
        print(f"  {name:<7} {p['pixels'] * 100:5.1f}% of the pixels, {p['error'] * 100:5.1f}% of the squared error; "
              f"PSNR if it were zero {p['psnr_if_perfect']:.2f} dB")
    print("  inside, by region (share of all the error, mean squared error, pixels):")
    for name, p in sorted(r["inside"].items(), key=lambda kv: -kv[1]["error"]):
        mse = "-" if p["mse"] is None else f"{p['mse']:.4f}"
        print(f"    {name:<11} {p['error'] * 100:5.1f}%  {mse:>7}  {p['pixels']}")
    print("  wrong labels, by pair (the world's -> the model's):")
    for p in r["wrong_pairs"]:
        print(f"    {p['world']:<11} -> {p['model']:<11} {p['error'] * 100:5.1f}%  {p['pixels']} px")


def run(a: argparse.Namespace) -> int:
    from facet.evaluate.cli import load_model
    from facet.training.synthetic_data import EVAL_SEED_BASE

    torch.set_num_threads(a.threads or torch.get_num_threads())
    if a.n < 1:
        raise SystemExit(f"facet errors: --n must be at least 1, got {a.n}")
    g = load_model(a.model)
    r = error_split(g, a.n, a.res, a.supersample, EVAL_SEED_BASE if a.held_out else None, a.top)
    print_split(r)
    if a.out:
        Path(a.out).write_text(json.dumps(r, indent=2) + "\n")
        print(f"wrote {a.out}")
    return 0


def add_parser(sub) -> None:
    from facet.evaluate.cli import _with_default_model

    p = sub.add_parser("errors", help="where the squared error lies: wrong labels, label edges, insides by region")
    p.add_argument("--model", default=None, help="model folder or checkpoint; default: index.json's default")
    p.add_argument("--n", type=int, default=8, help="portraits (seeds from CALIBRATION_SEED_BASE)")
    p.add_argument("--held-out", dest="held_out", action="store_true",
                   help="the held-out portraits of facet eval (EVAL_SEED_BASE) instead of the calibration ones")
    p.add_argument("--res", type=int, default=256)
    p.add_argument("--supersample", type=int, default=2, help="ground-truth anti-aliasing, as facet eval")
    p.add_argument("--top", type=int, default=12, help="pairs of labels listed")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", default=None, help="write the split as JSON")
    p.set_defaults(fn=_with_default_model, run=run)
