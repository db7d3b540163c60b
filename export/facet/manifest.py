"""Manifest writing and validation against the shared JSON Schema (schemas/manifest.schema.json).

`validate_manifest_dir` checks, in order: the schema, cross-field consistency, each file's size
and sha256, and each graph's declared inputs and outputs against the ONNX file itself. Errors
name the file and field, what was expected and what was found.
"""
from __future__ import annotations

import hashlib
import json
import math
from importlib import resources
from pathlib import Path

import jsonschema


class ManifestError(ValueError):
    pass


def schema() -> dict:
    return json.loads(resources.files("facet.schemas").joinpath("manifest.schema.json").read_text())


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entry(path: Path) -> dict:
    return {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def validate_schema(manifest: dict, where: str = "manifest.json") -> None:
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        path = "/" + "/".join(str(p) for p in e.absolute_path)
        raise ManifestError(f"{where}: {path}: {e.message}")


def label_bias(m: dict, where: str = "manifest.json") -> list[float]:
    """config.label_bias, the final render's label prior (one number per region; [] when the model has none),
    checked: the final graph and paint to reshape's proxy both add it (src/model/contract.ts checks the same)."""
    bias = (m.get("config") or {}).get("label_bias") or []
    k = len(m["regions"])
    if bias and (len(bias) != k or not all(isinstance(b, (int, float)) and math.isfinite(b) for b in bias)):
        raise ManifestError(f"{where}: config.label_bias needs {k} finite numbers, one per region, got {bias!r}")
    return [float(b) for b in bias]


def validate_consistency(m: dict, where: str = "manifest.json") -> None:
    names = [r["name"] for r in m["regions"]]
    lat = m["latent"]
    if len(set(names)) != len(names):
        raise ManifestError(f"{where}: /regions: region names must be unique, found {names}")
    if lat["num_codes"] != 2 * len(names):
        raise ManifestError(f"{where}: /latent/num_codes: expected {2 * len(names)} (2 x regions), found {lat['num_codes']}")
    expected_codes = [{"region": r, "kind": k} for r in names for k in ("shape", "texture")]
    if lat["codes"] != expected_codes:
        raise ManifestError(f"{where}: /latent/codes: expected shape/texture rows per region in region order")
    for i, s in enumerate(lat["sliders"]):
        if s["region"] not in names:
            raise ManifestError(f"{where}: /latent/sliders/{i}/region: unknown region {s['region']!r}")
        if s["slot"] >= lat["z_dim"]:
            raise ManifestError(f"{where}: /latent/sliders/{i}/slot: expected < z_dim {lat['z_dim']}, found {s['slot']}")
    if ("reshape" in m) != ("reshape" in m["graphs"]):
        raise ManifestError(f"{where}: /reshape: the reshape section and the reshape graph come together "
                            f"(section {'present' if 'reshape' in m else 'missing'}, graph "
                            f"{'present' if 'reshape' in m['graphs'] else 'missing'})")
    _check_bake_slab(m, where)
    label_bias(m, where)
    cam = m["camera"]
    if not cam["near"] < cam["radius"] < cam["far"]:
        raise ManifestError(f"{where}: /camera: expected near < radius < far, found {cam['near']}, {cam['radius']}, {cam['far']}")


def bake_runs(m: dict) -> int:
    """Runs of `bake` (or `bake_base`) per whole grid: resolution / bake.slab, 1 without slabs."""
    r = m["bake"]["resolution"]
    return r // m["bake"].get("slab", r)


def _check_bake_slab(m: dict, where: str) -> None:
    """`bake.slab` and the bake graphs' signatures agree: with it, a `slab` input and [slab, R, R] outputs."""
    r, slab = m["bake"]["resolution"], m["bake"].get("slab")
    if slab is not None and r % slab:
        raise ManifestError(f"{where}: /bake/slab: must divide the resolution {r}, found {slab}")
    depth = slab or r
    for role in ("bake", "bake_base"):
        g = m["graphs"].get(role)
        if g is None:
            continue
        names = [t["name"] for t in g["inputs"]]
        if ("slab" in names) != (slab is not None):
            raise ManifestError(f"{where}: /graphs/{role}/inputs: {'a' if slab else 'no'} slab input expected "
                                f"({'with' if slab else 'without'} /bake/slab), found {names}")
        for t in g["outputs"]:
            if t["shape"][:3] != [depth, r, r]:
                raise ManifestError(f"{where}: /graphs/{role}/outputs/{t['name']}: shape must start "
                                    f"[{depth}, {r}, {r}], found {t['shape']}")


ONNX_DTYPES = {1: "float32", 10: "float16", 7: "int64", 6: "int32", 2: "uint8", 9: "bool"}


def graph_io(path: Path) -> tuple[list[dict], list[dict], int]:
    """Declared inputs and outputs of an ONNX file, as manifest tensor entries, and its opset."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)

    def entry(v) -> dict:
        t = v.type.tensor_type
        return {"name": v.name, "shape": [d.dim_value for d in t.shape.dim],
                "dtype": ONNX_DTYPES.get(t.elem_type, f"onnx-type-{t.elem_type}")}

    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    return [entry(v) for v in model.graph.input], [entry(v) for v in model.graph.output], opset


def validate_files(m: dict, folder: Path) -> None:
    entries = [(f"/graphs/{k}", g) for k, g in m["graphs"].items()]
    if "weights" in m:
        entries.append(("/weights", m["weights"]))
    for field, e in entries:
        p = folder / e["file"]
        if not p.is_file():
            raise ManifestError(f"{e['file']}: missing (declared at {field})")
        size = p.stat().st_size
        if size != e["bytes"]:
            raise ManifestError(f"{e['file']}: size mismatch: manifest says {e['bytes']} bytes, file has {size}")
        digest = sha256_file(p)
        if digest != e["sha256"]:
            raise ManifestError(f"{e['file']}: sha256 mismatch: manifest says {e['sha256']}, file is {digest}")
    for role, g in m["graphs"].items():
        inputs, outputs, opset = graph_io(folder / g["file"])
        for kind, declared, actual in (("inputs", g["inputs"], inputs), ("outputs", g["outputs"], outputs)):
            if declared != actual:
                raise ManifestError(f"{g['file']}: /graphs/{role}/{kind}: manifest says {declared}, graph has {actual}")
        if opset != g["opset"]:
            raise ManifestError(f"{g['file']}: /graphs/{role}/opset: manifest says {g['opset']}, graph has {opset}")


def validate_manifest_dir(folder: Path, check_files: bool = True) -> dict:
    path = Path(folder) / "manifest.json"
    try:
        m = json.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"{path}: missing") from None
    except json.JSONDecodeError as e:
        raise ManifestError(f"{path}: not JSON: {e}") from None
    validate_schema(m, str(path))
    validate_consistency(m, str(path))
    if check_files:
        validate_files(m, Path(folder))
    return m


def update_index(models_dir: Path, entry: dict, make_default: bool) -> dict:
    """Add or replace a model in models_dir/index.json."""
    path = models_dir / "index.json"
    index = json.loads(path.read_text()) if path.exists() else {"default": entry["id"], "models": []}
    index["models"] = [m for m in index["models"] if m["id"] != entry["id"]] + [entry]
    index["models"].sort(key=lambda m: (m.get("test_only", False), m["id"]))
    if make_default or index.get("default") not in {m["id"] for m in index["models"]}:
        index["default"] = entry["id"]
    path.write_text(json.dumps(index, indent=2) + "\n")
    return index
