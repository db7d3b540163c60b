"""The composed scene: one SDF body per region and a view-independent radiance field.

Every body is a function of the world point and of ITS OWN region's shape parameters only (plus
fixed constants such as the front-of-face surface `_mask_z`), so editing one region never moves
another. The scene SDF is the min over regions and a point's label is the argmin. Background has
no body (+BIG). Lengths are world units: the visible half-height at the origin is ~0.105.

Internally every function takes points p [..., 3] and q = {"region.name": Tensor} whose tensors
broadcast against p[..., 0] (see `broadcast_named`).
"""
from __future__ import annotations

import contextlib
import functools
import math

import torch
from torch import Tensor

from facet.world.params import Params, named

BIG = 1.0
BALL = 0.1185  # every body is clipped to this ball (rays sample t in [0.88, 1.12])
N_REGIONS = 9

# -- primitives ---------------------------------------------------------------------------------


def _len(v: Tensor) -> Tensor:
    return torch.sqrt((v * v).sum(-1) + 1e-12)


def ellipsoid(p: Tensor, r: tuple) -> Tensor:
    """Bound for an axis-aligned ellipsoid; p [...,3], r three scalars or tensors."""
    rx, ry, rz = r
    k0 = torch.sqrt((p[..., 0] / rx) ** 2 + (p[..., 1] / ry) ** 2 + (p[..., 2] / rz) ** 2 + 1e-12)
    k1 = torch.sqrt((p[..., 0] / rx**2) ** 2 + (p[..., 1] / ry**2) ** 2 + (p[..., 2] / rz**2) ** 2 + 1e-12)
    return k0 * (k0 - 1.0) / k1


def smin(a: Tensor, b: Tensor, k: float) -> Tensor:
    h = (0.5 + 0.5 * (b - a) / k).clamp(0.0, 1.0)
    return b + (a - b) * h - k * h * (1.0 - h)


def smax(a: Tensor, b: Tensor, k: float) -> Tensor:
    return -smin(-a, -b, k)


def capsule(p: Tensor, a: tuple, b: tuple, r) -> Tensor:
    a_ = torch.tensor(a, dtype=p.dtype)
    ba = torch.tensor(b, dtype=p.dtype) - a_
    pa = p - a_
    h = ((pa * ba).sum(-1) / (ba * ba).sum()).clamp(0.0, 1.0)
    return _len(pa - h[..., None] * ba) - r


def rot_y(x: Tensor, z: Tensor, ang) -> tuple[Tensor, Tensor]:
    c, s = torch.cos(ang), torch.sin(ang)
    return c * x - s * z, s * x + c * z


def _t(v, like: Tensor) -> Tensor:
    return v if torch.is_tensor(v) else torch.tensor(v, dtype=like.dtype)


def smoothstep(a: float, b: float, x: Tensor) -> Tensor:
    t = ((x - a) / (b - a)).clamp(0.0, 1.0)
    return t * t * (3 - 2 * t)


# -- fixed anatomy ------------------------------------------------------------------------------
MASK_C = (0.0, 0.004, 0.0)      # front-of-face ellipsoid (fixed: independent of every param)
MASK_R = (0.0335, 0.050, 0.047)


def _mask_z(x, y):
    """z of the fixed front-of-face surface at (x, y) (0 outside its footprint)."""
    u = 1.0 - (x / MASK_R[0]) ** 2 - ((y - MASK_C[1]) / MASK_R[1]) ** 2
    if torch.is_tensor(u):
        return MASK_C[2] + MASK_R[2] * torch.sqrt(u.clamp(min=0.0))
    return MASK_C[2] + MASK_R[2] * math.sqrt(max(u, 0.0))


EYE_Y, BROW_Y, MOUTH_Y = 0.0075, 0.0195, -0.0265

# -- region bodies ------------------------------------------------------------------------------


def face_sdf(p: Tensor, q: dict) -> Tensor:
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    w, jaw = q["face.width"], q["face.jaw"]
    chin, cheeks = q["face.chin"], q["face.cheeks"]
    cran = ellipsoid(torch.stack([x, y - 0.017, z + 0.011], -1), (0.0395 * w, 0.0475, 0.0495))
    mask = ellipsoid(torch.stack([x - MASK_C[0], y - MASK_C[1], z - MASK_C[2]], -1), MASK_R)
    d = smin(cran, mask, 0.008)
    ch = ellipsoid(torch.stack([x.abs() - 0.019, y + 0.010, z - 0.022], -1),
                   (0.011 + 0.003 * cheeks, 0.010, 0.011 + 0.002 * cheeks))
    d = smin(d, ch, 0.008)
    jw = ellipsoid(torch.stack([x, y + 0.022, z + 0.002], -1), (0.0305 * jaw, 0.024, 0.035))
    d = smin(d, jw, 0.010)
    cy = -0.040 - 0.0045 * chin
    cz = 0.0245 + 0.002 * chin
    c = ellipsoid(torch.stack([x, y - cy, z - cz], -1), (0.0105, 0.008, 0.009))
    d = smin(d, c, 0.009)
    # fixed eye sockets and brow ridge (depend on no parameter)
    sock = ellipsoid(torch.stack([x.abs() - 0.0185, y - EYE_Y, z - _mask_z(0.0185, EYE_Y) - 0.001], -1),
                     (0.0105, 0.0065, 0.004))
    d = smax(d, -sock, 0.004)
    return d


def _eye_local(p: Tensor, q: dict) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Local eye coordinates (u right/outward, v up, w out of the face) and the eye's scale."""
    size, sp, tilt = q["eye.size"], q["eye.spacing"], q["eye.tilt"]
    xe = 0.0185 + 0.0017 * sp
    ax = p[..., 0].abs()
    zs = _mask_z(xe, _t(EYE_Y, p))
    ang = torch.asin((xe / MASK_R[0]).clamp(max=0.95)) * 0.75
    u, w = torch.cos(ang) * (ax - xe) - torch.sin(ang) * (p[..., 2] - zs), \
        torch.sin(ang) * (ax - xe) + torch.cos(ang) * (p[..., 2] - zs)
    v = p[..., 1] - EYE_Y
    t = 0.12 * tilt
    u, v = torch.cos(t) * u + torch.sin(t) * v, -torch.sin(t) * u + torch.cos(t) * v
    return u, v, w, size


def eye_sdf(p: Tensor, q: dict) -> Tensor:
    u, v, w, size = _eye_local(p, q)
    rz = 0.0040
    return ellipsoid(torch.stack([u, v, w + rz - 0.0008], -1), (0.0078 * size, 0.0046 * size, rz))


def _brow_curve(ax: Tensor, q: dict):
    arch, hgt, slant, th = q["brow.arch"], q["brow.height"], q["brow.slant"], q["brow.thickness"]
    s = ((ax - 0.019) / 0.012).clamp(-1.0, 1.0)
    yc = BROW_Y + 0.0018 * hgt + 0.0032 * arch * (1 - s * s) - 0.0015 * slant * s
    half = 0.0011 * th * (1.0 - 0.45 * s.clamp(min=0.0) ** 2 + 0.15 * (-s).clamp(min=0.0))
    return yc, half


def brow_sdf(p: Tensor, q: dict) -> Tensor:
    ax, y, z = p[..., 0].abs(), p[..., 1], p[..., 2]
    yc, half = _brow_curve(ax, q)
    zs = _mask_z(ax, y) + 0.0006
    dx = (ax - 0.019).abs() - 0.0125
    dy = (y - yc).abs() - half
    dz = (z - zs).abs() - 0.0012
    d = torch.maximum(torch.maximum(dx, dy), dz)
    return d * 0.6


def _lips(p: Tensor, q: dict):
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    wd, op, sm, fu = q["mouth.width"], q["mouth.opening"], q["mouth.smile"], q["mouth.fullness"]
    hw = 0.0142 * wd
    s = (x / hw).clamp(-1.2, 1.2)
    yb = y - MOUTH_Y - 0.0028 * sm * s * s
    zf = _mask_z(0.0, MOUTH_Y) + 0.0010 - 0.016 * (x / 0.03) ** 2
    zz = z - zf
    up = ellipsoid(torch.stack([x, yb - 0.0016 - 0.0022 * op, zz + 0.0034], -1), (hw, 0.0025 * fu, 0.0036))
    lo = ellipsoid(torch.stack([x, yb + 0.0022 + 0.0030 * op, zz + 0.0038], -1),
                   (hw * 0.88, 0.0030 * fu, 0.0040))
    inner = ellipsoid(torch.stack([x, yb + 0.0004, zz + 0.0042], -1),
                      (hw * 0.86, 0.0012 + 0.0040 * op, 0.0030))
    return up, lo, inner


def mouth_sdf(p: Tensor, q: dict) -> Tensor:
    up, lo, inner = _lips(p, q)
    return torch.minimum(torch.minimum(smin(up, lo, 0.0012), inner), BIG * torch.ones_like(up))


def nose_sdf(p: Tensor, q: dict) -> Tensor:
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    ln, wd, tip = q["nose.length"], q["nose.width"], q["nose.tip"]
    # bridge: a ridge from the root to the tip, width grows downwards
    y0, y1 = 0.0075, -0.0135 - 0.004 * (ln - 1.0)
    s = ((y0 - y) / (y0 - y1)).clamp(0.0, 1.0)
    zb = _mask_z(0.0, y0) - 0.0008 + s * (0.0078 * ln + 0.001) + 0.0012 * tip * s * s
    rad = (0.0026 + 0.0022 * s) * (0.75 + 0.25 * wd)
    bridge = torch.sqrt((x / (0.75 + 0.25 * wd)) ** 2 + (z - zb + rad * 0.35) ** 2 + 1e-12) - rad
    bridge = torch.maximum(bridge, torch.maximum(y - y0 - 0.002, y1 - 0.0032 - y))
    tipb = ellipsoid(torch.stack([x, y - y1 - 0.0005 - 0.0008 * tip, z - (
        _mask_z(0.0, y0) + 0.0078 * ln - 0.0026 + 0.0012 * tip)], -1), (0.0040 * wd, 0.0036, 0.0040))
    al = ellipsoid(torch.stack([x.abs() - 0.0052 * wd, y - y1 + 0.0002, z - _mask_z(0.006, y1) - 0.0030 * ln], -1),
                   (0.0034 * wd, 0.0030, 0.0040))
    d = smin(smin(bridge * 0.8, tipb, 0.003), al, 0.0025)
    return d


def ear_sdf(p: Tensor, q: dict) -> Tensor:
    ax, y, z = p[..., 0].abs(), p[..., 1], p[..., 2]
    size, pr = q["ear.size"], q["ear.protrusion"]
    cx, cy, cz = 0.0405, 0.0015, -0.010
    ang = -(0.25 + 0.45 * pr)
    u, w = rot_y(ax - cx, z - cz, ang)  # u: outward normal of the flap, w: along the head
    v = y - cy
    flap = ellipsoid(torch.stack([u, v, w], -1), (0.0032, 0.0125 * size, 0.0078 * size))
    cup = ellipsoid(torch.stack([u - 0.0030, v + 0.001, w - 0.0008], -1), (0.0022, 0.0085 * size, 0.0048 * size))
    flap = smax(flap, -cup, 0.0012)
    root = ellipsoid(torch.stack([ax - 0.034, v, z - cz - 0.002], -1), (0.008, 0.0085 * size, 0.006))
    return smin(flap, root, 0.003)


def hair_sdf(p: Tensor, q: dict) -> Tensor:
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    ln, vol, bangs, part, curl = (q["hair.length"], q["hair.volume"], q["hair.bangs"],
                                  q["hair.parting"], q["hair.curl"])
    ex = 0.0028 + 0.0075 * vol
    cap = ellipsoid(torch.stack([x, y - 0.0195, z + 0.0115], -1), (0.0437 + ex, 0.0500 + ex, 0.0525 + ex))
    yb = 0.012 - 0.098 * ln
    back = smoothstep(-0.012, -0.032, z)
    ycut = (0.016 - 0.22 * (ln - 0.45).clamp(min=0.0)) * (1 - back) + (-0.016 - 0.09 * ln) * back
    hy = (0.03 - yb) * 0.5
    cyy = (0.03 + yb) * 0.5
    bx = torch.stack([x.abs() - (0.024 + ex * 0.8 - 0.05 * (0.03 - y).clamp(min=0) ), (y - cyy).abs() - hy, (z + 0.014).abs() - (0.022 + ex * 0.6)], -1)
    curtain = _len(bx.clamp(min=0.0)) + bx.max(-1).values.clamp(max=0.0) - 0.018
    d = smin(cap, curtain, 0.01)
    d = smax(d, ycut - y, 0.004)
    # face window: front, below the hairline, between the temples
    xs = x - 0.012 * part
    fringe = bangs * 0.024 * (1.0 - (xs / 0.036).clamp(-1, 1) ** 2) + 0.004 * part * (x / 0.035)
    yh = 0.041 - fringe - 0.011 * (x / 0.034) ** 2
    win = torch.maximum(torch.maximum(y - yh, x.abs() - 0.0345), 0.0005 - z)
    d = smax(d, -win, 0.003)
    # waves and the parting groove
    phi = torch.atan2(x - 0.012 * part, z + 0.012)
    d = d + curl * 0.0016 * torch.sin(170.0 * y + 2.0 * torch.sin(9.0 * phi)) * smoothstep(0.04, 0.0, y)
    d = d + 0.0016 * torch.exp(-((x - 0.012 * part) / 0.0022) ** 2) * smoothstep(0.045, 0.058, y) * \
        smoothstep(-0.03, 0.01, z)
    return d


def neck_parts(p: Tensor, q: dict):
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    vdep, col, sh = q["neck_cloth.neckline"], q["neck_cloth.collar"], q["neck_cloth.shoulders"]
    neck = capsule(p, (0.0, -0.012, -0.009), (0.0, -0.09, -0.009), 0.0168)
    torso = ellipsoid(torch.stack([x, y + 0.112, z + 0.010], -1), (0.11 * sh, 0.054, 0.042))
    body = smin(neck, torso, 0.02)
    # the cloth: an inflated copy of the body below the neckline (V in front, raised by a collar)
    front = smoothstep(-0.01, 0.012, z)
    neckline = -0.056 + 0.028 * col - front * vdep * 0.03 * (1.0 - (x.abs() / 0.03).clamp(max=1.0)) * (1 - col * 0.8)
    cloth = torch.maximum(body - 0.0012 - 0.0012 * col, y - neckline)
    return body, cloth


def neck_sdf(p: Tensor, q: dict) -> Tensor:
    body, cloth = neck_parts(p, q)
    return torch.minimum(body, cloth)


BODIES = (None, face_sdf, eye_sdf, brow_sdf, mouth_sdf, nose_sdf, ear_sdf, hair_sdf, neck_sdf)


SCALE = 1.16                 # body coordinates -> world: world = SCALE * body + OFFSET
OFFSET = (0.0, -0.007, 0.0)


def to_body(p: Tensor) -> Tensor:
    return (p - torch.tensor(OFFSET, dtype=p.dtype)) / SCALE


def _fields(p: Tensor, q: dict) -> Tensor:
    out = [torch.full(p.shape[:-1], BIG, dtype=p.dtype)]
    pb = to_body(p)
    clip = _len(p) - BALL
    for f in BODIES[1:]:
        out.append(torch.maximum(f(pb, q) * SCALE, clip))
    return torch.stack(out, -1)


_fields_impl = _fields


def fields(p: Tensor, q: dict) -> Tensor:
    """Per-region SDF [..., 9] at world points (background +BIG), every body clipped to BALL."""
    return _fields_impl(p, q)


@functools.cache
def _compiled_fields():
    # dynamic=None: the first call compiles for its shapes, the next shape once more for any size
    # (the sphere tracer's rays shrink step by step)
    return torch.compile(_fields, dynamic=None)


@contextlib.contextmanager
def compiled_fields(on: bool = True):
    """Within it, `fields` (and so `scene`, the world's renderer and the training pool's 3D targets)
    runs through torch.compile: the same bodies, fused. On 2 CPU cores a training pool portrait
    takes 2.9x less time (its render 3.7x; docs/training.md); the first calls compile (about a minute, less with
    inductor's cache warm). Results differ from eager by float rounding only. TrainConfig `compile`
    turns it on for training; `facet eval`'s ground truth stays eager."""
    global _fields_impl
    prev = _fields_impl
    _fields_impl = _compiled_fields() if on else _fields
    try:
        yield
    finally:
        _fields_impl = prev


def scene(p: Tensor, q: dict) -> Tensor:
    return fields(p, q)[..., 1:].min(-1).values


def broadcast_named(params: Params, ndim: int) -> dict:
    """named(params) with every tensor shaped [n, 1, ...] to broadcast against points [n, P...]."""
    return {k: v.reshape(v.shape[0], *([1] * (ndim - 1))) for k, v in named(params).items()}


def region_sdf(points: Tensor, params: Params) -> Tensor:
    """Signed distance of every region: points [n, P, 3] -> [n, P, 9] (background = +BIG)."""
    return fields(points.float(), broadcast_named(params, points.dim() - 1))


def radiance(points: Tensor, normals: Tensor, params: Params, labels: Tensor | None = None) -> Tensor:
    """View-independent color [n, P, 3] in [0, 1] of surface points with world normals.

    The region whose shading is used is `labels` [n, P] if given, else the argmin of region_sdf.
    """
    from facet.world.shade import shade
    q = broadcast_named(params, points.dim() - 1)
    if labels is None:
        labels = fields(points.float(), q).argmin(-1)
    return shade(points.float(), normals.float(), labels, q)
