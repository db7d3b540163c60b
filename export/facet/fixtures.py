"""Shared fixtures both test suites check: camera cases and seed -> z cases."""
from __future__ import annotations

import json
import math
from pathlib import Path

from facet.camera import CameraSpec, cam2world, pixel_rays
from facet.rng import z_from_seed

CAMERA_CASES = [  # yaw, pitch (radians), width, height, fov_deg
    (0.0, 0.0, 64, 64, 12.0), (0.3, -0.1, 64, 64, 12.0), (-1.0, 0.4, 32, 48, 12.0),
    (math.radians(60), math.radians(-25), 128, 128, 9.0),
]
SEED_CASES = [(0, 18, 8), (1, 18, 8), (42, 3, 5), (4294967295, 2, 7)]


def camera_cases() -> dict:
    spec = CameraSpec()
    cases = []
    for yaw, pitch, w, h, fov in CAMERA_CASES:
        c2w = cam2world(yaw, pitch, spec.radius)
        o, d = pixel_rays(c2w, w, h, fov)
        picks = [(0, 0), (w - 1, 0), (w // 2, h // 2), (3, h - 1), (w - 1, h - 1)]
        cases.append({
            "yaw": yaw, "pitch": pitch, "width": w, "height": h, "fov_deg": fov,
            "cam2world": c2w.tolist(),
            "pixels": [{"col": c, "row": r, "origin": o[r * w + c].tolist(), "dir": d[r * w + c].tolist()}
                       for c, r in picks],
        })
    return {"spec": spec.to_json(), "cases": cases}


def seed_cases() -> dict:
    return {"cases": [{"seed": s, "rows": r, "cols": c, "z": z_from_seed(s, r, c).astype(float).ravel().tolist()}
                      for s, r, c in SEED_CASES]}


FINAL_AA_CASE = {"seed": 3, "yaw": 0.35, "pitch": -0.12, "edge_supersample": 2}


def final_aa_case(model_dir: Path) -> dict:
    """The final render of one portrait of a model (the tiny one) by facet.evaluate.render with edge
    anti-aliasing, every ray over [near, far] (the app's bounds without a preview volume): codes,
    RGBA8 and labels, for src/viewport/pipeline.test.ts to render again through onnxruntime."""
    import torch

    from facet.checkpoint import load_generator
    from facet.evaluate.render import edge_pixels, render_image

    g, _ = load_generator(Path(model_dir) / "weights.safetensors")
    g.eval()
    c = FINAL_AA_CASE
    cfg = g.cfg
    z = torch.from_numpy(z_from_seed(c["seed"], cfg.num_codes, cfg.z_dim)).float()
    with torch.no_grad():
        codes = g.mapping(z, cfg.truncation_psi)
    res = cfg.resolution
    tb = torch.tensor([cfg.camera.near, cfg.camera.far]).expand(res * res, 2)
    single = render_image(g, codes, c["yaw"], c["pitch"], res, t_bounds=tb, edge_supersample=1)
    out = render_image(g, codes, c["yaw"], c["pitch"], res, t_bounds=tb, edge_supersample=c["edge_supersample"])
    rgba = torch.cat([out["image"], torch.ones(1, res, res)]).permute(1, 2, 0).mul(255).round().to(torch.uint8)
    return {**c, "model": Path(model_dir).name, "resolution": res,
            "codes": [round(float(v), 7) for v in codes.reshape(-1)],
            "edges": int(edge_pixels(single["labels"]).numel()),
            "rgba": rgba.reshape(-1).tolist(), "labels": out["labels"].reshape(-1).tolist()}


def write_fixtures(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in (("camera-cases.json", camera_cases()), ("seed-cases.json", seed_cases())):
        p = out / name
        p.write_text(json.dumps(data, indent=1) + "\n")
        paths.append(p)
    tiny = Path(__file__).resolve().parents[2] / "public" / "models" / "tiny"
    if (tiny / "weights.safetensors").exists():
        p = out / "final-aa-tiny.json"
        p.write_text(json.dumps(final_aa_case(tiny)) + "\n")
        paths.append(p)
    return paths
