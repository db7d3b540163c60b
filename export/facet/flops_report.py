"""`facet flops`: multiply-adds of each graph at the shapes the app uses, and of the naive
per-frame evaluation (every network at every sample of every pixel, CNeRF's way: 64 samples per
ray) at the same output resolution."""
from __future__ import annotations

import json
from pathlib import Path

from facet.manifest import bake_runs

NAIVE_SAMPLES = 64


def model_flops(manifest: dict) -> dict:
    g, r = manifest["graphs"], manifest["render"]
    k = len(manifest["regions"])
    pixels = r["resolution"] ** 2
    tiles = -(-pixels // r["tile_rays"])
    # all networks at one point: the final graph's samples, without its label point (config.label_depth)
    per_point = (g["final"]["macs"] - g["final"].get("macs_label_point", 0)) / (r["tile_rays"] * r["samples_per_ray"])
    naive = pixels * NAIVE_SAMPLES * per_point
    runs = bake_runs(manifest)     # a graph's macs are per run; the bakes go in slabs of bake.slab planes
    one_bake = runs * g["bake"]["macs"]
    full_bake = k * one_bake + runs * g["bake_base"]["macs"]
    final_frame = tiles * g["final"]["macs"]
    return {
        "model": manifest["id"], "resolution": r["resolution"],
        "mapping": g["mapping"]["macs"], "bake_one_region": one_bake, "bake_base": runs * g["bake_base"]["macs"],
        "bake_full": full_bake, "preview_frame": 0, "final_frame": final_frame, "final_tile": g["final"]["macs"],
        "naive_frame": int(naive), "macs_per_point_all_networks": int(per_point),
        "ratios": {"bake_one_over_full": one_bake / full_bake, "final_over_naive": final_frame / naive,
                   "preview_over_naive": 0.0},
        "targets": {"preview_frame_network_macs": 0, "bake_one_over_full_max": 1 / 9, "final_over_naive_max": 1 / 10},
    }


def flops_report(models_dir: Path, model_id: str | None = None) -> list[dict]:
    index = json.loads((models_dir / "index.json").read_text())
    rows = []
    for m in index["models"]:
        if model_id and m["id"] != model_id:
            continue
        f = model_flops(json.loads((models_dir / m["manifest"]).read_text()))
        ok = lambda b: "ok" if b else "MISSED"
        f["line"] = (
            f"{f['model']} @ {f['resolution']}px: mapping {f['mapping'] / 1e6:.2f} M | bake one region {f['bake_one_region'] / 1e9:.3f} G "
            f"(1/{1 / f['ratios']['bake_one_over_full']:.1f} of full {f['bake_full'] / 1e9:.2f} G, {ok(f['ratios']['bake_one_over_full'] <= 1 / 9)}) | "
            f"preview frame 0 | final frame {f['final_frame'] / 1e9:.2f} G vs naive {f['naive_frame'] / 1e9:.2f} G "
            f"(x{f['ratios']['final_over_naive']:.3f}, {ok(f['ratios']['final_over_naive'] <= 1 / 10)})"
        )
        rows.append(f)
    return rows
