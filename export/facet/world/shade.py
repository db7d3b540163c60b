"""Albedo of every region and the fixed world-space lighting (view-independent: no specular).

shade(p, n, labels, q): p, n [..., 3], labels [...] region index, q named params broadcasting
against p[..., 0]. A region's color depends only on the point, the normal and its own params.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from facet.world import sdf as S

_g = torch.Generator().manual_seed(1234)
_K = torch.nn.functional.normalize(torch.randn(8, 3, generator=_g), dim=-1)
_PH = torch.rand(8, generator=_g) * 2 * math.pi

# lights fixed in world space: (direction towards the light, intensity rgb)
LIGHTS = (
    ((-0.55, 0.55, 0.75), (0.80, 0.76, 0.70)),   # key, camera-left and above
    ((0.75, 0.05, 0.55), (0.26, 0.29, 0.34)),    # fill, right
    ((0.25, 0.45, -0.85), (0.45, 0.45, 0.45)),   # rim, behind
)
AMBIENT = (0.25, 0.25, 0.27)
SKY = 0.14

SKIN = torch.tensor([[0.28, 0.17, 0.11], [0.45, 0.29, 0.19], [0.64, 0.45, 0.33],
                     [0.80, 0.61, 0.49], [0.93, 0.77, 0.67]])
HAIR = torch.tensor([[0.04, 0.035, 0.033], [0.11, 0.075, 0.055], [0.24, 0.16, 0.10],
                     [0.42, 0.31, 0.20], [0.62, 0.50, 0.34], [0.86, 0.74, 0.52]])

IRIS = torch.tensor([[0.22, 0.12, 0.06], [0.36, 0.21, 0.09], [0.40, 0.33, 0.16], [0.26, 0.38, 0.24],
                     [0.33, 0.42, 0.50], [0.22, 0.38, 0.62]])


def noise(p: Tensor, freq: float) -> Tensor:
    """Sum of fixed plane waves, roughly in [-1, 1]."""
    a = (p @ _K.T.to(p.dtype)) * freq + _PH.to(p.dtype)
    return torch.sin(a).mean(-1) * 2.0


def _palette(pal: Tensor, t: Tensor) -> Tensor:
    x = t.clamp(0, 1) * (pal.shape[0] - 1)
    i0 = x.floor().long().clamp(max=pal.shape[0] - 2)
    f = (x - i0)[..., None]
    return pal[i0] * (1 - f) + pal[i0 + 1] * f


def hsl(h: Tensor, s: Tensor, l: Tensor) -> Tensor:
    h, s, l = torch.broadcast_tensors(h, s, l)
    c = (1 - (2 * l - 1).abs()) * s  # chroma; f(k) = l - c/2 * clamp(min(k-3, 9-k), -1, 1)
    r = [l - (c * 0.5) * torch.clamp(torch.minimum(torch.remainder(k + h * 12, 12) - 3,
                                                   9 - torch.remainder(k + h * 12, 12)), -1, 1)
         for k in (0.0, 8.0, 4.0)]
    return torch.stack(r, -1)


def skin(tone: Tensor, warmth: Tensor) -> Tensor:
    c = _palette(SKIN, tone)
    return c + warmth[..., None] * torch.tensor([0.035, 0.0, -0.04])


def hair_color(light: Tensor, red: Tensor, gray: Tensor) -> Tensor:
    c = _palette(HAIR, light)
    ginger = torch.stack([0.62 * (0.4 + 0.7 * light), 0.24 * (0.4 + 0.9 * light), 0.09 + 0 * light], -1)
    c = c + (ginger - c) * (0.8 * S.smoothstep(0.35, 1.0, red))[..., None]
    g = torch.stack([0.78 + 0 * light] * 3, -1) * (0.7 + 0.3 * light)[..., None]
    return c + (g - c) * (0.9 * S.smoothstep(0.55, 1.0, gray))[..., None]


def lighting(n: Tensor, wrap: float = 0.0) -> Tensor:
    out = torch.tensor(AMBIENT, dtype=n.dtype) + SKY * (0.5 + 0.5 * n[..., 1:2])
    for d, c in LIGHTS:
        dd = torch.nn.functional.normalize(torch.tensor(d, dtype=n.dtype), dim=0)
        lam = ((n @ dd + wrap) / (1 + wrap)).clamp(min=0.0)
        out = out + lam[..., None] * torch.tensor(c, dtype=n.dtype)
    return out


def background(p: Tensor, q: dict) -> Tensor:
    h, s, l = q["background.hue"], q["background.saturation"], q["background.lightness"]
    g, a = q["background.gradient"], q["background.angle"]
    t = (p[..., 0] * torch.cos(a) + p[..., 1] * torch.sin(a)) / 0.12
    ll = (l * (1 + 0.45 * g * t)).clamp(0.05, 0.95)
    c = hsl(h + 0.06 * g * t, s, ll)
    vig = 1.0 - 0.18 * ((p[..., 0] ** 2 + p[..., 1] ** 2) / 0.0144).clamp(max=1.5)
    return c * vig[..., None]


def _face(p, q):
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    c = skin(q["face.tone"], q["face.warmth"])
    v = q["face.variation"]
    c = c * (1 + (0.015 + 0.025 * v) * noise(p, 500.0) + 0.02 * v * noise(p, 2300.0))[..., None]
    cheek = torch.exp(-(((x.abs() - 0.021) / 0.009) ** 2 + ((y + 0.009) / 0.008) ** 2)) * (z > 0)
    blush = torch.tensor([0.80, 0.36, 0.36])
    c = c + (blush * c.mean(-1, keepdim=True) * 1.5 - c) * (0.22 * q["face.blush"] * cheek)[..., None]
    sh = torch.exp(-(((x.abs() - 0.019) / 0.009) ** 2 + ((y - S.EYE_Y - 0.0035) / 0.0045) ** 2)) * (z > 0)
    tint = torch.tensor([0.40, 0.30, 0.42])
    c = c + (tint * c.mean(-1, keepdim=True) * 2.0 - c) * (0.35 * q["face.shadow"] * sh)[..., None]
    return c, 0.3


def _eye(p, q):
    u, v, w, size = S._eye_local(p, q)
    r = torch.sqrt(u * u + v * v + 1e-12) / size
    iris = _palette(IRIS, q["eye.iris_hue"]) * (0.5 + 1.2 * q["eye.iris_light"])[..., None]
    gray = iris.mean(-1, keepdim=True)
    iris = gray + (iris - gray) * (0.4 + 1.2 * q["eye.iris_sat"])[..., None]
    ang = torch.atan2(v, u)
    iris = iris * (1 + 0.25 * torch.sin(ang * 23.0) * torch.sin(ang * 7.0 + 1.0))[..., None]
    iris = iris * (1.0 - 0.55 * smooth(0.0024, 0.0032, r))[..., None]
    sclera = torch.tensor([0.90, 0.87, 0.85]) * (1 - 0.15 * (u.abs() / (0.0078 * size)) ** 2)[..., None]
    pupil = torch.tensor([0.03, 0.03, 0.035])
    c = torch.where((r < 0.0013)[..., None], pupil, torch.where((r < 0.0032)[..., None], iris, sclera))
    e = (u / (0.0078 * size)) ** 2 + (v / (0.0046 * size)) ** 2
    lash = (smooth(0.30, 0.45, e) * (v > -0.0004)).clamp(0, 1)
    c = c * (1 - 0.9 * lash)[..., None] + torch.tensor([0.05, 0.04, 0.04]) * (0.9 * lash)[..., None]
    return c, 0.5


def smooth(a, b, x):
    return S.smoothstep(a, b, x)


def _brow(p, q):
    c = hair_color(q["brow.lightness"] * 0.85, q["brow.red"], 0 * q["brow.red"])
    x, y = p[..., 0].abs(), p[..., 1]
    st = torch.sin(x * 2600.0 + y * 1500.0 + 2 * noise(p, 900.0))
    dens = q["brow.density"]
    c = c * (1 + 0.25 * st * (1.2 - dens))[..., None] * (0.9 + 0.2 * (1 - dens))[..., None]
    return c, 0.2


def _mouth(p, q):
    up, lo, inner = S._lips(p, q)
    lip = hsl(0.985 + 0.025 * q["mouth.lip_hue"], q["mouth.lip_sat"], q["mouth.lip_light"])
    lip = lip * (1 + 0.06 * torch.sin(p[..., 0] * 2500.0))[..., None]
    ins = inner < torch.minimum(up, lo) - 0.0001
    teeth_y = p[..., 1] - (S.MOUTH_Y + 0.0028 * q["mouth.smile"] * (p[..., 0] / (0.0142 * q["mouth.width"])) ** 2)
    teeth = (teeth_y > -0.0006 + 0 * p[..., 0]) & (p[..., 0].abs() < 0.009 * q["mouth.width"])
    dark = torch.tensor([0.16, 0.05, 0.06])
    c = torch.where(ins[..., None], torch.where(teeth[..., None], torch.tensor([0.86, 0.83, 0.76]), dark), lip)
    return c, 0.25


def _nose(p, q):
    c = skin(q["nose.tone"], q["nose.warmth"])
    c = c * (1 + 0.035 * noise(p, 700.0))[..., None]
    return c, 0.3


def _ear(p, q):
    c = skin(q["ear.tone"], q["ear.warmth"]) * torch.tensor([1.02, 0.96, 0.95])
    return c, 0.4


def _hair(p, q):
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    c = hair_color(q["hair.lightness"], q["hair.red"], q["hair.gray"])
    phi = torch.atan2(x - 0.012 * q["hair.parting"], z + 0.012)
    flow = phi * 260.0 + 2.0 * q["hair.curl"] * torch.sin(y * 170.0) + 0.5 * noise(p, 250.0)
    st = 0.5 * torch.sin(flow) + 0.3 * torch.sin(flow * 2.3 + 1.3) + 0.2 * torch.sin(flow * 5.1 + 0.4)
    c = c * (1 + 0.22 * q["hair.strands"] * st + 0.06 * noise(p, 120.0))[..., None]
    band = torch.exp(-((y - 0.046) / 0.009) ** 2) * (z > -0.02)
    c = c + (0.28 * q["hair.highlight"] * band * (0.7 + 0.3 * torch.sin(flow)))[..., None] * \
        (c * 0.8 + 0.25)
    return c, 0.0


def _neck(p, q):
    body, cloth = S.neck_parts(p, q)
    is_cloth = cloth < body + 0.0004
    sk = skin(q["neck_cloth.tone"], q["neck_cloth.warmth"]) * 0.93
    sk = sk * (1 - 0.25 * S.smoothstep(-0.045, -0.028, p[..., 1]))[..., None]
    cc = hsl(q["neck_cloth.hue"], q["neck_cloth.saturation"], q["neck_cloth.lightness"])
    stripes = 0.5 + 0.5 * torch.sin(p[..., 1] * 650.0)
    cc = cc * (1 - 0.35 * q["neck_cloth.pattern"] * S.smoothstep(0.3, 0.7, stripes) * S.smoothstep(0.5, 0.8, q["neck_cloth.pattern"]))[..., None]
    cc = cc * (1 + 0.03 * noise(p, 2500.0))[..., None]
    return torch.where(is_cloth[..., None], cc, sk), 0.15


_ALBEDO = (None, _face, _eye, _brow, _mouth, _nose, _ear, _hair, _neck)


def shade(p: Tensor, n: Tensor, labels: Tensor, q: dict) -> Tensor:
    out = background(p, q).expand(*p.shape[:-1], 3).clone()
    p = S.to_body(p)
    for k in range(1, 9):
        m = labels == k
        if not bool(m.any()):
            continue
        albedo, wrap = _ALBEDO[k](p, q)
        col = albedo.expand(*p.shape[:-1], 3) * lighting(n, wrap)
        out = torch.where(m[..., None], col, out)
    return out.clamp(0.0, 1.0)
