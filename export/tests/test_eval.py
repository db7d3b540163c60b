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
    # what each slider does to the other regions, for the model and the world alike
    assert all(0 <= s["model_others_iou"] <= 1 and 0 <= s["world_others_iou"] <= 1 for s in r["sliders"])
    from facet.world.params import REGIONS

    assert all(s["others_region"] is None or s["others_region"] in set(REGIONS) - {"background", s["region"]}
               for s in r["sliders"])


def test_worst_other_iou_is_the_most_covered_neighbour_and_leaves_out_the_region_and_the_background():
    import numpy as np

    from facet.evaluate.sliders import worst_other_iou

    names = ["background", "face", "brow", "hair"]
    a = np.zeros((4, 8), np.int64)
    a[:, 4:] = 1                      # face on the right half
    a[0, 4:8] = 2                     # a brow of 4 px
    b = a.copy()
    b[0, 4:6] = 3                     # hair grown over half the brow ...
    b[1:, :4] = 3                     # ... and over much of the background (left out)
    assert worst_other_iou(a, b, 3, names) == (0.5, "brow")
    assert worst_other_iou(a, a, 3, names) == (1.0, None)
    # the region itself is left out: seen from the brow's slider the hair is the other region, drawn in one map only
    assert worst_other_iou(a, b, 2, names) == (0.0, "hair")
    c = a.copy()
    c[1:, :4] = 3                     # only the background covered: nothing counts
    assert worst_other_iou(a, c, 3, names) == (1.0, None)


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


def test_calibrate_image_scale_redraws_the_colours_alone_and_restores_the_model(tiny):
    """facet calibrate --image-scales: each colour density changes the PSNR and never the mean IoU (the
    labels keep the final beta); the choice is the best PSNR; the model's config is back as it was."""
    import dataclasses

    from facet.evaluate.calibrate import calibrate_image_scale

    before = tiny.cfg
    tiny.cfg = dataclasses.replace(before, final_beta_scale=0.25)
    try:
        r = calibrate_image_scale(tiny, n=1, scales=[0.0, 1.0], res=32, supersample=1, progress=False)
        assert tiny.cfg.image_beta_scale == 0.0 and tiny.cfg.final_beta_scale == 0.25
    finally:
        tiny.cfg = before
    a, b = r["rows"]
    assert (a["image_beta_scale"], b["image_beta_scale"]) == (0.0, 1.0)
    assert a["miou"] == b["miou"], "the colours' density must not move a label"
    assert a["psnr"] != b["psnr"], "the colours' density must change the image"
    assert r["choice"] == max(r["rows"], key=lambda row: row["psnr"])["image_beta_scale"]


def test_error_split_adds_up_to_the_eval_psnr_and_its_parts(tiny, tmp_path):
    """`facet errors`: the three parts' pixels and errors each add up to one; the insides by region add
    up to the inside part and the label pairs to the wrong part; with one portrait its pooled PSNR is
    `facet eval`'s PSNR of that portrait; making a part perfect can only raise the PSNR."""
    import argparse
    import math

    from facet.evaluate.cli import eval_one
    from facet.evaluate.errors import error_split, run
    from facet.training.synthetic_data import CALIBRATION_SEED_BASE

    r = error_split(tiny, n=1, res=32, supersample=1, top=100, progress=False)
    assert r["seed_base"] == CALIBRATION_SEED_BASE and r["pixels"] == 32 * 32
    parts = r["parts"]
    assert math.isclose(sum(p["pixels"] for p in parts.values()), 1.0, rel_tol=1e-9)
    assert math.isclose(sum(p["error"] for p in parts.values()), 1.0, rel_tol=1e-9)
    assert parts["wrong"]["pixels"] > 0, "an untrained tiny model gets some labels wrong"
    assert math.isclose(sum(p["error"] for p in r["inside"].values()), parts["inside"]["error"], rel_tol=1e-6, abs_tol=1e-12)
    assert math.isclose(sum(p["error"] for p in r["wrong_pairs"]), parts["wrong"]["error"], rel_tol=1e-6, abs_tol=1e-12)
    assert sum(p["pixels"] for p in r["wrong_pairs"]) == round(parts["wrong"]["pixels"] * 32 * 32)
    assert all(p["world"] != p["model"] for p in r["wrong_pairs"])
    assert [p["error"] for p in r["wrong_pairs"]] == sorted((p["error"] for p in r["wrong_pairs"]), reverse=True)
    row = eval_one(tiny, 0, 32, False, 1, seed_base=CALIBRATION_SEED_BASE)["row"]
    assert math.isclose(r["psnr_pooled"], row["psnr"], abs_tol=1e-3)
    assert all(p["psnr_if_perfect"] >= r["psnr_pooled"] - 1e-9 for p in parts.values())
    out = tmp_path / "errors.json"
    with pytest.raises(SystemExit, match="--n"):
        run(argparse.Namespace(model=None, n=0, res=32, supersample=1, held_out=False, top=5, threads=1, out=str(out)))


def test_calibrate_chooses_the_best_iou_within_the_psnr_slack():
    from facet.evaluate.calibrate import choose

    rows = [{"scale": 1.0, "psnr": 22.0, "miou": 0.70}, {"scale": 0.125, "psnr": 23.95, "miou": 0.79},
            {"scale": 0.0625, "psnr": 23.90, "miou": 0.80}, {"scale": 0.03, "psnr": 23.70, "miou": 0.81}]
    assert choose(rows, 0.1) == 0.0625
    assert choose(rows, 0.0) == 0.125
    assert choose(rows, 1.0) == 0.03


def test_label_bias_search_finds_a_prior_that_undoes_a_skewed_classifier():
    """search_label_bias: masks whose region 1 is over-weighted by a known log factor (its logit + 1 on
    top of a classifier that is right) get back the labels the truth has: the search finds a prior of
    between -2.25 and -0.25 for it (the margins of 1) and a mean IoU of 1; the first region's number stays 0; mean_iou is facet eval's
    (per portrait over the regions present, then over portraits)."""
    import torch

    from facet.evaluate.calibrate import label_ious, mean_iou, search_label_bias
    from facet.evaluate.metrics import iou_per_region

    gen = torch.Generator().manual_seed(0)
    k, n = 4, 3
    true = torch.randint(0, k, (n, 16, 16), generator=gen)
    logits = torch.randn(n, k, 16, 16, generator=gen) * 0.1
    logits += 1.0 * torch.nn.functional.one_hot(true, k).permute(0, 3, 1, 2)     # right, with a margin of ~1
    logits[:, 1] += 1.25                                                          # ... but region 1 too big
    log_masks = torch.log_softmax(logits, 1)
    skewed = log_masks.argmax(1)
    assert mean_iou(skewed, true, k) < 0.9
    want = sum(sum(v for v in iou_per_region(skewed[i], true[i], k) if v is not None)
               / sum(v is not None for v in iou_per_region(skewed[i], true[i], k)) for i in range(n)) / n
    assert abs(mean_iou(skewed, true, k) - want) < 1e-12
    assert torch.isnan(label_ious(torch.zeros(1, 2, 2, dtype=torch.long), torch.zeros(1, 2, 2, dtype=torch.long), 3)[0, 1])
    bias, best = search_label_bias(log_masks, true)
    assert bias[0] == 0.0 and -2.25 < bias[1] < -0.25       # what undoes the +1.25 within the margins
    assert best > 0.99 and best == mean_iou((log_masks + torch.tensor(bias).reshape(1, k, 1, 1)).argmax(1), true, k)
    held, held_best = search_label_bias(log_masks, true, hold=(1,))      # region 1 held at 0: nothing undoes it
    assert held[1] == 0.0 and held_best < best


def test_calibrate_label_bias_renders_searches_and_checks_and_restores_the_model(tiny_refined):
    """facet calibrate --label-bias on the tiny model: the rendered check's mean IoU with the prior is
    reported next to the unbiased one, the model's config is back as it was, and a model without a
    label depth is refused."""
    import dataclasses

    from facet.evaluate.calibrate import calibrate_label_bias

    before = tiny_refined.cfg
    r = calibrate_label_bias(tiny_refined, n=1, res=32, supersample=1, progress=False)
    assert tiny_refined.cfg is before
    assert set(r["choice"]) == set(before.regions) and r["choice"][before.regions[0]] == 0.0
    assert 0 <= r["before"]["miou"] <= 1 and 0 <= r["after"]["miou"] <= 1
    assert r["searched_miou"] >= r["before"]["miou"] - 1e-9
    assert r["current"] == list(before.label_bias)
    held = calibrate_label_bias(tiny_refined, n=1, res=32, supersample=1, progress=False, hold=before.regions[1:3])
    assert held["hold"] == list(before.regions[1:3]) and all(held["choice"][r] == 0.0 for r in before.regions[1:3])
    with pytest.raises(SystemExit, match="--hold names no region of the model: mouht"):
        calibrate_label_bias(tiny_refined, n=1, res=32, supersample=1, progress=False, hold=("mouht",))
    try:
        tiny_refined.cfg = dataclasses.replace(before, label_depth=0.0, label_bias=())
        with pytest.raises(SystemExit, match="needs a model with a label depth"):
            calibrate_label_bias(tiny_refined, n=1, res=32, supersample=1, progress=False)
    finally:
        tiny_refined.cfg = before


def test_subpixel_rays_are_the_rays_of_the_finer_image():
    import torch

    from facet.camera import CameraSpec, rays_for_pose
    from facet.evaluate.render import subpixel_rays

    spec, res, s = CameraSpec(), 8, 2
    pixels = torch.tensor([0, 9, 63, 27])
    o, d = subpixel_rays(spec, 0.4, -0.2, res, pixels, s)
    fo, fd = rays_for_pose(spec, 0.4, -0.2, res * s, res * s)
    for k, p in enumerate(pixels.tolist()):
        r, c = divmod(p, res)
        fine = [(r * s + a) * res * s + c * s + b for a in range(s) for b in range(s)]
        assert torch.allclose(d[k * s * s:(k + 1) * s * s], fd[fine], atol=1e-6)
        assert torch.allclose(o[k * s * s:(k + 1) * s * s], fo[fine])


def test_edge_pixels_are_those_with_another_label_among_8_neighbours():
    import torch

    from facet.evaluate.render import edge_pixels

    lab = torch.zeros(5, 5, dtype=torch.int64)
    lab[2, 2] = 3
    assert sorted(edge_pixels(lab).tolist()) == sorted(r * 5 + c for r in (1, 2, 3) for c in (1, 2, 3))
    assert edge_pixels(torch.ones(4, 4, dtype=torch.int64)).numel() == 0


def test_edge_supersampling_redraws_only_edge_pixels_with_the_mean_of_their_subpixel_rays(tiny):
    import torch

    from facet.camera import rays_for_pose
    from facet.evaluate.render import edge_pixels, render_image

    torch.manual_seed(0)
    codes = tiny.mapping(torch.randn(tiny.cfg.num_codes, tiny.cfg.z_dim), 0.7)
    res, s, yaw, pitch = 24, 2, 0.3, -0.1
    cam = tiny.cfg.camera
    tb = torch.tensor([cam.near, cam.far]).expand(res * res, 2)
    one = render_image(tiny, codes, yaw, pitch, res, t_bounds=tb, edge_supersample=1)
    aa = render_image(tiny, codes, yaw, pitch, res, t_bounds=tb, edge_supersample=s)
    edges = edge_pixels(one["labels"])
    assert 0 < edges.numel() < res * res
    inner = torch.ones(res * res, dtype=torch.bool)
    inner[edges] = False
    flat = lambda x: x.reshape(x.shape[0], -1) if x.dim() == 3 else x.reshape(-1)
    assert torch.equal(flat(one["image"])[:, inner], flat(aa["image"])[:, inner])
    assert torch.equal(flat(one["labels"])[inner], flat(aa["labels"])[inner])
    # an edge pixel is the mean of the 2x2 pixels of a 2x finer render inside it
    o, d = rays_for_pose(cam, yaw, pitch, res * s, res * s)
    fine = tiny.render_rays(codes, o, d, torch.tensor([cam.near, cam.far]).expand(o.shape[0], 2),
                            beta_scale=tiny.cfg.final_beta_scale)
    fine_img = ((fine["image"].reshape(res, s, res, s, 3).mean((1, 3)) + 1) / 2).clamp(0, 1)
    want = fine_img.reshape(-1, 3)[edges].T
    assert torch.allclose(flat(aa["image"])[:, edges], want, atol=1e-5)
    assert not torch.allclose(flat(one["image"])[:, edges], want, atol=1e-3)


def test_final_aa_fixture_is_current():
    """e2e/fixtures/final-aa-tiny.json (the browser's render is compared with it in
    src/viewport/pipeline.test.ts) is what facet.evaluate.render gives now; rerun `facet fixtures`."""
    import json

    from facet.fixtures import final_aa_case

    path = TINY.parents[2] / "e2e" / "fixtures" / "final-aa-tiny.json"
    have = json.loads(path.read_text())
    now = final_aa_case(TINY)
    assert {k: have[k] for k in ("seed", "yaw", "pitch", "edge_supersample", "resolution", "edges")} == \
        {k: now[k] for k in ("seed", "yaw", "pitch", "edge_supersample", "resolution", "edges")}
    assert max(abs(a - b) for a, b in zip(have["rgba"], now["rgba"])) <= 1
    assert max(abs(a - b) for a, b in zip(have["codes"], now["codes"])) < 1e-5


def test_report_never_rounds_a_value_onto_the_other_side_of_its_bar():
    """facet report: a mean IoU of 0.84964 against 0.85 reads 0.8496 (0.850 would look like a pass); a
    value clear of its bar keeps the usual decimals; one exactly on the bar passes and reads so."""
    from facet.report import against_bar

    assert against_bar(0.84964, 0.85, 3) == "0.8496"
    assert against_bar(0.8433, 0.85, 3) == "0.843"
    assert against_bar(25.999, 26.0, 2) == "25.999"
    assert against_bar(0.85, 0.85, 3) == "0.850"
    assert against_bar(0.8500001, 0.85, 3) == "0.850"
