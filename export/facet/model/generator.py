"""The compositional generator: mapping + per-region local generators + base SDF + fusion.

Fusion as CNeRF: d = d_base + sum_k delta_d_k; sigma = sigmoid(-d / beta) / beta with a learned
beta; color logit c = sum_k m_k rgb_k; region masks integrate m_k. `mask_activation` chooses
m_k = softmax over regions of the mask logits (Facet's default) or the raw logits (CNeRF).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from facet.config import ModelConfig
from facet.model.field import LocalGenerators, Mapping, assert_shape, grid_positional_encoding, pick
from facet.model.renderer import composite, composite_image, sample_along_rays, sdf_to_density


def grid_axis(resolution: int, bounds: float) -> Tensor:
    """Voxel centres along one axis of the bake grid, [R] world units."""
    return -bounds + (torch.arange(resolution, dtype=torch.float32) + 0.5) * (2 * bounds / resolution)


def slab_axis(resolution: int, bounds: float, slab: Tensor, depth: int) -> Tensor:
    """The z voxel centres of slab `slab` [1] int64 of `depth` planes, [depth] world units: planes
    slab * depth .. + depth - 1 of `grid_axis`, the same numbers, picked by one Gather on the slab
    index (`pick`: no Cast or Reshape of an int64, which WebGPU's provider would run on the CPU)."""
    table = grid_axis(resolution, bounds).to(slab.device).reshape(resolution // depth, depth)
    return pick(table, slab).reshape(depth)


def lattice(cz: Tensor, cy: Tensor, cx: Tensor) -> Tensor:
    """The points of the lattice of three axes, [Z * Y * X, 3] (x, y, z), flat index (iz * Y + iy) * X + ix."""
    zz, yy, xx = torch.meshgrid(cz, cy, cx, indexing="ij")
    return torch.stack([xx, yy, zz], dim=-1).reshape(-1, 3)


def grid_points(resolution: int, bounds: float) -> Tensor:
    """Voxel centres of the bake grid, [R^3, 3] world units, flat index (iz * R + iy) * R + ix."""
    c = grid_axis(resolution, bounds)
    return lattice(c, c, c)


def fuse(base_sdf: Tensor, sdf: Tensor, mask_logit: Tensor, rgb: Tensor, beta: Tensor,
         mask_activation: str) -> dict[str, Tensor]:
    """base_sdf [..., P], per-region sdf/mask_logit [..., K, P], rgb [..., K, P, 3] ->
    d [..., P], sigma [..., P], m [..., K, P], c [..., P, 3] (color logit)."""
    d = base_sdf + sdf.sum(-2)
    m = torch.softmax(mask_logit, dim=-2) if mask_activation == "softmax" else mask_logit
    c = (m.unsqueeze(-1) * rgb).sum(-3)
    return {"d": d, "sigma": sdf_to_density(d, beta), "m": m, "c": c}


class Generator(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.mapping = Mapping(cfg)
        self.local = LocalGenerators(cfg, cfg.num_regions)
        self.base = LocalGenerators(cfg, 1, base=True)
        self.log_beta = nn.Parameter(torch.tensor(float(cfg.beta_init)).log())
        # which code rows train (None: all; set by freeze_all_but). Where no shape row (or no
        # texture row) trains, split_codes detaches those codes, so no backward pass runs through
        # what only they reach: a texture-only stage skips every shape layer's backward
        self.grad_rows: tuple[bool, ...] | None = None

    @property
    def beta(self) -> Tensor:
        return self.log_beta.exp()

    @property
    def final_beta(self) -> Tensor:
        """The final render's beta (its graph and its depth march): beta * cfg.final_beta_scale."""
        return self.beta * self.cfg.final_beta_scale

    def split_codes(self, codes: Tensor) -> tuple[Tensor, Tensor]:
        """codes [..., 2K, C] -> shape codes [..., K, C], texture codes [..., K, C]."""
        if tuple(codes.shape[-2:]) != (self.cfg.num_codes, self.cfg.code_dim):
            raise ValueError(f"codes: expected [..., {self.cfg.num_codes}, {self.cfg.code_dim}], got {tuple(codes.shape)}")
        c = codes.reshape(*codes.shape[:-2], self.cfg.num_regions, 2, self.cfg.code_dim)
        shape, texture = c[..., 0, :], c[..., 1, :]
        rows = self.grad_rows
        if rows is not None and codes.requires_grad:   # frozen rows: same gradients, less backward
            shape = shape if any(rows[0::2]) else shape.detach()
            texture = texture if any(rows[1::2]) else texture.detach()
        return shape, texture

    def to_net(self, points: Tensor) -> Tensor:
        return points * self.cfg.camera.coord_scale

    def fields(self, points: Tensor, codes: Tensor, view: Tensor | None = None,
               beta_scale: float = 1.0) -> dict[str, Tensor]:
        """World points [..., P, 3], codes [..., 2K, C] -> every region's fields and the fused field
        (density with beta * beta_scale)."""
        shape, texture = self.split_codes(codes)
        x = self.to_net(points)
        local = self.local(x, shape, texture, view=view)
        base = self.base(x, shape[..., :1, :])["sdf"].squeeze(-2)
        fused = fuse(base, local["sdf"], local["mask_logit"], local["rgb"],
                     self.beta * beta_scale, self.cfg.mask_activation)
        return {**local, "base_sdf": base, **fused}

    def render_rays(self, codes: Tensor, origins: Tensor, dirs: Tensor, t_bounds: Tensor,
                    samples: int | None = None, jitter: Tensor | None = None,
                    beta_scale: float = 1.0, label_depth: float = 0.0,
                    label_bias: tuple[float, ...] = (), image_beta_scale: float = 0.0) -> dict[str, Tensor]:
        """Rays [..., N, 3] x2, t_bounds [..., N, 2] -> image [..., N, 3], masks [..., N, K],
        depth [..., N] (+ weights, sdf, points). Leading dims: portraits (training).
        `beta_scale`: cfg.final_beta_scale for rays sampled around the surface as the final render
        samples them, 1 for uniform ones. `label_depth` > 0 (cfg.label_depth, the final render's):
        the masks are read that many world units past the surface (`surface_masks`), with
        `label_bias` (cfg.label_bias, the final render's; () = none) added to their logits there.
        `image_beta_scale` > 0 (cfg.image_beta_scale, the final render's): the image alone is composited
        with beta * image_beta_scale, from the same samples; masks, depth and weights keep `beta_scale`."""
        *lead, n, _ = origins.shape
        s = samples or self.cfg.samples_per_ray
        points, t = sample_along_rays(origins, dirs, t_bounds, s, jitter)
        f = self.fields(points.reshape(*lead, n * s, 3), codes, beta_scale=beta_scale)
        k = self.cfg.num_regions
        out = composite(
            f["sigma"].reshape(*lead, n, s), t, f["c"].reshape(*lead, n, s, 3),
            f["m"].reshape(*lead, k, n, s).movedim(-3, -1), self.cfg.camera.coord_scale,
        )
        out["sdf"] = f["d"].reshape(*lead, n, s)
        out["points"] = points
        if image_beta_scale > 0 and image_beta_scale != beta_scale:
            sigma = sdf_to_density(out["sdf"], self.beta * image_beta_scale)
            out["image"] = composite_image(sigma, t, f["c"].reshape(*lead, n, s, 3), self.cfg.camera.coord_scale)
        if label_depth > 0:
            last = f["m"].reshape(*lead, k, n, s)[..., -1]                      # [..., K, N]
            out["masks"] = self.surface_masks(codes, origins, dirs, t, out["sdf"], out["weights"],
                                              last.movedim(-2, -1), label_depth, label_bias)
        elif label_bias:
            raise ValueError("render_rays: label_bias acts at the label point; it needs label_depth > 0")
        return out

    def surface_masks(self, codes: Tensor, origins: Tensor, dirs: Tensor, t: Tensor, d: Tensor, w: Tensor,
                      last_masks: Tensor, label_depth: float, label_bias: tuple[float, ...] = ()) -> Tensor:
        """The masks [..., N, K] read `label_depth` world units past each ray's surface instead of
        composited over its samples (ModelConfig.label_depth). Sample i's stop lies between samples
        i - 1 and i at the fraction a / (a + b) with a = max(d_{i-1}, 0), b = max(-d_i, 0) (d [..., N, S]
        the fused SDF): the SDF's linear zero crossing where it falls through 0 there, t_i where both
        are outside (a sample made opaque just before the surface), t_{i-1} where the ray was already
        inside (such a sample has no weight). The surface is the mean of the stops weighted by the
        compositing weights w of every sample but the last (the last sample where they are all 0),
        whose weight (the background's) keeps that sample's masks `last_masks` [..., N, K]. `label_bias`
        (one number per region, or ()) is added to the mask logits at that point (ModelConfig.label_bias). Only ops
        the WebGPU provider runs in the exported graph: no comparison, Where, Clip or gather
        (max(x, 0) is a LeakyRelu of slope 0)."""
        a = F.leaky_relu(d[..., :-1], 0.0)
        b = F.leaky_relu(-d[..., 1:], 0.0)
        frac = a / (a + b + 1e-6)          # (an epsilon under 1e-8 the exporter drops as a zero)
        stop = torch.cat([t[..., :1], t[..., :-1] + frac * (t[..., 1:] - t[..., :-1])], -1)   # [..., N, S]
        wf = w[..., :-1]
        front = wf.sum(-1, keepdim=True)                                                       # [..., N, 1]
        depth = ((wf * stop[..., :-1]).sum(-1, keepdim=True) + 1e-6 * t[..., -1:]) / (front + 1e-6) + label_depth
        shape, _ = self.split_codes(codes)
        f = self.local.shape_fields(self.to_net(origins + dirs * depth), shape)
        logit = f["mask_logit"]                                                                # [..., K, N]
        if label_bias:
            if len(label_bias) != logit.shape[-2] or self.cfg.mask_activation != "softmax":
                raise ValueError(f"surface_masks: label_bias needs {logit.shape[-2]} numbers and softmax masks")
            logit = logit + torch.tensor(label_bias, dtype=logit.dtype, device=logit.device).unsqueeze(-1)
        m = torch.softmax(logit, dim=-2) if self.cfg.mask_activation == "softmax" else logit
        return front * m.movedim(-2, -1) + w[..., -1:] * last_masks

    def _bake_axes(self, slab: Tensor | None, device: torch.device) -> tuple[Tensor, Tensor, int]:
        """Network-unit axes of the bake grid, or of slab `slab` of it (cfg.bake_slab z-planes): z, y = x, depth."""
        r, b = self.cfg.bake_resolution, self.cfg.bake_bounds
        c = grid_axis(r, b)
        if slab is None:
            cz, depth = c, r
        else:
            if not self.cfg.bake_slab:
                raise ValueError("bake: a slab needs cfg.bake_slab > 0")
            cz, depth = slab_axis(r, b, slab, self.cfg.bake_slab), self.cfg.bake_slab
        return self.to_net(cz).to(device), self.to_net(c).to(device), depth

    def bake(self, region: Tensor, shape_code: Tensor, texture_code: Tensor,
             slab: Tensor | None = None) -> dict[str, Tensor]:
        """One region's fields on the bake grid: sdf, mask_logit [R, R, R], rgb [R, R, R, 3]; with
        `slab` [1] int64, on that slab's cfg.bake_slab z-planes only: [S, R, R] (the exported graph's runs)."""
        cz, c, depth = self._bake_axes(slab, shape_code.device)
        r, cfg = self.cfg.bake_resolution, self.cfg
        pe = grid_positional_encoding(cz, c, c, cfg.texture_pe, cfg.texture_pe_max) if cfg.texture_pe else None
        f = self.local(lattice(cz, c, c), shape_code, texture_code, index=region, pe=pe)
        return {"sdf": f["sdf"].reshape(depth, r, r), "mask_logit": f["mask_logit"].reshape(depth, r, r),
                "rgb": f["rgb"].reshape(depth, r, r, 3)}

    def bake_base(self, shape_code: Tensor, slab: Tensor | None = None) -> Tensor:
        """The base SDF on the bake grid [R, R, R], or on slab `slab` of it [S, R, R]."""
        cz, c, depth = self._bake_axes(slab, shape_code.device)
        r = self.cfg.bake_resolution
        return self.base(lattice(cz, c, c), shape_code)["sdf"].reshape(depth, r, r)

    def reshape_fields(self, region: Tensor, z: Tensor, psi: Tensor, box_min: Tensor, box_max: Tensor,
                       resolution: int) -> dict[str, Tensor]:
        """B candidate z rows of one region's shape code -> that region's sdf and mask_logit on an
        R^3 grid of voxel centres over the world box [box_min, box_max], [B, R, R, R] each."""
        b = z.shape[0]
        code = self.mapping.map_row(region, z, psi, stride=2)            # [B, C]
        unit = grid_points(resolution, 0.5) + 0.5                          # voxel centres in [0, 1]^3
        x = self.to_net(box_min.reshape(1, 3) + unit * (box_max - box_min).reshape(1, 3))
        f = self.local.shape_fields(x, code.unsqueeze(1), index=region,  # [B, 1, P]
                                    refine=self.cfg.reshape_mask_refine)
        r = resolution
        return {"sdf": f["sdf"].reshape(b, r, r, r), "mask_logit": f["mask_logit"].reshape(b, r, r, r)}
