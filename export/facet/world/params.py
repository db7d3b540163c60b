"""Named, bounded parameters of the synthetic world, their prior and their Gaussian latent form.

`Params` is a plain dict: region name -> {"shape": Tensor[n, k_s], "texture": Tensor[n, k_t]},
float32, column j of a kind being that kind's j-th entry in PARAM_SPEC (its `slot`). Every region
has both keys (a region with no parameter of a kind holds a [n, 0] tensor).

Prior: every parameter is uniform over its range, independently, EXCEPT the copies listed in
`_TIED` (the skin tone of nose, ear and neck follows the face's; brow color follows the hair's),
which `sample_params` writes from the source parameter plus a little jitter. The latent mapping
is per parameter (u = (v - min) / (max - min), z = Phi^-1(u)), so it does not depend on the ties.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor

from facet.regions import REGIONS

Params = dict  # region -> {"shape": Tensor[n, k_s], "texture": Tensor[n, k_t]}

SLOTS = 8
N_CODES = 2 * len(REGIONS)
U_CLAMP = 1e-4


@dataclass(frozen=True)
class ParamDef:
    region: str
    kind: str  # "shape" | "texture"
    name: str
    label: str
    min: float
    max: float
    slot: int = 0


def _defs() -> list[ParamDef]:
    raw: dict[str, dict[str, list[tuple[str, str, float, float]]]] = {
        "background": {
            "shape": [],
            "texture": [("hue", "Hue", 0.0, 1.0), ("saturation", "Saturation", 0.0, 0.55),
                        ("lightness", "Lightness", 0.22, 0.88), ("gradient", "Gradient", 0.0, 0.7),
                        ("angle", "Gradient angle", -math.pi, math.pi)],
        },
        "face": {
            "shape": [("width", "Face width", 0.93, 1.07), ("jaw", "Jaw width", 0.82, 1.18),
                      ("chin", "Chin length", -1.0, 1.0), ("cheeks", "Cheek fullness", 0.0, 1.0)],
            "texture": [("tone", "Skin tone", 0.0, 1.0), ("warmth", "Skin warmth", -1.0, 1.0),
                        ("blush", "Blush", 0.0, 1.0), ("variation", "Skin variation", 0.0, 1.0),
                        ("shadow", "Eye shadow", 0.0, 1.0)],
        },
        "eye": {
            "shape": [("size", "Eye size", 0.85, 1.2), ("spacing", "Eye spacing", -1.0, 1.0),
                      ("tilt", "Eye tilt", -1.0, 1.0)],
            "texture": [("iris_hue", "Iris hue", 0.0, 1.0), ("iris_light", "Iris lightness", 0.1, 0.6),
                        ("iris_sat", "Iris saturation", 0.1, 0.8)],
        },
        "brow": {
            "shape": [("thickness", "Brow thickness", 0.6, 1.5), ("arch", "Brow arch", 0.0, 1.0),
                      ("height", "Brow height", -1.0, 1.0), ("slant", "Brow slant", -1.0, 1.0)],
            "texture": [("lightness", "Brow lightness", 0.0, 1.0), ("red", "Brow redness", 0.0, 1.0),
                        ("density", "Brow density", 0.4, 1.0)],
        },
        "mouth": {
            "shape": [("width", "Mouth width", 0.85, 1.2), ("opening", "Mouth opening", 0.0, 1.0),
                      ("smile", "Smile", -0.5, 1.0), ("fullness", "Lip fullness", 0.7, 1.3)],
            "texture": [("lip_hue", "Lip hue", -1.0, 1.0), ("lip_sat", "Lip saturation", 0.2, 0.9),
                        ("lip_light", "Lip lightness", 0.25, 0.7)],
        },
        "nose": {
            "shape": [("length", "Nose length", 0.8, 1.2), ("width", "Nose width", 0.8, 1.3),
                      ("tip", "Nose tip up", -1.0, 1.0)],
            "texture": [("tone", "Nose skin tone", 0.0, 1.0), ("warmth", "Nose warmth", -1.0, 1.0)],
        },
        "ear": {
            "shape": [("size", "Ear size", 0.8, 1.2), ("protrusion", "Ear protrusion", 0.0, 1.0)],
            "texture": [("tone", "Ear skin tone", 0.0, 1.0), ("warmth", "Ear warmth", -1.0, 1.0)],
        },
        "hair": {
            "shape": [("length", "Hair length", 0.0, 1.0), ("volume", "Hair volume", 0.0, 1.0),
                      ("bangs", "Bangs", 0.0, 1.0), ("parting", "Parting", -1.0, 1.0),
                      ("curl", "Curl / waviness", 0.0, 1.0)],
            "texture": [("lightness", "Hair lightness", 0.0, 1.0), ("red", "Hair redness", 0.0, 1.0),
                        ("gray", "Gray", 0.0, 1.0), ("highlight", "Highlight", 0.0, 1.0),
                        ("strands", "Strand contrast", 0.2, 1.0)],
        },
        "neck_cloth": {
            "shape": [("neckline", "V-neck depth", 0.0, 1.0), ("collar", "Collar height", 0.0, 1.0),
                      ("shoulders", "Shoulder width", 0.9, 1.1)],
            "texture": [("hue", "Cloth hue", 0.0, 1.0), ("saturation", "Cloth saturation", 0.0, 0.65),
                        ("lightness", "Cloth lightness", 0.12, 0.85), ("pattern", "Stripes", 0.0, 1.0),
                        ("tone", "Neck skin tone", 0.0, 1.0), ("warmth", "Neck warmth", -1.0, 1.0)],
        },
    }
    out = []
    for region in REGIONS:
        for kind in ("shape", "texture"):
            items = raw[region][kind]
            assert len(items) <= SLOTS, (region, kind)
            for slot, (name, label, lo, hi) in enumerate(items):
                out.append(ParamDef(region, kind, name, label, float(lo), float(hi), slot))
    return out


PARAM_SPEC: list[ParamDef] = _defs()

# target <- (source, jitter std as a fraction of the range)
_TIED: dict[tuple[str, str, str], tuple[tuple[str, str, str], float]] = {
    ("nose", "texture", "tone"): (("face", "texture", "tone"), 0.0),
    ("nose", "texture", "warmth"): (("face", "texture", "warmth"), 0.0),
    ("ear", "texture", "tone"): (("face", "texture", "tone"), 0.0),
    ("ear", "texture", "warmth"): (("face", "texture", "warmth"), 0.0),
    ("neck_cloth", "texture", "tone"): (("face", "texture", "tone"), 0.02),
    ("neck_cloth", "texture", "warmth"): (("face", "texture", "warmth"), 0.02),
    ("brow", "texture", "lightness"): (("hair", "texture", "lightness"), 0.08),
    ("brow", "texture", "red"): (("hair", "texture", "red"), 0.08),
}


def defs_of(region: str, kind: str) -> list[ParamDef]:
    return [d for d in PARAM_SPEC if d.region == region and d.kind == kind]


def _bounds(region: str, kind: str) -> tuple[Tensor, Tensor]:
    ds = defs_of(region, kind)
    return (torch.tensor([d.min for d in ds], dtype=torch.float32),
            torch.tensor([d.max for d in ds], dtype=torch.float32))


def _index(key: tuple[str, str, str]) -> int:
    return next(d.slot for d in defs_of(key[0], key[1]) if d.name == key[2])


def from_unit(u: dict[str, dict[str, Tensor]]) -> Params:
    """Unit-cube values [0, 1] -> parameter values."""
    out: Params = {}
    for region in REGIONS:
        out[region] = {}
        for kind in ("shape", "texture"):
            lo, hi = _bounds(region, kind)
            out[region][kind] = (lo + u[region][kind] * (hi - lo)).float()
    return out


def to_unit(params: Params) -> dict[str, dict[str, Tensor]]:
    out: dict[str, dict[str, Tensor]] = {}
    for region in REGIONS:
        out[region] = {}
        for kind in ("shape", "texture"):
            lo, hi = _bounds(region, kind)
            out[region][kind] = (params[region][kind] - lo) / (hi - lo)
    return out


def sample_params(seed: int, n: int) -> Params:
    """n parameter sets drawn from the prior; the same (seed, n) always gives the same values."""
    g = torch.Generator().manual_seed(int(seed))
    u: dict[str, dict[str, Tensor]] = {}
    for region in REGIONS:
        u[region] = {}
        for kind in ("shape", "texture"):
            k = len(defs_of(region, kind))
            u[region][kind] = torch.rand(n, k, generator=g, dtype=torch.float32)
    jitter = torch.randn(n, len(_TIED), generator=g, dtype=torch.float32)
    for j, (dst, (src, std)) in enumerate(_TIED.items()):
        v = u[src[0]][src[1]][:, _index(src)] + std * jitter[:, j]
        u[dst[0]][dst[1]][:, _index(dst)] = v.clamp(0.0, 1.0)
    return from_unit(u)


def _ndtri(u: Tensor) -> Tensor:
    return math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0)


def _ndtr(z: Tensor) -> Tensor:
    return 0.5 * (1.0 + torch.erf(z / math.sqrt(2.0)))


def params_to_latent(params: Params) -> Tensor:
    """Params -> z [n, 18, 8]: code 2k = region k's shape, 2k+1 its texture; unused slots 0."""
    unit = to_unit(params)
    n = params[REGIONS[0]]["texture"].shape[0]
    z = torch.zeros(n, N_CODES, SLOTS, dtype=torch.float32)
    for k, region in enumerate(REGIONS):
        for j, kind in enumerate(("shape", "texture")):
            u = unit[region][kind].double().clamp(U_CLAMP, 1.0 - U_CLAMP)
            z[:, 2 * k + j, : u.shape[1]] = _ndtri(u).float()
    return z


def latent_to_params(z: Tensor) -> Params:
    """Inverse of params_to_latent (values at the range ends come back within 1e-4 of the range)."""
    u: dict[str, dict[str, Tensor]] = {}
    for k, region in enumerate(REGIONS):
        u[region] = {}
        for j, kind in enumerate(("shape", "texture")):
            m = len(defs_of(region, kind))
            u[region][kind] = _ndtr(z[:, 2 * k + j, :m].double()).float()
    return from_unit(u)


def named(params: Params) -> dict[str, Tensor]:
    """{"region.name": Tensor[n]} view of a Params dict."""
    out = {}
    for d in PARAM_SPEC:
        out[f"{d.region}.{d.name}"] = params[d.region][d.kind][:, d.slot]
    return out


def with_values(params: Params, values: dict[str, float | Tensor]) -> Params:
    """A copy of params with some "region.name" entries replaced."""
    out = {r: {k: v.clone() for k, v in kv.items()} for r, kv in params.items()}
    for key, val in values.items():
        region, name = key.split(".")
        d = next(d for d in PARAM_SPEC if d.region == region and d.name == name)
        out[region][d.kind][:, d.slot] = val
    return out


def param_spec_json() -> list[dict]:
    """PARAM_SPEC for the manifest: [{region, kind, name, label, slot, min, max}]."""
    return [asdict(d) for d in PARAM_SPEC]


def params_to_json(params: Params, i: int) -> dict:
    """Sample i as {region: {kind: {name: value}}}."""
    return {r: {kind: {d.name: float(params[r][kind][i, d.slot]) for d in defs_of(r, kind)}
                for kind in ("shape", "texture")} for r in REGIONS}


if __name__ == "__main__":
    print(json.dumps(param_spec_json(), indent=1))
