"""Fields: per-region FiLM-SIREN local generators, stored stacked so one matmul serves all regions.

Shapes use B for the stacked networks (regions, or 1 after selecting one), P for points.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from facet.config import ModelConfig


def assert_shape(x: Tensor, shape: tuple, name: str) -> None:
    """Shape check at module boundaries; None matches any size."""
    if x.dim() != len(shape) or any(s is not None and s != d for s, d in zip(shape, x.shape)):
        raise ValueError(f"{name}: expected shape {shape}, got {tuple(x.shape)}")


# sin(2 pi r) for r in [-1/2, 1/2] as an odd polynomial in r, r^1 .. r^11 (a weighted least-squares
# fit, session 29): max error 1e-7 in exact arithmetic, 6e-7 evaluated in float32, where float32's
# own Sin is good to about 1e-7. See `sin_turns`.
SIN_TURNS_COEFFS = (6.283182829614399, -41.34142228270724, 81.59620364952318, -76.5802810948424,
                    41.20611613246131, -12.27230997203941)
_POLYNOMIAL_SINE = False


@contextlib.contextmanager
def polynomial_sine() -> Iterator[None]:
    """While exporting graphs: the SIREN layers compute their sine with `sin_turns` (Add, Floor,
    Sub, Mul) instead of ONNX's Sin. onnxruntime-web's wasm Sin is scalar: it was 80% of the reshape
    graph's time (361 of 451 ms in Node, session 29); the polynomial's 15 elementwise passes take
    about half of that. PyTorch (training, eval) keeps torch.sin."""
    global _POLYNOMIAL_SINE
    before, _POLYNOMIAL_SINE = _POLYNOMIAL_SINE, True
    try:
        yield
    finally:
        _POLYNOMIAL_SINE = before


def sin_turns(u: Tensor) -> Tensor:
    """sin(2 pi u), by reduction to r = u - floor(u + 1/2) in [-1/2, 1/2) and `SIN_TURNS_COEFFS`.
    Floor, not Round: onnxruntime-web's WebGPU provider has no Round kernel (it would run on the CPU)."""
    r = u - torch.floor(u + 0.5)
    r2 = r * r
    c = SIN_TURNS_COEFFS
    p = c[-1] * r2 + c[-2]
    for k in range(len(c) - 3, -1, -1):
        p = p * r2 + c[k]
    return p * r


def _pe_freqs(count: int, top: float, like: Tensor) -> Tensor:
    """The encoding's frequencies pi f, f log-spaced from 1 to `top`: [count]."""
    k = torch.arange(count, dtype=like.dtype, device=like.device) / max(count - 1, 1)
    return math.pi * top ** k


def positional_encoding(x: Tensor, count: int, top: float) -> Tensor:
    """x [..., 3] -> [..., 6 * count]: sin(f pi x), then cos(f pi x), per axis, for `count`
    frequencies f log-spaced from 1 to `top` (count 6, top 32: NeRF's octaves 2^0 .. 2^5)."""
    a = (x.unsqueeze(-1) * _pe_freqs(count, top, x)).flatten(-2)                     # [..., 3L]
    return torch.cat([torch.sin(a), torch.cos(a)], dim=-1)


def grid_positional_encoding(cz: Tensor, cy: Tensor, cx: Tensor, count: int, top: float) -> Tensor:
    """`positional_encoding` of the lattice of the axis coordinates cz [Z], cy [Y], cx [X] (points in
    (iz, iy, ix) order, x fastest) -> [Z * Y * X, 6 * count]: the sines and cosines are taken on the
    axes alone (Z + Y + X values, not 3 per point) and broadcast, the same numbers to the bit."""
    n, L = (cz.shape[0], cy.shape[0], cx.shape[0]), count
    a = torch.cat([cx, cy, cz]).unsqueeze(-1) * _pe_freqs(count, top, cx)         # [X + Y + Z, L]
    waves = (torch.sin(a), torch.cos(a))                                           # one Sin, one Cos

    def spread(t: Tensor, axis: int) -> Tensor:                                    # axis 2: x, 1: y, 0: z
        start = {2: 0, 1: n[2], 0: n[2] + n[1]}[axis]
        shape = [1, 1, 1, L]
        shape[axis] = n[axis]
        return t[start:start + n[axis]].reshape(shape).expand(*n, L)

    parts = [spread(w, axis) for w in waves for axis in (2, 1, 0)]
    return torch.cat(parts, dim=-1).reshape(n[0] * n[1] * n[2], 6 * L)


def poly_basis(x: Tensor, degree: int) -> Tensor:
    """x [..., P, 3] -> [..., P, (degree + 1)(degree + 2) / 2]: every monomial x^i y^j with i + j <= degree
    (of the first two coordinates), in the order i = 0.., then j = 0.. (the constant first)."""
    u, v = x[..., 0], x[..., 1]
    pu, pv = [torch.ones_like(u)], [torch.ones_like(v)]
    for _ in range(degree):
        pu.append(pu[-1] * u)
        pv.append(pv[-1] * v)
    return torch.stack([pu[i] * pv[j] for i in range(degree + 1) for j in range(degree + 1 - i)], dim=-1)


def poly_terms(degree: int) -> int:
    return (degree + 1) * (degree + 2) // 2


def pick(t: Tensor, index: Tensor | slice | None) -> Tensor:
    """Rows of a stacked tensor [count, ...]: all (None), a static span (slice), or gathered (index)."""
    if index is None:
        return t
    if isinstance(index, slice):
        return t[index]
    # embedding exports as a single Gather on the int64 index; index_select would add a
    # Reshape of the int64 index, which WebGPU's provider places on the CPU.
    if t.dim() == 2:
        return nn.functional.embedding(index, t)
    return nn.functional.embedding(index, t.flatten(1)).view(-1, *t.shape[1:])


class StackedLinear(nn.Module):
    """`count` independent linear layers: weight [count, out, in], bias [count, out]."""

    def __init__(self, count: int, fin: int, fout: int, init: str = "default", scale: float = 1.0):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(count, fout, fin))
        self.bias = nn.Parameter(torch.empty(count, fout))
        if init == "siren_first":
            bound = 1.0 / fin
        elif init == "siren":
            bound = math.sqrt(6.0 / fin) / 30.0
        else:
            bound = 1.0 / math.sqrt(fin)
        nn.init.uniform_(self.weight, -bound * scale, bound * scale)
        nn.init.uniform_(self.bias, -bound * scale, bound * scale)

    def params(self, index: Tensor | slice | None) -> tuple[Tensor, Tensor]:
        """The networks' weights: all (None), a static span of them (slice), or gathered (index)."""
        return pick(self.weight, index), pick(self.bias, index)

    def forward(self, x: Tensor, index: Tensor | slice | None = None) -> Tensor:
        """x [..., B or 1, P, in] -> [..., B, P, out]."""
        w, b = self.params(index)
        return torch.matmul(x, w.transpose(1, 2)) + b.unsqueeze(1)


def refine_on(cfg: ModelConfig) -> list[int]:
    """Per region, 1 if it has a mask refinement (cfg.mask_refine_regions; empty: every region)."""
    return regions_on(cfg, cfg.mask_refine_regions, "mask_refine_regions")


def regions_on(cfg: ModelConfig, names: tuple[str, ...], option: str) -> list[int]:
    """Per region, 1 if `names` lists it (empty: every region)."""
    unknown = [n for n in names if n not in cfg.regions]
    if unknown:
        raise ValueError(f"{option}: unknown regions {unknown} (regions: {', '.join(cfg.regions)})")
    return [1 if not names or r in names else 0 for r in cfg.regions]


def spans(on: list[int]) -> list[tuple[int, int]]:
    """The runs of consecutive 1s in `on` as (start, stop) pairs."""
    out: list[tuple[int, int]] = []
    for i, v in enumerate(on):
        if v and out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        elif v:
            out.append((i, i + 1))
    return out


class FiLMSiren(nn.Module):
    """y = sin(gamma * (W x + b) + beta); gamma = gs (A_g s + c_g) + go, beta = bs (A_b s + c_b)."""

    def __init__(self, count: int, fin: int, fout: int, code_dim: int, cfg: ModelConfig, first: bool,
                 extra: int = 0, zero_extra: bool = True):
        super().__init__()
        # `extra` inputs shared by every network (the positional encoding, [..., 1, P, extra]):
        # the last `extra` columns of the weight, zero at init (`zero_extra`), so adding them to a
        # trained layer changes nothing
        self.extra = extra
        self.linear = StackedLinear(count, fin + extra, fout, "siren_first" if first else "siren")
        if extra and zero_extra:
            with torch.no_grad():
                self.linear.weight[..., fin:] = 0.0
        self.film = StackedLinear(count, code_dim, 2 * fout, scale=0.25)
        # FiLM reads code - code_center (zeros unless rebalance_shape_codes set it): the same
        # function, but the FiLM weights' gradients see the codes' variation, not their mean
        self.register_buffer("code_center", torch.zeros(count, code_dim))
        self.gs, self.go, self.bs = cfg.film_gamma_scale, cfg.film_gamma_offset, cfg.film_beta_scale

    def forward(self, x: Tensor, code: Tensor, index: Tensor | slice | None = None,
                extra: Tensor | None = None) -> Tensor:
        """x [..., B|1, P, in], code [..., B, C], extra [..., 1, P, self.extra] -> [..., B, P, out]."""
        center = pick(self.code_center, index)
        gb = self.film((code - center).unsqueeze(-2), index)          # [..., B, 1, 2 out]
        gamma, beta = gb.chunk(2, dim=-1)
        gamma = self.gs * gamma + self.go
        beta = self.bs * beta
        # gamma (W x + b) + beta folded into the per-network weights first: (gamma W) x + (gamma b
        # + beta). The same function; over P points it is one MatMul, one Add and the Sin instead of
        # two more passes (Mul, Add) over the [B, P, out] activations, which dominate on wasm.
        w, b = self.linear.params(index)                               # [B, out, in], [B, out]
        w = gamma.transpose(-1, -2) * w                                # [..., B, out, in]
        b = gamma * b.unsqueeze(-2) + beta                             # [..., B, 1, out]
        sine = torch.sin
        if _POLYNOMIAL_SINE:
            # in turns: 1 / (2 pi) folded into the per-network weights (small), not the activations
            w, b, sine = w * (0.5 / math.pi), b * (0.5 / math.pi), sin_turns
        if self.extra:
            # the shared inputs broadcast over the B networks in their own MatMul (no copy per network)
            fin = w.shape[-1] - self.extra
            return sine(torch.matmul(x, w[..., :fin].transpose(-1, -2))
                        + torch.matmul(extra, w[..., fin:].transpose(-1, -2)) + b)
        return sine(torch.matmul(x, w.transpose(-1, -2)) + b)


class LocalGenerators(nn.Module):
    """One CNeRF local generator per region (stacked). Heads: SDF offset, mask logit, rgb logit.

    With `base=True` it is the base SDF network: shape layers and an SDF head only, plus a
    sphere of radius `sphere_radius` (network units) as geometric initialisation.
    """

    def __init__(self, cfg: ModelConfig, count: int, base: bool = False, sphere_radius: float = 0.75):
        super().__init__()
        self.cfg, self.count, self.base, self.sphere_radius = cfg, count, base, sphere_radius
        h, c = cfg.hidden, cfg.code_dim
        v = 3 if cfg.view_dependent else 0
        self.shape = nn.ModuleList(
            FiLMSiren(count, 3 if i == 0 else h, h, c, cfg, first=i == 0) for i in range(cfg.shape_layers)
        )
        self.sdf_head = StackedLinear(count, h, 1, scale=0.1)
        if base:
            return
        pe = 6 * cfg.texture_pe
        self.texture = nn.ModuleList(FiLMSiren(count, h, h, c, cfg, first=False, extra=pe if i == 0 else 0)
                                     for i in range(cfg.texture_layers))
        self.mask_head = StackedLinear(count, h + v, 1)
        if cfg.mask_refine:
            self.mask_refine, self.mask_refine_head, self.refine_spans = self._region_layer(
                "mask_refine", cfg.mask_refine, refine_on(cfg), "refine_on")
            with torch.no_grad():   # starts as no refinement: the same model
                self.mask_refine_head.weight.zero_()
                self.mask_refine_head.bias.zero_()
        if cfg.material:
            self.material, self.material_head, self.material_spans = self._region_layer(
                "material", cfg.material, regions_on(cfg, cfg.material_regions, "material_regions"), "material_on")
            self.rgb_delta = StackedLinear(count, h, 3, scale=0.0)     # zero: the same model at first
        if cfg.background_poly:
            # the background's (region 0's) colour logit: polynomial coefficients from its texture code;
            # zero at first (a grey background until a stage trains it). `is_background` [count, 1]: 1
            # for region 0, so a graph that picks its region by index (the bake) selects it with a Gather
            self.background_rgb = StackedLinear(1, c, 3 * poly_terms(cfg.background_poly), scale=0.0)
            self.register_buffer("is_background", torch.eye(count)[:, :1].contiguous(), persistent=False)
        if cfg.feature_dim > 0:
            self.feature_head = StackedLinear(count, h + v, cfg.feature_dim)
            self.rgb_head = StackedLinear(count, cfg.feature_dim, 3)
        else:
            self.rgb_head = StackedLinear(count, h + v, 3)

    def _region_layer(self, option: str, width: int, on: list[int], buffer: str):
        """A FiLM-SIREN layer of `width` on [shape features, the positional encoding], modulated by the
        shape code, and a linear head to one logit, for the regions `on` marks (mask_refine, material).
        The others' are never evaluated where the regions are static (every region at once: the final
        render, training: the returned spans, None when every region has it), and multiplied by 0 where a
        region index picks them (the bake: the buffer `buffer`, per region 1 or 0)."""
        cfg = self.cfg
        if not cfg.texture_pe or cfg.view_dependent:
            raise ValueError(f"{option} reads the texture's positional encoding (set texture_pe) "
                             "and needs view_dependent=False")
        layer = FiLMSiren(self.count, cfg.hidden, width, cfg.code_dim, cfg, first=False, extra=6 * cfg.texture_pe,
                          zero_extra=False)
        head = StackedLinear(self.count, width, 1)
        self.register_buffer(buffer, torch.tensor(on, dtype=torch.float32).unsqueeze(-1), persistent=False)
        return layer, head, spans(on) if not all(on) else None

    def _plus_in_regions(self, base: Tensor, term, index: Tensor | None, on: Tensor,
                         region_spans: list[tuple[int, int]] | None, dim: int) -> Tensor:
        """base (regions along `dim`, counted from the end) plus term(regions, index) in the regions that
        `on` marks: term gets the slice of networks to evaluate and the index or slice that picks their
        weights. Where an index picks the networks, every one is evaluated and the unmarked ones' term
        multiplied by 0; where every region is there, only the marked spans are evaluated (static slices)."""
        if index is not None or region_spans is None:
            d = term(slice(None), index)
            if index is not None and region_spans is not None:
                d = d * pick(on, index).reshape(-1, *([1] * (-dim - 1)))          # [B, 1(, 1)]
            return base + d
        parts, prev, n = [], 0, base.shape[dim]
        for a, b in region_spans:
            if a > prev:
                parts.append(base.narrow(dim, prev, a - prev))
            parts.append(base.narrow(dim, a, b - a) + term(slice(a, b), slice(a, b)))
            prev = b
        if prev < n:
            parts.append(base.narrow(dim, prev, n - prev))
        return torch.cat(parts, dim=dim)

    def _with_view(self, h: Tensor, view: Tensor | None) -> Tensor:
        if not self.cfg.view_dependent:
            return h
        if view is None:  # the baked (view-independent) approximation: the central ray
            view = torch.tensor([0.0, 0.0, -1.0], dtype=h.dtype, device=h.device).expand(h.shape[1], 3)
        return torch.cat([h, view.unsqueeze(0).expand(h.shape[0], -1, -1)], dim=-1)

    def _shape_features(self, x: Tensor, shape_code: Tensor, index: Tensor | None) -> Tensor:
        h = x.unsqueeze(-3)
        for layer in self.shape:
            h = layer(h, shape_code, index)
        return h

    def shape_fields(self, x: Tensor, shape_code: Tensor, index: Tensor | None = None,
                     refine: bool = True) -> dict[str, Tensor]:
        """What the shape code alone decides: sdf [..., B, P] and mask_logit [..., B, P] (the
        texture layers are skipped; needs `sdf_from == "shape"` and no view dependence).
        `refine` False: the mask logit without the mask refinement (cfg.mask_refine)."""
        if self.base or self.cfg.sdf_from != "shape" or self.cfg.view_dependent:
            raise ValueError("shape_fields needs a region generator with sdf_from='shape' and no view input")
        h = self._shape_features(x, shape_code, index)
        mask_logit = self.mask_head(h, index).squeeze(-1)
        sdf = self._gate(self.sdf_head(h, index).squeeze(-1), mask_logit)
        if refine:
            mask_logit = self._refine(mask_logit, h, shape_code, index, self._pe(x))
        return {"sdf": sdf, "mask_logit": mask_logit}

    def _pe(self, x: Tensor) -> Tensor | None:
        """The positional encoding, once per point, shared by the B networks: [..., 1, P, 6L]."""
        if not self.cfg.texture_pe:
            return None
        return positional_encoding(x, self.cfg.texture_pe, self.cfg.texture_pe_max).unsqueeze(-3)

    def _refine(self, mask_logit: Tensor, h_shape: Tensor, shape_code: Tensor, index: Tensor | None,
                pe: Tensor | None) -> Tensor:
        """The labels' logit: the gate's plus the refinement (cfg.mask_refine; none when 0)."""
        if not self.cfg.mask_refine:
            return mask_logit

        def term(sl: slice, idx):
            r = self.mask_refine(h_shape[..., sl, :, :], shape_code[..., sl, :], idx, pe)
            return self.mask_refine_head(r, idx).squeeze(-1)
        return self._plus_in_regions(mask_logit, term, index, self.refine_on, self.refine_spans, -2)

    def _gate(self, sdf: Tensor, mask_logit: Tensor) -> Tensor:
        """With `sdf_gate`, the SDF offset acts only where the region is: sigmoid(mask_logit) * sdf."""
        return sdf * torch.sigmoid(mask_logit) if self.cfg.sdf_gate else sdf

    def forward(self, x: Tensor, shape_code: Tensor, texture_code: Tensor | None = None,
                index: Tensor | None = None, view: Tensor | None = None,
                pe: Tensor | None = None) -> dict[str, Tensor]:
        """x [..., P, 3] network coordinates; codes [..., B, C] ->
        sdf [..., B, P], mask_logit [..., B, P], rgb [..., B, P, 3] (leading dims: portraits).
        `pe`: x's positional encoding [P, 6L] when the caller has it (a grid's, `grid_positional_encoding`)."""
        if x.shape[-1] != 3:
            raise ValueError(f"points: expected [..., P, 3], got {tuple(x.shape)}")
        h_shape = self._shape_features(x, shape_code, index)
        h = h_shape
        if self.base:
            sdf = self.sdf_head(h_shape, index).squeeze(-1)
            return {"sdf": sdf + (x.norm(dim=-1) - self.sphere_radius).unsqueeze(-2)}
        pe = self._pe(x) if pe is None else pe.unsqueeze(-3)
        for i, layer in enumerate(self.texture):
            h = layer(h, texture_code, index, pe if i == 0 else None)
        h_tex = h
        sdf = self.sdf_head(h_shape if self.cfg.sdf_from == "shape" else h_tex, index).squeeze(-1)
        mask_logit = self.mask_head(self._with_view(h_shape, view), index).squeeze(-1)
        sdf = self._gate(sdf, mask_logit)
        mask_logit = self._refine(mask_logit, h_shape, shape_code, index, pe)
        feat = self._with_view(h_tex, view)
        if self.cfg.feature_dim > 0:
            feat = self.feature_head(feat, index)
        rgb = self.rgb_head(feat, index)
        out = {"sdf": sdf, "mask_logit": mask_logit}
        if self.cfg.material:
            rgb, out["material_logit"] = self._material(rgb, h_tex, h_shape, shape_code, index, pe)
        if self.cfg.background_poly:
            rgb = self._background_rgb(x, texture_code, rgb, index)
        return {**out, "rgb": rgb}

    def _material(self, rgb: Tensor, h_tex: Tensor, h_shape: Tensor, shape_code: Tensor, index: Tensor | None,
                  pe: Tensor | None) -> tuple[Tensor, Tensor]:
        """rgb [..., B, P, 3] plus, in the material regions, sigmoid(material logit) * rgb_delta(h_tex); and
        the material logits [..., M, P] of the networks evaluated: the material regions in region order
        where every region is there, every picked network where an index picks them (training's target:
        `facet.training.synthetic.material_loss`)."""
        logits = []

        def term(sl: slice, idx):
            r = self.material(h_shape[..., sl, :, :], shape_code[..., sl, :], idx, pe)
            m = self.material_head(r, idx)                                             # [..., B, P, 1]
            logits.append(m.squeeze(-1))
            return torch.sigmoid(m) * self.rgb_delta(h_tex[..., sl, :, :], idx)
        rgb = self._plus_in_regions(rgb, term, index, self.material_on, self.material_spans, -3)
        return rgb, torch.cat(logits, dim=-2)

    def _background_rgb(self, x: Tensor, texture_code: Tensor, rgb: Tensor, index: Tensor | slice | None) -> Tensor:
        """rgb [..., B, P, 3] with the background's rows replaced by its polynomial colour logit
        (cfg.background_poly): row 0 where every region is there (index None, or a slice from 0);
        where an index picks the networks, the rows whose index is 0."""
        if isinstance(index, slice) and index.start not in (None, 0):
            return rgb
        code = texture_code if isinstance(index, Tensor) else texture_code[..., :1, :]     # [..., B or 1, C]
        coef = self.background_rgb(code.unsqueeze(-2))                                    # [..., B, 1, 3 T]
        coef = coef.reshape(*coef.shape[:-2], 3, -1).transpose(-1, -2)                     # [..., B, T, 3]
        basis = poly_basis(x, self.cfg.background_poly).unsqueeze(-3)                      # [..., 1, P, T]
        col = torch.matmul(basis, coef)                                                    # [..., B, P, 3]
        if isinstance(index, Tensor):
            w = pick(self.is_background, index).unsqueeze(-1)                              # [B, 1, 1]
            return w * col + (1 - w) * rgb
        return torch.cat([col, rgb[..., 1:, :, :]], dim=-3)


class Mapping(nn.Module):
    """Per-code MLPs z [2K, Z] -> codes [2K, C] (one shared MLP when `mapping_shared`)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        n = 1 if cfg.mapping_shared else cfg.num_codes
        dims = [cfg.z_dim] + [cfg.code_dim] * cfg.mapping_layers
        self.layers = nn.ModuleList(StackedLinear(n, a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.register_buffer("z_mask", torch.ones(cfg.num_codes, cfg.z_dim))
        self.register_buffer("code_mean", torch.zeros(cfg.num_codes, cfg.code_dim))
        self.num_codes = cfg.num_codes

    def forward(self, z: Tensor, psi: Tensor | float = 1.0) -> Tensor:
        """z [..., 2K, Z] -> codes [..., 2K, C]."""
        if tuple(z.shape[-2:]) != tuple(self.z_mask.shape):
            raise ValueError(f"z: expected [..., {self.num_codes}, {self.z_mask.shape[1]}], got {tuple(z.shape)}")
        h = (z * self.z_mask).unsqueeze(-2)                # [..., 2K, 1, Z]
        for layer in self.layers:
            h = nn.functional.leaky_relu(layer(h), 0.2)
        w = h.squeeze(-2)
        return self.code_mean + psi * (w - self.code_mean)

    def map_row(self, row: int | Tensor, z: Tensor, psi: Tensor | float = 1.0, stride: int = 1,
                offset: int = 0) -> Tensor:
        """A batch of z for one code row, [B, Z] -> codes [B, C]. `row` may be an int64 tensor [1]
        indexing rows offset, offset + stride, ... (the shape rows: stride 2, offset 0), so
        the exported graph selects the row with one Gather."""
        if z.dim() != 2 or z.shape[1] != self.z_mask.shape[1]:
            raise ValueError(f"z: expected [B, {self.z_mask.shape[1]}], got {tuple(z.shape)}")
        index = row if isinstance(row, Tensor) else torch.tensor([row], dtype=torch.int64, device=z.device)
        sel = lambda t: nn.functional.embedding(index, t[offset::stride].flatten(1)).view(1, *t.shape[1:])  # noqa: E731
        h = (z * sel(self.z_mask)).unsqueeze(-2)                      # [B, 1, Z]
        for layer in self.layers:
            w = layer.weight if layer.weight.shape[0] == 1 else sel(layer.weight)
            b = layer.bias if layer.bias.shape[0] == 1 else sel(layer.bias)
            h = nn.functional.leaky_relu(torch.matmul(h, w.transpose(1, 2)) + b.unsqueeze(1), 0.2)
        mean = sel(self.code_mean)                                     # [1, C]
        return mean + psi * (h.squeeze(-2) - mean)

    @torch.no_grad()
    def update_mean(self, samples: int = 10000, seed: int = 0) -> None:
        """Truncation centre from `samples` random z with a fixed seed (as CNeRF computes w_mean)."""
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(samples, *self.z_mask.shape, generator=g).to(self.z_mask.device)
        self.code_mean.zero_()
        self.code_mean.copy_(self.forward(z, 1.0).mean(0))


def require_per_code_rows(mapping: Mapping, what: str) -> None:
    """Options that treat one region's codes on their own need a mapping row per code."""
    if mapping.layers[-1].weight.shape[0] == 1:
        raise ValueError(f"{what} needs per-code mapping rows (mapping_shared=False)")


@torch.no_grad()
def rebalance_shape_codes(mapping: Mapping, local: LocalGenerators, target_std: float, samples: int = 4000,
                          seed: int = 0) -> dict[int, float]:
    """Centre every region's shape code for its FiLM layers and scale its spread up to
    `target_std`, without changing the model.

    A region whose mapping row learnt a near-constant code (the ear's: std 0.02 around a mean of
    norm 0.7, the hair's std 0.2) leaves its FiLM layers nearly blind to z, and training does not
    leave that saddle: a FiLM weight's gradient is (output gradient) x code, dominated by the
    constant mean, so Adam's normalised steps barely follow the part that varies with z. For region
    k >= 1 (the background's shape code drives the base SDF and is constant), with mean m and
    spread s over random z: the last mapping layer's row 2k and code_mean[2k] are multiplied by
    a = max(1, target / s) (leaky ReLU commutes with a > 0), and each shape FiLM layer of region k
    gets W' = W / a, code_center = a m and bias b + W m, so W' (a c - a m) + b + W m = W c + b:
    every output is the same, but the FiLM gradients now see the centred, a-times larger
    variation. Returns {region: a} for every region it centred."""
    require_per_code_rows(mapping, "rebalance_shape_codes")
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(samples, *mapping.z_mask.shape, generator=g).to(mapping.z_mask.device)
    codes = mapping(z, 1.0)
    scaled = {}
    for k in range(1, local.count):
        row = 2 * k
        s = float(codes[:, row].std(0).mean())
        if s <= 0:
            continue
        a = max(1.0, target_std / s)
        m = codes[:, row].mean(0)                                  # in the old code units
        last = mapping.layers[-1]
        last.weight[row] *= a
        last.bias[row] *= a
        mapping.code_mean[row] *= a
        refine = [local.mask_refine] if getattr(local, "mask_refine", None) is not None else []
        for layer in [*local.shape, *refine]:                       # every FiLM layer the shape code drives
            w = layer.film.weight[k]                                # [2 out, C]
            old_center = layer.code_center[k].clone()
            layer.film.bias[k] += w @ (m - old_center)
            layer.film.weight[k] = w / a
            layer.code_center[k] = a * m
        scaled[k] = a
    return scaled
