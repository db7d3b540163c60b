"""facet eval: the held-out metrics, in one process and in several (same numbers)."""
from pathlib import Path

import pytest

from facet.evaluate.cli import BARS, evaluate, load_model

TINY = Path(__file__).resolve().parents[2] / "public" / "models" / "tiny"


@pytest.fixture(scope="module")
def tiny():
    return load_model(str(TINY))


def test_eval_keys_and_ranges(tiny):
    r = evaluate(tiny, n=2, res=64, locality_n=1, supersample=1, progress=False)
    assert r["n"] == 2 and len(r["rows"]) == 2
    assert 0 < r["psnr"] < 60 and -1 <= r["ssim"] <= 1 and 0 <= r["miou"] <= 1
    assert set(r["locality"]) == set(tiny.cfg.regions)
    assert all(0 <= v <= 1 for v in r["locality"].values())
    assert set(r["pass"]) == set(BARS)
    # held-out seeds and views differ per portrait
    assert r["rows"][0]["seed"] != r["rows"][1]["seed"] and r["rows"][0]["yaw"] != r["rows"][1]["yaw"]


def test_eval_jobs_give_the_same_result(tiny):
    one = evaluate(tiny, n=2, res=64, locality_n=1, supersample=1, progress=False)
    two = evaluate(tiny, n=2, res=64, locality_n=1, supersample=1, progress=False, jobs=2, model_src=str(TINY))
    for key in ("psnr", "ssim", "miou", "iou", "locality"):
        assert one[key] == pytest.approx(two[key], abs=1e-6), key


def test_samples_grid_is_ground_truth_over_the_model(tiny, tmp_path):
    from PIL import Image

    from facet.cli import main

    out = tmp_path / "s.png"
    assert main(["samples", "--model", str(TINY), "--out", str(out), "--portraits", "0,1", "--yaws=-30,0,30",
                 "--res", "32"]) == 0
    im = Image.open(out)
    assert im.size == (3 * 32, 4 * 32)      # 3 views; 2 portraits x (ground truth, model)
    import numpy as np

    a = np.asarray(im).astype(float)
    # the ground-truth and model rows differ (an untrained model does not draw the world)
    assert np.abs(a[:32] - a[32:64]).mean() > 5


def test_slider_response_compares_model_and_world(tiny, tmp_path):
    import json

    from facet.cli import main

    out = tmp_path / "r.json"
    assert main(["slider-response", "--model", str(TINY), "--out", str(out), "--portraits", "0",
                 "--regions", "hair,ear", "--res", "32"]) == 0
    r = json.loads(out.read_text())
    names = [(s["region"], s["name"]) for s in r["sliders"]]
    assert ("hair", "length") in names and ("ear", "size") in names
    assert {s["region"] for s in r["sliders"]} == {"hair", "ear"}
    hair_length = next(s for s in r["sliders"] if s["name"] == "length")
    # the world's hair length moves many labels; every share is a fraction
    assert hair_length["world"] > 0.02
    assert all(0 <= s["model"] <= 1 and 0 <= s["world"] <= 1 for s in r["sliders"])


def test_calibrate_scores_each_scale_on_calibration_seeds_and_restores_the_model(tiny):
    from facet.evaluate.calibrate import calibrate
    from facet.training.synthetic_data import CALIBRATION_SEED_BASE, EVAL_SEED_BASE

    before = tiny.cfg
    r = calibrate(tiny, n=1, scales=[1.0, 0.25], res=32, supersample=1, progress=False)
    assert tiny.cfg is before
    assert [row["scale"] for row in r["rows"]] == [1.0, 0.25]
    assert r["seed_base"] == CALIBRATION_SEED_BASE and CALIBRATION_SEED_BASE > EVAL_SEED_BASE + 10_000_000
    assert r["rows"][0]["psnr"] != r["rows"][1]["psnr"], "the scale must change the final render"
    assert r["choice"] in (1.0, 0.25)


def test_calibrate_chooses_the_best_iou_within_the_psnr_slack():
    from facet.evaluate.calibrate import choose

    rows = [{"scale": 1.0, "psnr": 22.0, "miou": 0.70}, {"scale": 0.125, "psnr": 23.95, "miou": 0.79},
            {"scale": 0.0625, "psnr": 23.90, "miou": 0.80}, {"scale": 0.03, "psnr": 23.70, "miou": 0.81}]
    assert choose(rows, 0.1) == 0.0625
    assert choose(rows, 0.0) == 0.125
    assert choose(rows, 1.0) == 0.03
