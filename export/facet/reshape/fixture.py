"""The reshape parity fixture: one apply on the TINY model, in Python, for the browser's mirror to
redo (src/app/reshape.test.ts compares the constants, the proxy's rays, box, every generation's
mask losses, the loss history, best x and the new z; and proxy_pixels on a few other paintings,
some on the labels scaled up so that the ray grid's step grows past 1 px).

    cd export && .venv/bin/python -m facet.reshape.fixture      # writes e2e/fixtures/reshape-tiny.json

Codes and bakes come from the model's ONNX graphs on onnxruntime (as the app gets them), the
labels before the edit from the PyTorch renderer (the test takes them from the fixture). The
tiny model names no sliders, so the fixture gives every region shape slots SLOTS to search (the
test puts the same sliders into its manifest). The edit is hair_shorter on seed 1: an edit whose
search on the untrained tiny model does find a lower loss (most do not), so the history and the
best x say something. Rerun after any change to apply.py / search.py / proxy.py / paint.py: the
constants are recorded too, and tests/test_reshape.py and the vitest test say when they differ.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from facet.manifest import bake_runs

REPO = Path(__file__).resolve().parents[3]
MODEL = REPO / "public" / "models" / "tiny"
OUT = REPO / "e2e" / "fixtures" / "reshape-tiny.json"
SEED, YAW_DEG, PITCH_DEG = 2, 10.0, -5.0   # a case whose search improves the loss (the parity test checks it)
EDIT = "hair_shorter"
SLOTS = list(range(8))
SCALE = 12   # the 32 px labels scaled to 384 px for proxy_pixels' larger cases


def fixture_bias(k: int) -> list[float]:
    """A label prior (manifest config.label_bias) for the second apply: the same edit, the proxy adding it to
    the mask logits (the tiny model has none of its own)."""
    return [0.0] + [0.5 * ((i % 3) - 1) + 0.25 * (i % 2) for i in range(1, k)]


def constants() -> dict:
    """Python's reshape constants now (apply.py, proxy.py's mask loss weights, SearchConfig's
    defaults): the fixture records them, the browser's
    RESHAPE (src/kernels/reshape.ts) must equal them."""
    from facet.reshape import apply as apply_mod
    from facet.reshape import proxy
    from facet.reshape.search import SearchConfig

    cfg = SearchConfig()
    return {
        "MAX_RAYS": apply_mod.MAX_RAYS, "BAND": apply_mod.BAND, "STRIDE_GROWTH": apply_mod.STRIDE_GROWTH,
        "STEPS": apply_mod.STEPS, "DEPTH_STEPS": apply_mod.DEPTH_STEPS, "BOX_MARGIN": apply_mod.BOX_MARGIN,
        "FINE_RAYS": apply_mod.FINE_RAYS, "FINE_AREA": apply_mod.FINE_AREA, "FINE_DILATE": apply_mod.FINE_DILATE,
        "FINE_DIVISOR": apply_mod.FINE_DIVISOR, "WEIGHT_UNIT": apply_mod.WEIGHT_UNIT,
        "AREA_WEIGHT": proxy.AREA_WEIGHT, "OTHERS_MAX_WEIGHT": proxy.OTHERS_MAX_WEIGHT,
        "SEARCH": {f: getattr(cfg, f) for f in ("generations", "batch", "sigma", "decay", "clip", "prior", "seed",
                                                      "compass", "compass_step", "parsimony")},
    }


def _session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def build(model: Path = MODEL, seed: int = SEED, edit_name: str = EDIT) -> dict:
    import torch

    from facet.camera import rays_for_pose
    from facet.checkpoint import load_generator
    from facet.evaluate.render import render_image
    from facet.reshape import apply as apply_mod
    from facet.reshape import paint
    from facet.reshape.apply import Bakes, Reshaper
    from facet.rng import z_from_seed

    torch.set_num_threads(1)
    rs = Reshaper(model)
    m = rs.manifest
    regions = rs.regions
    k = len(regions)
    sliders = [{"region": r, "kind": "shape", "name": f"s{s}", "label": f"S{s}", "slot": s} for r in regions for s in SLOTS]
    rs.manifest = {**m, "latent": {**m["latent"], "sliders": sliders}}
    rows_n, z_dim, c_dim = m["latent"]["num_codes"], m["latent"]["z_dim"], m["latent"]["code_dim"]
    psi = float(m["latent"]["truncation_psi"])
    res = int(m["render"]["resolution"])
    yaw, pitch = math.radians(YAW_DEG), math.radians(PITCH_DEG)

    z = z_from_seed(seed, rows_n, z_dim)
    g = {n: _session(model / m["graphs"][n]["file"]) for n in ("mapping", "bake", "bake_base")}
    codes = g["mapping"].run(None, {"z": z, "psi": np.array([psi], np.float32)})[0]
    runs = bake_runs(m)

    def whole(graph: str, feeds: dict) -> list[np.ndarray]:
        """The graph's outputs on the whole grid: its slabs (bake.slab z-planes a run) stacked in order."""
        if "slab" not in m["bake"]:
            return g[graph].run(None, feeds)
        parts = [g[graph].run(None, {**feeds, "slab": np.array([s], np.int64)}) for s in range(runs)]
        return [np.concatenate(p) for p in zip(*parts)]

    base = whole("bake_base", {"shape_code": codes[0:1]})[0].reshape(-1)
    sdf, logit = [], []
    for r in range(k):
        out = whole("bake", {"region": np.array([r], np.int64), "shape_code": codes[2 * r:2 * r + 1],
                             "texture_code": codes[2 * r + 1:2 * r + 2]})
        sdf.append(out[0].reshape(-1))
        logit.append(out[1].reshape(-1))
    bakes = Bakes(m["bake"]["resolution"], m["bake"]["bounds"], base, np.stack(sdf), np.stack(logit))

    gen, _ = load_generator(model / "weights.safetensors")
    gen.eval()
    before = render_image(gen, torch.from_numpy(codes), yaw, pitch, res)["labels"].numpy().astype(np.uint8)
    edit = {e.name: e for e in paint.EDITS}[edit_name]
    target = edit.paint(before, regions)
    edited = paint.edited_regions(before, target, regions)
    if not edited:
        raise SystemExit(f"{edit_name} paints nothing on seed {seed}: pick another seed or edit")
    o, d = rays_for_pose(gen.cfg.camera, yaw, pitch, res, res)

    runs: list[list[list[float]]] = []   # per apply, every generation's mask losses (before the prior)
    real_search = apply_mod.search

    def recording_search(evaluate, x0, cfg):
        runs.append([])

        def ev(cand):
            losses = evaluate(cand)
            runs[-1].append([float(v) for v in losses])
            return losses
        return real_search(ev, x0, cfg)

    apply_mod.search = recording_search
    try:
        rec = rs.apply(z, psi, bakes, o.numpy(), d.numpy(), before, target, edited)
        # the same apply with a label prior in the proxy (config.label_bias)
        bias = fixture_bias(k)
        rs.label_bias = np.asarray(bias, np.float32)
        rec_b = rs.apply(z, psi, bakes, o.numpy(), d.numpy(), before, target, edited)
    finally:
        apply_mod.search = real_search
    generations, biased = runs
    # proxy_pixels on other paintings: the pixels changed (to the next label) in `before`, with no
    # region, that region, or the apply's edited regions; and on `before` scaled up SCALE times
    # (a painted block, the edited regions), where the band holds more than MAX_RAYS pixels
    w = before.shape[1]
    rect = [r * w + c for r in range(10, 15) for c in range(3, 10)]
    bands = []

    def band_case(lab: np.ndarray, t: np.ndarray, regions: list[int], **about) -> dict:
        pix, stride, outside, weights = apply_mod.proxy_pixels(lab, t, regions)
        on = np.zeros(lab.size, np.uint8)
        on[pix] = 1
        fine = np.zeros(lab.size, np.uint8)
        fine[pix[weights < apply_mod.WEIGHT_UNIT]] = 1
        return {**about, "edited": regions, "rays": int(pix.size), "stride": stride, "pixels_rle": paint.rle_encode(on),
                "fine_rle": paint.rle_encode(fine), "fine_weight": int(weights.min()) if weights.size else apply_mod.WEIGHT_UNIT,
                "outside": [int(v) for v in outside[:k]]}

    for changed in ([0], [res * res - 1], [16 * w + 16], rect, [5 * w + 30, 20 * w + 2]):
        t = before.copy().reshape(-1)
        t[changed] = (t[changed] + 1) % k
        for regions in ([], [int(t[changed[0]])], [int(v) for v in edited]):
            bands.append(band_case(before, t.reshape(before.shape), regions, changed=changed, scale=1))
    big = np.kron(before, np.ones((SCALE, SCALE), np.uint8))
    tb = big.copy()
    tb[40:90, 100:300] = (tb[40:90, 100:300] + 1) % k
    for regions in ([], [int(v) for v in edited]):
        bands.append(band_case(big, tb, regions, block=[40, 90, 100, 300], scale=SCALE))

    return {
        "model": model.name,
        "constants": constants(),
        "inputs": {
            "seed": seed, "psi": psi, "yaw": yaw, "pitch": pitch, "width": res, "height": res,
            "edit": edit_name, "sliders": sliders,
            "before_rle": paint.rle_encode(before), "target_rle": paint.rle_encode(target),
            "edited": edited,
        },
        "python": {
            "rays": rec["rays"], "stride": rec["stride"],
            "bands": bands,
            "box": rec["box"],
            "losses0": generations[0],
            "losses": generations,
            "loss0": rec["loss0"], "loss": rec["loss"], "history": rec["history"],
            "evaluations": rec["evaluations"],
            "x": [float(v) for e in edited for v in rec["z"][2 * e, SLOTS]],
            "z": [float(v) for v in rec["z"].reshape(-1)],
            "biased": {
                "label_bias": bias, "losses": biased, "loss0": rec_b["loss0"], "loss": rec_b["loss"],
                "evaluations": rec_b["evaluations"],
                "x": [float(v) for e in edited for v in rec_b["z"][2 * e, SLOTS]],
            },
        },
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(OUT))
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--edit", default=EDIT)
    a = p.parse_args()
    data = build(seed=a.seed, edit_name=a.edit)
    Path(a.out).write_text(json.dumps(data, indent=1) + "\n")
    py = data["python"]
    print(f"wrote {a.out}: {data['inputs']['edit']} on seed {a.seed}, edited {data['inputs']['edited']}, "
          f"{py['rays']} rays, loss {py['loss0']:.4f} -> {py['loss']:.4f}")


if __name__ == "__main__":
    main()
