"""Volume rendering along rays: sampling, SDF -> density, compositing.

Conventions (docs/model-format.md): samples evenly spaced over each ray's [t0, t1] with both
ends included; delta in network units (world delta x coord_scale), so that beta, in the SDF's
units, sets both the surface's softness and its opacity; the last sample is opaque (it draws the background);
transmittance T_i = exp(-exclusive cumsum(sigma delta)) (no CumProd before opset 26).
"""
from __future__ import annotations

import torch
from torch import Tensor


def sample_along_rays(origins: Tensor, dirs: Tensor, t_bounds: Tensor, samples: int,
                      jitter: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """origins, dirs [..., N, 3], t_bounds [..., N, 2] -> points [..., N, S, 3], t [..., N, S].

    `jitter` [..., N, S] in [-0.5, 0.5] moves interior samples within their bin (training only).
    """
    steps = torch.linspace(0.0, 1.0, samples, dtype=origins.dtype, device=origins.device)
    if jitter is not None:
        inner = torch.ones(samples, dtype=origins.dtype, device=origins.device)
        inner[0] = inner[-1] = 0.0
        steps = steps + jitter * inner / (samples - 1)
    t0, t1 = t_bounds[..., :1], t_bounds[..., 1:]
    t = t0 + (t1 - t0) * steps
    points = origins.unsqueeze(-2) + dirs.unsqueeze(-2) * t.unsqueeze(-1)
    return points, t


def sdf_to_density(sdf: Tensor, beta: Tensor | float) -> Tensor:
    """sigma = sigmoid(-d / beta) / beta (StyleSDF / CNeRF)."""
    return torch.sigmoid(-sdf / beta) / beta


def exclusive_cumsum(x: Tensor, dim: int = -1) -> Tensor:
    return torch.cumsum(x, dim=dim) - x


def composite_weights(sigma: Tensor, t: Tensor, delta_scale: float = 1.0) -> Tensor:
    """sigma, t [..., N, S] -> each sample's compositing weight [..., N, S] (the last sample opaque)."""
    delta = (t[..., 1:] - t[..., :-1]) * delta_scale              # [..., N, S-1]
    tau = sigma[..., :-1] * delta                                 # optical depth per interval
    alpha = torch.cat([1.0 - torch.exp(-tau), torch.ones_like(t[..., :1])], dim=-1)
    trans = torch.exp(-torch.cat([exclusive_cumsum(tau), tau.sum(-1, keepdim=True)], dim=-1))
    return alpha * trans


def composite_image(sigma: Tensor, t: Tensor, rgb_logit: Tensor, delta_scale: float = 1.0) -> Tensor:
    """composite's image alone: image [..., N, 3] in [-1, 1]."""
    return _weighted_image(composite_weights(sigma, t, delta_scale), rgb_logit)


def _weighted_image(w: Tensor, rgb_logit: Tensor) -> Tensor:
    return 2.0 * (w.unsqueeze(-1) * torch.sigmoid(rgb_logit)).sum(-2) - 1.0


def composite(sigma: Tensor, t: Tensor, rgb_logit: Tensor, masks: Tensor,
              delta_scale: float = 1.0) -> dict[str, Tensor]:
    """sigma, t [..., N, S]; rgb_logit [..., N, S, 3]; masks [..., N, S, K] ->
    image [..., N, 3] in [-1, 1], masks [..., N, K], depth [..., N], weights [..., N, S].
    `delta_scale` turns t differences into the units sigma is in (the network's)."""
    w = composite_weights(sigma, t, delta_scale)
    image = _weighted_image(w, rgb_logit)
    return {
        "image": image,
        "masks": (w.unsqueeze(-1) * masks).sum(-2),
        "depth": (w * t).sum(-1),
        "weights": w,
    }


def composite_reference(sigma: Tensor, t: Tensor, rgb_logit: Tensor, masks: Tensor,
                        delta_scale: float = 1.0) -> dict[str, Tensor]:
    """Straightforward per-ray loop with an explicit running product; the tests' reference."""
    n, s = sigma.shape
    image = torch.zeros(n, 3, dtype=sigma.dtype, device=sigma.device)
    out_masks = torch.zeros(n, masks.shape[-1], dtype=sigma.dtype, device=sigma.device)
    depth = torch.zeros(n, dtype=sigma.dtype, device=sigma.device)
    weights = torch.zeros(n, s, dtype=sigma.dtype, device=sigma.device)
    for r in range(n):
        transmittance = 1.0
        for i in range(s):
            a = 1.0 if i == s - 1 else 1.0 - torch.exp(-sigma[r, i] * (t[r, i + 1] - t[r, i]) * delta_scale)
            w = a * transmittance
            weights[r, i] = w
            image[r] += w * (2.0 * torch.sigmoid(rgb_logit[r, i]) - 1.0)
            out_masks[r] += w * masks[r, i]
            depth[r] += w * t[r, i]
            transmittance = transmittance * (1.0 - a)
    return {"image": image, "masks": out_masks, "depth": depth, "weights": weights}
