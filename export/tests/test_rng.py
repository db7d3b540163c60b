import json
from pathlib import Path

import numpy as np

from facet.fixtures import seed_cases
from facet.rng import mulberry32, z_from_seed

FIXTURE = Path(__file__).resolve().parents[2] / "e2e" / "fixtures" / "seed-cases.json"


def test_mulberry32_known_values():
    # First outputs of mulberry32(0), as the reference JavaScript gives them.
    nxt = mulberry32(0)
    assert [nxt() for _ in range(3)] == [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]


def test_normals_are_standard():
    z = z_from_seed(7, 1000, 18)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02


def test_fixture_is_current():
    assert json.loads(FIXTURE.read_text()) == json.loads(json.dumps(seed_cases()))
    case = json.loads(FIXTURE.read_text())["cases"][0]
    assert np.allclose(np.array(case["z"]).reshape(case["rows"], case["cols"]), z_from_seed(case["seed"], case["rows"], case["cols"]))
