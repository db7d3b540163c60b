"""`facet bench` on the tiny model: the structure of its rows and of the bench-only naive graph.
No timing is asserted (performance is measured by `npm run bench`, never in tests)."""
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from facet.bench.naive import NAIVE_TILE_RAYS, NaiveGraph, build_naive
from facet.bench.torch_bench import torch_rows
from facet.cli import MODELS_DIR, main
from facet.flops_report import NAIVE_SAMPLES, model_flops
from facet.onnx.graphs import GRAPHS

TINY = MODELS_DIR / "tiny"
KEYS = {"name", "backend", "min_ms", "median_ms", "max_ms", "macs", "speedup_vs_naive"}


@pytest.fixture(scope="module")
def naive_dir(tmp_path_factory) -> Path:
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("bench") / "tiny"
    build_naive(TINY, out)
    return out


def test_naive_graph_is_the_flops_tables_naive_frame(naive_dir):
    manifest = json.loads((TINY / "manifest.json").read_text())
    meta = json.loads((naive_dir / "naive.json").read_text())
    res = manifest["render"]["resolution"]
    assert meta["samples_per_ray"] == NAIVE_SAMPLES == 64
    assert meta["tile_rays"] == min(NAIVE_TILE_RAYS, res * res)
    assert meta["tiles_per_frame"] * meta["tile_rays"] >= res * res
    assert meta["t_bounds"] == [manifest["camera"]["near"], manifest["camera"]["far"]]
    assert meta["macs_per_frame"] == pytest.approx(model_flops(manifest)["naive_frame"], rel=0.01)
    assert [i["name"] for i in meta["inputs"]] == ["codes", "ray_origins", "ray_dirs", "t_bounds"]
    assert [o["name"] for o in meta["outputs"]] == ["image", "masks", "depth"]


def test_naive_graph_matches_pytorch_and_is_reused(naive_dir):
    from facet.checkpoint import load_generator

    g, _ = load_generator(TINY / "weights.safetensors")
    module = NaiveGraph(g.eval(), json.loads((naive_dir / "naive.json").read_text())["tile_rays"])
    inputs = module.inputs()
    with torch.no_grad():
        want = module(*inputs)
    sess = ort.InferenceSession(str(naive_dir / "naive.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {n: t.numpy() for n, t in zip(module.input_names, inputs)})
    for w, o in zip(want, got):
        np.testing.assert_allclose(o, w.numpy(), atol=2e-4)
    stamp = (naive_dir / "naive.onnx").stat().st_mtime_ns
    build_naive(TINY, naive_dir)
    assert (naive_dir / "naive.onnx").stat().st_mtime_ns == stamp


def test_torch_rows_structure():
    torch.set_num_threads(1)
    rows = torch_rows(TINY, runs=1, devices=["cpu"])
    assert all(KEYS <= r.keys() for r in rows)
    names = [r["name"] for r in rows]
    for graph in GRAPHS:
        assert f"graph {graph} (one run)" in names
    naive = next(r for r in rows if r["name"].startswith("naive frame"))
    final = next(r for r in rows if r["name"].startswith("final frame"))
    assert naive["speedup_vs_naive"] == 1.0
    assert final["speedup_vs_naive"] == pytest.approx(naive["median_ms"] / final["median_ms"])
    for r in rows:
        assert r["backend"] == "pytorch-cpu"
        assert 0 < r["min_ms"] <= r["median_ms"] <= r["max_ms"]


def test_cli_rejects_a_missing_model(tmp_path, capsys):
    assert main(["bench", "--models", str(tmp_path), "--model", "nope", "--build-naive"]) == 2
    assert "no model at" in capsys.readouterr().err
