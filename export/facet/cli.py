"""The `facet` command (also `python -m facet`)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO / "public" / "models"
FIXTURES_DIR = REPO / "e2e" / "fixtures"


RENDER_FIELDS = ("samples_per_ray", "surface_margin", "resolution", "tile_rays", "bake_resolution", "bake_bounds", "bake_slab",
                 "reshape_resolution", "reshape_batch", "final_edge_supersample", "reshape_mask_refine")


def hide_sliders(sliders: list[dict], names: list[str]) -> list[dict]:
    """`sliders` with the ones named REGION.NAME (every kind) marked hidden; an unknown name is an error.

    A hidden slider stays in the manifest (paint to reshape still searches its z slot) but the
    editor does not show it: for a direction the model barely follows (facet slider-response)."""
    out = [dict(s) for s in sliders]
    for d in names:
        region, _, name = d.partition(".")
        hits = [s for s in out if s["region"] == region and s["name"] == name]
        if not hits:
            have = ", ".join(f"{s['region']}.{s['name']}" for s in sliders) or "none"
            raise SystemExit(f"facet export: --hide-slider {d}: no such slider (sliders: {have})")
        for s in hits:
            s["hidden"] = True
    return out


def cmd_export(a: argparse.Namespace) -> int:
    import torch

    from facet.checkpoint import load_generator
    from facet.config import preset
    from facet.model.generator import Generator
    from facet.onnx.export import export_model

    if a.checkpoint:
        g, extra = load_generator(a.checkpoint)
        sliders = extra.get("sliders", [])
        if a.render_from:
            import dataclasses

            src = preset(a.render_from)
            g.cfg = dataclasses.replace(g.cfg, **{k: getattr(src, k) for k in RENDER_FIELDS})
    else:
        torch.manual_seed(a.seed)
        g = Generator(preset(a.preset))
        g.mapping.update_mean()
        sliders = []
    sliders = hide_sliders(sliders, a.hide_slider)
    if a.final_beta_scale is not None:
        import dataclasses

        if not 0 < a.final_beta_scale <= 4:
            raise SystemExit(f"facet export: --final-beta-scale must be in (0, 4], got {a.final_beta_scale}")
        g.cfg = dataclasses.replace(g.cfg, final_beta_scale=a.final_beta_scale)
    calibration = {}
    if a.image_beta_scale is not None:
        if not 0 <= a.image_beta_scale <= 4:
            raise SystemExit(f"facet export: --image-beta-scale must be in [0, 4] (0 = the final beta), got {a.image_beta_scale}")
        calibration["image_beta_scale"] = a.image_beta_scale
    if a.label_depth is not None:
        from facet.config import label_depth_error

        why = label_depth_error(a.label_depth, g.cfg.surface_margin)
        if why:
            raise SystemExit(f"facet export: --label-depth {why}")
        calibration["label_depth"] = a.label_depth
    if a.label_bias is not None:
        from facet.config import parse_label_bias

        try:
            calibration["label_bias"] = parse_label_bias(a.label_bias, g.cfg.regions)
        except ValueError as e:
            raise SystemExit(f"facet export: --label-bias {e}") from None
    if calibration:
        import dataclasses

        try:
            g.cfg = dataclasses.replace(g.cfg, **calibration)
        except ValueError as e:
            raise SystemExit(f"facet export: {e}") from None
    if a.dry_run:
        print(g.cfg.dumps())
        return 0
    folder = export_model(g, Path(a.out), a.id, a.name or a.id, sliders=sliders, description=a.description,
                          test_only=a.test_only, make_default=a.default)
    m = json.loads((folder / "manifest.json").read_text())
    for role, gr in m["graphs"].items():
        print(f"{role:10s} {gr['file']:16s} {gr['bytes'] / 1e6:7.2f} MB {gr['macs'] / 1e6:10.1f} M MACs")
    print(f"wrote {folder}")
    return 0


def cmd_validate(a: argparse.Namespace) -> int:
    from facet.manifest import ManifestError, validate_manifest_dir

    try:
        m = validate_manifest_dir(Path(a.folder))
    except ManifestError as e:
        print(f"invalid: {e}", file=sys.stderr)
        return 1
    print(f"ok: {m['id']} ({len(m['graphs'])} graphs)")
    return 0


def cmd_fixtures(a: argparse.Namespace) -> int:
    from facet.fixtures import write_fixtures

    for p in write_fixtures(Path(a.out)):
        print(f"wrote {p}")
    return 0


def cmd_flops(a: argparse.Namespace) -> int:
    from facet.flops_report import flops_report

    rows = flops_report(Path(a.models), a.model)
    print(json.dumps(rows, indent=2) if a.json else "\n".join(r["line"] for r in rows))
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from facet.report import update_readme

    update_readme(Path(a.readme), Path(a.models), Path(a.eval) if a.eval else None,
                  Path(a.reshape) if a.reshape else None)
    print(f"updated {a.readme}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="facet", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("export", help="export ONNX graphs + manifest into public/models/<id>/")
    e.add_argument("--checkpoint", help="generator weights (.safetensors); omit for an untrained --preset")
    e.add_argument("--preset", default="tiny")
    e.add_argument("--render-from", help="with --checkpoint: take the render and bake settings from this preset")
    e.add_argument("--seed", type=int, default=0, help="init seed when no checkpoint is given")
    e.add_argument("--id", required=True)
    e.add_argument("--name")
    e.add_argument("--description", default="")
    e.add_argument("--out", default=str(MODELS_DIR))
    e.add_argument("--test-only", action="store_true", help="hide from the app's model picker")
    e.add_argument("--default", action="store_true", help="make it index.json's default model")
    e.add_argument("--dry-run", action="store_true", help="print the resolved config and stop")
    e.add_argument("--hide-slider", action="append", default=[], metavar="REGION.NAME",
                   help="mark a named direction hidden: the editor does not show it, paint to reshape still searches "
                        "its slot (for one the model barely follows: facet slider-response); repeatable")
    e.add_argument("--final-beta-scale", type=float, default=None, metavar="S",
                   help="the final graph's density sharpness, beta * S (facet calibrate chooses S); "
                        "kept in the config and the weights")
    e.add_argument("--image-beta-scale", type=float, default=None, metavar="S",
                   help="the final graph's colour density alone, beta * S (0: the same as --final-beta-scale; the "
                        "labels, the depth and the depth march keep that; facet calibrate --image-scales chooses S); "
                        "kept in the config and the weights")
    e.add_argument("--label-depth", type=float, default=None, metavar="D",
                   help="where the final graph reads its masks: D world units past the surface (0: composited "
                        "over the samples; facet calibrate --label-depths chooses D); kept in the config and the weights")
    e.add_argument("--label-bias", default=None, metavar="REGION=B,...",
                   help="the final graph's label prior: B added to REGION's mask logit where it reads its labels (needs "
                        "a label depth; regions not named get 0; 'none' removes it; facet calibrate --label-bias "
                        "chooses it); kept in the config and the weights")
    e.set_defaults(fn=cmd_export)

    v = sub.add_parser("validate", help="validate a model folder's manifest, files and graphs")
    v.add_argument("folder")
    v.set_defaults(fn=cmd_validate)

    f = sub.add_parser("fixtures", help="write the shared camera and seed fixtures")
    f.add_argument("--out", default=str(FIXTURES_DIR))
    f.set_defaults(fn=cmd_fixtures)

    fl = sub.add_parser("flops", help="multiply-adds per graph vs the naive per-frame evaluation")
    fl.add_argument("--models", default=str(MODELS_DIR))
    fl.add_argument("--model", help="model id (default: all)")
    fl.add_argument("--json", action="store_true")
    fl.set_defaults(fn=cmd_flops)

    rp = sub.add_parser("report", help="write the README's generated tables (eval, FLOPs)")
    rp.add_argument("--readme", default=str(REPO / "README.md"))
    rp.add_argument("--models", default=str(MODELS_DIR))
    rp.add_argument("--eval", default=str(REPO / "docs" / "eval.json"))
    rp.add_argument("--reshape", default=str(REPO / "docs" / "reshape.json"), help="facet reshape-bench's output")
    rp.set_defaults(fn=cmd_report)

    for mod in ("facet.world.cli", "facet.training.cli", "facet.evaluate.cli", "facet.bench.cli",
                "facet.reshape.bench", "facet.evaluate.sliders", "facet.evaluate.calibrate", "facet.evaluate.errors",
                "facet.training.recipe"):
        try:
            __import__(mod, fromlist=["add_parser"]).add_parser(sub)
        except ModuleNotFoundError as err:
            if err.name is None or not err.name.startswith(mod.rsplit(".", 1)[0]):
                raise
    return p


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    return a.fn(a)
