"""Model configs: documented dataclasses with presets (`tiny`, `default`, `cnerf512`).

The resolved config is saved beside every checkpoint and export (`config` in the manifest).
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Literal

from facet.camera import CameraSpec
from facet.regions import REGIONS


def label_depth_error(depth: float, surface_margin: float) -> str:
    """Why `depth` cannot be a label_depth ("" when it can): the final render's samples end surface_margin
    past the surface."""
    if 0 <= depth <= surface_margin:
        return ""
    return f"must be in [0, surface_margin = {surface_margin:g}] world units, got {depth}"


def parse_label_bias(text: str, regions: tuple[str, ...] | list[str]) -> tuple[float, ...]:
    """`facet export --label-bias`: "REGION=B,REGION=B,..." (the regions not named get 0) -> one number per
    region in `regions` order; "none" or "" -> () (no label prior). ValueError says what is wrong."""
    text = text.strip()
    if text.lower() in ("", "none"):
        return ()
    out = dict.fromkeys(regions, 0.0)
    for part in text.split(","):
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq:
            raise ValueError(f"{part.strip()!r} is not REGION=NUMBER")
        if name not in out:
            raise ValueError(f"unknown region {name!r} (the model's: {', '.join(regions)})")
        try:
            v = float(value)
        except ValueError:
            raise ValueError(f"{name}: {value.strip()!r} is not a number") from None
        if not math.isfinite(v) or abs(v) > 10:
            raise ValueError(f"{name}: {v:g} is outside [-10, 10]")
        out[name] = v
    return tuple(out.values())


@dataclass
class ModelConfig:
    """Sizes and choices of a compositional generator.

    Names follow CNeRF: each region has a local generator with `shape_layers` FiLM-SIREN layers
    driven by its shape code and `texture_layers` driven by its texture code.
    """

    preset: str = "custom"
    regions: tuple[str, ...] = REGIONS
    z_dim: int = 8                 # width of one z row (per region and kind)
    code_dim: int = 64             # width of one shape or texture code
    mapping_layers: int = 3        # linear + leaky ReLU(0.2) layers
    mapping_shared: bool = False   # CNeRF shares one mapping for all 18 codes
    hidden: int = 64               # width of the local generators' layers
    shape_layers: int = 3
    texture_layers: int = 2
    # > 0: the first texture layer also reads a positional encoding of the point's network
    # coordinates, sin and cos of f pi x on each axis for L = texture_pe frequencies f log-spaced
    # from 1 to texture_pe_max (6L inputs; NeRF's, whose f are octaves), so that a texture can hold
    # detail finer than the shape features (a shirt's stripes)
    texture_pe: int = 0
    texture_pe_max: float = 32.0
    # > 0 (needs texture_pe): each region's mask logit gets a refinement, a FiLM-SIREN layer of this
    # width on [shape features, the positional encoding], conditioned on the shape code, and a linear
    # head that starts at zero. It changes the labels and the colour weights (softmax of the logits),
    # not the SDF gate, which keeps the unrefined logit: geometry stays as it was. For thin regions
    # (the brow is 1 to 3 px tall at 256 px) whose edges the shape features draw too wide.
    mask_refine: int = 0
    # With mask_refine: the regions that have it (empty: every region). The final render evaluates
    # only theirs, so a refinement of the small regions costs the final graph a share of the whole
    mask_refine_regions: tuple[str, ...] = ()
    # With mask_refine: whether the reshape graph's candidate masks include the refinement (as the
    # bakes' do) or keep the unrefined logit, for about half the graph's multiply-adds
    reshape_mask_refine: bool = True
    # > 0: the background region's colour logit is a polynomial of that degree in the point's network x
    # and y (every monomial x^i y^j, i + j <= degree), its coefficients a linear function of the
    # background's texture code (`LocalGenerators.background_rgb`), instead of its texture layers' output.
    # The synthetic world's background is a smooth gradient and vignette of x and y alone, which the
    # SIREN layers draw blotchy (docs/training.md, "The background's colour"). 0: its network, as every region.
    background_poly: int = 0
    # > 0 (needs texture_pe): the regions in `material_regions` get a second colour and a material
    # logit m that picks between the two: rgb = rgb_head(h_tex) + sigmoid(m) * rgb_delta(h_tex) (for
    # neck+cloth sigmoid(m) is the share of skin: training's target, `material_targets`). m is a
    # FiLM-SIREN layer of this width on [shape features, the positional encoding], conditioned on the
    # region's *shape* code, and a linear head; rgb_delta starts at zero (the same model). The world's
    # neck+cloth is skin above a neckline and cloth below it, the neckline set by shape parameters
    # (neckline depth, collar) that the texture layers see only through the shape features: they draw
    # the V-neck's skin as cloth (docs/training.md, "Two materials in one region"). Colours only: no
    # SDF, mask or label changes.
    material: int = 0
    material_regions: tuple[str, ...] = ()
    feature_dim: int = 0           # > 0: rgb = Linear(feature(h_tex)) as CNeRF; 0: rgb = Linear(h_tex)
    view_dependent: bool = False   # CNeRF feeds the view direction to the mask and feature heads
    sdf_from: Literal["shape", "texture"] = "shape"   # CNeRF: "texture"
    mask_activation: Literal["softmax", "none"] = "softmax"  # CNeRF: "none"
    # True: a region's SDF offset is multiplied by sigmoid(its own mask logit), so its shape code
    # moves geometry only where the region is (trained with a per-region BCE on the logits);
    # CNeRF (False) sums the raw offsets everywhere. No parameters change, only the forward pass.
    sdf_gate: bool = False
    film_gamma_scale: float = 15.0  # gamma = scale * (A s + c) + offset
    film_gamma_offset: float = 30.0
    film_beta_scale: float = 0.25
    beta_init: float = 0.05         # SDF -> density sharpness (network units), learned
    truncation_psi: float = 0.7
    # rendering
    samples_per_ray: int = 6        # final graph, per ray, within +-surface_margin of the surface
    surface_margin: float = 0.012   # world units: the app samples [depth - m, depth + m] per ray
    # The final render samples each ray within +-surface_margin of the surface, far finer than the
    # uniform samples the preview (and half of training's rays) take over [near, far], so it can
    # use a sharper density: beta * final_beta_scale. The learned beta is as soft as the uniform
    # samples need, and at 256 px it draws every silhouette about 2 px too wide. Chosen per model by
    # `facet calibrate` on portraits that are neither training nor evaluation ones.
    final_beta_scale: float = 1.0
    # Where the final render reads its masks (the labels): 0 = composited over its samples, as the
    # colour is; d > 0 = at the point d world units past the surface along the ray (the SDF's zero
    # crossing between the samples, weighted by where the ray stops), one more evaluation of the shape
    # layers and mask heads per ray. The sharp final render composites its masks where its first
    # opaque sample happens to fall, from about a pixel before the surface to a sample spacing past
    # it; one fixed depth a little past the surface labels the small regions better (docs/training.md,
    # "Where the final render reads its labels, again"). Chosen per model by `facet calibrate
    # --label-depths` on calibration portraits. A ray's colour and depth do not change; an image's
    # colours only where the anti-aliasing redraws other pixels (the label edges moved).
    label_depth: float = 0.0
    # With label_depth > 0: the final render's label prior, one number per region (in `regions` order)
    # added to its mask logit at the label point before the softmax; () = none. The masks' softmax is
    # a classifier trained for a cross-entropy over every point near a surface; which region wins a
    # pixel at 256 px is better decided with a prior per region: a thin brow drawn a little too thick,
    # a hair region a little too thin (docs/training.md, "A label prior per region"). Chosen per model
    # by `facet calibrate --label-bias` on calibration portraits; only the final render reads it
    # (training, the bake and the reshape graph do not).
    label_bias: tuple[float, ...] = ()
    # The final render's colour density, as a scale of the learned beta like final_beta_scale; 0 = the
    # same as final_beta_scale. The labels, the depth and the depth march keep final_beta_scale: only
    # the colours are composited with this beta, from the same samples (no more network evaluations).
    # A sharp density draws a silhouette where the model puts it, whole pixels of the wrong colour
    # where that is off by a pixel (most of the image error, docs/training.md); a slightly softer
    # one blends the colours there. Chosen per model by `facet calibrate --image-scales` (the best
    # PSNR on calibration portraits; docs/training.md, "The colours' own density").
    image_beta_scale: float = 0.0
    # the final render's anti-aliasing: pixels next to another label are rendered again with
    # s * s rays (src/viewport/finalRender.ts, facet.evaluate.render); 1 = one ray per pixel
    final_edge_supersample: int = 2
    resolution: int = 64            # final image width = height
    tile_rays: int = 4096           # rays per run of the final graph
    bake_resolution: int = 32
    bake_bounds: float = 0.14       # world units; covers the ball the rays sample
    # z-planes per run of the exported `bake` and `bake_base` graphs (a slab input picks which):
    # 0 = the whole grid in one run (the graphs take no slab). On wasm 8 runs of 8 planes of the
    # 64^3 grid take about 0.8 times one run of it (docs/benchmarks.md, "Bakes in slabs")
    bake_slab: int = 0
    reshape_resolution: int = 32    # coarse grid of the `reshape` graph (mask-painting search)
    reshape_batch: int = 8          # candidate shape codes per run of the `reshape` graph (the search's 8 go in runs of it)
    camera: CameraSpec = field(default_factory=CameraSpec)
    opset: int = 18

    def __post_init__(self) -> None:
        r, s = self.bake_resolution, self.bake_slab
        if s < 0 or s > r or (s and r % s):
            raise ValueError(f"config: bake_slab must be 0 (no slabs) or divide bake_resolution {r}, got {s}")
        if not 0 <= self.image_beta_scale <= 4:
            raise ValueError(f"config: image_beta_scale must be in [0, 4] (0 = final_beta_scale), got {self.image_beta_scale}")
        why = label_depth_error(self.label_depth, self.surface_margin)
        if why:
            raise ValueError(f"config: label_depth {why}")
        if self.label_bias:
            if len(self.label_bias) != len(self.regions):
                raise ValueError(f"config: label_bias needs one number per region ({len(self.regions)}: "
                                 f"{', '.join(self.regions)}), got {len(self.label_bias)}")
            if self.label_depth <= 0 or self.mask_activation != "softmax":
                raise ValueError("config: label_bias acts at the label point, before the masks' softmax: it needs "
                                 f"label_depth > 0 and mask_activation 'softmax' (got {self.label_depth:g}, "
                                 f"{self.mask_activation!r})")

    @property
    def num_regions(self) -> int:
        return len(self.regions)

    @property
    def num_codes(self) -> int:
        return 2 * self.num_regions

    def to_json(self) -> dict:
        d = dataclasses.asdict(self)
        d["regions"] = list(self.regions)
        d["mask_refine_regions"] = list(self.mask_refine_regions)
        d["material_regions"] = list(self.material_regions)
        d["label_bias"] = list(self.label_bias)
        d["camera"] = dataclasses.asdict(self.camera)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "ModelConfig":
        d = dict(d)
        cam = d.pop("camera", {})
        d["regions"] = tuple(d.get("regions", REGIONS))
        if "mask_refine_regions" in d:
            d["mask_refine_regions"] = tuple(d["mask_refine_regions"])
        if "material_regions" in d:
            d["material_regions"] = tuple(d["material_regions"])
        if "label_bias" in d:
            d["label_bias"] = tuple(float(v) for v in d["label_bias"])
        cam = {k: tuple(v) if isinstance(v, list) else v for k, v in cam.items()}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"config: unknown keys {sorted(unknown)}")
        return cls(camera=CameraSpec(**cam), **d)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)


PRESETS: dict[str, ModelConfig] = {
    # For tests: every graph runs in milliseconds, also on the software WebGPU adapter.
    "tiny": ModelConfig(preset="tiny", z_dim=8, code_dim=16, hidden=16, mapping_layers=2,
                        resolution=32, tile_rays=256, bake_resolution=16,
                        reshape_resolution=8, reshape_batch=4, bake_slab=4),
    # The bundled model; sized so CPU training on 2 cores fits (see docs/training.md).
    "default": ModelConfig(preset="default", z_dim=8, code_dim=64, hidden=32, sdf_gate=True, texture_pe=6,
                           resolution=256, tile_rays=4096, bake_resolution=64, bake_slab=8),
    # The official CNeRF stage-1 architecture (FFHQ 512 release; the 2D decoder is separate).
    "cnerf512": ModelConfig(preset="cnerf512", z_dim=256, code_dim=256, hidden=128,
                            mapping_layers=3, mapping_shared=True, feature_dim=128,
                            view_dependent=True, sdf_from="texture", mask_activation="none",
                            samples_per_ray=64, resolution=64, tile_rays=4096,
                            bake_resolution=64, bake_slab=8),
}
# The default model without the texture's positional encoding (nor the mask refinement, which reads it): stages 2-4 of the bundled model's
# recipe (facet train-default), and without the SDF gate too: its stage 1.
PRESETS["default-plain"] = dataclasses.replace(PRESETS["default"], preset="default-plain", texture_pe=0, mask_refine=0)
PRESETS["default-ungated"] = dataclasses.replace(PRESETS["default-plain"], preset="default-ungated", sdf_gate=False)
# The default model with the mask refinement (width 16) of the small regions inside the face:
# stage 6 of the bundled model's recipe (docs/training.md, "Stage 6"). The reshape graph keeps the
# unrefined logits (half its multiply-adds; the search adds a candidate's change to the bakes'),
# on a 28^3 grid: as good as 32^3 on the reshape tuning edits, 1.5 times fewer points (docs/reshape.md);
# 2 candidates a run: on wasm 8 candidates in 4 runs take about 0.8 times one run of 8 (smaller
# activations for its memory-bound elementwise passes), and the parsimony batch runs only its rows.
PRESETS["default-refine"] = dataclasses.replace(PRESETS["default"], preset="default-refine", mask_refine=16,
                                                mask_refine_regions=("eye", "brow", "mouth", "nose"),
                                                reshape_mask_refine=False, reshape_resolution=28, reshape_batch=2)
# The tiny model's twin of it, for the recipe's smoke test (facet train-default --preset smoke)
PRESETS["tiny-refine"] = dataclasses.replace(PRESETS["tiny"], preset="tiny-refine", texture_pe=2, mask_refine=4,
                                             mask_refine_regions=("eye", "brow", "mouth", "nose"),
                                             reshape_mask_refine=False)
# default-refine with the background's colour a polynomial of x and y (ModelConfig.background_poly;
# the recipe's stage 8 trains it alone), and the tiny model's twin of it
PRESETS["default-refine-bg"] = dataclasses.replace(PRESETS["default-refine"], preset="default-refine-bg", background_poly=4)
PRESETS["tiny-refine-bg"] = dataclasses.replace(PRESETS["tiny-refine"], preset="tiny-refine-bg", background_poly=2)
# default-refine and default-refine-bg with neck+cloth's two materials, the neck's skin and the cloth
# (ModelConfig.material; the recipe's stage 7 adds it, stage 8 keeps it), and the tiny model's twins
PRESETS["default-refine-mat"] = dataclasses.replace(PRESETS["default-refine"], preset="default-refine-mat",
                                                    material=16, material_regions=("neck_cloth",))
PRESETS["default-refine-bg-mat"] = dataclasses.replace(PRESETS["default-refine-bg"], preset="default-refine-bg-mat",
                                                       material=16, material_regions=("neck_cloth",))
PRESETS["tiny-refine-mat"] = dataclasses.replace(PRESETS["tiny-refine"], preset="tiny-refine-mat",
                                                 material=4, material_regions=("neck_cloth",))
PRESETS["tiny-refine-bg-mat"] = dataclasses.replace(PRESETS["tiny-refine-bg"], preset="tiny-refine-bg-mat",
                                                    material=4, material_regions=("neck_cloth",))


def preset(name: str, **overrides) -> ModelConfig:
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return dataclasses.replace(PRESETS[name], **overrides)
