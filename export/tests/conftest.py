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
    some regions (`tiny-refine`: the bundled model's stage 6 in small), its refinement heads nonzero
    (they start at zero); the reshape graph with the refinement, so it matches the bake."""
    torch.manual_seed(1)
    g = Generator(preset("tiny-refine", sdf_gate=True, reshape_mask_refine=True)).eval()
    with torch.no_grad():
        for p in g.local.mask_refine_head.parameters():
            p.normal_(0.0, 0.5)
    g.mapping.update_mean(2000)
    return g


@pytest.fixture(params=["sum", "gated", "refined"])
def tiny_any(request, tiny, tiny_gated, tiny_refined) -> Generator:
    return {"sum": tiny, "gated": tiny_gated, "refined": tiny_refined}[request.param]
