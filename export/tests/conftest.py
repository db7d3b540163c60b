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
