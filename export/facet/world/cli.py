"""`facet data`: write synthetic samples, or a grid picture of the world.

  facet data --seed S --n N --res R --out DIR     N samples: NNNNN.png, NNNNN_labels.png,
                                                  NNNNN_depth.npy, NNNNN.json (params + pose)
  facet data --grid PATH [--seed S] [--res R]     rows = seeds, columns = poses, + label rows
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from facet.regions import COLORS, REGIONS
from facet.world.params import params_to_json, sample_params
from facet.world.render import SPEC, render

GRID_POSES_DEG = ((0, 0), (-35, 0), (35, 8), (-60, -10), (60, 20), (15, -25))


def label_palette() -> np.ndarray:
    return np.array([[int(COLORS[r][i:i + 2], 16) for i in (1, 3, 5)] for r in REGIONS], np.uint8)


def to_uint8(img: torch.Tensor) -> np.ndarray:
    return (img.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)


def sample_poses(seed: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Poses for training data: yaw uniform in the camera's range, pitch likewise (radians)."""
    g = torch.Generator().manual_seed(int(seed) + 7919)
    lo_y, hi_y = (math.radians(v) for v in SPEC.yaw_range_deg)
    lo_p, hi_p = (math.radians(v) for v in SPEC.pitch_range_deg)
    yaw = lo_y + torch.rand(n, generator=g) * (hi_y - lo_y)
    pitch = lo_p + torch.rand(n, generator=g) * (hi_p - lo_p)
    return yaw, pitch


def write_samples(seed: int, n: int, res: int, out: str, batch: int = 16, supersample: int = 1,
                  frontal: bool = False) -> float:
    os.makedirs(out, exist_ok=True)
    params = sample_params(seed, n)
    yaw, pitch = sample_poses(seed, n)
    if frontal:
        yaw, pitch = torch.zeros(n), torch.zeros(n)
    pal = label_palette()
    t0 = time.perf_counter()
    with tqdm(total=n, desc="facet data", unit="img") as bar:
        for s in range(0, n, batch):
            e = min(n, s + batch)
            sub = {r: {k: v[s:e] for k, v in kv.items()} for r, kv in params.items()}
            r = render(sub, yaw[s:e], pitch[s:e], res, res, supersample=supersample)
            for j in range(e - s):
                i = s + j
                Image.fromarray(to_uint8(r["image"][j])).save(os.path.join(out, f"{i:05d}.png"))
                Image.fromarray(pal[r["labels"][j].numpy()]).save(os.path.join(out, f"{i:05d}_labels.png"))
                np.save(os.path.join(out, f"{i:05d}_depth.npy"), r["depth"][j].numpy().astype(np.float32))
                meta = {"seed": seed, "index": i, "yaw": float(yaw[i]), "pitch": float(pitch[i]),
                        "params": params_to_json(params, i)}
                with open(os.path.join(out, f"{i:05d}.json"), "w") as f:
                    json.dump(meta, f, indent=1)
            bar.update(e - s)
    dt = time.perf_counter() - t0
    print(f"{n} images at {res}x{res} in {dt:.1f} s: {n / dt:.1f} images/s")
    return n / dt


def write_grid(path: str, seed: int = 0, rows: int = 6, res: int = 160, supersample: int = 2) -> None:
    params = sample_params(seed, rows)
    pal = label_palette()
    cols = len(GRID_POSES_DEG)
    canvas = np.zeros(((rows + 2) * res, cols * res, 3), np.uint8)
    t0 = time.perf_counter()
    for c, (yd, pd) in enumerate(tqdm(GRID_POSES_DEG, desc="grid", unit="pose")):
        r = render(params, math.radians(yd), math.radians(pd), res, res, supersample=supersample)
        for i in range(rows):
            canvas[i * res:(i + 1) * res, c * res:(c + 1) * res] = to_uint8(r["image"][i])
        for k in range(2):  # label maps of the first two seeds
            canvas[(rows + k) * res:(rows + k + 1) * res, c * res:(c + 1) * res] = pal[r["labels"][k].numpy()]
    dt = time.perf_counter() - t0
    print(f"grid: {rows * cols} images at {res}x{res} (x{supersample}^2 rays) in {dt:.1f} s: "
          f"{rows * cols / dt:.1f} images/s")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(canvas).save(path, optimize=True)
    print(f"wrote {path}")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("data", help="render synthetic portraits (samples or a grid picture)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=16, help="number of samples")
    p.add_argument("--res", type=int, default=128, help="resolution (64..512)")
    p.add_argument("--out", default="data/world", help="output folder for samples")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--supersample", type=int, default=1)
    p.add_argument("--frontal", action="store_true", help="yaw = pitch = 0 for every sample")
    p.add_argument("--grid", default=None, help="write a grid picture here instead of samples")
    p.add_argument("--rows", type=int, default=6, help="seeds in the grid")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1 is fastest on a shared 2-core machine; 0 = torch default)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    if args.grid:
        write_grid(args.grid, seed=args.seed, rows=args.rows, res=min(args.res, 256),
                   supersample=max(1, args.supersample))
    else:
        write_samples(args.seed, args.n, args.res, args.out, args.batch, args.supersample, args.frontal)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="facet")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_parser(sub)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
