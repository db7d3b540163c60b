"""`facet export`: ONNX graphs + manifest.json (+ weights) into public/models/<id>/."""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import warnings
from pathlib import Path

import onnx
import torch

from facet import manifest as mf
from facet.checkpoint import save_generator
from facet.model.field import polynomial_sine
from facet.model.generator import Generator
from facet.onnx.flops import graph_macs
from facet.onnx.graphs import graphs_for
from facet.regions import COLORS, LABELS


_REGISTRIES: dict = {}


@contextlib.contextmanager
def _torchlib_registry_once():
    """torch.onnx.export builds the registry of torchlib's ONNX functions anew for every graph (about
    1.1 s on a 2-core machine, a fifth of a small graph's export); Facet passes no custom
    translation table, so nothing adds to it, and one registry per opset serves every graph of the
    process. A private API of torch: if it is not where it was, export builds its own as before."""
    try:
        from torch.onnx._internal.exporter import _registration

        cls = _registration.ONNXRegistry
        original = cls.__dict__["from_torchlib"]
    except (ImportError, AttributeError, KeyError):
        yield
        return

    def cached(_cls, opset_version=None):
        key = opset_version
        if key not in _REGISTRIES:
            args = () if opset_version is None else (opset_version,)
            _REGISTRIES[key] = original.__get__(None, cls)(*args)
        return _REGISTRIES[key]

    cls.from_torchlib = classmethod(cached)
    try:
        yield
    finally:
        cls.from_torchlib = original


def export_graph(module: torch.nn.Module, path: Path, opset: int) -> None:
    """Export with the dynamo exporter at fixed shapes: it emits no Shape arithmetic (which the
    WebGPU provider would place on the CPU) and leaves large constant subgraphs unfolded. The SIREN
    layers' sine is a polynomial in the graphs (`polynomial_sine`: wasm's Sin is slow)."""
    with warnings.catch_warnings(), polynomial_sine(), _torchlib_registry_once():
        warnings.simplefilter("ignore")
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        program = torch.onnx.export(module.eval(), module.inputs(), input_names=list(module.input_names),
                                    output_names=list(module.output_names), opset_version=opset,
                                    dynamo=True, verbose=False, optimize=True)
    program.save(str(path))
    model = onnx.load(str(path))
    keep = [o for o in model.opset_import if o.domain in ("", "ai.onnx")]
    del model.opset_import[:]
    model.opset_import.extend(keep)
    model.producer_name = "facet"
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))


def build_manifest(g: Generator, model_id: str, name: str, folder: Path, sliders: list[dict],
                   description: str = "", extra: dict | None = None) -> dict:
    cfg = g.cfg
    graphs = {}
    for role in graphs_for(g):
        p = folder / f"{role}.onnx"
        inputs, outputs, opset = mf.graph_io(p)
        graphs[role] = {**mf.file_entry(p), "opset": opset, "macs": graph_macs(p),
                        "inputs": inputs, "outputs": outputs}
    m = {
        "format": "facet-model", "format_version": 1, "id": model_id, "name": name,
        "description": description,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "preset": cfg.preset, "config": cfg.to_json(),
        "regions": [{"name": r, "label": LABELS.get(r, r), "color": COLORS.get(r, "#888888")} for r in cfg.regions],
        "latent": {
            "num_codes": cfg.num_codes, "z_dim": cfg.z_dim, "code_dim": cfg.code_dim,
            "codes": [{"region": r, "kind": k} for r in cfg.regions for k in ("shape", "texture")],
            "z_prior": "normal", "truncation_psi": cfg.truncation_psi, "sliders": sliders,
        },
        "camera": cfg.camera.to_json(),
        "render": {"beta": float(g.beta.detach()), "final_beta": float(g.final_beta.detach()),
                   "mask_activation": cfg.mask_activation,
                   "samples_per_ray": cfg.samples_per_ray, "resolution": cfg.resolution,
                   "tile_rays": cfg.tile_rays, "surface_margin": cfg.surface_margin,
                   "edge_supersample": cfg.final_edge_supersample,
                   "background": "last-sample-opaque"},
        "bake": {"resolution": cfg.bake_resolution, "bounds": cfg.bake_bounds, "layout": "zyx",
                 **({"slab": cfg.bake_slab} if cfg.bake_slab else {})},
        "graphs": graphs,
    }
    if "reshape" in graphs:
        m["reshape"] = {"resolution": cfg.reshape_resolution, "batch": cfg.reshape_batch, "layout": "zyx",
                        "z_rows": "shape"}
    if (folder / "weights.safetensors").exists():
        m["weights"] = mf.file_entry(folder / "weights.safetensors")
    if extra:
        m.update(extra)
    return m


def label_point_macs(g: Generator, final_macs: int) -> int:
    """Multiply-adds of one final run spent on the label point (cfg.label_depth > 0: every region's shape
    layers and mask heads once more per ray): the final graph's against the same graph exported with the
    masks composited. `facet flops` takes them out of the per-sample cost its naive frame is made of."""
    import dataclasses
    import tempfile

    cfg = g.cfg
    try:
        g.cfg = dataclasses.replace(cfg, label_depth=0.0, label_bias=())
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "final.onnx"
            export_graph(graphs_for(g)["final"](g), path, cfg.opset)
            return final_macs - graph_macs(path)
    finally:
        g.cfg = cfg


def export_model(g: Generator, models_dir: Path, model_id: str, name: str, *, sliders: list[dict] | None = None,
                 description: str = "", test_only: bool = False, make_default: bool = False,
                 with_weights: bool = True, extra: dict | None = None) -> Path:
    folder = Path(models_dir) / model_id
    folder.mkdir(parents=True, exist_ok=True)
    g = g.eval()
    for role, cls in graphs_for(g).items():
        export_graph(cls(g), folder / f"{role}.onnx", g.cfg.opset)
    if with_weights:
        # The sliders travel with the weights, so a fine-tune or re-export of a bundled model keeps them.
        save_generator(g, folder / "weights.safetensors", {"sliders": sliders} if sliders else None)
    m = build_manifest(g, model_id, name, folder, sliders or [], description, extra)
    if g.cfg.label_depth > 0:
        m["graphs"]["final"]["macs_label_point"] = label_point_macs(g, m["graphs"]["final"]["macs"])
    mf.validate_schema(m)
    mf.validate_consistency(m)
    (folder / "manifest.json").write_text(json.dumps(m, indent=2) + "\n")
    mf.validate_manifest_dir(folder)
    entry = {"id": model_id, "name": name, "manifest": f"{model_id}/manifest.json"}
    if test_only:
        entry["test_only"] = True
    mf.update_index(Path(models_dir), entry, make_default)
    return folder
