"""`facet eval`: quality of a model against the synthetic world's ground truth on held-out
(latent, view) pairs (seeds from EVAL_SEED_BASE on, never drawn in training)."""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

BARS = {"psnr": 26.0, "ssim": 0.85, "miou": 0.85, "locality": 0.01}


def load_model(src: str):
    from facet.checkpoint import load_generator

    p = Path(src)
    path = p / "weights.safetensors" if p.is_dir() else p
    g, _ = load_generator(path)
    return g.eval()


def eval_pose(seed: int, cam) -> tuple[float, float]:
    """A held-out view: uniform over the model's pose range, from the portrait's own seed."""
    g = torch.Generator().manual_seed(seed ^ 0x5EED)
    y0, y1 = (math.radians(v) for v in cam.yaw_range_deg)
    p0, p1 = (math.radians(v) for v in cam.pitch_range_deg)
    u = torch.rand(2, generator=g)
    return float(y0 + (y1 - y0) * u[0]), float(p0 + (p1 - p0) * u[1])


_G = None   # the model, in each worker process of evaluate(jobs > 1)


def _worker_init(model_src: str) -> None:
    global _G
    torch.set_num_threads(1)
    _G = load_model(model_src)


@torch.no_grad()
def eval_one(g, i: int, res: int, locality: bool, supersample: int, seed_base: int | None = None,
             keep: bool = False) -> dict:
    """Held-out portrait i: its metrics against ground truth and, when `locality`, the share of
    pixels changed outside each region's masks when that region's codes are re-sampled.
    `seed_base` (default EVAL_SEED_BASE): the portrait's seed is seed_base + i. `keep`: the
    result also holds both renders ("pred": the model's, "gt": the world's, image [3, H, W] and labels;
    the model's masks [K, H, W] too)."""
    from facet.evaluate.metrics import changed_outside, iou_per_region, psnr, ssim
    from facet.evaluate.render import render_image
    from facet.training.synthetic_data import EVAL_SEED_BASE
    from facet.world import params_to_latent, render, sample_params

    g = g if g is not None else _G
    regions = list(g.cfg.regions)
    k = len(regions)
    seed = (EVAL_SEED_BASE if seed_base is None else seed_base) + i
    params = sample_params(seed, 1)
    yaw, pitch = eval_pose(seed, g.cfg.camera)
    gt = render(params, yaw, pitch, res, res, supersample=supersample)
    codes = g.mapping(params_to_latent(params)[0], 1.0)
    pred = render_image(g, codes, yaw, pitch, res)
    ious = iou_per_region(pred["labels"], gt["labels"][0], k)
    present = [v for v in ious if v is not None]
    row = {"seed": seed, "yaw": yaw, "pitch": pitch, "psnr": psnr(pred["image"], gt["image"][0]),
           "ssim": ssim(pred["image"], gt["image"][0]), "miou": sum(present) / len(present)}
    loc = {}
    if locality:
        for r, name in enumerate(regions):
            other = sample_params(seed + 7_777_777 * (r + 1), 1)
            edited = {**params, name: other[name]}
            codes2 = g.mapping(params_to_latent(edited)[0], 1.0)
            pred2 = render_image(g, codes2, yaw, pitch, res)
            loc[name] = changed_outside(pred["image"], pred2["image"], pred["labels"] == r, pred2["labels"] == r)
    out = {"row": row, "ious": ious, "loc": loc}
    if keep:
        out["pred"] = {"image": pred["image"], "labels": pred["labels"], "masks": pred["masks"]}
        out["gt"] = {"image": gt["image"][0], "labels": gt["labels"][0]}
    return out


def _eval_one_job(args: tuple) -> dict:
    return eval_one(None, *args)


@torch.no_grad()
def evaluate(g, n: int, res: int, locality_n: int, supersample: int, progress=True, jobs: int = 1,
             model_src: str | None = None) -> dict:
    """jobs > 1: portraits in that many processes (each one torch thread; needs model_src)."""
    from tqdm import tqdm

    regions = list(g.cfg.regions)
    k = len(regions)
    rows, iou_acc = [], [[] for _ in range(k)]
    loc = {r: [] for r in regions}
    t0 = time.time()
    work = [(i, res, i < locality_n, supersample) for i in range(n)]
    if jobs > 1:
        if model_src is None:
            raise ValueError("evaluate(jobs > 1) needs model_src (each process loads the model)")
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(jobs, initializer=_worker_init, initargs=(model_src,)) as pool:
            outs = list(tqdm(pool.imap(_eval_one_job, work), total=n, desc=f"eval ({jobs} jobs)", disable=not progress))
    else:
        outs = [eval_one(g, *w) for w in tqdm(work, desc="eval", disable=not progress)]
    for out in outs:
        rows.append(out["row"])
        for r, v in enumerate(out["ious"]):
            if v is not None:
                iou_acc[r].append(v)
        for name, v in out["loc"].items():
            loc[name].append(v)
    mean = lambda xs: float(sum(xs) / len(xs)) if xs else None
    result = {
        "n": n, "res": res, "supersample": supersample, "locality_n": min(locality_n, n),
        "psnr": mean([r["psnr"] for r in rows]), "ssim": mean([r["ssim"] for r in rows]),
        "miou": mean([r["miou"] for r in rows]),
        "iou": {name: mean(iou_acc[r]) for r, name in enumerate(regions)},
        "locality": {name: mean(v) for name, v in loc.items()},
        "locality_max": {name: (max(v) if v else None) for name, v in loc.items()},
        "bars": BARS, "seconds": round(time.time() - t0, 1), "rows": rows,
    }
    result["pass"] = {
        "psnr": result["psnr"] >= BARS["psnr"], "ssim": result["ssim"] >= BARS["ssim"],
        "miou": result["miou"] >= BARS["miou"],
        "locality": all(v is not None and v <= BARS["locality"] for v in result["locality"].values()),
    }
    return result


def run(a: argparse.Namespace) -> int:
    torch.set_num_threads(a.threads or torch.get_num_threads())
    g = load_model(a.model)
    res = evaluate(g, a.n, a.res, a.locality_n, a.supersample, jobs=a.jobs, model_src=a.model)
    Path(a.out).write_text(json.dumps(res, indent=2) + "\n")
    print(f"psnr {res['psnr']:.2f} dB  ssim {res['ssim']:.3f}  miou {res['miou']:.3f}")
    print("locality (share of pixels changed outside the region): " +
          ", ".join(f"{k} {v:.4f}" for k, v in res["locality"].items() if v is not None))
    print(f"wrote {a.out} ({res['seconds']} s)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="PSNR, SSIM, mIoU and locality against the synthetic world")
    p.add_argument("--model", default=None, help="model folder (weights.safetensors) or checkpoint; default: index.json's default")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--out", default="eval.json")
    p.add_argument("--res", type=int, default=256)
    p.add_argument("--locality-n", type=int, default=24, help="portraits used for the locality test (9 extra renders each)")
    p.add_argument("--supersample", type=int, default=2, help="ground-truth anti-aliasing")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="portraits evaluated in this many processes (one torch thread each); "
                   "the result is the same as with 1")
    p.set_defaults(fn=_with_default_model)

    s = sub.add_parser("samples", help="a PNG grid: held-out portraits from several views, ground truth over the model")
    s.add_argument("--model", default=None, help="model folder or checkpoint; default: index.json's default")
    s.add_argument("--out", default="samples.png")
    s.add_argument("--portraits", default="3,5,8", help="held-out portrait indices (seeds EVAL_SEED_BASE + i)")
    s.add_argument("--yaws", default="-50,-25,0,25,50", help="degrees")
    s.add_argument("--pitch", type=float, default=5.0, help="degrees")
    s.add_argument("--res", type=int, default=128)
    s.add_argument("--threads", type=int, default=1)
    s.set_defaults(fn=_with_default_model, run=run_samples)


@torch.no_grad()
def samples_grid(g, portraits: list[int], yaws_deg: list[float], pitch_deg: float, res: int):
    """[3, 2 P res, V res] in [0, 1]: per held-out portrait a row of ground truth and a row of the
    model's final render (at psi 1, as `facet eval` scores it), one column per yaw."""
    from facet.evaluate.render import render_image
    from facet.training.synthetic_data import EVAL_SEED_BASE
    from facet.world import params_to_latent, render, sample_params

    rows = []
    for i in portraits:
        params = sample_params(EVAL_SEED_BASE + i, 1)
        codes = g.mapping(params_to_latent(params)[0], 1.0)
        gt, pred = [], []
        for y in yaws_deg:
            yaw, pitch = math.radians(y), math.radians(pitch_deg)
            gt.append(render(params, yaw, pitch, res, res, supersample=2)["image"][0])
            pred.append(render_image(g, codes, yaw, pitch, res)["image"].clamp(0, 1))
        rows += [torch.cat(gt, 2), torch.cat(pred, 2)]
    return torch.cat(rows, 1)


def run_samples(a: argparse.Namespace) -> int:
    import numpy as np
    from PIL import Image

    torch.set_num_threads(a.threads or torch.get_num_threads())
    g = load_model(a.model)
    grid = samples_grid(g, [int(v) for v in a.portraits.split(",")], [float(v) for v in a.yaws.split(",")],
                        a.pitch, a.res)
    Image.fromarray((grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)).save(a.out)
    print(f"wrote {a.out}")
    return 0


def _with_default_model(a: argparse.Namespace) -> int:
    if a.model is None:
        from facet.cli import MODELS_DIR

        index = json.loads((MODELS_DIR / "index.json").read_text())
        a.model = str(MODELS_DIR / index["default"])
    return getattr(a, "run", run)(a)
