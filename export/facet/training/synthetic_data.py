"""Supervision from the synthetic world: a pool of portraits with 3D samples and rendered views.

World SDF evaluation is the costly part on a CPU, so portraits live in a pool that is refreshed a
few at a time while training draws batches from it; each portrait is seen from many random views
and point subsets before it is replaced. Training seeds never overlap evaluation seeds
(EVAL_SEED_BASE and up are reserved for `facet eval`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from facet.camera import CameraSpec, rays_for_pose
from facet.regions import REGIONS
from facet.world import params_to_latent, region_sdf, render, sample_params
from facet.world import sdf as world_sdf
from facet.world.shade import background, shade

EVAL_SEED_BASE = 1_000_000_000
# `facet calibrate` picks the final render's sharpness on portraits from here on: neither training
# (seeds under EVAL_SEED_BASE) nor evaluation (EVAL_SEED_BASE + i, i < a few thousand) draws them.
CALIBRATION_SEED_BASE = 2_000_000_000
BAND = 0.006        # world units: points this close to a surface get its label and color
BACKGROUND = 0


def take(params: dict, idx: Tensor) -> dict:
    return {r: {k: v[idx] for k, v in kinds.items()} for r, kinds in params.items()}


def pose_prior(n: int, g: torch.Generator, spec: CameraSpec) -> tuple[Tensor, Tensor]:
    """Poses covering the model's range: uniform yaw and pitch within the manifest's range."""
    y0, y1 = (math.radians(v) for v in spec.yaw_range_deg)
    p0, p1 = (math.radians(v) for v in spec.pitch_range_deg)
    return torch.rand(n, generator=g) * (y1 - y0) + y0, torch.rand(n, generator=g) * (p1 - p0) + p0


# Small surfaces, few random points: their region indices (the world's labels follow REGIONS).
SMALL_REGIONS = tuple(REGIONS.index(r) for r in ("eye", "brow", "mouth", "nose", "ear"))


@torch.no_grad()
def point_targets(params: dict, n_points: int, g: torch.Generator, near_frac: float = 0.75,
                  small_share: float = 0.0, small_regions: tuple[int, ...] = SMALL_REGIONS) -> dict:
    """Points in the ball [n, P, 3] with scene SDF (world units), label and color targets.

    `near_frac` of them lie within BAND of a surface (rejection sampling), the rest uniform.
    `small_share` of the near points are drawn near `small_regions` (default SMALL_REGIONS) instead
    (`_near_small`): by rejection alone their share follows their surface area, about 1% for an ear."""
    n = params["face"]["shape"].shape[0]
    ball = world_sdf.BALL
    cand = 3 * n_points
    u = F.normalize(torch.randn(n, cand, 3, generator=g), dim=-1)
    p = u * torch.rand(n, cand, 1, generator=g) ** (1 / 3) * ball
    fld = region_sdf(p, params)
    d = fld[..., 1:].min(-1).values
    n_near = int(near_frac * n_points)
    n_small = int(small_share * n_near)
    near_score = (d.abs() < BAND).float() + torch.rand(n, cand, generator=g) * 0.5
    near_idx = near_score.topk(n_near - n_small, dim=1).indices
    uni_idx = torch.randint(0, cand, (n, n_points - n_near), generator=g)
    idx = torch.cat([near_idx, uni_idx], 1)
    small = _near_small(params, p, fld, n_small, g, small_regions) if n_small else None
    p = p.gather(1, idx[..., None].expand(-1, -1, 3))
    fld = fld.gather(1, idx[..., None].expand(-1, -1, fld.shape[-1]))
    if small:
        p, fld = torch.cat([small[0], p], 1), torch.cat([small[1], fld], 1)
    d = fld[..., 1:].min(-1).values
    body = fld[..., 1:].argmin(-1) + 1
    label = torch.where(d < BAND, body, torch.full_like(body, BACKGROUND))
    q = world_sdf.broadcast_named(params, 2)
    normal = _normals(p, q)
    rgb = shade(p, normal, label, q)
    return {"points": p, "sdf": d, "label": label, "rgb": rgb, "material": material_targets(p, label, q)}


NECK_CLOTH = REGIONS.index("neck_cloth")


def material_targets(p: Tensor, label: Tensor, q: dict) -> Tensor:
    """Per point, neck+cloth's material as the world shades it (`facet.world.shade`): 1 the neck's skin
    (above the cloth and inside the neckline), 0 the cloth; -1 where the label is another region. The
    target of ModelConfig.material's logit (`SyntheticLossWeights.material3d`): the second colour is the
    skin, a few percent of neck+cloth's surface, so the first (rgb_head) stays the cloth it has learned."""
    body, cloth = world_sdf.neck_parts(world_sdf.to_body(p), q)
    skin = (cloth >= body + 0.0004).float()
    return torch.where(label == NECK_CLOTH, skin, torch.full_like(skin, -1.0))


def _near_small(params: dict, p: Tensor, fld: Tensor, total: int, g: torch.Generator,
                regions: tuple[int, ...] = SMALL_REGIONS, jitter: float = 0.004) -> tuple[Tensor, Tensor]:
    """`total` points per portrait around the `regions`' surfaces, an even quota per region: jittered
    copies of the candidates that lie on it, with their own world SDFs and labels, those near any
    surface first. The pick never looks at the label: preferring points still on the region would
    teach the mask head that the region is bigger than it is (it did: the ears grew). A region
    with no such candidate (an ear under the hair) leaves its quota to the others; a portrait with
    none at all gets jittered copies of any candidate."""
    d = fld[..., 1:].min(-1).values
    body = fld[..., 1:].argmin(-1) + 1
    near = d.abs() < BAND
    out_p, out_f = [], []
    for i in range(p.shape[0]):
        groups = [(m, r) for r in regions if bool((m := near[i] & (body[i] == r)).any())]
        groups = groups or [(torch.ones_like(near[i]), None)]
        qi = take(params, torch.tensor([i]))
        got_p, got_f = [], []
        for j, (src_mask, r) in enumerate(groups):
            quota = total // len(groups) + (1 if j < total % len(groups) else 0)
            src = src_mask.nonzero().squeeze(1)
            pick = src[torch.randint(0, src.numel(), (4 * quota,), generator=g)]
            q = p[i, pick] + jitter * torch.randn(4 * quota, 3, generator=g)
            q = q * (world_sdf.BALL / q.norm(dim=-1, keepdim=True).clamp(min=world_sdf.BALL)).clamp(max=1.0)
            f = region_sdf(q[None], qi)[0]
            hit = f[:, 1:].min(-1).values.abs() < BAND
            best = (hit.float() + torch.rand(4 * quota, generator=g) * 0.5).topk(quota).indices
            got_p.append(q[best])
            got_f.append(f[best])
        out_p.append(torch.cat(got_p))
        out_f.append(torch.cat(got_f))
    return torch.stack(out_p), torch.stack(out_f)


def _normals(p: Tensor, q: dict, h: float = 2e-4) -> Tensor:
    k = torch.tensor([[1, -1, -1], [-1, -1, 1], [-1, 1, -1], [1, 1, 1]], dtype=p.dtype)
    d = torch.stack([world_sdf.scene(p + h * k[i], q) for i in range(4)], -1)   # [..., 4]
    return F.normalize((d[..., None] * k).sum(-2), dim=-1)


def label_edges(labels: Tensor) -> Tensor:
    """Label maps [..., H, W] -> bool [..., H, W]: some pixel of the 3 x 3 around it has another label."""
    x = labels.reshape(-1, 1, *labels.shape[-2:]).float()
    hi = F.max_pool2d(x, 3, 1, 1)
    lo = -F.max_pool2d(-x, 3, 1, 1)
    return (hi != lo).reshape(labels.shape)


@dataclass
class Portraits:
    z: Tensor            # [n, 2K, Z]
    points: Tensor       # [n, P, 3]
    sdf: Tensor          # [n, P] world units
    label: Tensor        # [n, P]
    rgb: Tensor          # [n, P, 3] in [0, 1]
    yaw: Tensor          # [n, V]
    pitch: Tensor        # [n, V]
    image: Tensor        # [n, V, 3, H, W] in [0, 1]
    labels: Tensor       # [n, V, H, W]
    depth: Tensor        # [n, V, H, W]
    material: Tensor     # [n, P] neck+cloth's material at the points: 1 skin, 0 cloth, -1 another region


@torch.no_grad()
def make_portraits(seeds: list[int], points: int, views: int, res: int, spec: CameraSpec,
                   small_share: float = 0.0, small_regions: tuple[int, ...] = SMALL_REGIONS,
                   supersample: int = 1) -> Portraits:
    """Everything one pool slot holds, for portraits drawn from the given seeds. `supersample` s > 1:
    each view pixel is the world's s x s rays (mean colour, majority label, as `facet eval`'s ground
    truth is at s = 2), not the ray through its centre."""
    parts = []
    for s in seeds:
        g = torch.Generator().manual_seed(s)
        params = sample_params(s, 1)
        pts = point_targets(params, points, g, small_share=small_share, small_regions=small_regions)
        yaw, pitch = pose_prior(views, g, spec)
        rep = take(params, torch.zeros(views, dtype=torch.long))
        r = render(rep, yaw, pitch, res, res, supersample=supersample)
        parts.append(Portraits(params_to_latent(params), pts["points"], pts["sdf"], pts["label"], pts["rgb"],
                               yaw[None], pitch[None], r["image"][None], r["labels"][None], r["depth"][None],
                               pts["material"]))
    return Portraits(*(torch.cat([getattr(p, f) for p in parts]) for f in Portraits.__dataclass_fields__))


class Pool:
    """A fixed-size pool of portraits; `refresh(k)` replaces the k oldest with new ones."""

    def __init__(self, size: int, points: int, views: int, res: int, spec: CameraSpec, seed: int,
                 small_share: float = 0.0, small_regions: tuple[int, ...] = SMALL_REGIONS, supersample: int = 1):
        self.size, self.points, self.views, self.res, self.spec = size, points, views, res, spec
        self.supersample = supersample
        self.small_share, self.small_regions = small_share, small_regions
        self.next_seed = seed * 10_000_000
        assert self.next_seed + 10_000_000 < EVAL_SEED_BASE
        self.data: Portraits | None = None
        self.cursor = 0

    def _seeds(self, k: int) -> list[int]:
        s = list(range(self.next_seed, self.next_seed + k))
        self.next_seed += k
        return s

    def fill(self, progress=None) -> None:
        chunks = []
        for i in range(0, self.size, 8):
            chunks.append(make_portraits(self._seeds(min(8, self.size - i)), self.points, self.views, self.res, self.spec,
                                         self.small_share, self.small_regions, self.supersample))
            if progress:
                progress(min(i + 8, self.size))
        self.data = Portraits(*(torch.cat([getattr(c, f) for c in chunks]) for f in Portraits.__dataclass_fields__))

    def refresh(self, k: int) -> None:
        new = make_portraits(self._seeds(k), self.points, self.views, self.res, self.spec, self.small_share,
                             self.small_regions, self.supersample)
        for f in Portraits.__dataclass_fields__:
            buf = getattr(self.data, f)
            for j in range(k):
                buf[(self.cursor + j) % self.size] = getattr(new, f)[j]
        self.cursor = (self.cursor + k) % self.size

    def batch(self, b: int, points: int, rays: int, g: torch.Generator, edge_rays: float = 0.0) -> dict:
        """b portraits, `points` 3D samples and `rays` pixels (one view) of each. `edge_rays` e > 0:
        a pixel next to another label (8-neighbourhood) is drawn 1 + e times as often as another."""
        d = self.data
        idx = torch.randperm(self.size, generator=g)[:b]
        pidx = torch.randint(0, self.points, (b, points), generator=g)
        v = torch.randint(0, self.views, (b,), generator=g)
        if edge_rays > 0:
            w = 1.0 + edge_rays * label_edges(d.labels[idx, v]).flatten(1).float()
            pix = torch.multinomial(w, rays, replacement=True, generator=g)
        else:
            pix = torch.randint(0, self.res * self.res, (b, rays), generator=g)
        origins, dirs = [], []
        for i, vi in zip(idx.tolist(), v.tolist()):
            o, dd = rays_for_pose(self.spec, float(d.yaw[i, vi]), float(d.pitch[i, vi]), self.res, self.res)
            origins.append(o)
            dirs.append(dd)
        o, dd = torch.stack(origins), torch.stack(dirs)
        sel = lambda x: x.gather(1, pix[..., None].expand(-1, -1, x.shape[-1])) if x.dim() == 3 else x.gather(1, pix)
        img = d.image[idx, v].flatten(2).transpose(1, 2)                # [b, H*W, 3]
        return {
            "z": d.z[idx],
            "points": d.points[idx].gather(1, pidx[..., None].expand(-1, -1, 3)),
            "sdf": d.sdf[idx].gather(1, pidx),
            "label": d.label[idx].gather(1, pidx),
            "rgb": d.rgb[idx].gather(1, pidx[..., None].expand(-1, -1, 3)),
            "material": d.material[idx].gather(1, pidx),
            "ray_origins": sel(o), "ray_dirs": sel(dd),
            "pixel_rgb": sel(img), "pixel_label": sel(d.labels[idx, v].flatten(1)),
            "pixel_depth": sel(d.depth[idx, v].flatten(1)),
        }
