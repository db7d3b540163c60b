"""Manifest schema and file checks: every kind of mismatch is reported precisely."""
import json
import shutil
from pathlib import Path

import pytest

from facet.manifest import ManifestError, validate_manifest_dir

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "public" / "models"


def bundled():
    index = json.loads((MODELS / "index.json").read_text())
    return [m["manifest"].split("/")[0] for m in index["models"]]


@pytest.mark.parametrize("model_id", bundled())
def test_bundled_models_validate(model_id):
    m = validate_manifest_dir(MODELS / model_id)
    assert m["id"] == model_id


def test_index_default_exists():
    index = json.loads((MODELS / "index.json").read_text())
    assert index["default"] in {m["id"] for m in index["models"]}


@pytest.fixture()
def copy(tmp_path):
    dst = tmp_path / "tiny"
    shutil.copytree(MODELS / "tiny", dst)
    return dst


def _edit(folder: Path, fn):
    p = folder / "manifest.json"
    m = json.loads(p.read_text())
    fn(m)
    p.write_text(json.dumps(m))


def test_wrong_type_names_the_field(copy):
    _edit(copy, lambda m: m["render"].__setitem__("beta", "abc"))
    with pytest.raises(ManifestError, match=r"/render/beta: 'abc' is not of type 'number'"):
        validate_manifest_dir(copy)


def test_missing_graph_role(copy):
    _edit(copy, lambda m: m["graphs"].pop("final"))
    with pytest.raises(ManifestError, match=r"/graphs: 'final' is a required property"):
        validate_manifest_dir(copy)


def test_corrupt_graph_is_a_hash_mismatch(copy):
    p = copy / "final.onnx"
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(ManifestError, match=r"final.onnx: sha256 mismatch: manifest says [0-9a-f]{64}, file is [0-9a-f]{64}"):
        validate_manifest_dir(copy)


def test_truncated_graph_is_a_size_mismatch(copy):
    p = copy / "bake.onnx"
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(ManifestError, match=r"bake.onnx: size mismatch"):
        validate_manifest_dir(copy)


def test_declared_shape_must_match_graph(copy):
    _edit(copy, lambda m: m["graphs"]["mapping"]["inputs"][0].__setitem__("shape", [18, 9]))
    with pytest.raises(ManifestError, match=r"mapping.onnx: /graphs/mapping/inputs: manifest says .*\[18, 9\].*graph has .*\[18, 8\]"):
        validate_manifest_dir(copy)


def test_codes_must_match_regions(copy):
    _edit(copy, lambda m: m["latent"].__setitem__("num_codes", 16))
    with pytest.raises(ManifestError, match=r"/latent/num_codes: expected 18"):
        validate_manifest_dir(copy)


def test_bake_slab_must_divide_the_grid_and_match_the_graphs(copy):
    m0 = json.loads((copy / "manifest.json").read_text())
    assert m0["bake"]["slab"] == 4 and m0["graphs"]["bake"]["inputs"][-1]["name"] == "slab"
    _edit(copy, lambda m: m["bake"].__setitem__("slab", 3))
    with pytest.raises(ManifestError, match=r"/bake/slab: must divide the resolution 16, found 3"):
        validate_manifest_dir(copy)
    _edit(copy, lambda m: m["bake"].pop("slab"))
    with pytest.raises(ManifestError, match=r"/graphs/bake/inputs: no slab input expected \(without /bake/slab\)"):
        validate_manifest_dir(copy)
    _edit(copy, lambda m: m["bake"].__setitem__("slab", 8))
    with pytest.raises(ManifestError, match=r"/graphs/bake/outputs/sdf: shape must start \[8, 16, 16\], found \[4, 16, 16\]"):
        validate_manifest_dir(copy)
    _edit(copy, lambda m: m["bake"].__setitem__("slab", 0))
    with pytest.raises(ManifestError, match=r"/bake/slab: 0 is less than the minimum of 1"):
        validate_manifest_dir(copy)


def test_not_json(copy):
    (copy / "manifest.json").write_text("{ nope")
    with pytest.raises(ManifestError, match="not JSON"):
        validate_manifest_dir(copy)


def test_hide_slider_marks_named_directions_and_refuses_unknown_ones():
    from facet.cli import hide_sliders

    sliders = [{"region": "eye", "kind": "shape", "name": "size"}, {"region": "eye", "kind": "shape", "name": "tilt"},
               {"region": "hair", "kind": "texture", "name": "tilt"}]
    out = hide_sliders(sliders, ["eye.tilt"])
    assert [s.get("hidden", False) for s in out] == [False, True, False]
    assert "hidden" not in sliders[1]  # the input is not changed
    assert hide_sliders(sliders, []) == sliders
    with pytest.raises(SystemExit, match=r"--hide-slider eye\.nope: no such slider \(sliders: eye\.size, eye\.tilt, hair\.tilt\)"):
        hide_sliders(sliders, ["eye.nope"])


def test_a_hidden_slider_validates_and_a_wrong_flag_is_refused(copy):
    slider = {"region": "hair", "kind": "shape", "name": "length", "label": "Hair length", "slot": 0, "hidden": True}
    _edit(copy, lambda m: m["latent"].__setitem__("sliders", [slider]))
    validate_manifest_dir(copy)
    _edit(copy, lambda m: m["latent"]["sliders"][0].__setitem__("hidden", "yes"))
    with pytest.raises(ManifestError, match=r"/latent/sliders/0/hidden: 'yes' is not of type 'boolean'"):
        validate_manifest_dir(copy)


def test_export_final_beta_scale_goes_to_the_config_the_manifest_and_the_weights(tmp_path):
    from facet.checkpoint import load_generator
    from facet.cli import main

    assert main(["export", "--preset", "tiny", "--id", "sharp", "--out", str(tmp_path), "--final-beta-scale", "0.25"]) == 0
    m = json.loads((tmp_path / "sharp" / "manifest.json").read_text())
    assert m["config"]["final_beta_scale"] == 0.25
    assert m["render"]["final_beta"] == pytest.approx(0.25 * m["render"]["beta"])
    g, _ = load_generator(tmp_path / "sharp" / "weights.safetensors")
    assert g.cfg.final_beta_scale == 0.25
    with pytest.raises(SystemExit, match=r"--final-beta-scale must be in \(0, 4\], got 0.0"):
        main(["export", "--preset", "tiny", "--id", "bad", "--out", str(tmp_path), "--final-beta-scale", "0"])


def test_export_label_depth_goes_to_the_config_the_manifest_and_the_weights(tmp_path):
    from facet.checkpoint import load_generator
    from facet.cli import main

    assert main(["export", "--preset", "tiny", "--id", "deep", "--out", str(tmp_path), "--label-depth", "0.003"]) == 0
    m = json.loads((tmp_path / "deep" / "manifest.json").read_text())
    assert m["config"]["label_depth"] == 0.003
    g, _ = load_generator(tmp_path / "deep" / "weights.safetensors")
    assert g.cfg.label_depth == 0.003
    with pytest.raises(SystemExit, match=r"--label-depth must be in \[0, surface_margin = 0.012\] world units, got -0.001"):
        main(["export", "--preset", "tiny", "--id", "bad", "--out", str(tmp_path), "--label-depth", "-0.001"])


def test_export_image_beta_scale_goes_to_the_config_the_manifest_and_the_weights(tmp_path):
    from facet.checkpoint import load_generator
    from facet.cli import main

    assert main(["export", "--preset", "tiny", "--id", "soft", "--out", str(tmp_path), "--final-beta-scale", "0.25",
                 "--image-beta-scale", "0.5"]) == 0
    m = json.loads((tmp_path / "soft" / "manifest.json").read_text())
    assert (m["config"]["final_beta_scale"], m["config"]["image_beta_scale"]) == (0.25, 0.5)
    g, _ = load_generator(tmp_path / "soft" / "weights.safetensors")
    assert (g.cfg.final_beta_scale, g.cfg.image_beta_scale) == (0.25, 0.5)
    with pytest.raises(SystemExit, match=r"--image-beta-scale must be in \[0, 4\] \(0 = the final beta\), got -1"):
        main(["export", "--preset", "tiny", "--id", "bad", "--out", str(tmp_path), "--image-beta-scale", "-1"])
    assert not (tmp_path / "bad").exists()


def test_export_label_bias_goes_to_the_config_the_manifest_and_the_weights(tmp_path):
    """--label-bias REGION=B,...: one number per region (0 for the others) in the config, the manifest and
    the weights, and a final graph that differs from the one without it; a bad flag or one without a label
    depth is a specific error and writes nothing."""
    from facet.checkpoint import load_generator
    from facet.cli import main
    from facet.config import preset

    regions = list(preset("tiny").regions)
    args = ["export", "--preset", "tiny", "--out", str(tmp_path), "--label-depth", "0.003"]
    assert main([*args, "--id", "plain"]) == 0
    assert main([*args, "--id", "prior", "--label-bias", "hair=1.25,brow=-0.5"]) == 0
    m = json.loads((tmp_path / "prior" / "manifest.json").read_text())
    want = [1.25 if r == "hair" else -0.5 if r == "brow" else 0.0 for r in regions]
    assert m["config"]["label_bias"] == want
    g, _ = load_generator(tmp_path / "prior" / "weights.safetensors")
    assert list(g.cfg.label_bias) == want
    assert (tmp_path / "prior" / "final.onnx").read_bytes() != (tmp_path / "plain" / "final.onnx").read_bytes()
    assert json.loads((tmp_path / "plain" / "manifest.json").read_text())["config"]["label_bias"] == []
    with pytest.raises(SystemExit, match=r"--label-bias unknown region 'hairs'"):
        main([*args, "--id", "bad", "--label-bias", "hairs=1"])
    with pytest.raises(SystemExit, match=r"label_bias .* needs label_depth > 0"):
        main(["export", "--preset", "tiny", "--out", str(tmp_path), "--id", "bad", "--label-bias", "hair=1"])
    assert not (tmp_path / "bad").exists()


def test_a_model_without_slabs_exports_and_validates_as_before(tmp_path):
    """bake_slab 0 (every checkpoint from before session 32 that is re-exported without --render-from):
    no bake.slab, no slab input, outputs of the whole grid; the slabbed tiny model's whole bake is that."""
    import dataclasses

    import numpy as np
    import onnxruntime as ort

    from facet.checkpoint import load_generator
    from facet.onnx.export import export_model

    g, extra = load_generator(MODELS / "tiny" / "weights.safetensors")
    assert g.cfg.bake_slab == 4
    g.cfg = dataclasses.replace(g.cfg, bake_slab=0)
    folder = export_model(g, tmp_path, "whole", "whole", sliders=extra.get("sliders", []))
    validate_manifest_dir(folder)
    m = json.loads((folder / "manifest.json").read_text())
    assert "slab" not in m["bake"]
    assert [t["name"] for t in m["graphs"]["bake"]["inputs"]] == ["region", "shape_code", "texture_code"]
    assert m["graphs"]["bake"]["outputs"][0]["shape"] == [16, 16, 16]
    whole = ort.InferenceSession(str(folder / "bake.onnx"), providers=["CPUExecutionProvider"])
    slabbed = ort.InferenceSession(str(MODELS / "tiny" / "bake.onnx"), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {"region": np.array([7], np.int64), "shape_code": rng.standard_normal((1, 16), np.float32),
             "texture_code": rng.standard_normal((1, 16), np.float32)}
    one = whole.run(None, feeds)
    parts = [slabbed.run(None, {**feeds, "slab": np.array([s], np.int64)}) for s in range(4)]
    for i in range(3):
        assert np.abs(np.concatenate([p[i] for p in parts]) - one[i]).max() <= 1e-5
