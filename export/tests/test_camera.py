"""The camera convention against the shared fixture (also checked by src/kernels/camera.test.ts)."""
import json
import math
from pathlib import Path

import torch

from facet.camera import CameraSpec, cam2world, camera_position, pixel_rays
from facet.fixtures import camera_cases

FIXTURE = Path(__file__).resolve().parents[2] / "e2e" / "fixtures" / "camera-cases.json"


def _same(a, b, tol: float = 1e-12) -> bool:
    """Equal JSON values, numbers within `tol` (another machine or PyTorch build may round the
    last bits of a float64 differently; a changed convention moves them far more)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k], tol) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=0, abs_tol=tol)
    return a == b


def test_fixture_is_current():
    assert _same(json.loads(FIXTURE.read_text()), json.loads(json.dumps(camera_cases()))), \
        "e2e/fixtures/camera-cases.json is stale: run `facet fixtures`"
    assert not _same({"x": [1.0]}, {"x": [1.0 + 1e-9]}) and _same({"x": [1.0]}, {"x": [1.0 + 1e-15]})


def test_fixture_cases_reproduce():
    data = json.loads(FIXTURE.read_text())
    for case in data["cases"]:
        c2w = cam2world(case["yaw"], case["pitch"])
        assert torch.allclose(c2w, torch.tensor(case["cam2world"], dtype=torch.float64), atol=1e-12)
        o, d = pixel_rays(c2w, case["width"], case["height"], case["fov_deg"])
        for p in case["pixels"]:
            i = p["row"] * case["width"] + p["col"]
            assert torch.allclose(o[i], torch.tensor(p["origin"], dtype=torch.float64), atol=1e-12)
            assert torch.allclose(d[i], torch.tensor(p["dir"], dtype=torch.float64), atol=1e-12)


def test_convention_facts():
    assert torch.allclose(camera_position(0.0, 0.0), torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64))
    assert torch.allclose(camera_position(math.pi / 2, 0.0), torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64), atol=1e-12)
    assert camera_position(0.0, 0.3)[1] > 0  # positive pitch looks from above
    c2w = cam2world(0.4, -0.2)
    o, d = pixel_rays(c2w, 65, 65, 12.0)
    centre = d[32 * 65 + 32]
    assert torch.allclose(centre, -o[0] / o[0].norm(), atol=1e-12)  # centre ray hits the origin
    assert d[0][1] > centre[1]  # row 0 is the top of the image
    assert torch.allclose(torch.linalg.det(c2w[:3, :3]), torch.tensor(1.0, dtype=torch.float64))


def test_coord_scale():
    assert CameraSpec().coord_scale == 2.0 / (1.12 - 0.88)
