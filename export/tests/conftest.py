import dataclasses

import pytest
import torch

from facet.config import preset
from facet.model.generator import Generator


@pytest.fixture(scope="session")
def tiny() -> Generator:
    torch.manual_seed(0)
    g = Generator(preset("tiny")).eval()
    g.mapping.update_mean(2000)
    return g


@pytest.fixture(scope="session")
def tiny_gated(tiny) -> Generator:
    """The tiny model's weights with `sdf_gate` on (the default preset's fusion)."""
    g = Generator(preset("tiny", sdf_gate=True)).eval()
    g.load_state_dict(tiny.state_dict())
    return g


@pytest.fixture(scope="session")
def tiny_refined() -> Generator:
    """The tiny model with the SDF gate, the texture's positional encoding and the mask refinement of
    some regions, the background's colour as a polynomial and neck+cloth's two materials
    (`tiny-refine-bg-mat`: the bundled model's stages 6-8 in small), its refinement heads, polynomial
    coefficients and second colour nonzero (they start at zero); the reshape graph with the
    refinement, so it matches the bake; the final render's labels read past the surface
    (`label_depth`, as the bundled model's) with a label prior (`label_bias`)."""
    torch.manual_seed(1)
    cfg = preset("tiny-refine-bg-mat", sdf_gate=True, reshape_mask_refine=True, label_depth=0.003)
    cfg = dataclasses.replace(cfg, label_bias=tuple(0.5 * ((r % 3) - 1) for r in range(cfg.num_regions)))
    g = Generator(cfg).eval()
    with torch.no_grad():
        for p in [*g.local.mask_refine_head.parameters(), *g.local.background_rgb.parameters(),
                  *g.local.rgb_delta.parameters()]:
            p.normal_(0.0, 0.5)
    g.mapping.update_mean(2000)
    return g


@pytest.fixture(params=["sum", "gated", "refined"])
def tiny_any(request, tiny, tiny_gated, tiny_refined) -> Generator:
    return {"sum": tiny, "gated": tiny_gated, "refined": tiny_refined}[request.param]


@pytest.fixture(scope="session")
def default_small() -> Generator:
    """The default preset, untrained (seed 0), with 1,024-ray tiles and a 32^3 bake (4 slabs of 8) so
    its graphs export and run in seconds; the bundled model's own graphs are checked at full size by
    test_bundled_graphs_match_their_weights."""
    torch.manual_seed(0)
    return Generator(preset("default", tile_rays=1024, bake_resolution=32)).eval()


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """exported(g, role) -> the path of g's `role` graph exported with facet's exporter, once per
    session: the parity tests of Python's and Node's ONNX Runtime and the slab test read the same
    file (a graph's export takes seconds, most of the suite's time)."""
    from facet.onnx.export import export_graph
    from facet.onnx.graphs import graphs_for

    root = tmp_path_factory.mktemp("exported")
    folders: dict = {}   # id(generator) -> (the generator, kept alive so that its id is not reused; its folder)
    done: dict = {}

    def get(g: Generator, role: str):
        key = (id(g), role)
        if key not in done:
            _, folder = folders.setdefault(id(g), (g, root / str(len(folders))))
            folder.mkdir(exist_ok=True)
            path = folder / f"{role}.onnx"
            export_graph(graphs_for(g)[role](g).eval(), path, g.cfg.opset)
            done[key] = path
        return done[key]

    return get
