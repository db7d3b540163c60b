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
