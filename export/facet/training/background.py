"""The `background` objective: the background's colour (ModelConfig.background_poly) fitted to the
synthetic world's own background, with no rendering.

The world draws its background from five of the background's parameters (hue, saturation,
lightness, gradient and its angle) as a function of a point's world x and y alone
(`facet.world.shade.background`; the renderer reads it on the far sphere, the 3D colour targets in
the air). So each step draws portraits' parameters and points in the square of x and y that the
model's pose range sees on the far sphere, and fits the polynomial colour, through the background's
texture row of the mapping and the coefficients' head, to the world's colour there (L1). What
trains is set as for the other objectives (`train_regions=background`, `train_parts=texture`).
"""
from __future__ import annotations

import torch
from torch import Tensor

from facet.model.field import poly_basis
from facet.model.generator import Generator

# world units: |x|, |y| of the far sphere's points over the pose range (yaw +-60, pitch +-25 degrees,
# the whole frame) stay under about 0.17; the square is a little wider
EXTENT = 0.18
BACKGROUND_TEXTURE_ROW = 1   # code rows: region k's shape code is row 2k, its texture code 2k + 1


def background_colour(g: Generator, z: Tensor, points: Tensor) -> Tensor:
    """z [n, 2K, Z], world points [n, m, 3] -> the model's background colour there [n, m, 3] in [0, 1]:
    the same numbers as the background's row of `g.fields(...)["rgb"]` (after the sigmoid)."""
    codes = g.mapping(z, 1.0)
    _, texture = g.split_codes(codes)
    x = g.to_net(points)
    coef = g.local.background_rgb(texture[:, None, :1, :])                 # [n, 1, 1, 3 T]
    coef = coef.reshape(z.shape[0], 3, -1).transpose(-1, -2)               # [n, T, 3]
    return torch.sigmoid(poly_basis(x, g.cfg.background_poly) @ coef)


def world_background(seed: int, n: int, m: int) -> dict[str, Tensor]:
    """n portraits of the world (parameters from `seed`) and m points each, uniform in the square
    |x|, |y| <= EXTENT (z = 0: the world's background does not read it): z, points, colour."""
    from facet.world import params_to_latent, sample_params
    from facet.world import sdf as S
    from facet.world.shade import background

    gen = torch.Generator().manual_seed(seed)
    params = sample_params(seed, n)
    xy = (torch.rand(n, m, 2, generator=gen) * 2 - 1) * EXTENT
    points = torch.cat([xy, torch.zeros(n, m, 1)], -1)
    q = {k: v.reshape(n, 1).expand(n, m) for k, v in S.named(params).items()}
    return {"z": params_to_latent(params), "points": points, "rgb": background(points, q)}


class BackgroundObjective:
    """One step: `batch` portraits (fresh parameters every step; seeds under EVAL_SEED_BASE), `points`
    points each; L1 between the model's background colour and the world's."""

    def __init__(self, g: Generator, batch: int, points: int, seed: int):
        if not g.cfg.background_poly:
            raise ValueError("objective=background fits the background's polynomial colour: the model has "
                             "none (background_poly=0; model preset default-refine-bg has it)")
        self.batch, self.points = batch, points
        self.next_seed = seed * 10_000_000 + 5_000_000
        from facet.training.synthetic_data import EVAL_SEED_BASE
        assert self.next_seed + 10_000_000 < EVAL_SEED_BASE

    def step(self, model: Generator) -> dict[str, Tensor]:
        w = world_background(self.next_seed, self.batch, self.points)
        self.next_seed += 1
        dev = next(model.parameters()).device
        pred = background_colour(model, w["z"].to(dev), w["points"].to(dev))
        err = pred - w["rgb"].to(dev)
        loss = err.abs().mean()
        with torch.no_grad():
            psnr = -10 * torch.log10(err.pow(2).mean().clamp_min(1e-10))
        return {"background": loss, "total": loss, "psnr": psnr}

    def state_dict(self) -> dict:
        return {"next_seed": self.next_seed}

    def load_state_dict(self, state: dict) -> None:
        self.next_seed = int(state["next_seed"])
