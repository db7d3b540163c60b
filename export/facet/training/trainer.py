"""The training loop shared by both objectives: optimiser, schedule, progress bar, CSV log,
checkpoints with the resolved config beside them, resume, CPU/CUDA and DDP (torchrun)."""
from __future__ import annotations

import csv
import json
import math
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
from tqdm import tqdm

from facet.checkpoint import save_generator
from facet.config import ModelConfig, preset
from facet.model.field import require_per_code_rows
from facet.model.generator import Generator
from facet.training.config import TrainConfig
from facet.training.distributed import average_gradients, broadcast_module, replicas_agree


def setup_distributed(device: str) -> tuple[int, int, torch.device]:
    """(rank, world size, device); initialises the process group under torchrun: NCCL on CUDA,
    gloo on the CPU, or the backend FACET_DIST_BACKEND names. Ranks take the GPUs in turn
    (local rank modulo the GPU count): with gloo several ranks may share one GPU, which NCCL refuses."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(os.environ.get("FACET_DIST_BACKEND") or ("nccl" if use_cuda else "gloo"))
    rank = dist.get_rank() if dist.is_initialized() else 0
    if use_cuda:
        local = int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count()
        torch.cuda.set_device(local)
        return rank, world, torch.device("cuda", local)
    return rank, world, torch.device("cpu")


def sliders_from_world(spec: list[dict]) -> list[dict]:
    """World parameters -> manifest sliders; a parameter's range ends map to z = -/+ 2.5."""
    return [{"region": p["region"], "kind": p["kind"], "name": p["name"], "label": p["label"],
             "slot": p["slot"], "min": -2.5, "max": 2.5} for p in spec]


def world_z_mask(cfg: ModelConfig) -> torch.Tensor:
    """1 where a z slot holds a world parameter: the app draws every slot, training sees 0s."""
    from facet.world.params import param_spec_json

    mask = torch.zeros(cfg.num_codes, cfg.z_dim)
    for p in param_spec_json():
        row = 2 * cfg.regions.index(p["region"]) + (p["kind"] == "texture")
        mask[row, p["slot"]] = 1.0
    return mask


def region_indices(cfg: ModelConfig, names: str, option: str) -> tuple[int, ...]:
    out = []
    for n in (v.strip() for v in names.split(",") if v.strip()):
        if n not in cfg.regions:
            raise ValueError(f"{option}: unknown region {n!r}; the model's regions: {', '.join(cfg.regions)}")
        out.append(cfg.regions.index(n))
    if not out:
        raise ValueError(f"{option}: no region named")
    return tuple(out)


TEXTURE_PARTS = ("local.texture.", "local.rgb_head.", "local.feature_head.", "local.background_rgb.",
                 "local.material.", "local.material_head.", "local.rgb_delta.")
MATERIAL_PARTS = ("local.material.", "local.material_head.", "local.rgb_delta.")
BACKGROUND_RGB = "local.background_rgb."   # one network (the background's), not one per region
MASK_REFINE_PARTS = ("local.mask_refine.", "local.mask_refine_head.")
# train_parts -> (the local generators' parameters that train, by name prefix; which mapping rows:
# "all" of the regions' rows, their "texture" rows only, or "none")
PARTS = {"all": (("local.",), "all"), "texture": (TEXTURE_PARTS, "texture"), "mask": (MASK_REFINE_PARTS, "none")}


def freeze_all_but(g: Generator, regions: tuple[int, ...] | None, parts: str = "all") -> None:
    """Only the given regions' local generators (their slices of the stacked weights; every region
    when `regions` is None) and mapping rows (shape and texture) get gradients; the base SDF, beta
    and every other region stay as they are (gradient hooks zero the rest, so a fresh Adam leaves it
    exactly unchanged). `parts` "texture": of those, only the texture layers, the rgb heads and the
    texture-code mapping rows: no shape, SDF or mask weight moves, so geometry and masks stay.
    "mask": only the mask refinement (cfg.mask_refine): labels and colour weights change, no
    mapping row, shape, SDF, gate or colour weight moves."""
    require_per_code_rows(g.mapping, "train_regions or train_parts")
    if parts == "mask" and not g.cfg.mask_refine:
        raise ValueError("train_parts=mask trains the mask refinement: the model has none (mask_refine=0)")
    prefixes, rows = PARTS[parts]
    keep_local = torch.zeros(g.cfg.num_regions)
    keep_local[list(regions) if regions is not None else slice(None)] = 1.0
    keep_rows = keep_local.repeat_interleave(2)
    if rows == "texture":
        keep_rows[0::2] = 0.0
    # where no shape row trains (train_parts=texture), Generator.split_codes detaches the shape
    # codes: the same gradients, without a backward pass through the frozen shape layers (stage 5
    # of the recipe: 0.27 -> 0.17 s a step on two threads)
    g.grad_rows = tuple(bool(v) for v in keep_rows) if rows != "none" and not keep_rows.all() else None
    for name, p in g.named_parameters():
        if name.startswith(prefixes):
            mask = keep_local[:1] if name.startswith(BACKGROUND_RGB) else keep_local
        elif name.startswith("mapping.") and rows != "none":
            mask = keep_rows
        else:
            p.requires_grad_(False)
            continue
        mask = mask.view(-1, *([1] * (p.dim() - 1))).to(p.device)
        p.register_hook(lambda grad, m=mask: grad * m)


def add_texture_pe(state: dict, cfg: ModelConfig) -> dict:
    """A state dict without positional-encoding inputs -> one for `cfg.texture_pe`: the first texture
    layer's weight gets 6 * texture_pe zero columns (the model computes the same function)."""
    key = "local.texture.0.linear.weight"
    w = state.get(key)
    want = cfg.hidden + 6 * cfg.texture_pe
    if w is None or w.shape[-1] == want:
        return state
    if w.shape[-1] != cfg.hidden:
        raise ValueError(f"{key}: {w.shape[-1]} inputs, expected {cfg.hidden} or {want}")
    pad = torch.zeros(*w.shape[:-1], want - w.shape[-1], dtype=w.dtype, device=w.device)
    return {**state, key: torch.cat([w, pad], dim=-1)}


def add_missing(state: dict, fresh: dict, prefixes: str | tuple[str, ...]) -> dict:
    """`state` plus the entries of `fresh` (a new model's state dict) under `prefixes` that it lacks."""
    return {**state, **{k: v for k, v in fresh.items() if k.startswith(prefixes) and k not in state}}


def add_mask_refine(state: dict, fresh: dict) -> dict:
    """A state dict without the mask refinement -> one with `fresh`'s (a new model's: its head
    starts at zero, so the model computes the same function)."""
    return add_missing(state, fresh, MASK_REFINE_PARTS)


def add_material(state: dict, fresh: dict) -> dict:
    """A state dict without the second material (ModelConfig.material) -> one with `fresh`'s
    (rgb_delta zero: the model computes the same function)."""
    return add_missing(state, fresh, MATERIAL_PARTS)


def add_background_rgb(state: dict, fresh: dict) -> dict:
    """A state dict without the background's polynomial colour (ModelConfig.background_poly) -> one
    with `fresh`'s coefficients (zero: a grey background until a stage trains them)."""
    return add_missing(state, fresh, BACKGROUND_RGB)


# Model config keys that fine-tuning (--init-from) may change: sdf_gate changes the forward pass
# only, not the parameters (a gated model may start from an ungated one); final_beta_scale,
# image_beta_scale, label_depth and label_bias are the model's own calibration (facet calibrate), kept from
# the source (training never reads label_bias); texture_pe and
# mask_refine may grow from 0 (the new inputs' weights and the refinement head start at zero: the same
# function);
# the reshape graph's grid and batch and whether it reads the refinement are export settings only.
INIT_FREE = ("sdf_gate", "preset", "final_beta_scale", "image_beta_scale", "label_depth", "label_bias", "texture_pe", "texture_pe_max", "mask_refine",
             "mask_refine_regions", "reshape_mask_refine", "reshape_resolution", "reshape_batch", "background_poly",
             "material", "material_regions")


def init_incompatibility(src, dst) -> str:
    """Why a generator with model config `src` cannot start a fine-tune of model config `dst`
    ("" when it can): the keys that differ outside INIT_FREE, or a texture_pe / mask_refine that
    changes other than growing from 0."""
    a, b = src.to_json(), dst.to_json()
    keys = sorted(k for k in set(a) | set(b) if k not in INIT_FREE and a.get(k) != b.get(k))
    if keys:
        return "; ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in keys)
    if (src.texture_pe, src.texture_pe_max) not in ((0, src.texture_pe_max), (dst.texture_pe, dst.texture_pe_max)):
        return f"texture_pe {src.texture_pe} (max {src.texture_pe_max}) -> {dst.texture_pe} (max {dst.texture_pe_max})"
    if src.mask_refine not in (0, dst.mask_refine):
        return f"mask_refine {src.mask_refine} -> {dst.mask_refine}"
    if src.background_poly not in (0, dst.background_poly):
        return f"background_poly {src.background_poly} -> {dst.background_poly}"
    if src.material not in (0, dst.material) or (src.material and src.material_regions != dst.material_regions):
        return f"material {src.material} {src.material_regions} -> {dst.material} {dst.material_regions}"
    return ""


class Trainer:
    def __init__(self, tc: TrainConfig, out: Path, model_cfg: ModelConfig | None = None, resume: bool = True):
        self.tc, self.out = tc, Path(out)
        if tc.threads:
            torch.set_num_threads(tc.threads)
        self.rank, self.world, self.device = setup_distributed(tc.device)
        torch.manual_seed(tc.seed + self.rank)
        self.cfg = model_cfg or preset(tc.model_preset)
        self.g = Generator(self.cfg).to(self.device)
        if tc.objective in ("synthetic", "background"):
            self.g.mapping.z_mask.copy_(world_z_mask(self.cfg))
        if tc.init_from:
            self.init_from(Path(tc.init_from))
        own = {k: v for k, v in (("final_beta_scale", tc.final_beta_scale if tc.final_beta_scale > 0 else None),
                                 ("label_depth", tc.label_depth if tc.label_depth >= 0 else None))
               if v is not None and v != getattr(self.cfg, k)}
        if own.get("label_depth", None) == 0:
            own["label_bias"] = ()      # the label prior acts at the label point, which 0 turns off
        if own:     # the stage's own calibration (TrainConfig) wins over the model's and the checkpoint's (ModelConfig checks it)
            import dataclasses

            self.cfg = self.g.cfg = dataclasses.replace(self.cfg, **own)
        resuming = resume and (self.out / "last.pt").exists()
        if tc.rebalance_codes > 0 and not resuming:   # a resume's last.pt holds the rebalanced weights
            from facet.model.field import rebalance_shape_codes

            scaled = rebalance_shape_codes(self.g.mapping, self.g.local, tc.rebalance_codes)
            if self.rank == 0:
                names = ", ".join(f"{self.cfg.regions[k]} x{a:.1f}" for k, a in scaled.items())
                print(f"rebalanced shape codes to std {tc.rebalance_codes}: {names}")
        if tc.train_parts not in PARTS:
            raise ValueError(f"train_parts: {tc.train_parts!r}; choose {', '.join(PARTS)}")
        if tc.train_parts == "texture" and self.cfg.sdf_from != "shape":
            raise ValueError("train_parts=texture needs sdf_from='shape': with the SDF read from the texture "
                             "layers, training them moves the geometry too")
        if tc.train_regions or tc.train_parts != "all":
            regions = region_indices(self.cfg, tc.train_regions, "train_regions") if tc.train_regions else None
            freeze_all_but(self.g, regions, tc.train_parts)
        if tc.compile:   # in place (nn.Module.compile): the state dict keeps its names, checkpoints load as before
            self.g.local.compile()
            self.g.base.compile()
        # under torchrun every rank starts from rank 0's weights and averages gradients after each
        # backward (facet.training.distributed: DDP's wrapper cannot see the objectives' calls)
        broadcast_module(self.g)
        groups = [{"params": [p for n, p in self.g.named_parameters() if not n.startswith("mapping.")], "lr": tc.lr},
                  {"params": list(self.g.mapping.parameters()), "lr": tc.lr_mapping}]
        betas = (0.0, 0.9) if tc.objective == "gan" else (0.9, 0.99)   # CNeRF's GAN setting
        self.opt = torch.optim.Adam(groups, betas=betas)
        self.base_lrs = [grp["lr"] for grp in groups]
        self.step = 0
        self.objective = self._objective()
        if resuming:
            self.load(self.out / "last.pt")

    def _objective(self):
        tc = self.tc
        if tc.objective == "background":
            from facet.training.background import BackgroundObjective

            return BackgroundObjective(self.g, tc.batch * 8, tc.points // 8, tc.seed + self.rank)
        if tc.objective == "synthetic":
            from facet.training.synthetic import SyntheticObjective
            from facet.training.synthetic_data import Pool

            from facet.training.synthetic_data import SMALL_REGIONS

            small = region_indices(self.cfg, tc.small_regions, "small_regions") if tc.small_regions else SMALL_REGIONS
            pool = Pool(tc.pool_size, tc.pool_points, tc.pool_views, tc.view_res, self.cfg.camera, tc.seed + self.rank,
                        tc.small_share, small, tc.view_supersample)
            from facet.training.synthetic import SyntheticLossWeights

            weights = SyntheticLossWeights(locality=tc.locality, locality_points=tc.locality_points, gate=tc.gate,
                                          mask3d=tc.mask3d, mask2d=tc.mask2d, label_band=tc.label_band,
                                          locality_background=tc.locality_background, color_loss=tc.color_loss,
                                          final_rays=tc.final_rays, material3d=tc.material3d,
                                          material_rgb=tc.material_rgb)
            return SyntheticObjective(self.g, pool, tc.batch, tc.points, tc.rays, tc.samples,
                                      tc.refresh_per_step, tc.seed * 7919 + self.rank, weights=weights,
                                      refresh_every=tc.refresh_every, edge_rays=tc.edge_rays)
        from facet.training.gan import GanObjective

        return GanObjective(self.g, tc, self.device)

    # -- checkpoints ------------------------------------------------------------------------
    def save(self) -> None:
        if self.rank != 0:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        state = {"step": self.step, "generator": self.g.state_dict(), "opt": self.opt.state_dict(),
                 "objective": self.objective.state_dict() if hasattr(self.objective, "state_dict") else {}}
        tmp = self.out / "last.pt.tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.out / "last.pt")  # atomic: an interruption never leaves half a file
        (self.out / "config.json").write_text(json.dumps({"model": self.cfg.to_json(), "train": self.tc.to_json()}, indent=2))
        g = self.export_generator()
        g.mapping.update_mean()  # truncation centre (CNeRF: from 10,000 random z, fixed seed)
        save_generator(g, self.out / "generator.safetensors", extra={"step": self.step, **self.export_extra()})

    def export_extra(self) -> dict:
        """Metadata the exporter reads: slider names for the synthetic world's parameters."""
        if self.tc.objective not in ("synthetic", "background"):
            return {}
        from facet.world.params import param_spec_json

        return {"sliders": sliders_from_world(param_spec_json())}

    def init_from(self, path: Path) -> None:
        """Fine-tuning: the generator's weights and buffers from a checkpoint (weights.safetensors
        or generator.safetensors) with the same model config; the optimiser and step start fresh.
        A run folder's last.pt, when there is one, still wins (resume)."""
        from facet.checkpoint import load_generator

        src, _ = load_generator(path)
        why = init_incompatibility(src.cfg, self.cfg)
        if why:
            raise ValueError(f"--init-from {path}: its model config differs from preset {self.tc.model_preset!r} "
                             f"(preset {src.cfg.preset!r}): {why}; fine-tuning keeps the architecture "
                             "(it may only add texture_pe or mask_refine to a model without one)")
        fresh = self.g.state_dict()
        self.g.load_state_dict(add_material(add_background_rgb(add_mask_refine(add_texture_pe(src.state_dict(), self.cfg), fresh), fresh), fresh))
        kept = {k: getattr(src.cfg, k) for k in ("final_beta_scale", "image_beta_scale", "label_depth", "label_bias")
                if getattr(src.cfg, k) != getattr(self.cfg, k)}
        if kept:
            import dataclasses

            self.cfg = self.g.cfg = dataclasses.replace(self.cfg, **kept)
        if self.rank == 0:
            print(f"initialised from {path}")

    def load(self, path: Path) -> None:
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.g.load_state_dict(state["generator"])
        self.opt.load_state_dict(state["opt"])
        if state.get("objective") and hasattr(self.objective, "load_state_dict"):
            self.objective.load_state_dict(state["objective"])
        self.step = state["step"]
        if self.rank == 0:
            print(f"resumed from {path} at step {self.step}")

    def export_generator(self) -> Generator:
        return self.objective.ema if getattr(self.objective, "ema", None) is not None else self.g

    # -- loop -------------------------------------------------------------------------------
    def lr_factor(self) -> float:
        p = min(self.step / max(self.tc.steps, 1), 1.0)
        warm = min(1.0, (self.step + 1) / 100)
        end = self.tc.lr_end_factor
        return warm * (end + (1 - end) * 0.5 * (1 + math.cos(math.pi * p)))

    def run(self) -> None:
        from facet.world.sdf import compiled_fields

        # compile: the world's fields too, which the synthetic pool renders and samples every few steps
        with compiled_fields(self.tc.compile):
            self._run()

    def _run(self) -> None:
        tc = self.tc
        if hasattr(self.objective, "setup"):
            bar = tqdm(total=getattr(self.objective, "setup_total", None), desc="data", disable=self.rank != 0)
            self.objective.setup(lambda n: bar.update(n - bar.n))
            bar.close()
        log_path = self.out / "log.csv"
        self.out.mkdir(parents=True, exist_ok=True)
        new_log = not log_path.exists()
        log = open(log_path, "a", newline="") if self.rank == 0 else None
        writer = None
        bar = tqdm(total=tc.steps, initial=self.step, desc="train", disable=self.rank != 0, dynamic_ncols=True)
        t0 = time.time()
        while self.step < tc.steps:
            for grp, base in zip(self.opt.param_groups, self.base_lrs):
                grp["lr"] = base * self.lr_factor()
            losses = self.objective.step(self.g)
            if "total" in losses:
                self.opt.zero_grad(set_to_none=True)
                losses["total"].backward()
                average_gradients(self.g.parameters())
                torch.nn.utils.clip_grad_norm_(self.g.parameters(), 1.0)
                self.opt.step()
            if hasattr(self.objective, "after_step"):
                self.objective.after_step()
            self.step += 1
            bar.update(1)
            if self.step % tc.log_every == 0 or self.step == tc.steps:
                row = {"step": self.step, "time_s": round(time.time() - t0, 2),
                       **{k: round(float(v.detach()), 5) for k, v in losses.items()}}
                bar.set_postfix({k: f"{float(v.detach()):.3g}" for k, v in losses.items() if k in ("total", "psnr", "image", "sdf", "beta", "d", "g")})
                if log is not None:
                    if writer is None:
                        writer = csv.DictWriter(log, fieldnames=list(row))
                        if new_log:
                            writer.writeheader()
                    writer.writerow(row)
                    log.flush()
            if self.step % tc.save_every == 0 or self.step == tc.steps:
                if not replicas_agree(self.g):
                    raise RuntimeError(f"step {self.step}: the ranks' generators differ; gradients were not "
                                       "averaged (facet.training.distributed)")
                self.save()
        bar.close()
        if log is not None:
            log.close()
        if dist.is_initialized():
            dist.barrier()
