"""Generator weights as safetensors with the resolved config in the metadata."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from safetensors import safe_open

from facet.config import ModelConfig
from facet.model.generator import Generator


def save_generator(g: Generator, path: Path | str, extra: dict | None = None) -> None:
    meta = {"config": g.cfg.dumps(), "format": "facet-generator-1"}
    if extra:
        meta["extra"] = json.dumps(extra)
    tensors = {k: v.detach().contiguous().cpu() for k, v in g.state_dict().items()}
    save_file(tensors, str(path), metadata=meta)


def load_generator(path: Path | str) -> tuple[Generator, dict]:
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    if meta.get("format") != "facet-generator-1":
        raise ValueError(f"{path}: not a Facet generator checkpoint (metadata format={meta.get('format')!r})")
    cfg = ModelConfig.from_json(json.loads(meta["config"]))
    g = Generator(cfg)
    load_weights(g, load_file(str(path)))
    return g, json.loads(meta.get("extra", "{}"))


def load_weights(g: Generator, state: dict) -> None:
    """Strict load, except that checkpoints older than the FiLM code centres (every
    `*.code_center` missing) load with the centres at zero, the same function they had."""
    missing, unexpected = g.load_state_dict(state, strict=False)
    if unexpected or any(not k.endswith(".code_center") for k in missing):
        raise RuntimeError(f"weights do not match the model: missing {missing}, unexpected {unexpected}")
