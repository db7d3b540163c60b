"""PyTorch against ONNX Runtime (Python) on every output of every graph, on non-trivial inputs."""
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from facet.model.field import polynomial_sine, sin_turns
from facet.model.generator import Generator
from facet.onnx.export import export_graph
from facet.onnx.graphs import graphs_for


# every op the exported graphs may use: each was seen placed on onnxruntime-web's WebGPU provider
# (session 29, Chromium's software adapter, verbose log "All nodes placed on [WebGpuExecutionProvider]").
# Round is not among them (it runs on the CPU there): see `sin_turns`. Expand (the bake slabs'
# positional encoding, session 32) is checked by e2e/webgpu.spec.ts ("no node of any graph is placed on the CPU") on the tiny model.
WEBGPU_OPS = {"Add", "Concat", "Cos", "CumSum", "Div", "Exp", "Expand", "Floor", "Gather", "LeakyRelu", "MatMul", "Mul",
              "Neg", "ReduceL2", "ReduceSum", "Reshape", "Sigmoid", "Sin", "Slice", "Softmax", "Split",
              "Squeeze", "Sub", "Transpose", "Unsqueeze"}


def _check_ops(path: Path) -> None:
    """The graph's ops all run on the WebGPU provider, and its SIREN layers' sine is the polynomial
    (one Floor each); Sin is left only in the positional encodings (a Sin and a Cos each: one for
    the points, and in a final graph with label_depth one more for each ray's label point)."""
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert set(ops) <= WEBGPU_OPS, f"{path.name}: ops not known to run on WebGPU: {set(ops) - WEBGPU_OPS}"
    assert ops.count("Sin") <= min(2, ops.count("Cos")), \
        f"{path.name}: {ops.count('Sin')} Sin nodes, {ops.count('Cos')} Cos (the SIREN layers' sine is a polynomial)"
    if path.stem != "mapping":
        assert ops.count("Floor") >= 1, f"{path.name}: no polynomial sine"


def test_sin_turns_matches_sin():
    u = torch.linspace(-60.0, 60.0, 2_000_001)
    ref = torch.sin(2 * torch.pi * u.double())
    err = (sin_turns(u).double() - ref).abs().max().item()
    assert err < 1e-6, err
    assert (sin_turns(u.double()) - ref).abs().max().item() < 2e-7       # the polynomial itself


def test_polynomial_sine_only_while_exporting(tiny):
    """PyTorch computes torch.sin outside `polynomial_sine`; inside it the same values to 1e-5."""
    gen = torch.Generator().manual_seed(3)
    codes = tiny.mapping(torch.randn(18, tiny.cfg.z_dim, generator=gen), 0.7).detach()
    pts = torch.randn(500, 3, generator=gen) * 0.1
    with torch.no_grad():
        exact = tiny.fields(pts, codes)
        with polynomial_sine():
            poly = tiny.fields(pts, codes)
        again = tiny.fields(pts, codes)
    for k in ("sdf", "m", "c"):
        assert torch.equal(exact[k], again[k]), k
        err = (exact[k] - poly[k]).abs().max().item()
        assert 0 < err < 1e-5, (k, err)


def _check(g: Generator, exported, seeds=(0, 1)):
    for role, cls in graphs_for(g).items():
        module = cls(g).eval()
        path = exported(g, role)
        _check_ops(path)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for seed in seeds:
            inputs = module.inputs(seed=seed)
            with torch.no_grad():
                ref = module(*inputs)
            ref = ref if isinstance(ref, tuple) else (ref,)
            got = sess.run(None, {n: t.numpy() for n, t in zip(module.input_names, inputs)})
            for name, r, o in zip(module.output_names, ref, got):
                r = r.numpy()
                assert o.shape == r.shape, (role, name)
                assert np.abs(r).max() > 1e-3, f"{role}.{name} is all near zero: parity would be vacuous"
                err = float(np.abs(o - r).max())
                assert err <= 1e-4, f"{role}.{name}: max abs error {err}"


def test_tiny_parity(tiny_any, exported):
    _check(tiny_any, exported)


def test_sdf_gate(tiny, tiny_gated):
    """With sdf_gate a region's SDF offset is its ungated offset times sigmoid(its mask logit), in the
    fields, the bake and the reshape graph's fields; masks and colors are unchanged."""
    gen = torch.Generator().manual_seed(4)
    z = torch.randn(18, tiny.cfg.z_dim, generator=gen)
    codes = tiny.mapping(z, 0.7).detach()
    pts = torch.randn(300, 3, generator=gen) * 0.08
    with torch.no_grad():
        a, b = tiny.fields(pts, codes), tiny_gated.fields(pts, codes)
        assert torch.allclose(b["sdf"], a["sdf"] * torch.sigmoid(a["mask_logit"]), atol=1e-6)
        assert not torch.allclose(b["sdf"], a["sdf"], atol=1e-4)
        assert torch.allclose(b["base_sdf"], a["base_sdf"]) and torch.allclose(b["m"], a["m"])
        assert torch.allclose(b["c"], a["c"])
        assert torch.allclose(b["d"], b["base_sdf"] + b["sdf"].sum(0), atol=1e-5)
        k = 7
        one = tiny_gated.bake(torch.tensor([k]), codes[2 * k:2 * k + 1], codes[2 * k + 1:2 * k + 2])
        raw = tiny.bake(torch.tensor([k]), codes[2 * k:2 * k + 1], codes[2 * k + 1:2 * k + 2])
        assert torch.allclose(one["sdf"], raw["sdf"] * torch.sigmoid(raw["mask_logit"]), atol=1e-6)


@pytest.mark.slow
def test_default_parity(default_small, exported):
    _check(default_small, exported, seeds=(3,))


def test_bake_matches_fields(tiny_any):
    """The bake graph's per-region fields are the same numbers the final render evaluates."""
    from facet.model.generator import grid_points

    tiny = tiny_any
    gen = torch.Generator().manual_seed(2)
    codes = tiny.mapping(torch.randn(18, tiny.cfg.z_dim, generator=gen), 0.7).detach()
    pts = grid_points(tiny.cfg.bake_resolution, tiny.cfg.bake_bounds)
    with torch.no_grad():
        f = tiny.fields(pts, codes)
        for k in (0, 4, 8):
            b = tiny.bake(torch.tensor([k]), codes[2 * k:2 * k + 1], codes[2 * k + 1:2 * k + 2])
            assert torch.allclose(b["sdf"].reshape(-1), f["sdf"][k], atol=1e-5)
            assert torch.allclose(b["mask_logit"].reshape(-1), f["mask_logit"][k], atol=1e-5)
            assert torch.allclose(b["rgb"].reshape(-1, 3), f["rgb"][k], atol=1e-5)
        assert torch.allclose(tiny.bake_base(codes[:1]).reshape(-1), f["base_sdf"], atol=1e-5)


def test_bake_slabs_are_the_whole_bake(tiny_any, exported):
    """The bake graphs' slabs (cfg.bake_slab z-planes a run), run in ONNX Runtime one after another,
    are the whole grid's bake in PyTorch, plane for plane (the refined model's bake reads the
    positional encoding, computed on the axes alone)."""
    import dataclasses

    from facet.onnx.graphs import BakeBaseGraph, BakeGraph

    g = tiny_any
    assert g.cfg.bake_slab and g.cfg.bake_slab < g.cfg.bake_resolution
    gen = torch.Generator().manual_seed(5)
    codes = g.mapping(torch.randn(18, g.cfg.z_dim, generator=gen), 0.7).detach()
    runs = g.cfg.bake_resolution // g.cfg.bake_slab
    bake, base = BakeGraph(g), BakeBaseGraph(g)
    assert bake.input_names[-1] == "slab" and base.input_names == ("shape_code", "slab")
    sb = ort.InferenceSession(str(exported(g, "bake")), providers=["CPUExecutionProvider"])
    s0 = ort.InferenceSession(str(exported(g, "bake_base")), providers=["CPUExecutionProvider"])
    slab = [np.array([i], dtype=np.int64) for i in range(runs)]
    with torch.no_grad():
        for k in (0, 3, 8):
            whole = g.bake(torch.tensor([k]), codes[2 * k:2 * k + 1], codes[2 * k + 1:2 * k + 2])
            feeds = {"region": np.array([k], dtype=np.int64), "shape_code": codes[2 * k:2 * k + 1].numpy(),
                     "texture_code": codes[2 * k + 1:2 * k + 2].numpy()}
            got = [sb.run(None, {**feeds, "slab": s}) for s in slab]
            for i, name in enumerate(("sdf", "mask_logit", "rgb")):
                joined = np.concatenate([o[i] for o in got])
                assert joined.shape == tuple(whole[name].shape)
                assert float(np.abs(joined - whole[name].numpy()).max()) <= 1e-4, (k, name)
                # PyTorch's own slabs are the same numbers to the bit
                mine = torch.cat([g.bake(torch.tensor([k]), codes[2 * k:2 * k + 1], codes[2 * k + 1:2 * k + 2],
                                         torch.tensor([s]))[name] for s in range(runs)])
                assert torch.equal(mine, whole[name]), (k, name)
        whole = g.bake_base(codes[:1]).numpy()
        joined = np.concatenate([s0.run(None, {"shape_code": codes[:1].numpy(), "slab": s})[0] for s in slab])
        assert float(np.abs(joined - whole).max()) <= 1e-4
    # a model without slabs exports the whole grid in one run, with no slab input
    g1 = Generator(dataclasses.replace(g.cfg, bake_slab=0))
    assert BakeGraph(g1).input_names == ("region", "shape_code", "texture_code")
    assert BakeBaseGraph(g1).input_names == ("shape_code",)
    with pytest.raises(ValueError, match="bake_slab must be 0"):
        dataclasses.replace(g.cfg, bake_slab=3)


def _bundled_ids():
    import json

    index = json.loads((Path(__file__).resolve().parents[2] / "public/models/index.json").read_text())
    return [m["id"] for m in index["models"]]


@pytest.mark.parametrize("model_id", _bundled_ids())
def test_bundled_graphs_match_their_weights(model_id):
    """Each bundled model's ONNX graphs compute what its safetensors weights compute in PyTorch
    (so a stale export or a code change that the export missed fails here)."""
    from facet.checkpoint import load_generator

    folder = Path(__file__).resolve().parents[2] / "public/models" / model_id
    g, _ = load_generator(folder / "weights.safetensors")
    g.eval()
    for role, cls in graphs_for(g).items():
        _check_ops(folder / f"{role}.onnx")
        module = cls(g).eval()
        inputs = module.inputs(seed=5)
        sess = ort.InferenceSession(str(folder / f"{role}.onnx"), providers=["CPUExecutionProvider"])
        got = sess.run(None, {n: t.numpy() for n, t in zip(module.input_names, inputs)})
        with torch.no_grad():
            ref = module(*inputs)
        ref = ref if isinstance(ref, tuple) else (ref,)
        for name, r, o in zip(module.output_names, ref, got):
            err = float(np.abs(o - r.numpy()).max())
            assert err <= 1e-4, f"{model_id}/{role}.{name}: max abs error {err}"


def test_reshape_matches_bake(tiny_any):
    """The reshape graph's fields for a region's own z row over the bake's box are the bake's fields;
    another z gives other fields (so the search has something to move)."""
    tiny = tiny_any
    gen = torch.Generator().manual_seed(6)
    z = torch.randn(18, tiny.cfg.z_dim, generator=gen)
    codes = tiny.mapping(z, 0.7).detach()
    with torch.no_grad():
        for k in (1, 4, 7):
            b0 = tiny.cfg.bake_bounds
            f = tiny.reshape_fields(torch.tensor([k]), torch.stack([z[2 * k], z[2 * k] + 1.5]), torch.tensor([0.7]),
                                    torch.full((3,), -b0), torch.full((3,), b0), tiny.cfg.bake_resolution)
            b = tiny.bake(torch.tensor([k]), codes[2 * k:2 * k + 1], codes[2 * k + 1:2 * k + 2])
            assert torch.allclose(f["sdf"][0], b["sdf"], atol=1e-5)
            assert torch.allclose(f["mask_logit"][0], b["mask_logit"], atol=1e-5)
            assert (f["sdf"][1] - b["sdf"]).abs().max() > 1e-3


def test_final_graph_renders_with_the_final_beta(tiny_gated, tmp_path):
    """`final_beta_scale` sharpens the final graph's density (and only its): the ONNX graph matches
    render_rays with beta * scale, and differs from the unscaled render."""
    import dataclasses

    from facet.onnx.graphs import FinalGraph

    g = Generator(dataclasses.replace(tiny_gated.cfg, final_beta_scale=0.25)).eval()
    g.load_state_dict(tiny_gated.state_dict())
    module = FinalGraph(g).eval()
    inputs = module.inputs(seed=2)
    export_graph(module, tmp_path / "final.onnx", g.cfg.opset)
    got = ort.InferenceSession(str(tmp_path / "final.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {n: t.numpy() for n, t in zip(module.input_names, inputs)})
    with torch.no_grad():
        sharp = g.render_rays(*inputs, beta_scale=0.25)
        soft = g.render_rays(*inputs)
    assert np.abs(got[0] - sharp["image"].numpy()).max() <= 1e-4
    assert np.abs(got[0] - soft["image"].numpy()).max() > 1e-2


def test_final_graph_composites_its_colours_with_the_image_beta(tiny_gated, tmp_path):
    """`image_beta_scale` softens the final graph's colours alone: the ONNX graph's image matches render_rays
    composited with beta * image_beta_scale, its masks and depth the final beta's."""
    import dataclasses

    from facet.onnx.graphs import FinalGraph

    g = Generator(dataclasses.replace(tiny_gated.cfg, final_beta_scale=0.25, image_beta_scale=1.0)).eval()
    g.load_state_dict(tiny_gated.state_dict())
    module = FinalGraph(g).eval()
    inputs = module.inputs(seed=2)
    export_graph(module, tmp_path / "final.onnx", g.cfg.opset)
    _check_ops(tmp_path / "final.onnx")
    image, masks, depth = ort.InferenceSession(str(tmp_path / "final.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {n: t.numpy() for n, t in zip(module.input_names, inputs)})
    with torch.no_grad():
        sharp = g.render_rays(*inputs, beta_scale=0.25)
        soft = g.render_rays(*inputs, beta_scale=1.0)
    assert np.abs(image - soft["image"].numpy()).max() <= 1e-4
    assert np.abs(image - sharp["image"].numpy()).max() > 1e-2
    assert np.abs(masks - sharp["masks"].numpy()).max() <= 1e-4
    assert np.abs(depth - sharp["depth"].numpy()).max() <= 1e-4


def test_one_torchlib_registry_while_exporting_and_the_exporter_as_before_after():
    """export_graph reuses one registry of torchlib's ONNX functions per opset (`_torchlib_registry_once`)
    and puts torch's own builder back afterwards, also when an export fails."""
    from torch.onnx._internal.exporter import _registration

    from facet.onnx.export import _torchlib_registry_once

    cls = _registration.ONNXRegistry
    before = cls.__dict__["from_torchlib"]
    with pytest.raises(RuntimeError, match="boom"), _torchlib_registry_once():
        one = cls.from_torchlib()
        assert cls.from_torchlib() is one
        raise RuntimeError("boom")
    assert cls.__dict__["from_torchlib"] is before
    assert cls.from_torchlib() is not cls.from_torchlib()
