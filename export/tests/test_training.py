"""Two-iteration CPU smoke tests of both objectives, checkpoints with config, and resume."""
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from facet.checkpoint import load_generator
from facet.regions import REGIONS
from facet.training.cli import add_parser  # noqa: F401  (the CLI module imports cleanly)
from facet.training.config import TRAIN_PRESETS
from facet.training.trainer import Trainer

CELEB_ID = {"background": 0, "face": 1, "eye": 4, "brow": 6, "mouth": 11, "nose": 2, "ear": 8,
            "hair": 13, "neck_cloth": 17}


def _check_run(out: Path, steps: int):
    assert (out / "last.pt").exists() and (out / "generator.safetensors").exists()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["train"]["steps"] == steps and cfg["model"]["preset"] == "tiny"
    rows = (out / "log.csv").read_text().strip().splitlines()
    assert rows[0].startswith("step,") and len(rows) == steps + 1
    g, extra = load_generator(out / "generator.safetensors")
    assert extra["step"] == steps


def test_synthetic_two_steps_and_resume(tmp_path):
    tc = TRAIN_PRESETS["smoke"]
    t = Trainer(tc, tmp_path)
    before = {k: v.clone() for k, v in t.g.state_dict().items()}
    t.run()
    assert any(not torch.equal(before[k], v) for k, v in t.g.state_dict().items()), "weights did not change"
    _check_run(tmp_path, 2)
    _, extra = load_generator(tmp_path / "generator.safetensors")
    assert {s["region"] for s in extra["sliders"]} >= {"hair", "mouth", "eye"}
    # resume: a new trainer with more steps picks up at step 2
    import dataclasses

    t2 = Trainer(dataclasses.replace(tc, steps=3), tmp_path)
    assert t2.step == 2
    t2.run()
    assert t2.step == 3


def _fake_celebamask(folder: Path, n: int = 4, res: int = 32):
    from facet.world import render, sample_params

    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    params = sample_params(5, n)
    out = render(params, torch.zeros(n), torch.zeros(n), res, res)
    lut = np.array([CELEB_ID[r] for r in REGIONS], dtype=np.uint8)
    for i in range(n):
        img = (out["image"][i].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
        Image.fromarray(img).save(folder / "images" / f"{i:03d}.png")
        Image.fromarray(lut[out["labels"][i].numpy()]).save(folder / "masks" / f"{i:03d}.png")


def test_gan_two_steps(tmp_path):
    import dataclasses

    data = tmp_path / "data"
    _fake_celebamask(data)
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], objective="gan", data=str(data))
    t = Trainer(tc, tmp_path / "run")
    t.run()
    _check_run(tmp_path / "run", 2)
    log = (tmp_path / "run" / "log.csv").read_text()
    assert "r1" in log and "eikonal" in log
