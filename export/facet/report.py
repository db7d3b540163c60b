"""`facet report`: writes the README's generated tables between marker comments, from files the
commands produce (eval JSON, manifests), so no number in them is typed by hand.

Markers: <!-- facet:eval --> ... <!-- /facet:eval --> and <!-- facet:flops --> ... <!-- /facet:flops -->.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from facet.flops_report import flops_report


def eval_table(ev: dict, source: str) -> str:
    bars = ev["bars"]
    ok = lambda b: "pass" if b else "**missed**"
    lines = [
        f"Held-out portraits and views of the synthetic world (`{source}`: n = {ev['n']}, "
        f"{ev['res']} x {ev['res']}, ground truth supersampled x{ev['supersample']}; locality on "
        f"{ev['locality_n']} portraits x 9 regions):",
        "",
        "| metric | value | bar | |",
        "|---|---|---|---|",
        f"| PSNR | {ev['psnr']:.2f} dB | >= {bars['psnr']} dB | {ok(ev['pass']['psnr'])} |",
        f"| SSIM | {ev['ssim']:.3f} | >= {bars['ssim']} | {ok(ev['pass']['ssim'])} |",
        f"| mean IoU (9 regions) | {ev['miou']:.3f} | >= {bars['miou']} | {ok(ev['pass']['miou'])} |",
        "",
        "| region | IoU | locality: pixels changed outside the region (mean / worst) |",
        "|---|---|---|",
    ]
    for r, iou in ev["iou"].items():
        loc, worst = ev["locality"].get(r), ev["locality_max"].get(r)
        loc_s = "n/a" if loc is None else f"{100 * loc:.2f}% / {100 * worst:.2f}%" + ("" if loc <= bars["locality"] else " (**over 1%**)")
        lines.append(f"| {r} | {'n/a' if iou is None else f'{iou:.3f}'} | {loc_s} |")
    return "\n".join(lines)


def flops_table(models_dir: Path) -> str:
    lines = ["| model | output | mapping | bake, one region | bake, all | preview frame | final frame | naive frame | final / naive |",
             "|---|---|---|---|---|---|---|---|---|"]
    for f in flops_report(models_dir):
        lines.append(
            f"| {f['model']} | {f['resolution']}^2 | {f['mapping'] / 1e6:.2f} M | {f['bake_one_region'] / 1e9:.2f} G | "
            f"{f['bake_full'] / 1e9:.2f} G | 0 | {f['final_frame'] / 1e9:.2f} G | {f['naive_frame'] / 1e9:.1f} G | "
            f"{f['ratios']['final_over_naive']:.3f} |")
    lines.append("")
    lines.append("Multiply-adds per run (`facet flops`); the naive frame evaluates every network at 64 samples of every pixel, as CNeRF does.")
    return "\n".join(lines)


def replace_block(text: str, name: str, body: str) -> str:
    pat = re.compile(rf"(<!-- facet:{name} -->\n).*?(\n<!-- /facet:{name} -->)", re.S)
    if not pat.search(text):
        raise ValueError(f"README has no <!-- facet:{name} --> block")
    return pat.sub(lambda m: m.group(1) + body + m.group(2), text)


def update_readme(readme: Path, models_dir: Path, eval_json: Path | None) -> None:
    text = readme.read_text()
    text = replace_block(text, "flops", flops_table(models_dir))
    if eval_json and eval_json.exists():
        text = replace_block(text, "eval", eval_table(json.loads(eval_json.read_text()), eval_json.name))
    readme.write_text(text)
