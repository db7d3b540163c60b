"""Sphere tracer for the synthetic world (batched, CPU friendly) and 3D point supervision.

Rule for misses (shared with the trained model, whose last sample along a ray is opaque): a ray
that hits no body for t in [near, far] is background, label 0, depth = far, and its color is the
background radiance at the far end of the ray, origin + far * dir.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from facet.camera import CameraSpec, camera_dirs, cam2world
from facet.world import sdf as S
from facet.world.params import Params, named
from facet.world.shade import background, shade

SPEC = CameraSpec()
STEPS = 80
RELAX = 0.9


def _poses(v, n: int) -> list[float]:
    if torch.is_tensor(v):
        v = v.reshape(-1).tolist()
        return v * n if len(v) == 1 else v
    return [float(v)] * n


def _rays(n: int, yaw, pitch, width: int, height: int, fov: float) -> tuple[Tensor, Tensor]:
    dc = camera_dirs(width, height, fov)  # [P, 3] float64
    os, ds = [], []
    for y, p in zip(_poses(yaw, n), _poses(pitch, n)):
        m = cam2world(y, p, SPEC.radius)
        ds.append(dc @ m[:3, :3].T)
        os.append(m[:3, 3].expand_as(dc))
    return torch.stack(os).float(), torch.stack(ds).float()


def _gather(q: dict, idx: Tensor) -> dict:
    return {k: v[idx] for k, v in q.items()}


def _normals(p: Tensor, q: dict, h: float) -> Tensor:
    k = torch.tensor([[1, -1, -1], [-1, -1, 1], [-1, 1, -1], [1, 1, 1]], dtype=p.dtype)
    pts = p[None] + h * k[:, None, :]
    d = torch.stack([S.scene(pts[i], q) for i in range(4)], 0)  # [4, M]
    g = (d[..., None] * k[:, None, :]).sum(0)
    return F.normalize(g, dim=-1)


@torch.no_grad()
def trace(o: Tensor, d: Tensor, q: dict, eps_per_t: float, steps: int = STEPS):
    """Sphere-trace flat rays o, d [M, 3] (q tensors [M]) -> (t [M], hit [M] bool)."""
    M = o.shape[0]
    b = (o * d).sum(-1)
    c = (o * o).sum(-1) - (S.BALL + 1e-3) ** 2
    disc = b * b - c
    sq = disc.clamp(min=0).sqrt()
    t = (-b - sq).clamp(min=SPEC.near)
    tmax = torch.minimum(-b + sq, torch.full_like(b, SPEC.far))
    hit = torch.zeros(M, dtype=torch.bool)
    idx = torch.nonzero((disc > 0) & (t < tmax)).squeeze(1)
    last = torch.full((M,), 1.0)
    for _ in range(steps):
        if idx.numel() == 0:
            break
        ti = t[idx]
        dist = S.scene(o[idx] + ti[:, None] * d[idx], _gather(q, idx))
        eps = eps_per_t * ti
        done = dist < eps
        hit[idx[done]] = True
        ti = ti + torch.where(done, torch.zeros_like(dist), dist * RELAX)
        t[idx] = ti
        last[idx] = dist
        keep = (~done) & (ti < tmax[idx])
        idx = idx[keep]
    # rays that ran out of steps while grazing a surface count as hits (no silhouette holes)
    if idx.numel():
        hit[idx[last[idx] < 4 * eps_per_t * t[idx]]] = True
    return t, hit


@torch.no_grad()
def render(params: Params, yaw, pitch, width: int, height: int, fov_deg: float | None = None,
           supersample: int = 1, steps: int = STEPS) -> dict:
    """Render n samples -> {"image": [n,3,H,W] in [0,1], "labels": [n,H,W] int64, "depth": [n,H,W]}.

    yaw/pitch in radians, floats or Tensor[n]. supersample s renders s*s rays per pixel: the image
    is their mean, the label their majority and the depth the mean over the majority's rays.
    """
    fov = fov_deg or SPEC.fov_deg
    n = params["face"]["shape"].shape[0]
    s = int(supersample)
    W, H = width * s, height * s
    o, d = _rays(n, yaw, pitch, W, H, fov)
    P = W * H
    o, d = o.reshape(-1, 3), d.reshape(-1, 3)
    qn = named(params)
    sid = torch.arange(n).repeat_interleave(P)
    q = {k: v[sid] for k, v in qn.items()}
    pix = 2 * math.tan(math.radians(fov) / 2) / H
    t, hit = trace(o, d, q, 0.35 * pix, steps)
    rgb = background(o + SPEC.far * d, q)
    labels = torch.zeros(n * P, dtype=torch.int64)
    depth = torch.full((n * P,), SPEC.far)
    hi = torch.nonzero(hit).squeeze(1)
    if hi.numel():
        qh = _gather(q, hi)
        p = o[hi] + t[hi, None] * d[hi]
        lab = S.fields(p, qh).argmin(-1)
        nrm = _normals(p, qh, max(0.25 * pix, 1e-4))
        rgb[hi] = shade(p, nrm, lab, qh)
        labels[hi] = lab
        depth[hi] = t[hi]
    img = rgb.reshape(n, H, W, 3).permute(0, 3, 1, 2).clamp(0, 1)
    labels = labels.reshape(n, H, W)
    depth = depth.reshape(n, H, W)
    if s > 1:
        img = F.avg_pool2d(img, s)
        oh = F.one_hot(labels, S.N_REGIONS).permute(0, 3, 1, 2).float()
        cnt = F.avg_pool2d(oh, s)
        lab = cnt.argmax(1)
        m = (F.one_hot(lab, S.N_REGIONS).permute(0, 3, 1, 2).float().repeat_interleave(s, 2)
             .repeat_interleave(s, 3) * oh).sum(1, keepdim=True)
        depth = (F.avg_pool2d(depth[:, None] * m, s) / F.avg_pool2d(m, s).clamp(min=1e-6))[:, 0]
        labels = lab
    return {"image": img, "labels": labels, "depth": depth}


@torch.no_grad()
def sample_points(params: Params, n_points: int, seed: int, near_std: float = 0.002,
                  uniform_frac: float = 0.25) -> dict:
    """3D supervision: points [n, n_points, 3] near the surfaces (plus a uniform share in the ball)
    with region_sdf [n, n_points, 9], the argmin label [n, n_points] and radiance [n, n_points, 3]
    (shaded with the SDF gradient as normal)."""
    g = torch.Generator().manual_seed(int(seed))
    n = params["face"]["shape"].shape[0]
    q = S.broadcast_named(params, 2)
    u = torch.randn(n, n_points, 3, generator=g)
    r = torch.rand(n, n_points, 1, generator=g) ** (1 / 3) * S.BALL
    p = F.normalize(u, dim=-1) * r
    n_near = n_points - int(uniform_frac * n_points)
    pn = p[:, :n_near]
    for _ in range(4):  # pull towards the zero level set
        pn = pn.requires_grad_(True)
        with torch.enable_grad():
            dd = S.fields(pn, q)[..., 1:].min(-1).values
            gr, = torch.autograd.grad(dd.sum(), pn)
        pn = (pn - dd[..., None] * F.normalize(gr, dim=-1)).detach()
    pn = pn + near_std * torch.randn(pn.shape, generator=g)
    p = torch.cat([pn, p[:, n_near:]], 1)
    p = p * (S.BALL / p.norm(dim=-1, keepdim=True).clamp(min=S.BALL)).clamp(max=1.0)
    fld = S.fields(p, q)
    lab = fld.argmin(-1)
    flat = p.reshape(-1, 3)
    sid = torch.arange(n).repeat_interleave(n_points)
    qf = {k: v[sid] for k, v in named(params).items()}
    nrm = _normals(flat, qf, 2e-4)
    rgb = shade(flat, nrm, lab.reshape(-1), qf).reshape(n, n_points, 3)
    return {"points": p, "sdf": fld, "labels": lab, "rgb": rgb}
