"""PyTorch against onnxruntime-node (the runtime under the Node benchmark), every output of
every graph, tiny and default configs. Needs node and the repo's node_modules (npm ci)."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from facet.onnx.graphs import graphs_for

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("ort_node_run.mjs")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / "node_modules" / "onnxruntime-node").exists(),
    reason="node or node_modules/onnxruntime-node missing: run npm ci",
)


def _node_run(model: Path, names, inputs, tmp: Path) -> list[np.ndarray]:
    feeds = {n: {"type": "int64" if t.dtype == torch.int64 else "float32", "dims": list(t.shape),
                 "data": t.reshape(-1).tolist()} for n, t in zip(names, inputs)}
    (tmp / "in.json").write_text(json.dumps(feeds))
    subprocess.run(["node", str(RUNNER), str(model), str(tmp / "in.json"), str(tmp / "out.json")],
                   cwd=REPO, check=True, capture_output=True, timeout=300)
    out = json.loads((tmp / "out.json").read_text())
    return out


@pytest.mark.parametrize("name", ["tiny", "default_small"])
def test_node_parity(name, exported, tmp_path, request):
    g = request.getfixturevalue(name)
    for role, cls in graphs_for(g).items():
        m = cls(g).eval()
        path = exported(g, role)
        inputs = m.inputs(seed=4)
        with torch.no_grad():
            ref = m(*inputs)
        ref = ref if isinstance(ref, tuple) else (ref,)
        got = _node_run(path, m.input_names, inputs, tmp_path)
        for out_name, r in zip(m.output_names, ref):
            o = np.array(got[out_name]["data"], dtype=np.float32).reshape(got[out_name]["dims"])
            assert o.shape == tuple(r.shape), (role, out_name)
            assert np.abs(r.numpy()).max() > 1e-3
            err = float(np.abs(o - r.numpy()).max())
            assert err <= 1e-4, f"{name}/{role}.{out_name}: node max abs error {err}"
