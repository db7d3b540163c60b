"""The exported graphs as small modules with fixed, named inputs and outputs.

Each wrapper's `inputs()` gives example tensors with the exact shapes the app feeds, so the
export, the parity tests and the manifest all read one definition.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from facet.camera import rays_for_pose
from facet.model.generator import Generator


class MappingGraph(nn.Module):
    input_names = ("z", "psi")
    output_names = ("codes",)

    def __init__(self, g: Generator):
        super().__init__()
        self.g = g

    def forward(self, z: Tensor, psi: Tensor) -> Tensor:
        return self.g.mapping(z, psi)

    def inputs(self, seed: int = 0) -> tuple[Tensor, ...]:
        c = self.g.cfg
        gen = torch.Generator().manual_seed(seed)
        return torch.randn(c.num_codes, c.z_dim, generator=gen), torch.tensor([0.7])


class BakeGraph(nn.Module):
    """One region's fields on the bake grid; with `bake_slab` > 0 on one slab of `bake_slab`
    z-planes a run (the `slab` input picks which), the grid in R / bake_slab runs."""
    output_names = ("sdf", "mask_logit", "rgb")

    def __init__(self, g: Generator):
        super().__init__()
        self.g = g
        self.input_names = ("region", "shape_code", "texture_code") + (("slab",) if g.cfg.bake_slab else ())

    def forward(self, region: Tensor, shape_code: Tensor, texture_code: Tensor, slab: Tensor | None = None):
        b = self.g.bake(region, shape_code, texture_code, slab)
        return b["sdf"], b["mask_logit"], b["rgb"]

    def inputs(self, seed: int = 0, region: int = 3, slab: int = 1) -> tuple[Tensor, ...]:
        codes = _codes(self.g, seed)
        return (torch.tensor([region], dtype=torch.int64), codes[2 * region:2 * region + 1],
                codes[2 * region + 1:2 * region + 2]) + _slab(self.g, slab)


class BakeBaseGraph(nn.Module):
    """The base SDF on the bake grid, in slabs as `BakeGraph`."""
    output_names = ("sdf",)

    def __init__(self, g: Generator):
        super().__init__()
        self.g = g
        self.input_names = ("shape_code",) + (("slab",) if g.cfg.bake_slab else ())

    def forward(self, shape_code: Tensor, slab: Tensor | None = None) -> Tensor:
        return self.g.bake_base(shape_code, slab)

    def inputs(self, seed: int = 0, slab: int = 1) -> tuple[Tensor, ...]:
        return (_codes(self.g, seed)[:1],) + _slab(self.g, slab)


class FinalGraph(nn.Module):
    input_names = ("codes", "ray_origins", "ray_dirs", "t_bounds")
    output_names = ("image", "masks", "depth")

    def __init__(self, g: Generator):
        super().__init__()
        self.g = g

    def forward(self, codes: Tensor, ray_origins: Tensor, ray_dirs: Tensor, t_bounds: Tensor):
        out = self.g.render_rays(codes, ray_origins, ray_dirs, t_bounds, beta_scale=self.g.cfg.final_beta_scale,
                                 label_depth=self.g.cfg.label_depth, label_bias=self.g.cfg.label_bias,
                                 image_beta_scale=self.g.cfg.image_beta_scale)
        return out["image"], out["masks"], out["depth"]

    def inputs(self, seed: int = 0, yaw: float = 0.2, pitch: float = -0.1) -> tuple[Tensor, ...]:
        c = self.g.cfg
        res = c.resolution
        o, d = rays_for_pose(c.camera, yaw, pitch, res, res)
        n = c.tile_rays
        start = (res * res // 2 - n // 2) if res * res > n else 0   # a tile through the face
        o, d = _take(o, start, n), _take(d, start, n)
        tb = torch.tensor([[c.camera.near, c.camera.far]]).expand(n, 2).contiguous()
        return _codes(self.g, seed), o, d, tb


class ReshapeGraph(nn.Module):
    """The mask-painting search's proposal step: `reshape_batch` candidate z rows of one region's
    shape code -> that region's SDF offset and mask logit on a `reshape_resolution`^3 grid over a
    world box around the edit (the texture layers are skipped: they change neither). Only for models whose SDF and
    masks come from the shape layers alone."""
    input_names = ("region", "z", "psi", "box_min", "box_max")
    output_names = ("sdf", "mask_logit")

    def __init__(self, g: Generator):
        super().__init__()
        self.g = g

    @staticmethod
    def supported(g: Generator) -> bool:
        return g.cfg.sdf_from == "shape" and not g.cfg.view_dependent

    def forward(self, region: Tensor, z: Tensor, psi: Tensor, box_min: Tensor, box_max: Tensor):
        f = self.g.reshape_fields(region, z, psi, box_min, box_max, self.g.cfg.reshape_resolution)
        return f["sdf"], f["mask_logit"]

    def inputs(self, seed: int = 0, region: int = 7) -> tuple[Tensor, ...]:
        c = self.g.cfg
        gen = torch.Generator().manual_seed(seed)
        b = c.bake_bounds
        return (torch.tensor([region], dtype=torch.int64), torch.randn(c.reshape_batch, c.z_dim, generator=gen),
                torch.tensor([c.truncation_psi]), torch.tensor([-b, -0.5 * b, -b]), torch.tensor([0.5 * b, b, 0.8 * b]))


def _slab(g: Generator, slab: int) -> tuple[Tensor, ...]:
    """The `slab` input of the bake graphs, when they take one ([1] int64; within the grid)."""
    if not g.cfg.bake_slab:
        return ()
    return (torch.tensor([slab % (g.cfg.bake_resolution // g.cfg.bake_slab)], dtype=torch.int64),)


def _take(x: Tensor, start: int, n: int) -> Tensor:
    idx = (torch.arange(n) + start) % x.shape[0]
    return x[idx].contiguous()


@torch.no_grad()
def _codes(g: Generator, seed: int) -> Tensor:
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(g.cfg.num_codes, g.cfg.z_dim, generator=gen)
    return g.mapping(z, torch.tensor([0.7]))


GRAPHS = {"mapping": MappingGraph, "bake": BakeGraph, "bake_base": BakeBaseGraph, "final": FinalGraph,
          "reshape": ReshapeGraph}


def graphs_for(g: Generator) -> dict[str, type[nn.Module]]:
    """The graphs a model exports: every graph whose `supported(g)` holds (default: all)."""
    return {k: cls for k, cls in GRAPHS.items() if getattr(cls, "supported", lambda _g: True)(g)}
