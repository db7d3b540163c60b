"""PyTorch forward timings of the exported graphs (the source of the ONNX files), on CPU and on
CUDA when present, in the row format of bench/results.json."""
from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import torch

from facet.manifest import bake_runs


def _timed(fn, runs: int, sync) -> list[float]:
    fn()                                                    # warm-up run, not counted
    sync()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000.0)
    return times


def row(name: str, backend: str, times: list[float], macs: int | None, scale: float = 1.0, note: str | None = None) -> dict:
    r = {"name": name, "backend": backend, "min_ms": min(times) * scale, "median_ms": statistics.median(times) * scale,
         "max_ms": max(times) * scale, "macs": macs, "speedup_vs_naive": None, "runs": len(times)}
    if note:
        r["note"] = note
    return r


def _to(x, device):
    return tuple(t.to(device) for t in x)


@torch.no_grad()
def torch_rows(model_dir: Path, runs: int = 3, devices: list[str] | None = None, naive_tiles: int = 1) -> list[dict]:
    """One row per graph (one run of it) and per derived step, per device. The naive frame is
    `naive_tiles` naive tiles timed together and scaled to the frame's tile count."""
    from facet.bench.naive import NaiveGraph, naive_tile_rays
    from facet.checkpoint import load_generator
    from facet.onnx.graphs import GRAPHS

    manifest = json.loads((model_dir / "manifest.json").read_text())
    g, _ = load_generator(model_dir / "weights.safetensors")
    g = g.eval()
    res, tile = manifest["render"]["resolution"], manifest["render"]["tile_rays"]
    frame_tiles = -(-res * res // tile)
    k = len(manifest["regions"])
    devices = devices or (["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    rows = []
    for dev in devices:
        sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
        backend = f"pytorch-{dev}"
        gd = g.to(dev)
        medians = {}
        for name, cls in GRAPHS.items():
            module = cls(gd)
            inputs = _to(module.inputs(), dev)
            macs = manifest["graphs"].get(name, {}).get("macs")
            r = row(f"graph {name} (one run)", backend, _timed(lambda: module(*inputs), runs, sync), macs)
            medians[name] = r
            rows.append(r)
        if "bake" in medians and "bake_base" in medians:
            bake, base = GRAPHS["bake"](gd), GRAPHS["bake_base"](gd)
            b_in, base_in = _to(bake.inputs(), dev), _to(base.inputs(), dev)

            n_slabs = bake_runs(manifest)   # the app's runs: slabs of bake.slab z-planes (1: the whole grid)
            slabs = [(torch.tensor([s], device=dev),) if gd.cfg.bake_slab else () for s in range(n_slabs)]

            def full_bake():
                for s in slabs:
                    base(base_in[0], *s)
                for region in range(k):
                    for s in slabs:
                        bake(torch.tensor([region], device=dev), *b_in[1:3], *s)
            macs = n_slabs * (manifest["graphs"]["bake_base"]["macs"] + k * manifest["graphs"]["bake"]["macs"])
            rows.append(row(f"full bake without fuse (bake_base + {k} x bake, {n_slabs} run(s) each)", backend, _timed(full_bake, runs, sync), macs))
        naive = NaiveGraph(gd, naive_tile_rays(res))
        n_in = _to(naive.inputs(), dev)
        naive_frame_tiles = -(-res * res // naive.tile_rays)
        count = min(naive_tiles, naive_frame_tiles)
        per_point = manifest["graphs"]["final"]["macs"] / (tile * manifest["render"]["samples_per_ray"])

        def naive_run():
            for _ in range(count):
                naive(*n_in)
        from facet.flops_report import NAIVE_SAMPLES
        naive_macs = int(per_point * NAIVE_SAMPLES * res * res)
        label = "whole frame" if count == naive_frame_tiles else f"{count} of {naive_frame_tiles} tiles, scaled to the frame"
        nr = row(f"naive frame {res}^2 ({label})", backend, _timed(naive_run, runs, sync), naive_macs,
                 scale=naive_frame_tiles / count, note=f"{NAIVE_SAMPLES} samples per ray over [near, far], every region network, {naive.tile_rays} rays per run")
        nr["speedup_vs_naive"] = 1.0
        if "final" in medians:
            f = medians["final"]
            fr = row(f"final frame {res}^2 ({frame_tiles} final tiles, scaled from one)", backend,
                     [f["min_ms"], f["median_ms"], f["max_ms"]], frame_tiles * f["macs"], scale=frame_tiles)
            fr["runs"] = f["runs"]
            fr["speedup_vs_naive"] = nr["median_ms"] / fr["median_ms"]
            rows.append(fr)
        rows.append(nr)
    g.to("cpu")
    return rows


def machine_info() -> dict:
    info = {"os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if torch.cuda.is_available():
        info["cuda_device"] = torch.cuda.get_device_name(0)
    return info
