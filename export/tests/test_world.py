"""The synthetic portrait world: determinism, latents, labels, locality and framing."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from facet.regions import REGIONS
from facet.world import (PARAM_SPEC, latent_to_params, param_spec_json, params_to_latent, region_sdf,
                         render, sample_params, sample_points)
from facet.world.params import defs_of, with_values

RES = 64


def _sub(params, i):
    return {r: {k: v[i:i + 1] for k, v in kv.items()} for r, kv in params.items()}


def test_spec_shape_and_json():
    spec = param_spec_json()
    assert len(spec) == len(PARAM_SPEC)
    for region in REGIONS:
        for kind in ("shape", "texture"):
            ds = defs_of(region, kind)
            assert len(ds) <= 8
            assert [d.slot for d in ds] == list(range(len(ds)))
    assert {"region", "kind", "name", "label", "slot", "min", "max"} <= set(spec[0])
    p = sample_params(0, 5)
    for d in PARAM_SPEC:
        v = p[d.region][d.kind][:, d.slot]
        assert bool(((v >= d.min) & (v <= d.max)).all()), d


def test_determinism():
    a, b = sample_params(7, 3), sample_params(7, 3)
    for r in REGIONS:
        for k in ("shape", "texture"):
            assert torch.equal(a[r][k], b[r][k])
    assert not torch.equal(a["face"]["texture"], sample_params(8, 3)["face"]["texture"])
    r1 = render(a, 0.3, -0.1, 48, 48)
    r2 = render(b, 0.3, -0.1, 48, 48)
    for key in ("image", "labels", "depth"):
        assert torch.equal(r1[key], r2[key])


def test_latent_round_trip():
    p = sample_params(3, 16)
    z = params_to_latent(p)
    assert z.shape == (16, 18, 8)
    for k, region in enumerate(REGIONS):
        for j, kind in enumerate(("shape", "texture")):
            m = len(defs_of(region, kind))
            assert torch.all(z[:, 2 * k + j, m:] == 0)
    q = latent_to_params(z)
    for d in PARAM_SPEC:
        a, b = p[d.region][d.kind][:, d.slot], q[d.region][d.kind][:, d.slot]
        assert torch.allclose(a, b, atol=2e-4 * (d.max - d.min) + 1e-6), d
    # a standard normal latent maps into the ranges
    q = latent_to_params(torch.randn(8, 18, 8, generator=torch.Generator().manual_seed(0)))
    for d in PARAM_SPEC:
        v = q[d.region][d.kind][:, d.slot]
        assert bool(((v >= d.min) & (v <= d.max)).all())


def test_every_region_visible_frontal():
    p = sample_params(1, 4)
    seen = set()
    r = render(p, 0.0, 0.0, 96, 96)
    for i in range(4):
        labs = set(r["labels"][i].unique().tolist())
        assert {0, 1, 2, 4, 5, 8} <= labs, labs
        seen |= labs
    short = with_values(p, {"hair.length": 0.0, "hair.bangs": 0.0})
    r = render(short, 0.0, 0.0, 96, 96)
    for i in range(4):
        assert set(r["labels"][i].unique().tolist()) == set(range(9))


@pytest.mark.parametrize("k", range(1, 9))
def test_locality_sdf(k):
    region = REGIONS[k]
    p = sample_params(11, 3)
    g = torch.Generator().manual_seed(k)
    pts = (torch.rand(3, 4000, 3, generator=g) * 2 - 1) * 0.115
    q = {r: {kk: v.clone() for kk, v in kv.items()} for r, kv in p.items()}
    q[region]["shape"] = sample_params(99 + k, 3)[region]["shape"]
    assert not torch.equal(q[region]["shape"], p[region]["shape"])
    a, b = region_sdf(pts, p), region_sdf(pts, q)
    others = [j for j in range(9) if j != k]
    assert torch.equal(a[..., others], b[..., others])
    assert not torch.equal(a[..., k], b[..., k])


def _dilate(m: torch.Tensor, r: int) -> torch.Tensor:
    return F.max_pool2d(m.float()[:, None], 2 * r + 1, 1, r)[:, 0] > 0


@pytest.mark.parametrize("k", range(1, 9))
def test_locality_render(k):
    region = REGIONS[k]
    p = sample_params(21, 2)
    p = with_values(p, {"hair.length": torch.tensor([0.0, 0.8])})
    q = {r: {kk: v.clone() for kk, v in kv.items()} for r, kv in p.items()}
    q[region]["shape"] = sample_params(200 + k, 2)[region]["shape"]
    yaw, pitch = torch.tensor([0.0, 0.5]), torch.tensor([0.0, -0.2])
    a, b = render(p, yaw, pitch, RES, RES), render(q, yaw, pitch, RES, RES)
    mask = _dilate((a["labels"] == k) | (b["labels"] == k), 3)
    diff = (a["image"] - b["image"]).abs().amax(1)
    outside = ~mask
    ok = (diff[outside] <= 8 / 255).float().mean()
    assert ok >= 0.99, (region, float(ok))
    # labels outside the mask do not change either
    assert (a["labels"][outside] == b["labels"][outside]).float().mean() >= 0.99


@pytest.mark.parametrize("res", [64, 256])
def test_framing_extreme_poses(res):
    n = 2 if res <= 64 else 1
    p = sample_params(5, n)
    p = with_values(p, {"hair.volume": 1.0, "hair.length": torch.tensor([1.0, 0.3][:n]), "hair.curl": 1.0,
                        "ear.protrusion": 1.0, "ear.size": 1.2, "face.width": 1.07})
    for yaw_deg in (-60.0, 60.0):
        r = render(p, math.radians(yaw_deg), math.radians(20.0), res, res)
        assert not torch.isnan(r["image"]).any()
        assert r["image"].min() >= 0 and r["image"].max() <= 1
        lab = r["labels"]
        assert bool((lab[:, 0, :] == 0).all()), "top row"
        for col in (lab[:, :, 0], lab[:, :, -1]):
            assert bool(((col == 0) | (col == 8)).all()), "left/right column"
        assert bool((r["depth"] <= 1.12 + 1e-5).all() and (r["depth"] >= 0.88 - 1e-5).all())
        assert bool((lab != 0).float().mean(dim=(1, 2)).min() > 0.2)


def test_miss_rule_and_supersample():
    p = sample_params(2, 1)
    r = render(p, 0.0, 0.0, 32, 32, supersample=2)
    assert r["image"].shape == (1, 3, 32, 32) and r["labels"].shape == (1, 32, 32)
    bg = r["labels"] == 0
    assert torch.allclose(r["depth"][bg], torch.tensor(1.12))


def test_sample_points():
    p = sample_params(4, 2)
    s = sample_points(p, 512, seed=0)
    assert s["points"].shape == (2, 512, 3) and s["sdf"].shape == (2, 512, 9)
    assert s["rgb"].shape == (2, 512, 3) and not torch.isnan(s["rgb"]).any()
    assert bool((s["points"].norm(dim=-1) <= 0.1186).all())
    near = s["sdf"][:, :384, 1:].min(-1).values.abs()
    assert float((near < 0.006).float().mean()) > 0.9


def test_compiled_fields_render_the_same_portraits():
    """`compiled_fields` (the world half of TrainConfig `compile`): the fields through torch.compile
    give the eager fields to float rounding, and the renderer the same portraits (labels, image,
    depth); after the block the fields are eager again."""
    from facet.world import sdf as S

    params = sample_params(11, 2)
    pts = (torch.rand(2, 2000, 3, generator=torch.Generator().manual_seed(0)) * 2 - 1) * S.BALL
    eager = render(params, torch.tensor([0.0, 0.6]), torch.tensor([0.1, -0.2]), 48, 48)
    f_eager = region_sdf(pts, params)
    with S.compiled_fields():
        assert S._fields_impl is not S._fields
        f_comp = region_sdf(pts, params)
        comp = render(params, torch.tensor([0.0, 0.6]), torch.tensor([0.1, -0.2]), 48, 48)
    assert S._fields_impl is S._fields
    assert (f_comp - f_eager).abs().max() < 1e-6
    assert (comp["labels"] != eager["labels"]).float().mean() < 1e-3
    assert (comp["image"] - eager["image"]).abs().max() < 1e-2
    assert (comp["image"] - eager["image"]).abs().mean() < 1e-4
    hit = eager["labels"] > 0
    assert (comp["depth"] - eager["depth"])[hit].abs().max() < 1e-3
