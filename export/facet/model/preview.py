"""The preview path in PyTorch, mirroring the app's shader (src/viewport/previewMaterial.ts):
bake every region on the grid, fuse (docs/model-format.md), ray-march the fused volume with
trilinear lookups. No network per frame. Used to check that preview and final show the same face."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from facet.camera import rays_for_pose
from facet.model.generator import Generator, fuse


@torch.no_grad()
def bake_all(g: Generator, codes: Tensor) -> dict[str, Tensor]:
    """Fused volume: d [R, R, R] (network units), color [R, R, R, 3] (sigmoid of the color logit),
    label [R, R, R] (argmax region)."""
    k = g.cfg.num_regions
    parts = [g.bake(torch.tensor([r]), codes[2 * r:2 * r + 1], codes[2 * r + 1:2 * r + 2]) for r in range(k)]
    base = g.bake_base(codes[:1])
    f = fuse(base.reshape(-1), torch.stack([p["sdf"].reshape(-1) for p in parts]),
             torch.stack([p["mask_logit"].reshape(-1) for p in parts]),
             torch.stack([p["rgb"].reshape(-1, 3) for p in parts]), g.beta, g.cfg.mask_activation)
    r = g.cfg.bake_resolution
    return {"d": f["d"].reshape(r, r, r), "color": torch.sigmoid(f["c"]).reshape(r, r, r, 3),
            "label": f["m"].argmax(0).reshape(r, r, r)}


def _lookup(grid: Tensor, points: Tensor, bounds: float) -> Tensor:
    """Trilinear lookup like a clamped Data3DTexture: grid [C, R, R, R] ([z, y, x]), points [P, 3]."""
    coords = (points / bounds).clamp(-1, 1).reshape(1, -1, 1, 1, 3)      # grid_sample wants (x, y, z)
    out = F.grid_sample(grid[None], coords, mode="bilinear", padding_mode="border", align_corners=False)
    return out.reshape(grid.shape[0], -1).T


def preview_beta(g: Generator, samples: int) -> Tensor:
    """The preview's beta for `samples` uniform samples over [near, far] (src/model/manifest.ts
    previewBeta): the final beta, but no sharper than a third of a sample step, and never softer
    than the learned beta."""
    cam = g.cfg.camera
    step = (cam.far - cam.near) / (samples - 1) * cam.coord_scale
    return torch.clamp(torch.tensor(step / 3), g.final_beta, g.beta)


@torch.no_grad()
def preview_render(g: Generator, vol: dict[str, Tensor], yaw: float, pitch: float, res: int,
                   samples: int = 128, beta: Tensor | float | None = None) -> dict[str, Tensor]:
    """image [3, res, res] in [0, 1] and depth [res, res] from the fused volume; `beta` defaults to
    the preview's (preview_beta); the final render's depth march uses the final beta and 32 samples."""
    cam = g.cfg.camera
    o, d = rays_for_pose(cam, yaw, pitch, res, res)
    t = torch.linspace(cam.near, cam.far, samples)
    pts = o[:, None] + d[:, None] * t[None, :, None]                         # [N, S, 3]
    grid = torch.cat([vol["color"].permute(3, 0, 1, 2), vol["d"][None]], 0)  # [4, R, R, R]
    v = _lookup(grid, pts.reshape(-1, 3), g.cfg.bake_bounds).reshape(o.shape[0], samples, 4)
    beta = preview_beta(g, samples) if beta is None else beta
    sigma = torch.sigmoid(-v[..., 3] / beta) / beta
    delta = (t[1] - t[0]) * cam.coord_scale
    alpha = torch.cat([1 - torch.exp(-sigma[:, :-1] * delta), torch.ones_like(sigma[:, :1])], 1)
    trans = torch.cumprod(torch.cat([torch.ones_like(alpha[:, :1]), 1 - alpha[:, :-1]], 1), 1)
    w = alpha * trans
    image = (w[..., None] * v[..., :3]).sum(1).reshape(res, res, 3).permute(2, 0, 1)
    depth = (w * t).sum(1).reshape(res, res)
    return {"image": image, "depth": depth}
