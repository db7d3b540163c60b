"""`facet train-default --out DIR`: the bundled model's training recipe (docs/training.md, "How the
bundled model was trained") as one command: its nine stages in DIR/stage1..stage9, each starting
from the one before (`--init-from`), each resumable (run the command again), with every stage's
wall time in DIR/recipe.json. Then `facet calibrate` and `facet export` as docs/training.md says.

`--threads` torch threads for every stage (2: both cores of the reference machine, on which every
stage of the shipped weights ran). `--set KEY=VALUE` overrides a TrainConfig
field in every stage, after the stage's own settings (tests shrink the pool with it).
`--steps-scale F` scales every stage's steps (at least 2): for smoke tests. Every stage compiles
its model (`compile=true`; `--set compile=false` runs eager).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

POOL = ["pool_size=192", "pool_points=4096", "pool_views=4"]
# every stage compiles the local generators, the base SDF and the world's fields (TrainConfig
# `compile`): the same computation, 1.7-2.0x faster steps on 2 CPU cores (docs/training.md)
COMMON = POOL + ["compile=true"]

# the final render's beta scale the export applies (`facet calibrate` chose it for the weights shipped
# since session 22; docs/training.md, "The final render's sharpness"): stage 7 trains the textures
# against the final render drawn with it
FINAL_BETA_SCALE = 0.0625
# where the export's final render reads its labels, world units past the surface (`facet calibrate
# --label-depths` chose it for the weights shipped since session 49; docs/training.md, "Where the final
# render reads its labels, again"): `facet export --label-depth`; stage 9 trains the small regions' masks
# with it (the final-render rays of its steps read their labels there, as the export's final graph does)
LABEL_DEPTH = 0.0024
# the final render's colour density, a scale of the learned beta (`facet calibrate --image-scales` chose it
# for the stage-9 weights in session 52; docs/training.md, "The colours' own density"): `facet export
# --image-beta-scale`; no stage trains with it (the labels, the depth and the samples keep FINAL_BETA_SCALE)
IMAGE_BETA_SCALE = 0.125

# stages 6 and 9: only the small regions' mask refinement trains, on a smaller pool of 128 px views with edge rays
MASK_REFINE = ["pool_size=96", "locality=0", "lr=5e-4", "train_parts=mask", "view_res=128", "refresh_every=8",
               "edge_rays=4", "small_share=0.1", "label_band=0.002"]

# (name, steps, settings, model variant), each stage from the one before; the variant is a suffix
# of the train preset's model preset, used when that preset exists: stage 1 trains the ungated
# model without the texture's positional encoding ("-ungated"), stages 2-4 the gated one without
# it ("-plain"), stage 5 the preset's own model, which adds it (zero weights for the new inputs),
# stage 6 the model with the mask refinement ("-refine"; its heads start at zero), stage 7 that model
# with neck+cloth's two materials ("-refine-mat"; the second colour starts at zero), stage 8 that model
# with the background's colour a polynomial ("-refine-bg-mat"; its `background` objective renders
# nothing: facet.training.background), stage 9 the same model (only the mask refinement trains, against the
# final render's labels read LABEL_DEPTH past the surface)
STAGES: list[tuple[str, int, list[str], str]] = [
    ("scratch, ungated", 6000, ["save_every=200"], "-ungated"),
    ("gated + locality", 7000, ["locality=10", "seed=5"], "-plain"),
    ("stronger locality and gate, lower lr", 1500,
     ["locality=30", "gate=1.0", "lr=5e-5", "lr_mapping=5e-5", "seed=7"], "-plain"),
    ("the ears only", 800,
     ["locality=0", "gate=1.0", "lr=2e-4", "lr_mapping=2e-4", "seed=19", "rebalance_codes=0.2",
      "train_regions=ear", "small_regions=ear", "small_share=0.1", "label_band=0.002"], "-plain"),
    ("the textures only, with the positional encoding", 5000,
     ["locality=0", "lr=4e-4", "lr_mapping=4e-4", "seed=29", "train_parts=texture", "small_share=0.1"], ""),
    ("the mask refinement of the small regions", 500, MASK_REFINE + ["seed=31"], "-refine"),
    ("the textures again, against the final render, with neck+cloth's two materials", 5000,
     ["locality=0", "lr=4e-4", "lr_mapping=4e-4", "seed=37", "train_parts=texture", "small_share=0.1",
      f"final_beta_scale={FINAL_BETA_SCALE}", "material_rgb=10"], "-refine-mat"),
    ("the background's colour, a polynomial fitted to the world's", 3000,
     ["objective=background", "train_regions=background", "train_parts=texture", "lr=3e-3", "lr_mapping=3e-3",
      "seed=43"], "-refine-bg-mat"),
    ("the mask refinement of the small regions again, against the labels the final render reads", 500,
     MASK_REFINE + ["seed=47", f"final_beta_scale={FINAL_BETA_SCALE}", f"label_depth={LABEL_DEPTH}"], "-refine-bg-mat"),
]


def stage_args(i: int, out: Path, a: argparse.Namespace) -> argparse.Namespace:
    from facet.config import PRESETS
    from facet.training.config import TRAIN_PRESETS

    _, steps, settings, variant = STAGES[i]
    model = TRAIN_PRESETS[a.preset].model_preset
    if f"{model}{variant}" in PRESETS:
        model = f"{model}{variant}"
    return argparse.Namespace(
        preset=a.preset, model_preset=model, objective=None, steps=max(2, round(steps * a.steps_scale)),
        data=None, device=a.device, out=str(out / f"stage{i + 1}"), restart=False, dry_run=False,
        init_from=str(out / f"stage{i}" / "generator.safetensors") if i else None,
        set=COMMON + settings + [f"threads={a.threads}"] + (a.set or []))


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other work on the machine slows training;
    docs/training.md); None where the OS has none."""
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def machine() -> dict:
    """Where a stage ran, so that stage times from different machines can be told apart: the CPU's
    model name (/proc/cpuinfo where there is one), the cores this process may use, the load
    averages as the stage starts, torch and its CPU threads."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        names = [ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                 if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cores": cores, "load_average_at_start": load_average(), "torch": torch.__version__,
            "torch_threads": torch.get_num_threads()}


def run(a: argparse.Namespace) -> int:
    from facet.training.cli import resolve
    from facet.training.trainer import Trainer

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    record_path = out / "recipe.json"
    record = json.loads(record_path.read_text()) if record_path.exists() else {"stages": []}
    done = {s["stage"] for s in record["stages"]}
    for i in range(len(STAGES)):
        if i + 1 in done:
            continue
        sa = stage_args(i, out, a)
        tc = resolve(sa)
        print(f"stage {i + 1}/{len(STAGES)}: {STAGES[i][0]}, {tc.steps} steps, {tc.threads} threads -> {sa.out}")
        t0 = time.time()
        trainer = Trainer(tc, Path(sa.out), resume=True)
        where = machine()          # after Trainer(): it sets the torch threads
        cpu0 = time.process_time()
        trainer.run()
        where["load_average_at_end"] = load_average()
        # cpu_seconds / seconds: how many cores the stage kept busy (at most its threads; less when
        # other work took the cores or the threads waited on each other)
        record["stages"].append({"stage": i + 1, "what": STAGES[i][0], "steps": tc.steps, "threads": tc.threads,
                                 "model_preset": tc.model_preset, "seconds": round(time.time() - t0, 1),
                                 "cpu_seconds": round(time.process_time() - cpu0, 1), "machine": where})
        record["total_seconds"] = round(sum(s["seconds"] for s in record["stages"]), 1)
        record_path.write_text(json.dumps(record, indent=1) + "\n")
    final = out / f"stage{len(STAGES)}" / "generator.safetensors"
    print(f"{record.get('total_seconds')} s in all (a resumed stage counts from its resume); weights: {final}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("train-default", help="the bundled model's nine-stage training recipe in one command")
    p.add_argument("--out", required=True, help="folder for stage1..stage9 and recipe.json")
    p.add_argument("--preset", default="default", help="train preset (tests: smoke)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"])
    p.add_argument("--steps-scale", type=float, default=1.0)
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a TrainConfig field in every stage")
    p.set_defaults(fn=run)
