"""`facet calibrate`: choose a model's final-render sharpness (`final_beta_scale`).

The learned beta is as soft as training's uniform ray samples over [near, far] need (the preview
samples that way too); the final render samples each ray only within +-surface_margin of the
surface and can draw a sharper surface. Too sharp, and its `samples_per_ray` samples alias. For
each candidate scale this renders portraits that neither training nor `facet eval` draws (seeds
from CALIBRATION_SEED_BASE) at the eval's resolution and scores them against ground truth; the
choice is the scale with the best mean IoU among those within `psnr_slack` dB of the best PSNR.
Apply it with `facet export --checkpoint ... --final-beta-scale S`.

`--label-depths D1,D2,...` instead chooses where the final render reads its labels
(`ModelConfig.label_depth`, world units past the surface; 0 = composited over the samples) at the
model's own scale: the depth with the best mean IoU (a ray's colour does not depend on it; which
pixels the anti-aliasing redraws does). Apply it with
`facet export --checkpoint ... --label-depth D`.

`--image-scales S1,S2,...` chooses the colours' own density (`ModelConfig.image_beta_scale`, a scale of the
learned beta; 0 = final_beta_scale): the best PSNR, the labels and the depth staying the final beta's. Apply
it with `facet export --checkpoint ... --image-beta-scale S`.

`--label-bias` chooses the label prior of a model with a label depth (`ModelConfig.label_bias`: one
number per region added to its mask logit at the label point): a coordinate search on the masks of
calibration portraits rendered without one, checked by rendering them again with it. Apply it with
`facet export --checkpoint ... --label-bias REGION=B,...`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import torch
from torch import Tensor

from facet.evaluate.metrics import label_ious, mean_iou

DEFAULT_SCALES = (1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125)


def choose(rows: list[dict], psnr_slack: float) -> float:
    """The scale with the best mean IoU among the rows within psnr_slack dB of the best PSNR."""
    best = max(r["psnr"] for r in rows)
    near = [r for r in rows if r["psnr"] >= best - psnr_slack]
    return max(near, key=lambda r: (r["miou"], r["psnr"]))["scale"]


def _scores(g, n: int, res: int, supersample: int) -> dict:
    """Mean PSNR, SSIM and mean IoU of g's final render on calibration portraits 0..n-1 (eval_one's scoring)."""
    from facet.evaluate.cli import eval_one
    from facet.training.synthetic_data import CALIBRATION_SEED_BASE

    outs = [eval_one(g, i, res, False, supersample, seed_base=CALIBRATION_SEED_BASE) for i in range(n)]
    return {k: float(sum(o["row"][k] for o in outs) / n) for k in ("psnr", "ssim", "miou")}


@torch.no_grad()
def calibrate(g, n: int, scales: list[float], res: int = 256, supersample: int = 2, psnr_slack: float = 0.1,
              progress: bool = True) -> dict:
    from tqdm import tqdm

    from facet.training.synthetic_data import CALIBRATION_SEED_BASE

    cfg0 = g.cfg
    rows = []
    try:
        for s in tqdm(scales, desc="calibrate", disable=not progress):
            g.cfg = dataclasses.replace(cfg0, final_beta_scale=float(s))
            rows.append({"scale": float(s), "final_beta": float(g.final_beta), **_scores(g, n, res, supersample)})
    finally:
        g.cfg = cfg0
    return {"n": n, "res": res, "seed_base": CALIBRATION_SEED_BASE, "beta": float(g.beta),
            "psnr_slack": psnr_slack, "rows": rows, "choice": choose(rows, psnr_slack)}


@torch.no_grad()
def calibrate_label_depth(g, n: int, depths: list[float], res: int = 256, supersample: int = 2,
                          progress: bool = True) -> dict:
    """Mean IoU (and PSNR, SSIM) on n calibration portraits for each label depth; the choice: the
    best mean IoU."""
    from tqdm import tqdm

    from facet.training.synthetic_data import CALIBRATION_SEED_BASE

    cfg0 = g.cfg
    rows = []
    try:
        for dep in tqdm(depths, desc="calibrate label depth", disable=not progress):
            g.cfg = dataclasses.replace(cfg0, label_depth=float(dep), label_bias=cfg0.label_bias if dep > 0 else ())
            rows.append({"label_depth": float(dep), **_scores(g, n, res, supersample)})
    finally:
        g.cfg = cfg0
    return {"n": n, "res": res, "seed_base": CALIBRATION_SEED_BASE, "final_beta_scale": cfg0.final_beta_scale,
            "rows": rows, "choice": max(rows, key=lambda r: (r["miou"], -r["label_depth"]))["label_depth"]}


@torch.no_grad()
def calibrate_image_scale(g, n: int, scales: list[float], res: int = 256, supersample: int = 2,
                          progress: bool = True) -> dict:
    """PSNR and SSIM (and mean IoU, which must not move) on n calibration portraits for each colour density
    (image_beta_scale; 0 = the model's final_beta_scale); the choice: the best PSNR. The labels, the depth
    march and the samples keep the final beta, so each candidate redraws only the colours."""
    from tqdm import tqdm

    from facet.training.synthetic_data import CALIBRATION_SEED_BASE

    cfg0 = g.cfg
    rows = []
    try:
        for s in tqdm(scales, desc="calibrate image scale", disable=not progress):
            g.cfg = dataclasses.replace(cfg0, image_beta_scale=float(s))
            rows.append({"image_beta_scale": float(s), **_scores(g, n, res, supersample)})
    finally:
        g.cfg = cfg0
    return {"n": n, "res": res, "seed_base": CALIBRATION_SEED_BASE, "final_beta_scale": cfg0.final_beta_scale,
            "rows": rows, "choice": max(rows, key=lambda r: (r["psnr"], -r["image_beta_scale"]))["image_beta_scale"]}


BIAS_GRID = tuple(round(-1.5 + 0.25 * i, 2) for i in range(13))      # -1.5 ... 1.5


def search_label_bias(log_masks: Tensor, true: Tensor, grid: tuple[float, ...] = BIAS_GRID,
                      passes: int = 2, hold: tuple[int, ...] = ()) -> tuple[list[float], float]:
    """Coordinate search of the label prior: log_masks [N, K, H, W] (log of the final render's masks,
    rendered without a prior), true labels [N, H, W] -> (one number per region, the first region's 0:
    a softmax ignores a shift of them all; the mean IoU of argmax(log_masks + bias)). Each pass tries
    every value of `grid` for each region in turn, keeping a value only where it raises the mean IoU.
    The regions in `hold` (indices) stay at 0."""
    k = log_masks.shape[1]

    def score(b: list[float]) -> float:
        return mean_iou((log_masks + torch.tensor(b, dtype=log_masks.dtype).reshape(1, k, 1, 1)).argmax(1), true, k)

    bias = [0.0] * k
    best = score(bias)
    for _ in range(passes):
        for r in range(1, k):
            if r in hold:
                continue
            for v in grid:
                trial = bias[:r] + [float(v)] + bias[r + 1:]
                s = score(trial)
                if s > best + 1e-9:
                    best, bias = s, trial
    return bias, best


@torch.no_grad()
def calibrate_label_bias(g, n: int, res: int = 256, supersample: int = 2, progress: bool = True,
                         hold: tuple[str, ...] = ()) -> dict:
    """The label prior (ModelConfig.label_bias) for a model with a label depth: renders n calibration
    portraits without a prior, searches the prior on their masks (`search_label_bias`, the regions named
    in `hold` kept at 0; which pixels the anti-aliasing redraws is the unbiased render's there), then
    renders them again with it and scores them as facet eval does (the measured mean IoU is the one to
    trust)."""
    from tqdm import tqdm

    from facet.evaluate.cli import eval_one
    from facet.training.synthetic_data import CALIBRATION_SEED_BASE

    if g.cfg.label_depth <= 0 or g.cfg.mask_activation != "softmax":
        raise SystemExit("facet calibrate: --label-bias needs a model with a label depth (facet export --label-depth; "
                         "facet calibrate --label-depths chooses it) and softmax masks")
    cfg0, k = g.cfg, g.cfg.num_regions
    unknown = [r for r in hold if r not in cfg0.regions]
    if unknown:
        raise SystemExit(f"facet calibrate: --hold names no region of the model: {', '.join(unknown)} "
                         f"(its regions: {', '.join(cfg0.regions)})")
    try:
        g.cfg = dataclasses.replace(cfg0, label_bias=())
        outs = [eval_one(g, i, res, False, supersample, seed_base=CALIBRATION_SEED_BASE, keep=True)
                for i in tqdm(range(n), desc="calibrate label bias: render", disable=not progress)]
        log_masks = torch.stack([o["pred"]["masks"] for o in outs]).clamp_min(1e-6).log()
        true = torch.stack([o["gt"]["labels"] for o in outs])
        bias, searched = search_label_bias(log_masks, true, hold=tuple(cfg0.regions.index(r) for r in hold))
        before = {"psnr": sum(o["row"]["psnr"] for o in outs) / n, "miou": mean_iou(log_masks.argmax(1), true, k),
                  "iou": label_ious(log_masks.argmax(1), true, k).nanmean(0).tolist()}
        del outs, log_masks
        g.cfg = dataclasses.replace(cfg0, label_bias=tuple(bias) if any(bias) else ())
        again = [eval_one(g, i, res, False, supersample, seed_base=CALIBRATION_SEED_BASE, keep=True)
                 for i in tqdm(range(n), desc="calibrate label bias: check", disable=not progress)]
        labels = torch.stack([o["pred"]["labels"] for o in again])
        after = {"psnr": sum(o["row"]["psnr"] for o in again) / n, "miou": mean_iou(labels, true, k),
                 "iou": label_ious(labels, true, k).nanmean(0).tolist()}
    finally:
        g.cfg = cfg0
    regions = list(cfg0.regions)
    flag = ",".join(f"{r}={b:g}" for r, b in zip(regions, bias) if b) or "none"
    return {"n": n, "res": res, "seed_base": CALIBRATION_SEED_BASE, "label_depth": cfg0.label_depth,
            "grid": list(BIAS_GRID), "hold": list(hold), "regions": regions, "current": list(cfg0.label_bias),
            "choice": dict(zip(regions, bias)), "flag": flag, "searched_miou": searched,
            "before": before, "after": after}


def _numbers(text: str, flag: str, lo: float, hi: float, lo_open: bool) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",")]
    except ValueError:
        vals = []
    if not vals or any(not ((lo < v if lo_open else lo <= v) and v <= hi) for v in vals):
        raise SystemExit(f"facet calibrate: {flag} must be numbers in {'(' if lo_open else '['}{lo:g}, {hi:g}], got {text!r}")
    return vals


def run(a: argparse.Namespace) -> int:
    from facet.evaluate.cli import load_model

    torch.set_num_threads(a.threads or torch.get_num_threads())
    g = load_model(a.model)
    if a.label_bias:
        res = calibrate_label_bias(g, a.n, a.res, hold=tuple(r for r in (a.hold or "").split(",") if r))
        names = res["regions"]
        for key in ("before", "after"):
            r = res[key]
            per = "  ".join(f"{nm} {v:.3f}" for nm, v in zip(names, r["iou"]))
            print(f"{'no prior' if key == 'before' else 'prior':9s} psnr {r['psnr']:.2f} dB  miou {r['miou']:.4f}  ({per})")
        print(f"label prior {res['flag']} (the search's estimate {res['searched_miou']:.4f}; model's current: "
              f"{dict(zip(names, res['current'])) if res['current'] else 'none'}); apply with "
              f"facet export --checkpoint <weights> --label-bias {res['flag']} ...")
    elif a.image_scales is not None:
        scales = _numbers(a.image_scales, "--image-scales", 0.0, 4.0, False)
        res = calibrate_image_scale(g, a.n, scales, a.res)
        for r in res["rows"]:
            mark = "  <- chosen" if r["image_beta_scale"] == res["choice"] else ""
            print(f"image_beta_scale {r['image_beta_scale']:<8g} psnr {r['psnr']:.2f} dB  ssim {r['ssim']:.3f}  "
                  f"miou {r['miou']:.4f}{mark}")
        print(f"model's current image_beta_scale: {g.cfg.image_beta_scale:g} (final_beta_scale {g.cfg.final_beta_scale:g}); "
              f"apply with facet export --checkpoint <weights> --image-beta-scale {res['choice']:g} ...")
    elif a.label_depths is not None:
        depths = _numbers(a.label_depths, "--label-depths", 0.0, g.cfg.surface_margin, False)
        res = calibrate_label_depth(g, a.n, depths, a.res)
        for r in res["rows"]:
            mark = "  <- chosen" if r["label_depth"] == res["choice"] else ""
            print(f"label_depth {r['label_depth']:<8g} psnr {r['psnr']:.2f} dB  ssim {r['ssim']:.3f}  miou {r['miou']:.4f}{mark}")
        print(f"model's current label_depth: {g.cfg.label_depth:g}; apply with "
              f"facet export --checkpoint <weights> --label-depth {res['choice']:g} ...")
    else:
        scales = _numbers(a.scales, "--scales", 0.0, 4.0, True)
        res = calibrate(g, a.n, scales, a.res, psnr_slack=a.psnr_slack)
        _print_scales(g, res)
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n")
        print(f"wrote {a.out}")
    return 0


def _print_scales(g, res: dict) -> None:
    for r in res["rows"]:
        mark = "  <- chosen" if r["scale"] == res["choice"] else ""
        print(f"final_beta_scale {r['scale']:<8g} psnr {r['psnr']:.2f} dB  ssim {r['ssim']:.3f}  miou {r['miou']:.3f}{mark}")
    print(f"model's current final_beta_scale: {g.cfg.final_beta_scale:g}; apply with "
          f"facet export --checkpoint <weights> --final-beta-scale {res['choice']:g} ...")


def add_parser(sub) -> None:
    from facet.evaluate.cli import _with_default_model

    p = sub.add_parser("calibrate", help="choose the final render's sharpness (final_beta_scale) on calibration portraits")
    p.add_argument("--model", default=None, help="model folder or checkpoint; default: index.json's default")
    p.add_argument("--n", type=int, default=8, help="portraits per scale (seeds from CALIBRATION_SEED_BASE)")
    p.add_argument("--scales", default=",".join(f"{s:g}" for s in DEFAULT_SCALES))
    p.add_argument("--res", type=int, default=256)
    p.add_argument("--label-depths", default=None, metavar="D1,D2,...",
                   help="choose the final render's label depth (world units past the surface, 0 = composited) "
                        "at the model's own final_beta_scale instead of the scale")
    p.add_argument("--image-scales", default=None, metavar="S1,S2,...",
                   help="choose the final render's colour density (image_beta_scale, 0 = final_beta_scale; the best "
                        "PSNR) at the model's own final_beta_scale, labels and label depth instead of the scale")
    p.add_argument("--label-bias", action="store_true",
                   help="choose the final render's label prior per region (a model with a label depth) instead of the scale")
    p.add_argument("--hold", default=None, metavar="REGION,...",
                   help="with --label-bias: regions whose prior stays 0 (the bundled model holds mouth,ear: "
                        "a smaller mouth or ear hides paint to reshape's small edits at the side views)")
    p.add_argument("--psnr-slack", type=float, default=0.1, help="dB under the best PSNR a scale may be and still win on IoU")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", default=None, help="write the table as JSON")
    p.set_defaults(fn=_with_default_model, run=run)
