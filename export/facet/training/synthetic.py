"""The synthetic-world objective: the generator reproduces the world, its per-region latents tied
to the region's named parameters (Gaussianised), supervised in 3D (SDF, label, color at points)
and in 2D (volume-rendered pixels against rendered views: color, mask, depth)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from facet.evaluate.render import surface_bounds
from facet.model.generator import Generator
from facet.training.synthetic_data import BACKGROUND, BAND, Pool


@dataclass
class SyntheticLossWeights:
    sdf: float = 1.0
    mask3d: float = 0.5
    rgb3d: float = 1.0
    image: float = 1.0
    mask2d: float = 0.5
    depth: float = 0.5
    # Locality (opt-in, 0 = off): per step one region's codes are swapped with another portrait's;
    # at points that neither world gives to that region the fused SDF (as occupancy), masks and
    # color must not move (see locality_loss). `locality_points`: points per portrait it uses.
    locality: float = 0.0
    locality_points: int = 512
    # The background may be the swapped region too. Its parameters move no body (the world draws
    # it behind the head), so every point inside or within LOCAL_MARGIN of a body keeps its
    # targets. Off by default: its shape code drives the base SDF, which stages 2-3 train.
    locality_background: bool = False
    # Models with `sdf_gate`: per-region binary cross-entropy of the mask logits against the label
    # at the 3D points, so sigmoid(logit) is ~1 where the region is and ~0 elsewhere (the softmax
    # cross-entropy alone leaves the logits' common level free) and gates the region's SDF offset.
    gate: float = 0.5
    # The 3D mask targets (mask3d, gate): points outside every body by label_band world units or
    # more are background. The pool labels points within BAND (0.006) of a body with that body,
    # which in the air around a thin body (a brow on the face, an ear) is mostly a shell of the
    # small region; a smaller band keeps that shell for the surface alone. Colors keep BAND.
    label_band: float = BAND
    # The colour losses (rgb3d, image): "l1", the absolute error, or "l2", the squared error, which
    # `facet eval`'s PSNR scores: where a colour cannot be matched (an edge, a fine texture) L2
    # draws the mean of what it may be, L1 its median
    color_loss: str = "l1"
    # Where the final-render half of the rays samples: "world", around the world's surface (its depth,
    # jittered); "own", as the final render of `facet eval` and the app does, around the model's own
    # surface (a uniform march at the final beta, 32 samples, no gradient), reaching to the far end
    # where the model's surface lies more than 2 margins behind the world's (the model misses a
    # silhouette the world has there), so the colours are trained where the final render reads them
    final_rays: str = "world"
    # Models with `material`: binary cross-entropy of each material region's logit against the world's
    # material at the 3D points of that region (neck+cloth: skin or cloth; `material_targets`), the two
    # classes weighted equally (skin is about 5% of neck+cloth's points near its surface)
    material3d: float = 1.0
    # Models with `material`: the 3D colour loss's weight at the points of the second material (the
    # neck's skin, a few percent of neck+cloth's points), the others' being 1
    material_rgb: float = 1.0


def color_error(diff: Tensor, kind: str) -> Tensor:
    """Per-channel colour error: |diff| ("l1") or diff^2 ("l2")."""
    if kind == "l1":
        return diff.abs()
    if kind == "l2":
        return diff.pow(2)
    raise ValueError(f"color_loss: expected 'l1' or 'l2', got {kind!r}")


def own_surface_bounds(g: Generator, codes: Tensor, origins: Tensor, dirs: Tensor, world_depth: Tensor,
                       margin: float) -> Tensor:
    """t_bounds [B, N, 2] around the model's own surface, as the final render finds them
    (facet.evaluate.render: coarse_depth, surface_bounds), per ray: the world's depth stands in for
    the nearer neighbour the final render pools, so a ray whose own surface lies more than 2 margins
    behind the world's reaches to the far end."""
    cam = g.cfg.camera
    b, n, _ = origins.shape
    with torch.no_grad():
        own = g.render_rays(codes.detach(), origins, dirs,
                            torch.tensor([cam.near, cam.far], device=origins.device).expand(b, n, 2),
                            samples=32, beta_scale=g.cfg.final_beta_scale)["depth"]
    return surface_bounds(torch.minimum(own, world_depth), own, cam.near, cam.far, margin)


def sdf_loss(pred_net: Tensor, true_world: Tensor, scale: float, clamp: float = 0.03) -> Tensor:
    """L1 between network-unit SDFs, clamped far from surfaces and weighted towards them."""
    t = (true_world * scale).clamp(-clamp * scale, clamp * scale)
    p = pred_net.clamp(-clamp * scale, clamp * scale)
    w = 1.0 + 4.0 * (true_world.abs() < BAND).float()
    return (w * (p - t).abs()).mean()


# world units: points this close to the swapped region's body are its own; 3 pixels at 256 px in the
# default camera (fov 12 degrees at radius 1), the dilation `facet eval`'s locality test allows
LOCAL_MARGIN = 0.0025


@torch.no_grad()
def unaffected_points(z: Tensor, z_swap: Tensor, points: Tensor, region: Tensor) -> Tensor:
    """[B, P] bool: points whose world targets (scene SDF, label, color) are the same whether
    portrait i has region `region[i]`'s own parameters (z) or another portrait's (z_swap): that
    region's body is not the nearest one in either world nor within LOCAL_MARGIN of the point,
    and the other bodies' nearest distance is the same in both worlds. Region 0, the background,
    moves no body: its points are those inside or within LOCAL_MARGIN of a body."""
    from facet.world import latent_to_params, region_sdf

    keep = torch.ones(points.shape[:2], dtype=torch.bool)
    background = region.cpu() == 0
    idx = (region.cpu() - 1).clamp_min(0).view(-1, 1, 1).expand(-1, points.shape[1], 1)
    others = None
    for zz in (z, z_swap):
        fld = region_sdf(points.cpu(), latent_to_params(zz.cpu()))[..., 1:]     # bodies [B, P, K-1]
        own = fld.gather(-1, idx).squeeze(-1)
        rest = fld.scatter(-1, idx, float("inf")).min(-1).values
        keep &= (own > LOCAL_MARGIN) & (own > rest)
        if others is None:
            others = rest
            on_body = fld.min(-1).values < LOCAL_MARGIN
        else:
            keep &= (rest - others).abs() < 1e-6
    # the background swapped: no body moves; the points on or in a body keep their targets
    keep = torch.where(background[:, None], on_body, keep)
    return keep.to(points.device)


def locality_loss(g: Generator, batch: dict, codes: Tensor, f: dict, n_points: int,
                  gen: torch.Generator, with_background: bool = False) -> Tensor:
    """Portrait i's region r_i (drawn uniformly; the background only `with_background`, since its
    shape code drives the base SDF) takes the next portrait's codes; where neither world has r_i
    (unaffected_points) the fused fields must stay as they were: L1 of occupancy sigmoid(-d / beta),
    of the softmax masks and of the color (at visible points). `f`: the step's fields at
    batch["points"] with `codes`; one extra fields() pass over the first `n_points` of those points
    a portrait."""
    b, k = codes.shape[0], g.cfg.num_regions
    region = torch.randint(0 if with_background else 1, k, (b,), generator=gen)
    perm = torch.roll(torch.arange(b), 1)
    rows = (torch.arange(2 * k) // 2).unsqueeze(0) == region.unsqueeze(1)            # [B, 2K]
    rows = rows.unsqueeze(-1).to(codes.device)
    swapped = torch.where(rows, codes[perm.to(codes.device)], codes)
    z = batch["z"]
    z_swap = torch.where(rows, z[perm.to(z.device)], z)
    pts = batch["points"][:, :n_points]
    keep = unaffected_points(z, z_swap, pts, region).float()
    n = pts.shape[1]
    f0 = {"d": f["d"][:, :n], "m": f["m"][..., :n], "c": f["c"][:, :n]}
    f1 = g.fields(pts, swapped)
    beta = g.beta.detach()
    occ = (torch.sigmoid(-f0["d"] / beta) - torch.sigmoid(-f1["d"] / beta)).abs()
    masks = (f0["m"] - f1["m"]).abs().sum(-2)
    visible = (batch["sdf"][:, :n_points] > -BAND).float()
    color = (torch.sigmoid(f0["c"]) - torch.sigmoid(f1["c"])).abs().mean(-1) * visible
    return (keep * (occ + masks + color)).sum() / keep.sum().clamp_min(1.0)


def material_loss(g: Generator, f: dict[str, Tensor], batch: dict) -> Tensor:
    """Balanced BCE of neck+cloth's material logit (in `f`, the fields of every region at the batch's
    3D points) against the world's material (1 skin, 0 cloth) at its 3D points (target -1 elsewhere)."""
    from facet.training.synthetic_data import NECK_CLOTH

    target = batch["material"]
    on = g.local.material_on
    if NECK_CLOTH >= g.cfg.num_regions or g.cfg.regions[NECK_CLOTH] != "neck_cloth" or not on[NECK_CLOTH].item():
        raise ValueError("material3d: the model's material regions do not include neck_cloth")
    logit = f["material_logit"][..., int(on[:NECK_CLOTH].sum().item()), :]                  # [B, P]
    loss = F.binary_cross_entropy_with_logits(logit, target.clamp(0, 1), reduction="none")
    one, zero = (target == 1).float(), (target == 0).float()
    return ((loss * one).sum() / one.sum().clamp_min(1.0) + (loss * zero).sum() / zero.sum().clamp_min(1.0)) / 2


def mask_targets(label: Tensor, sdf: Tensor, label_band: float) -> Tensor:
    """The 3D mask losses' labels: the pool's (a body within BAND of the point, else background)
    with points label_band or more outside every body (world units) made background."""
    if label_band >= BAND:
        return label
    return torch.where(sdf < label_band, label, torch.full_like(label, BACKGROUND))


def synthetic_losses(g: Generator, batch: dict, w: SyntheticLossWeights, samples: int,
                     jitter_gen: torch.Generator | None = None) -> dict[str, Tensor]:
    scale = g.cfg.camera.coord_scale
    codes = g.mapping(batch["z"])
    f = g.fields(batch["points"], codes)
    out: dict[str, Tensor] = {}
    out["sdf"] = sdf_loss(f["d"], batch["sdf"], scale)
    logits = f["mask_logit"]                                    # [B, K, P]
    label = mask_targets(batch["label"], batch["sdf"], w.label_band)
    out["mask3d"] = F.cross_entropy(logits, label) if g.cfg.mask_activation == "softmax" \
        else F.mse_loss(f["m"], F.one_hot(label, g.cfg.num_regions).movedim(-1, -2).float())
    if g.cfg.sdf_gate:
        onehot = F.one_hot(label, g.cfg.num_regions).movedim(-1, -2).float()
        out["gate"] = F.binary_cross_entropy_with_logits(logits, onehot)
    if g.cfg.material and w.material3d > 0 and "material" in batch:
        out["material3d"] = material_loss(g, f, batch)
    visible = (batch["sdf"] > -BAND).float()[..., None]         # deep inside: color never seen
    if g.cfg.material and w.material_rgb != 1.0 and "material" in batch:
        visible = visible * torch.where(batch["material"] == 1, w.material_rgb, 1.0)[..., None]
    out["rgb3d"] = (visible * color_error(torch.sigmoid(f["c"]) - batch["rgb"], w.color_loss)).mean()

    # Half the rays as the preview sees the volume (uniform over [near, far]), half as the final
    # render samples it (around the surface, from a slightly perturbed depth like the preview's).
    b, n, _ = batch["ray_origins"].shape
    h = n // 2
    cam = g.cfg.camera
    gen = jitter_gen or torch.Generator().manual_seed(0)
    dev = codes.device  # the random draws come from the CPU generator (same on every device), then move
    uniform = g.render_rays(codes, batch["ray_origins"][:, :h], batch["ray_dirs"][:, :h],
                            torch.tensor([cam.near, cam.far], device=dev).expand(b, h, 2), samples=samples,
                            jitter=(torch.rand(b, h, samples, generator=gen) - 0.5).to(dev))
    depth = batch["pixel_depth"][:, h:] + torch.randn(b, n - h, generator=gen).to(dev) * 0.003
    m = g.cfg.surface_margin
    if w.final_rays == "own":
        tb = own_surface_bounds(g, codes, batch["ray_origins"][:, h:], batch["ray_dirs"][:, h:],
                                batch["pixel_depth"][:, h:], m)
    elif w.final_rays == "world":
        tb = surface_bounds(depth, depth, cam.near, cam.far, m)            # [depth - m, depth + m]
    else:
        raise ValueError(f"final_rays: expected 'world' or 'own', got {w.final_rays!r}")
    final = g.render_rays(codes, batch["ray_origins"][:, h:], batch["ray_dirs"][:, h:], tb,
                          beta_scale=g.cfg.final_beta_scale, label_depth=g.cfg.label_depth,
                          image_beta_scale=g.cfg.image_beta_scale)
    r = {k: torch.cat([uniform[k], final[k]], 1) for k in ("image", "masks", "depth")}
    out["image"] = color_error(r["image"] - (batch["pixel_rgb"] * 2 - 1), w.color_loss).mean()
    out["mask2d"] = F.nll_loss(torch.log(r["masks"].clamp(1e-6, 1.0)).transpose(1, 2), batch["pixel_label"])
    out["depth"] = ((uniform["depth"] - batch["pixel_depth"][:, :h]).abs() * scale).mean()
    if w.locality > 0 and b > 1:
        out["locality"] = locality_loss(g, batch, codes, f, w.locality_points, gen, w.locality_background)
    out["total"] = sum(getattr(w, k) * v for k, v in out.items())
    with torch.no_grad():
        mse = ((final["image"] + 1) / 2 - batch["pixel_rgb"][:, h:]).pow(2).mean()
        out["psnr"] = -10 * torch.log10(mse.clamp_min(1e-10))      # of the final-render rays
        out["beta"] = g.beta.detach()
    return out


class SyntheticObjective:
    """Holds the pool and computes one step's losses; the Trainer owns the loop."""

    def __init__(self, g: Generator, pool: Pool, batch: int, points: int, rays: int, samples: int,
                 refresh_per_step: int, seed: int, weights: SyntheticLossWeights | None = None,
                 refresh_every: int = 1, edge_rays: float = 0.0):
        self.g, self.pool = g, pool
        self.batch_size, self.points, self.rays, self.samples = batch, points, rays, samples
        self.refresh_per_step, self.refresh_every = refresh_per_step, max(1, refresh_every)
        self.steps, self.edge_rays = 0, edge_rays
        self.gen = torch.Generator().manual_seed(seed)
        self.w = weights or SyntheticLossWeights()

    def setup(self, progress=None) -> None:
        self.pool.fill(progress)

    def step(self, model: Generator) -> dict[str, Tensor]:
        self.steps += 1
        if self.refresh_per_step and self.steps % self.refresh_every == 0:
            self.pool.refresh(self.refresh_per_step)
        batch = self.pool.batch(self.batch_size, self.points, self.rays, self.gen, self.edge_rays)
        dev = next(model.parameters()).device
        batch = {k: v.to(dev) for k, v in batch.items()}
        return synthetic_losses(model, batch, self.w, self.samples, self.gen)
