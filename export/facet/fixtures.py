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


def write_fixtures(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in (("camera-cases.json", camera_cases()), ("seed-cases.json", seed_cases())):
        p = out / name
        p.write_text(json.dumps(data, indent=1) + "\n")
        paths.append(p)
    return paths
