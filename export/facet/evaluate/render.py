"""Rendering a generator at full resolution the way the app's final render does it: a coarse
pass locates the surface, then each ray is sampled only around it (`final` graph semantics,
t_bounds per ray). Used by `facet eval` and the reshape benchmark."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from facet.camera import cam2world, camera_dirs, rays_for_pose
from facet.model.generator import Generator


@torch.no_grad()
def coarse_depth(g: Generator, codes: Tensor, yaw: float, pitch: float, res: int, coarse_res: int = 64,
                 samples: int = 32, chunk: int = 4096) -> Tensor:
    """Depth [res * res] from a coarse uniform render, bilinearly upsampled (min_pool3 then finds edges).
    With the final render's beta, as the app's depth march (src/viewport/finalRender.ts): a softer one
    puts the surface of rays that pass just outside the silhouette at the silhouette, and the final
    samples there end on an opaque sample next to the head instead of the background."""
    cam = g.cfg.camera
    o, d = rays_for_pose(cam, yaw, pitch, coarse_res, coarse_res)
    tb = torch.tensor([cam.near, cam.far]).expand(o.shape[0], 2)
    depth = torch.cat([g.render_rays(codes, o[i:i + chunk], d[i:i + chunk], tb[i:i + chunk], samples=samples,
                                     beta_scale=g.cfg.final_beta_scale)["depth"]
                       for i in range(0, o.shape[0], chunk)])
    img = F.interpolate(depth.reshape(1, 1, coarse_res, coarse_res), size=(res, res), mode="bilinear",
                        align_corners=False)
    return img.reshape(-1)


def min_pool3(depth: Tensor, res: int) -> Tensor:
    """The nearer of each pixel's 3x3 neighbours (src/kernels/surface.ts minPool3)."""
    return -F.max_pool2d(-depth.reshape(1, 1, res, res), 3, stride=1, padding=1).reshape(-1)


def surface_bounds(nearest: Tensor, own: Tensor, near: float, far: float, margin: float) -> Tensor:
    """t_bounds [N, 2] around the pooled depth `nearest`; background rays keep their far end and
    silhouette rays (own depth > 2 margin behind) reach it (src/kernels/surface.ts surfaceBounds)."""
    t0 = (nearest - margin).clamp(near, far)
    t1 = torch.where(own - nearest > 2 * margin, torch.full_like(own, far), (nearest + margin).clamp(near, far))
    t0 = torch.minimum(t0, t1 - 1e-3)
    return torch.stack([t0, t1], -1)


def edge_pixels(labels: Tensor) -> Tensor:
    """Indices (row-major) of the pixels of labels [H, W] with a differently labelled pixel among
    their 8 neighbours (src/kernels/surface.ts edgePixels)."""
    lab = labels[None, None].float()
    hi = F.max_pool2d(lab, 3, stride=1, padding=1)
    lo = -F.max_pool2d(-lab, 3, stride=1, padding=1)
    return torch.nonzero((hi != lo).reshape(-1)).squeeze(1)


def subpixel_rays(spec, yaw: float, pitch: float, res: int, pixels: Tensor, s: int) -> tuple[Tensor, Tensor]:
    """The s * s rays of each pixel in `pixels` (the pixels of a res * s image inside it),
    [len(pixels) * s * s, 3] each, pixel-major (src/kernels/camera.ts subpixelRays)."""
    c2w = cam2world(yaw, pitch, spec.radius)
    row, col = pixels // res, pixels % res
    sub = torch.arange(s)
    r = (row[:, None, None] * s + sub[None, :, None]).expand(-1, s, s).reshape(-1)
    c = (col[:, None, None] * s + sub[None, None, :]).expand(-1, s, s).reshape(-1)
    d_cam = camera_dirs(res * s, res * s, spec.fov_deg).reshape(res * s, res * s, 3)[r, c]
    d = d_cam @ c2w[:3, :3].T
    return c2w[:3, 3].expand_as(d).float(), d.float()


@torch.no_grad()
def render_image(g: Generator, codes: Tensor, yaw: float, pitch: float, res: int = 256,
                 samples: int | None = None, margin: float | None = None, chunk: int = 8192,
                 surface_depth: Tensor | None = None, edge_supersample: int | None = None,
                 t_bounds: Tensor | None = None) -> dict[str, Tensor]:
    """image [3, res, res] in [0, 1], labels [res, res], masks [K, res, res], depth [res, res].
    `surface_depth` [res * res]: where the surface is (the app passes the preview's depth);
    by default a coarse network render finds it. `edge_supersample` s (default
    cfg.final_edge_supersample): the pixels next to another label are rendered again with s * s
    rays each (within the pixel's own t_bounds) and take their mean image and masks, as the
    world's ground truth is anti-aliased; 1 turns it off. `t_bounds` [res * res, 2]: every ray's
    bounds, given (the app's, without a preview volume: [near, far]) instead of found."""
    cam = g.cfg.camera
    if t_bounds is not None:
        tb = t_bounds
    else:
        depth0 = coarse_depth(g, codes, yaw, pitch, res) if surface_depth is None else surface_depth
        tb = surface_bounds(min_pool3(depth0, res), depth0, cam.near, cam.far,
                            g.cfg.surface_margin if margin is None else margin)
    o, d = rays_for_pose(cam, yaw, pitch, res, res)

    def run(o: Tensor, d: Tensor, tb: Tensor) -> dict[str, Tensor]:
        parts = [g.render_rays(codes, o[i:i + chunk], d[i:i + chunk], tb[i:i + chunk], samples=samples,
                               beta_scale=g.cfg.final_beta_scale, label_depth=g.cfg.label_depth, label_bias=g.cfg.label_bias,
                               image_beta_scale=g.cfg.image_beta_scale)
                 for i in range(0, o.shape[0], chunk)]
        return {key: torch.cat([p[key] for p in parts]) for key in ("image", "masks", "depth")}

    out = run(o, d, tb)                                     # flat: image [P, 3], masks [P, K], depth [P]
    s = g.cfg.final_edge_supersample if edge_supersample is None else int(edge_supersample)
    if s > 1:
        edges = edge_pixels(out["masks"].argmax(1).reshape(res, res))
        if edges.numel():
            so, sd = subpixel_rays(cam, yaw, pitch, res, edges, s)
            sub = run(so, sd, tb[edges].repeat_interleave(s * s, 0))
            for key in ("image", "masks"):
                out[key][edges] = sub[key].reshape(edges.numel(), s * s, -1).mean(1)
    image = out["image"].reshape(res, res, 3).permute(2, 0, 1)
    masks = out["masks"].reshape(res, res, -1).permute(2, 0, 1)
    depth = out["depth"].reshape(res, res)
    return {"image": ((image + 1) / 2).clamp(0, 1), "labels": masks.argmax(0), "masks": masks, "depth": depth}
