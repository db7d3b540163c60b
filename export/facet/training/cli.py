"""`facet train`: both objectives, resumable, with progress and CSV logs."""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from facet.training.config import TRAIN_PRESETS, TrainConfig


def _parse_value(field: dataclasses.Field, raw: str):
    t = field.type if isinstance(field.type, type) else type(field.default)
    if t is bool:
        return raw.lower() in ("1", "true", "yes")
    return t(raw)


def resolve(a: argparse.Namespace) -> TrainConfig:
    tc = dataclasses.replace(TRAIN_PRESETS[a.preset])
    fields = {f.name: f for f in dataclasses.fields(TrainConfig)}
    for item in a.set or []:
        key, _, raw = item.partition("=")
        if key not in fields:
            raise SystemExit(f"facet train: unknown setting {key!r}; known: {', '.join(sorted(fields))}")
        tc = dataclasses.replace(tc, **{key: _parse_value(fields[key], raw)})
    for key in ("objective", "steps", "device", "data", "model_preset", "init_from"):
        v = getattr(a, key, None)
        if v is not None:
            tc = dataclasses.replace(tc, **{key: v})
    if tc.objective == "gan" and not tc.data:
        raise SystemExit("facet train: --objective gan needs --data DIR (images/ and masks/)")
    return tc


def run(a: argparse.Namespace) -> int:
    tc = resolve(a)
    if a.dry_run:
        from facet.config import preset

        print(json.dumps({"model": preset(tc.model_preset).to_json(), "train": tc.to_json()}, indent=2))
        return 0
    from facet.training.trainer import Trainer

    Trainer(tc, Path(a.out), resume=not a.restart).run()
    print(f"checkpoint: {Path(a.out) / 'generator.safetensors'}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a generator (synthetic world or CNeRF's adversarial objective)")
    p.add_argument("--preset", default="default", choices=sorted(TRAIN_PRESETS))
    p.add_argument("--model-preset", dest="model_preset")
    p.add_argument("--objective", choices=["synthetic", "gan", "background"])
    p.add_argument("--steps", type=int)
    p.add_argument("--data", help="gan: folder with images/ and masks/")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"])
    p.add_argument("--out", required=True, help="run folder: last.pt, generator.safetensors, config.json, log.csv")
    p.add_argument("--init-from", dest="init_from", metavar="CHECKPOINT",
                   help="fine-tune: start from this generator checkpoint (weights.safetensors); same model config")
    p.add_argument("--restart", action="store_true", help="ignore an existing last.pt instead of resuming")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a TrainConfig field")
    p.add_argument("--dry-run", action="store_true", help="print the resolved config and stop")
    p.set_defaults(fn=run)
