"""Training configs (documented dataclass with presets); saved beside every checkpoint."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal


@dataclass
class TrainConfig:
    # "background": the background's polynomial colour alone, fitted to the world's (facet.training.background)
    objective: Literal["synthetic", "gan", "background"] = "synthetic"
    model_preset: str = "default"
    steps: int = 4000
    lr: float = 1e-4
    lr_mapping: float = 1e-4
    lr_end_factor: float = 0.1     # cosine decay of the learning rate to lr * this
    batch: int = 8                 # portraits per step
    points: int = 2048             # 3D samples per portrait per step (synthetic)
    rays: int = 128                # pixels per portrait per step (synthetic)
    samples: int = 16              # samples per ray while training
    pool_size: int = 384           # synthetic portraits held at once
    pool_points: int = 16384
    pool_views: int = 6
    view_res: int = 64
    view_supersample: int = 1      # synthetic: the pool's views from s x s world rays per pixel (mean colour, majority label: the ground truth `facet eval` scores against at s = 2, view_res 256); 1: the ray through the pixel's centre
    edge_rays: float = 0.0         # synthetic: pixels next to another label are drawn 1 + edge_rays times as often as the rest
    refresh_per_step: int = 1
    refresh_every: int = 4         # steps between pool refreshes (world SDFs are costly on a CPU)
    seed: int = 1
    save_every: int = 200
    log_every: int = 10
    device: str = "auto"           # auto | cpu | cuda
    threads: int = 0               # torch CPU threads (0: all cores)
    compile: bool = False          # torch.compile the local generators and the base SDF in place (same weights and names) and, while training, the world's fields (the pool's renders and 3D targets): the same computation to float rounding, about a minute of compiling first, then 1.8x faster stage-1 steps on 2 CPU cores (docs/training.md)
    init_from: str = ""            # generator checkpoint (.safetensors) to start from (fine-tuning); "" = fresh init
    locality: float = 0.0          # synthetic: weight of the locality loss (SyntheticLossWeights.locality; 0 = off)
    locality_points: int = 512     # synthetic: points per portrait the locality loss uses
    locality_background: bool = False   # synthetic: the locality loss swaps the background's codes too (SyntheticLossWeights)
    gate: float = 0.5              # synthetic, models with sdf_gate: weight of the per-region mask BCE
    mask3d: float = 0.5            # synthetic: weight of the 3D points' mask cross-entropy (SyntheticLossWeights.mask3d)
    mask2d: float = 0.5            # synthetic: weight of the rays' mask loss (SyntheticLossWeights.mask2d)
    color_loss: str = "l1"         # synthetic: "l1" or "l2" (squared error, what PSNR scores) for the colour losses, rgb3d and image (SyntheticLossWeights.color_loss)
    final_rays: str = "world"      # synthetic: the final-render half of the rays samples around the world's surface ("world") or the model's own, as the final render does ("own"; SyntheticLossWeights.final_rays)
    material3d: float = 1.0        # synthetic, models with material: weight of the material logit's BCE against the world's (SyntheticLossWeights.material3d)
    material_rgb: float = 1.0      # synthetic, models with material: the 3D colour loss's weight at the second material's points (SyntheticLossWeights.material_rgb)
    label_band: float = 0.006      # synthetic: 3D points this far (world units) outside every body are background for the mask losses (SyntheticLossWeights.label_band)
    small_share: float = 0.0       # synthetic: share of near-surface 3D points reserved for eye, brow, mouth, nose, ear
    small_regions: str = ""        # synthetic: comma-separated regions small_share draws near ("" = eye,brow,mouth,nose,ear)
    train_regions: str = ""        # comma-separated regions whose local generator and mapping rows train; the rest is frozen ("" = all)
    train_parts: str = "all"       # "texture": only the texture layers, rgb heads and texture-code mapping rows train (colours change, shapes and masks cannot); "mask": only the mask refinement (model mask_refine > 0: labels change, shapes cannot)
    final_beta_scale: float = 0.0  # synthetic: the model's final_beta_scale for this stage (0 = keep the model's, or the --init-from checkpoint's): half of each step's rays render as the final render does, so a stage after calibration trains against the final render the export draws (docs/training.md)
    label_depth: float = -1.0      # synthetic: the model's label_depth for this stage (< 0 = keep the model's, or the --init-from checkpoint's): the final-render rays read their masks this far past the surface, as the export's final graph does, so a stage trains the labels the final render shows (docs/training.md)
    rebalance_codes: float = 0.0   # before step 0: scale shape-code rows with a smaller spread up to this std, same outputs (0 = off; see rebalance_shape_codes)
    # gan objective
    data: str = ""                 # folder with images/ and masks/ (CelebAMask-HQ labels or 9-region labels)
    mask_format: str = "celebamask"  # or "regions": mask pixels are region indices
    res: int = 64
    lr_d: float = 2e-4
    r1_image: float = 10.0
    r1_mask: float = 1000.0
    view_weight: float = 15.0
    eikonal: float = 0.1
    min_surface: float = 0.001
    ema_decay: float = 0.999

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


TRAIN_PRESETS: dict[str, TrainConfig] = {
    "default": TrainConfig(),
    "smoke": TrainConfig(model_preset="tiny", steps=2, batch=2, points=256, rays=32, samples=8,
                         pool_size=4, pool_points=1024, pool_views=2, view_res=32, save_every=1,
                         log_every=1, res=32),
}
