"""Known-answer tests of the volume renderer, and agreement with a straightforward reference."""
import math

import pytest
import torch

from facet.model.renderer import composite, composite_reference, exclusive_cumsum, sample_along_rays, sdf_to_density


def _t(n, s, t0=0.88, t1=1.12):
    return torch.linspace(t0, t1, s, dtype=torch.float64).expand(n, s).clone()


def test_empty_space_shows_last_sample():
    n, s, k = 4, 16, 9
    t = _t(n, s)
    sigma = torch.zeros(n, s, dtype=torch.float64)
    rgb = torch.zeros(n, s, 3, dtype=torch.float64)
    rgb[:, -1] = torch.tensor([10.0, -10.0, 0.0], dtype=torch.float64)
    masks = torch.zeros(n, s, k, dtype=torch.float64)
    masks[:, -1, 0] = 1.0
    out = composite(sigma, t, rgb, masks)
    assert torch.allclose(out["weights"][:, -1], torch.ones(n, dtype=torch.float64))
    expected = 2 * torch.sigmoid(torch.tensor([10.0, -10.0, 0.0], dtype=torch.float64)) - 1
    assert torch.allclose(out["image"], expected.expand(n, 3))
    assert torch.allclose(out["depth"], torch.full((n,), 1.12, dtype=torch.float64))
    assert torch.allclose(out["masks"][:, 0], torch.ones(n, dtype=torch.float64))


def test_constant_density_matches_beer_lambert():
    n, s, sig = 2, 65, 3.0
    t = _t(n, s, 0.0, 1.0)
    sigma = torch.full((n, s), sig, dtype=torch.float64)
    out = composite(sigma, t, torch.zeros(n, s, 3, dtype=torch.float64), torch.ones(n, s, 1, dtype=torch.float64))
    w = out["weights"][0]
    # Everything but the opaque last sample integrates to 1 - exp(-sigma * length).
    assert w[:-1].sum().item() == pytest.approx(1 - math.exp(-sig), rel=1e-9)
    assert w[-1].item() == pytest.approx(math.exp(-sig), rel=1e-9)
    # Expected depth of an exponential distribution truncated at 1, plus the far-plane mass;
    # the left Riemann sum converges as samples grow.
    t_mid = t[0, :-1]
    assert torch.allclose(out["weights"].sum(1), torch.ones(n, dtype=torch.float64))
    assert (w[:-1] * t_mid).sum().item() == pytest.approx((1 - math.exp(-sig) * (1 + sig)) / sig, abs=2e-2)


def test_sphere_depth():
    """A sphere SDF with a sharp beta: depth along the axis is the distance to its surface."""
    radius, beta = 0.1, 1e-3
    origins = torch.tensor([[0.0, 0.0, 1.0], [0.0, 0.05, 1.0]], dtype=torch.float64)
    dirs = torch.tensor([[0.0, 0.0, -1.0], [0.0, 0.0, -1.0]], dtype=torch.float64)
    tb = torch.tensor([[0.88, 1.12]] * 2, dtype=torch.float64)
    points, t = sample_along_rays(origins, dirs, tb, 2049)
    sdf = points.norm(dim=-1) - radius
    sigma = sdf_to_density(sdf, beta)
    out = composite(sigma, t, torch.zeros(2, 2049, 3, dtype=torch.float64), torch.ones(2, 2049, 1, dtype=torch.float64))
    expect = torch.tensor([1.0 - radius, 1.0 - math.sqrt(radius**2 - 0.05**2)], dtype=torch.float64)
    assert torch.allclose(out["depth"], expect, atol=2e-3)


def test_matches_reference_on_random_inputs():
    g = torch.Generator().manual_seed(1)
    n, s, k = 5, 11, 4
    t = torch.sort(torch.rand(n, s, generator=g, dtype=torch.float64), dim=1).values
    sigma = torch.rand(n, s, generator=g, dtype=torch.float64) * 20
    rgb = torch.randn(n, s, 3, generator=g, dtype=torch.float64)
    masks = torch.rand(n, s, k, generator=g, dtype=torch.float64)
    fast, ref = composite(sigma, t, rgb, masks, 8.3), composite_reference(sigma, t, rgb, masks, 8.3)
    for key in ("image", "masks", "depth", "weights"):
        assert torch.allclose(fast[key], ref[key], atol=1e-12), key


def test_exclusive_cumsum():
    x = torch.tensor([[1.0, 2.0, 3.0]])
    assert exclusive_cumsum(x).tolist() == [[0.0, 1.0, 3.0]]


def test_samples_include_both_ends():
    o = torch.zeros(1, 3)
    d = torch.tensor([[0.0, 0.0, 1.0]])
    _, t = sample_along_rays(o, d, torch.tensor([[0.5, 1.5]]), 5)
    assert t.tolist() == [[0.5, 0.75, 1.0, 1.25, 1.5]]


def _surface_masks_reference(g, codes, o, d, t, sdf, w, last, depth_past, bias=None):
    """ModelConfig.label_depth's masks, one ray at a time with plain loops: each sample's stop (the
    fused SDF's linear zero crossing from the sample before where it falls through zero; the sample
    where both are outside; the sample before where that one is inside), the surface the weighted mean
    of the stops of every sample but the last, the masks the shape layers' softmax at `depth_past`
    beyond it (`bias` [K] added to their logits first), the last sample's weight keeping its masks."""
    shape, _ = g.split_codes(codes)
    out = torch.zeros(o.shape[0], g.cfg.num_regions)
    for r in range(o.shape[0]):
        front, acc = 0.0, 0.0
        for i in range(t.shape[1] - 1):
            stop = t[r, i]
            if i > 0:
                before, here = float(sdf[r, i - 1]), float(sdf[r, i])
                if before <= 0:
                    stop = t[r, i - 1]
                elif here < 0:
                    stop = t[r, i - 1] + before / (before - here + 1e-6) * (t[r, i] - t[r, i - 1])
                else:
                    stop = t[r, i - 1] + before / (before + 1e-6) * (t[r, i] - t[r, i - 1])
            front += float(w[r, i])
            acc += float(w[r, i]) * float(stop)
        p = o[r] + d[r] * ((acc + 1e-6 * float(t[r, -1])) / (front + 1e-6) + depth_past)
        logits = g.local.shape_fields(g.to_net(p[None]), shape)["mask_logit"][:, 0]
        if bias is not None:
            logits = logits + bias
        out[r] = front * torch.softmax(logits, 0) + w[r, -1] * last[r]
    return out


def test_label_depth_reads_the_masks_past_the_surface_and_changes_nothing_else(tiny_refined):
    """label_depth > 0: the final render's masks are the shape layers' labels label_depth world units
    past each ray's surface (against a loop over the rays); the image, depth and weights are the
    composited ones, bit for bit; a ray that meets nothing keeps its last sample's masks; 0 is the
    composited masks."""
    import dataclasses

    from facet.camera import rays_for_pose

    g = tiny_refined
    cfg0 = g.cfg
    codes = g.mapping(torch.randn(g.cfg.num_regions * 2, g.cfg.z_dim, generator=torch.Generator().manual_seed(3)), 0.7)
    o, d = rays_for_pose(g.cfg.camera, 0.3, -0.1, 16, 16)
    cam = g.cfg.camera
    tb = torch.tensor([cam.near, cam.far]).expand(o.shape[0], 2)
    try:
        with torch.no_grad():
            g.cfg = dataclasses.replace(cfg0, label_depth=0.0, label_bias=())
            a = g.render_rays(codes, o, d, tb, samples=12, beta_scale=0.25, label_depth=g.cfg.label_depth)
            b = g.render_rays(codes, o, d, tb, samples=12, beta_scale=0.25, label_depth=0.004)
    finally:
        g.cfg = cfg0
    for key in ("image", "depth", "weights", "sdf"):
        assert torch.equal(a[key], b[key]), key
    s = 12
    last = g.fields(a["points"][:, -1], codes, beta_scale=0.25)["m"].transpose(0, 1)
    t = torch.linspace(0, 1, s)[None] * (tb[:, 1:] - tb[:, :1]) + tb[:, :1]
    ref = _surface_masks_reference(g, codes, o, d, t, a["sdf"], a["weights"], last, 0.004)
    torch.testing.assert_close(b["masks"], ref, atol=2e-5, rtol=1e-4)
    hit = a["weights"][:, :-1].sum(-1) > 0.5
    assert 0 < int(hit.sum()) < o.shape[0], "the view should show both the head and the background"
    changed = (a["masks"].argmax(-1) != b["masks"].argmax(-1))
    assert bool(changed[hit].any()), "reading past the surface should move some labels"
    miss = a["weights"][:, -1] > 1 - 1e-6
    torch.testing.assert_close(b["masks"][miss], a["masks"][miss])


def test_image_beta_scale_composites_the_colours_alone_with_a_softer_density(tiny_refined):
    """image_beta_scale > 0: the final render's image is the one composited with beta * image_beta_scale
    over the same samples (against the whole render at that beta); its masks, depth, weights and SDF stay
    those of beta_scale, bit for bit; the softer colours differ where a ray grazes the surface; 0 (or
    the same scale) changes nothing."""
    from facet.camera import rays_for_pose

    g = tiny_refined
    codes = g.mapping(torch.randn(g.cfg.num_regions * 2, g.cfg.z_dim, generator=torch.Generator().manual_seed(5)), 0.7)
    o, d = rays_for_pose(g.cfg.camera, -0.2, 0.1, 16, 16)
    cam = g.cfg.camera
    tb = torch.tensor([cam.near, cam.far]).expand(o.shape[0], 2)
    kw = dict(samples=12, label_depth=0.004)
    with torch.no_grad():
        sharp = g.render_rays(codes, o, d, tb, beta_scale=0.25, **kw)
        same = g.render_rays(codes, o, d, tb, beta_scale=0.25, image_beta_scale=0.25, **kw)
        mixed = g.render_rays(codes, o, d, tb, beta_scale=0.25, image_beta_scale=1.0, **kw)
        soft = g.render_rays(codes, o, d, tb, beta_scale=1.0, **kw)
    for key in ("image", "masks", "depth", "weights", "sdf"):
        assert torch.equal(sharp[key], same[key]), key
    for key in ("masks", "depth", "weights", "sdf"):
        assert torch.equal(sharp[key], mixed[key]), key
    torch.testing.assert_close(mixed["image"], soft["image"], atol=1e-6, rtol=1e-5)
    assert float((mixed["image"] - sharp["image"]).abs().max()) > 1e-2, "a softer density should change some colours"


def test_label_bias_is_a_prior_on_the_label_points_logits(tiny_refined):
    """label_bias (the final render's label prior): each region's number is added to its mask logit at
    the label point, before the softmax (against the loop over the rays); the image, depth and weights
    do not change; it moves labels (the test's prior is large enough to); without a label point it is
    refused, and so is a prior of the wrong length."""
    import dataclasses

    import pytest

    from facet.camera import rays_for_pose
    from facet.config import parse_label_bias

    g = tiny_refined
    k = g.cfg.num_regions
    prior = tuple(1.5 * ((r % 3) - 1) for r in range(k))
    codes = g.mapping(torch.randn(k * 2, g.cfg.z_dim, generator=torch.Generator().manual_seed(4)), 0.7)
    o, d = rays_for_pose(g.cfg.camera, -0.2, 0.1, 16, 16)
    cam = g.cfg.camera
    tb = torch.tensor([cam.near, cam.far]).expand(o.shape[0], 2)
    with torch.no_grad():
        a = g.render_rays(codes, o, d, tb, samples=12, beta_scale=0.25, label_depth=0.004)
        b = g.render_rays(codes, o, d, tb, samples=12, beta_scale=0.25, label_depth=0.004, label_bias=prior)
        for key in ("image", "depth", "weights", "sdf"):
            assert torch.equal(a[key], b[key]), key
        last = g.fields(a["points"][:, -1], codes, beta_scale=0.25)["m"].transpose(0, 1)
        t = torch.linspace(0, 1, 12)[None] * (tb[:, 1:] - tb[:, :1]) + tb[:, :1]
        ref = _surface_masks_reference(g, codes, o, d, t, a["sdf"], a["weights"], last, 0.004, torch.tensor(prior))
    torch.testing.assert_close(b["masks"], ref, atol=2e-5, rtol=1e-4)
    assert (a["masks"].argmax(-1) != b["masks"].argmax(-1)).any()
    with pytest.raises(ValueError, match="label_depth"):
        g.render_rays(codes, o, d, tb, label_depth=0.0, label_bias=prior)
    with pytest.raises(ValueError, match="one number per region"):
        dataclasses.replace(g.cfg, label_bias=prior[:-1])
    with pytest.raises(ValueError, match="label_depth > 0"):
        dataclasses.replace(g.cfg, label_depth=0.0)           # tiny_refined has a prior
    regions = g.cfg.regions
    assert parse_label_bias("none", regions) == ()
    assert parse_label_bias(f"{regions[2]}=-0.5, {regions[1]}=1", regions) == (0.0, 1.0, -0.5) + (0.0,) * (k - 3)
    for text, why in (("brows=1", "unknown region 'brows'"), ("hair", "is not REGION=NUMBER"),
                      ("hair=x", "is not a number"), ("hair=20", "outside")):
        with pytest.raises(ValueError, match=why):
            parse_label_bias(text, regions)
