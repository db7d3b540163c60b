"""`facet slider-response`: does each named shape slider move the model's masks as much as it moves
the synthetic world's?

Per shape parameter of the world and held-out portrait (seeds EVAL_SEED_BASE + i, as `facet eval`),
the parameter's z slot is set to -z and +z and the label map rendered at one view, by the model
(final render at psi 1) and by the world. The response is the share of pixels whose label differs
between the two ends; `ratio` is the model's mean response over the world's. A ratio near 0 is a
slider that exists but does nothing in the model (the editor's "controls that do nothing").

`model_others_iou` / `world_others_iou`: what the slider does to the other regions, from the same renders. Per
portrait, each other region's IoU between the two ends (the background left out: it is what a region grows into),
the worst of them, then the mean over portraits; `others_region` names the region that is the model's worst most
often. A model whose value is well under the world's covers or uncovers a neighbour that the world leaves alone
(the model's hair length drawing over the brow): what paint to reshape then cannot undo (docs/reshape.md).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import torch


def worst_other_iou(a, b, k: int, names: list[str]) -> tuple[float, str | None]:
    """The lowest IoU between label maps a and b ([H, W], tensors or arrays) over the regions other than k and
    the background (label 0) present in either, and its name; (1.0, None) when every one of them is unchanged."""
    from facet.evaluate.metrics import iou_per_region

    ious = iou_per_region(torch.as_tensor(a), torch.as_tensor(b), len(names))
    others = [(v, names[j]) for j, v in enumerate(ious) if j not in (0, k) and v is not None and v < 1.0]
    return min(others, key=lambda o: o[0], default=(1.0, None))


@torch.no_grad()
def slider_response(g, portraits: list[int], z_end: float = 2.0, yaw_deg: float = 20.0, pitch_deg: float = 0.0,
                    res: int = 96, regions: list[str] | None = None) -> dict:
    from facet.evaluate.render import render_image
    from facet.training.synthetic_data import EVAL_SEED_BASE
    from facet.world import params_to_latent, render, sample_params
    from facet.world.params import PARAM_SPEC, latent_to_params

    names = list(g.cfg.regions)
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    bases = [params_to_latent(sample_params(EVAL_SEED_BASE + i, 1))[0] for i in portraits]
    rows = []
    for d in PARAM_SPEC:
        if d.kind != "shape" or (regions and d.region not in regions):
            continue
        k = names.index(d.region)
        model, world, model_others, world_others, worst_regions = [], [], [], [], []
        for z0 in bases:
            lm, lw = [], []
            for v in (-z_end, z_end):
                z = z0.clone()
                z[2 * k, d.slot] = v
                lm.append(render_image(g, g.mapping(z, 1.0), yaw, pitch, res)["labels"])
                lw.append(render(latent_to_params(z[None]), yaw, pitch, res, res)["labels"][0])
            model.append(float((lm[0] != lm[1]).float().mean()))
            world.append(float((lw[0] != lw[1]).float().mean()))
            mo, region = worst_other_iou(lm[0], lm[1], k, names)
            model_others.append(mo)
            world_others.append(worst_other_iou(lw[0], lw[1], k, names)[0])
            worst_regions.append(region)
        m, w = sum(model) / len(model), sum(world) / len(world)
        named = [r for r in worst_regions if r]
        rows.append({"region": d.region, "name": d.name, "label": d.label, "slot": d.slot,
                     "model": m, "world": w, "ratio": (m / w) if w > 0 else None,
                     "model_others_iou": sum(model_others) / len(model_others),
                     "world_others_iou": sum(world_others) / len(world_others),
                     "others_region": max(named, key=named.count) if named else None})
    return {"portraits": portraits, "z": z_end, "yaw_deg": yaw_deg, "pitch_deg": pitch_deg, "res": res,
            "sliders": rows}


def run(a: argparse.Namespace) -> int:
    from facet.evaluate.cli import load_model

    torch.set_num_threads(a.threads or torch.get_num_threads())
    g = load_model(a.model)
    out = slider_response(g, [int(v) for v in a.portraits.split(",")], a.z, a.yaw, a.pitch, a.res,
                          a.regions.split(",") if a.regions else None)
    for r in out["sliders"]:
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{r['region']:11s} {r['name']:12s} model {100 * r['model']:6.2f}%  world {100 * r['world']:6.2f}%  ratio {ratio}"
              f"  others' worst IoU model {r['model_others_iou']:.3f} world {r['world_others_iou']:.3f}"
              f" ({r['others_region'] or '-'})")
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
        print(f"wrote {a.out}")
    return 0


def add_parser(sub) -> None:
    from facet.evaluate.cli import _with_default_model

    p = sub.add_parser("slider-response", help="per named shape slider: share of mask pixels it moves, model vs world")
    p.add_argument("--model", default=None, help="model folder or checkpoint; default: index.json's default")
    p.add_argument("--out", default=None, help="JSON file (optional)")
    p.add_argument("--portraits", default="0,1", help="held-out portrait indices (seeds EVAL_SEED_BASE + i)")
    p.add_argument("--regions", default=None, help="comma-separated regions (default: all)")
    p.add_argument("--z", type=float, default=2.0, help="the slot is set to -z and +z")
    p.add_argument("--yaw", type=float, default=20.0, help="degrees")
    p.add_argument("--pitch", type=float, default=0.0, help="degrees")
    p.add_argument("--res", type=int, default=96)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(fn=_with_default_model, run=run)
