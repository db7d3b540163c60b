"""The reshape pieces with known answers: painted targets, the proxy's surface and boxes."""
from pathlib import Path

import numpy as np
import pytest

from facet.reshape import paint, proxy
from facet.regions import REGIONS


def test_edited_regions_follow_the_ranks():
    r = {n: i for i, n in enumerate(REGIONS)}
    before = np.full((8, 8), r["background"], np.uint8)
    before[2:6, 2:6] = r["hair"]
    longer = paint.grow(before, r["hair"], [r["background"]], 1, [paint.DOWN])
    assert (longer == r["hair"]).sum() == 20
    assert paint.edited_regions(before, longer, list(REGIONS)) == [r["hair"]]
    shorter = paint.cut_below(before, r["hair"], 4, r["background"])
    assert paint.edited_regions(before, shorter, list(REGIONS)) == [r["hair"]]
    assert paint.edited_regions(before, before, list(REGIONS)) == []


def test_rle_round_trip():
    labels = np.random.default_rng(0).integers(0, 9, (16, 12)).astype(np.uint8)
    assert (paint.rle_decode(paint.rle_encode(labels), labels.shape) == labels).all()


def test_first_hit_refines_linearly():
    t = np.linspace(0.0, 1.0, 11)[None, :].repeat(2, 0)
    sdf = np.stack([0.55 - t[0], np.ones(11)])       # plane at t = 0.55; second ray misses
    hit, th = proxy.first_hit(sdf, t)
    assert hit.tolist() == [True, False]
    assert abs(th[0] - 0.55) < 1e-9 and th[1] == 1.0


def test_box_grid_reads_back_a_linear_field():
    lo, hi = np.array([-0.1, -0.05, 0.0]), np.array([0.1, 0.05, 0.12])
    pts = proxy.box_points(lo, hi, 8)
    field = pts @ np.array([1.0, -2.0, 0.5])
    probe = np.array([[0.03, 0.01, 0.05], [-0.02, -0.03, 0.08]])
    idx, w = proxy.box_corner_weights(probe, lo, hi, 8)
    assert np.allclose(proxy.sample(field, idx, w), probe @ np.array([1.0, -2.0, 0.5]), atol=1e-6)


def test_mask_loss_prefers_the_painted_area():
    before = np.zeros((16, 16), np.uint8)
    before[4:10, 4:12] = 1
    target = before.copy()
    target[10:12, 4:12] = 1                     # painted 2 rows further down
    grown = before.copy()
    grown[10:11, 4:12] = 1                      # half way there
    assert proxy.mask_loss(grown, target, [1], 2) < proxy.mask_loss(before, target, [1], 2)
    assert proxy.mask_loss(target, target, [1], 2) == 0.0


def test_reshape_bench_says_why_it_cannot_run(tmp_path):
    """The command end to end on the tiny fixture model (untrained, no named shape directions): a
    clear refusal naming the reason, not a crash or an empty table."""
    import json

    import pytest

    from facet.cli import main

    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"psi": 0.7, "resolution": 64, "cases": [
        {"seed": 1000000105, "yaw_deg": 0.0, "edit": "mouth_wider"}]}))
    with pytest.raises(SystemExit, match="no edit could run"):
        main(["reshape-bench", "--model", "tiny", "--cases", str(cases), "--out", str(tmp_path / "r.json"), "--quiet"])


def test_reshape_bench_table_from_its_record():
    """The README table is made from the committed docs/reshape.json, whose keys the issue names."""
    import json
    from pathlib import Path

    from facet.report import reshape_table

    rec = json.loads((Path(__file__).resolve().parents[2] / "docs" / "reshape.json").read_text())
    for key in ("target_iou", "others_iou", "consistent_3d", "edits"):
        assert key in rec
    assert len(rec["edits"]) >= 24
    table = reshape_table(rec, "reshape.json")
    assert f"{rec['target_iou']:.3f}" in table and "hair_longer" in table
    assert f"mean {rec['others_iou_uncovered']:.3f}" in table   # occlusion by the edited region set aside
    assert "not measured" in table   # no browser row given
    row = {"runs": 24, "note": "n", "median_ms": 2465.2, "max_ms": 3278.1}
    table = reshape_table(rec, "reshape.json", row)
    assert "median 2.47 s, max 3.28 s" in table and "not measured" not in table


def test_reshape_fixture_records_the_current_constants():
    """e2e/fixtures/reshape-tiny.json (the browser parity test's Python side) was written with
    today's apply.py / proxy.py / search.py constants; if not, re-run the fixture."""
    import json
    from pathlib import Path

    from facet.reshape import fixture

    recorded = json.loads(Path(fixture.OUT).read_text())["constants"]
    assert recorded == fixture.constants(), (
        "the reshape constants changed since e2e/fixtures/reshape-tiny.json was written: re-run "
        "`cd export && .venv/bin/python -m facet.reshape.fixture` (and re-sync RESHAPE in src/kernels/reshape.ts)")


def test_reshape_bench_search_overrides_parse_and_refuse_unknown_keys():
    from facet.reshape.bench import parse_search

    assert parse_search(["sigma=1.5", "generations=3", "prior=0.01"]) == {"sigma": 1.5, "generations": 3, "prior": 0.01}
    assert isinstance(parse_search(["generations=3"])["generations"], int)
    assert parse_search(["batch=4"]) == {"batch": 4}
    for bad in (["batchh=4"], ["sigmaa=1"], ["sigma"], ["sigma=x"]):
        with pytest.raises(SystemExit, match="--search"):
            parse_search(bad)


def test_dilate_matches_brute_force():
    """proxy_pixels' band comes from facet.evaluate.metrics.dilate (Chebyshev distance <= d)."""
    import torch

    from facet.evaluate.metrics import dilate as torch_dilate

    def dilate(m, d):
        return torch_dilate(torch.from_numpy(m), d).numpy()

    rng = np.random.default_rng(3)
    for h, w, d in ((7, 9, 0), (7, 9, 1), (12, 5, 3), (4, 4, 6)):
        m = rng.random((h, w)) < 0.08
        want = np.zeros_like(m)
        for r, c in zip(*np.nonzero(m)):
            want[max(0, r - d):r + d + 1, max(0, c - d):c + d + 1] = True
        assert np.array_equal(dilate(m, d), want)


def test_proxy_pixels_cover_a_small_band_at_every_pixel_and_a_large_one_on_a_coarser_grid():
    from facet.reshape.apply import BAND, MAX_RAYS, WEIGHT_UNIT, proxy_pixels

    w = 256
    before = np.zeros((w, w), np.uint8)
    target = before.copy()
    target[100:110, 120:140] = 3
    band = round(BAND * w)
    pix, stride, outside, weights = proxy_pixels(before, target, [])
    assert stride == 1.0 and pix.size == (10 + 2 * band) * (20 + 2 * band)
    assert pix[0] == (100 - band) * w + 120 - band and np.all(np.diff(pix) > 0)
    assert np.all(weights == WEIGHT_UNIT)
    # every other pixel, all label 0, weighed as a ray of the grid
    assert outside[0] == (w * w - pix.size) * WEIGHT_UNIT and outside.sum() == outside[0]
    # the edited region's own pixels count too: region 3 over the top half
    before[: w // 2] = 3
    pix, stride, outside, weights = proxy_pixels(before, target, [3])
    assert stride > 1 and 0.8 * MAX_RAYS < pix.size <= MAX_RAYS
    assert (pix // w).max() < w // 2 + band
    assert outside[3] == 0 and outside[0] > 0   # the edited region lies inside its band
    assert proxy_pixels(before, before, [])[0].size == 0


def test_proxy_pixels_put_finer_rays_on_a_small_other_region_in_a_large_band(monkeypatch):
    """A large band (hair over the top half: a grid step over 1 px) with a small other region in
    it (an "ear", 0.2% of the image): that region and FINE_DILATE px around it get a grid of the
    step over FINE_DIVISOR instead, each ray weighted by the square of the steps' ratio; the rest of
    the band keeps its grid, and with FINE_RAYS = 0 the rays are the band's grid alone."""
    from facet.reshape import apply as A

    w = 256
    before = np.zeros((w, w), np.uint8)
    before[: w // 2] = 7                     # the edited region
    before[130:142, 40:52] = 6                # a small other region inside its band
    target = before.copy()
    target[128:136, 60:200] = 7               # painted: the hair a little longer
    pix, stride, outside, weights = A.proxy_pixels(before, target, [7])
    assert stride > 1 and np.all(np.diff(pix) > 0)
    fine = pix[weights < A.WEIGHT_UNIT]
    fine_stride = max(1.0, stride / A.FINE_DIVISOR)
    assert 0 < fine.size <= A.FINE_RAYS
    assert set(np.unique(weights)) == {A.WEIGHT_UNIT, int(np.floor(A.WEIGHT_UNIT * (fine_stride / stride) ** 2 + 0.5))}
    r, c = fine // w, fine % w
    d = A.FINE_DILATE
    assert r.min() >= 130 - d and r.max() < 142 + d and c.min() >= 40 - d and c.max() < 52 + d
    # the region itself is seen on the finer grid: about (12 / fine_stride)^2 rays
    inside = (r >= 130) & (r < 142) & (c >= 40) & (c < 52)
    assert abs(inside.sum() - (12 / fine_stride) ** 2) <= 2 * 12 / fine_stride + 1
    # no coarse ray inside the zone; the weights stand for about the zone's area either way
    coarse = pix[weights == A.WEIGHT_UNIT]
    cr, cc = coarse // w, coarse % w
    assert not np.any((cr >= 130 - d) & (cr < 142 + d) & (cc >= 40 - d) & (cc < 52 + d))
    assert abs(weights[weights < A.WEIGHT_UNIT].sum() / A.WEIGHT_UNIT - (12 + 2 * d) ** 2 / stride ** 2) < 0.15 * (12 + 2 * d) ** 2 / stride ** 2
    monkeypatch.setattr(A, "FINE_RAYS", 0)
    pix0, stride0, outside0, weights0 = A.proxy_pixels(before, target, [7])
    assert stride0 == stride and np.array_equal(outside0, outside) and np.all(weights0 == A.WEIGHT_UNIT)
    assert set(pix0.tolist()) == set(coarse.tolist()) | {p for p in pix0.tolist() if 130 - d <= p // w < 142 + d and 40 - d <= p % w < 52 + d}


def test_weighted_mask_loss_is_the_loss_of_the_rays_repeated():
    """mask_loss with integer weights scores as if each ray were repeated that many times (and the
    pixels outside the band, `outside`, are in the same units)."""
    rng = np.random.default_rng(3)
    for _ in range(25):
        n, k = int(rng.integers(1, 40)), int(rng.integers(2, 6))
        labels, target = rng.integers(0, k, n).astype(np.uint8), rng.integers(0, k, n).astype(np.uint8)
        weights = rng.integers(1, 5, n)
        outside = rng.integers(0, 4, k)
        edited = [int(rng.integers(0, k))]
        a = proxy.mask_loss(labels, target, edited, k, outside=outside, weights=weights)
        b = proxy.mask_loss(np.repeat(labels, weights), np.repeat(target, weights), edited, k, outside=outside)
        assert abs(a - b) < 1e-12
    ones = np.ones(5, np.int64)
    lab, tgt = np.array([0, 1, 1, 2, 0], np.uint8), np.array([0, 0, 1, 1, 2], np.uint8)
    assert proxy.mask_loss(lab, tgt, [1], 3, weights=ones) == proxy.mask_loss(lab, tgt, [1], 3)


def test_compass_candidates_find_a_narrow_valley_next_to_the_current_codes():
    """The last `compass` candidates step one slot of the best x so far (+ then -, slot after
    slot); a valley 0.6 above x0 along slot 1 and 0.3 wide is what wide steps around the mean miss."""
    from facet.reshape.search import SearchConfig, search

    x0 = np.array([0.5, -0.5, 0.0])
    seen = []

    def f(c):
        seen.append(c.copy())
        dx = c[:, 1] - (x0[1] + 0.6)
        return np.where(np.abs(dx) < 0.3, dx ** 2, 1 + 0.01 * (c[:, 0] ** 2 + c[:, 2] ** 2))

    cfg = SearchConfig(compass=3, compass_step=0.25, sigma=2.0)
    res = search(f, x0, cfg)
    step = np.float32(0.25 * 2.0)
    first = seen[0]
    assert np.allclose(first[7], [0.5 + step, -0.5, 0]) and np.allclose(first[6], [0.5 - step, -0.5, 0])
    assert np.allclose(first[5], [0.5, -0.5 + step, 0])
    assert res.loss < 0.1
    assert search(f, x0, SearchConfig(compass=0, sigma=2.0)).loss > res.loss


def test_parsimony_puts_back_a_slot_the_loss_hardly_needs():
    """After the generations, the best x with one moved slot put back to x0: slot 1 costs at most
    0.001 of a loss >= 0.5 and goes back; slot 0 holds the valley and stays (mirrored in
    src/kernels/reshape.test.ts)."""
    from facet.reshape.search import SearchConfig, search

    x0 = np.zeros(2)
    seen = []

    def f(c):
        seen.append(c.copy())
        return (c[:, 0] - 1.5) ** 2 + 0.5 - 0.001 * np.tanh(c[:, 1])

    off = search(f, x0, SearchConfig(parsimony=0.0))
    seen.clear()
    on = search(f, x0, SearchConfig(parsimony=0.05))
    cfg = SearchConfig()
    assert off.x[1] != 0 and len(seen) == cfg.generations + 1
    assert seen[-1][0, 0] == 0 and seen[-1][1, 1] == 0
    assert on.x[1] == 0 and on.x[0] == off.x[0]
    assert off.loss <= on.loss <= off.loss * 1.05
    # only the two put-back candidates are evaluated
    assert len(seen[-1]) == 2 and on.evaluations == cfg.generations * cfg.batch + 2
    assert len(on.history) == cfg.generations + 1
    # one moved slot: putting it back is x0, which the batch could never accept, so it is skipped
    seen.clear()
    one = search(f1 := lambda c: (seen.append(c.copy()), 0.5 - 0.001 * np.tanh(c[:, 0]))[1], np.zeros(1),
                 SearchConfig(parsimony=0.05))
    assert one.x[0] != 0 and one.loss < one.loss0
    assert len(seen) == cfg.generations and one.evaluations == cfg.generations * cfg.batch
    assert one.x[0] == search(f1, np.zeros(1), SearchConfig(parsimony=0.0)).x[0]
    flat = search(lambda c: np.r_[0.0, np.ones(len(c) - 1)], x0, SearchConfig(parsimony=0.05))
    assert flat.evaluations == cfg.generations * cfg.batch


def test_reshape_graph_rows_go_in_runs_of_its_batch():
    """The search's 8 candidates (fewer in the parsimony batch) go through the tiny model's graph 4
    rows a run: any number of rows gives each row what the graph gives it in a full run."""
    from facet.reshape.apply import Reshaper

    rs = Reshaper(Path(__file__).resolve().parents[2] / "public" / "models" / "tiny")
    g = rs.manifest["reshape"]["batch"]
    r = rs.manifest["reshape"]["resolution"]
    z = np.random.default_rng(3).standard_normal((2 * g + 1, rs.manifest["latent"]["z_dim"])).astype(np.float32)
    box = np.array([-0.2, -0.1, -0.3]), np.array([0.1, 0.25, 0.05])
    sdf, logit = rs.run_graph(7, z, 0.7, *box)
    assert sdf.shape == logit.shape == (2 * g + 1, r ** 3)
    for a in (0, g, 2 * g):
        s1, l1 = rs.session.run(None, {"region": np.array([7], np.int64), "z": np.repeat(z[a:a + 1], g, 0),
                                       "psi": np.array([0.7], np.float32), "box_min": box[0].astype(np.float32),
                                       "box_max": box[1].astype(np.float32)})
        assert np.array_equal(sdf[a], s1.reshape(g, -1)[0]) and np.array_equal(logit[a], l1.reshape(g, -1)[0])
    s3, _ = rs.run_graph(7, z[:3], 0.7, *box)
    assert np.array_equal(s3, sdf[:3])


def test_the_label_prior_comes_from_the_manifest_and_a_wrong_one_is_refused():
    """The proxy adds the final render's label prior (config.label_bias) to its mask logits: read as
    float32 per region, none when absent or empty, and a prior of the wrong length or with a non-number
    refused with the reason (the browser's parity with it: src/app/reshape.test.ts on the fixture)."""
    from facet.reshape.apply import label_bias_of

    regions = [{"name": r} for r in ("background", "face", "hair")]
    assert label_bias_of({"regions": regions}).size == 0
    assert label_bias_of({"regions": regions, "config": {"label_bias": []}}).size == 0
    got = label_bias_of({"regions": regions, "config": {"label_bias": [0, 0.5, -1.25]}})
    assert got.dtype == np.float32 and got.tolist() == [0.0, 0.5, -1.25]
    for bad in ([0, 0.5], [0, "a", 1], [0, float("nan"), 1]):
        with pytest.raises(ValueError, match="label_bias needs 3 finite numbers"):
            label_bias_of({"regions": regions, "config": {"label_bias": bad}})

