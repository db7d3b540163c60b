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


@pytest.fixture(params=["sum", "gated"])
def tiny_any(request, tiny, tiny_gated) -> Generator:
    return tiny if request.param == "sum" else tiny_gated
