"""The naive per-frame baseline as a bench-only ONNX graph: every region network (and the base
SDF) at NAIVE_SAMPLES samples per ray over the camera's [near, far], for every pixel, with no
surface bounds; the evaluation the README's FLOPs table calls "naive" (CNeRF's way).

It has the final graph's signature (codes, ray_origins, ray_dirs, t_bounds -> image, masks,
depth) at NAIVE_TILE_RAYS rays per run, so a frame is resolution^2 / NAIVE_TILE_RAYS runs. It is
written into a git-ignored folder (bench/build/<model>/naive.onnx) and never into a model's
manifest.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import Tensor, nn

from facet.camera import rays_for_pose
from facet.flops_report import NAIVE_SAMPLES
from facet.model.generator import Generator

NAIVE_TILE_RAYS = 1024


class NaiveGraph(nn.Module):
    input_names = ("codes", "ray_origins", "ray_dirs", "t_bounds")
    output_names = ("image", "masks", "depth")

    def __init__(self, g: Generator, tile_rays: int = NAIVE_TILE_RAYS):
        super().__init__()
        self.g, self.tile_rays = g, tile_rays

    def forward(self, codes: Tensor, ray_origins: Tensor, ray_dirs: Tensor, t_bounds: Tensor):
        out = self.g.render_rays(codes, ray_origins, ray_dirs, t_bounds, samples=NAIVE_SAMPLES)
        return out["image"], out["masks"], out["depth"]

    def inputs(self, seed: int = 0) -> tuple[Tensor, ...]:
        c = self.g.cfg
        n, res = self.tile_rays, c.resolution
        o, d = rays_for_pose(c.camera, 0.2, -0.1, res, res)
        idx = (torch.arange(n) + max(0, res * res // 2 - n // 2)) % o.shape[0]
        tb = torch.tensor([[c.camera.near, c.camera.far]]).expand(n, 2).contiguous()
        with torch.no_grad():
            gen = torch.Generator().manual_seed(seed)
            codes = self.g.mapping(torch.randn(c.num_codes, c.z_dim, generator=gen), torch.tensor([0.7]))
        return codes, o[idx].contiguous(), d[idx].contiguous(), tb


def naive_tile_rays(resolution: int) -> int:
    return min(NAIVE_TILE_RAYS, resolution * resolution)


def build_naive(model_dir: Path, out_dir: Path, force: bool = False) -> Path:
    """Export `naive.onnx` + `naive.json` (signature, MACs, frame layout) for the model in
    `model_dir` into `out_dir`; reuses them when they match the model's weights."""
    from facet.checkpoint import load_generator
    from facet.manifest import file_entry, graph_io
    from facet.onnx.export import export_graph
    from facet.onnx.flops import graph_macs

    manifest = json.loads((model_dir / "manifest.json").read_text())
    weights = manifest.get("weights", {}).get("sha256")
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path, meta_path = out_dir / "naive.onnx", out_dir / "naive.json"
    if not force and onnx_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("weights_sha256") == weights and meta.get("sha256") == file_entry(onnx_path)["sha256"]:
            return onnx_path
    g, _ = load_generator(model_dir / "weights.safetensors")
    g = g.eval()
    res = manifest["render"]["resolution"]
    module = NaiveGraph(g, naive_tile_rays(res))
    export_graph(module, onnx_path, g.cfg.opset)
    inputs, outputs, opset = graph_io(onnx_path)
    pixels = res * res
    meta = {
        "model": manifest["id"], "weights_sha256": weights, **file_entry(onnx_path), "opset": opset,
        "samples_per_ray": NAIVE_SAMPLES, "tile_rays": module.tile_rays, "resolution": res,
        "tiles_per_frame": -(-pixels // module.tile_rays), "macs": graph_macs(onnx_path),
        "t_bounds": [manifest["camera"]["near"], manifest["camera"]["far"]],
        "inputs": inputs, "outputs": outputs,
    }
    meta["macs_per_frame"] = meta["macs"] * meta["tiles_per_frame"]
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return onnx_path
