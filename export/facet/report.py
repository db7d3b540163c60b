"""`facet report`: writes the README's generated tables between marker comments, from files the
commands produce (eval JSON, manifests), so no number in them is typed by hand.

Markers: <!-- facet:eval -->, <!-- facet:flops --> and <!-- facet:reshape --> (each closed by <!-- /facet:NAME -->).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from facet.flops_report import flops_report


def against_bar(value: float, bar: float, digits: int) -> str:
    """value with `digits` decimals, or more where that rounding would land on the other side of `bar` from
    the value (0.84964 against 0.85 reads 0.8496, not 0.850, which looks like a pass)."""
    for d in range(digits, 7):
        text = f"{value:.{d}f}"
        if (float(text) >= bar) == (value >= bar):
            return text
    return text


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
        f"| PSNR | {against_bar(ev['psnr'], bars['psnr'], 2)} dB | >= {bars['psnr']} dB | {ok(ev['pass']['psnr'])} |",
        f"| SSIM | {against_bar(ev['ssim'], bars['ssim'], 3)} | >= {bars['ssim']} | {ok(ev['pass']['ssim'])} |",
        f"| mean IoU (9 regions) | {against_bar(ev['miou'], bars['miou'], 3)} | >= {bars['miou']} | {ok(ev['pass']['miou'])} |",
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


def browser_reshape_row(bench_json: Path | None, model: str) -> dict | None:
    """The browser's reshape apply row of `npm run bench` (bench/results.json) for `model`, if any."""
    if not bench_json or not bench_json.exists():
        return None
    rows = json.loads(bench_json.read_text()).get("rows", [])
    return next((r for r in rows if r.get("model") == model and r.get("backend") == "chromium wasm"
                 and r.get("name", "").startswith("reshape apply") and r.get("median_ms") is not None), None)


def reshape_table(rb: dict, source: str, browser: dict | None = None) -> str:
    ok = lambda b: "pass" if b else "**missed**"
    rows = [r for r in rb["edits"] if "error" not in r]
    lines = [
        f"`facet reshape-bench` ({source}: {rb['cases']} painted edits on held-out portraits of {rb['model']}, "
        f"{rb['resolution']} px, bench/reshape-cases.json), Python:",
        "",
        "| measure | value | acceptance | |",
        "|---|---|---|---|",
        f"| painted-target IoU of the edited region, mean | {rb['target_iou_before']:.3f} before -> {rb['target_iou']:.3f} after "
        f"| >= 0.80 | {ok(rb['target_iou'] >= 0.80)} |",
        f"| other regions' IoU vs before (each edit's worst region) | mean {rb['others_iou']:.3f}, worst {rb['others_iou_min']:.3f}; "
        f"{100 * rb['others_ok_fraction']:.0f}% of edits >= 0.95 | every one >= 0.95 | {ok(rb['others_ok_fraction'] >= 1.0)} |",
        *([f"| the same for the painting itself (what an edit that does exactly what was painted scores) "
           f"| {rb['others_ok_possible']} of {len(rows)} edits >= 0.95 | | |",
           f"| other regions' IoU vs the painting (the pixels painted over a region count as asked for) "
           f"| mean {rb['others_iou_vs_painting']:.3f}; {100 * rb['others_ok_fraction_vs_painting']:.0f}% of edits >= 0.95 | | |"]
          if "others_ok_possible" in rb else []),
        *([f"| other regions' IoU where the edited regions are neither before nor after (the edited region covering "
           f"or uncovering another, hair over an ear, set aside) | mean {rb['others_iou_uncovered']:.3f}; "
           f"{100 * rb['others_ok_fraction_uncovered']:.0f}% of edits >= 0.95 | | |"]
          if "others_iou_uncovered" in rb else []),
        f"| area changes the same way at yaw +-{rb['side_deg']:.0f} degrees | {100 * rb['consistent_3d']:.0f}% of edits "
        f"({100 * rb['changed_fraction']:.0f}% changed at all) | >= 90% | {ok(rb['consistent_3d'] >= 0.9)} |",
        f"| time per apply (Python ORT, 1 thread) | median {rb['seconds_median']:.2f} s, max {rb['seconds_max']:.2f} s | | |",
        (f"| time per apply in the browser (wasm, headless Chromium; `npm run bench`, {browser['runs']} edits: {browser['note']}) "
         f"| median {browser['median_ms'] / 1000:.2f} s, max {browser['max_ms'] / 1000:.2f} s | median <= 3 s "
         f"| {ok(browser['median_ms'] <= 3000)} |") if browser else
        "| time per apply in the browser (wasm) | not measured: run `npm run bench` | median <= 3 s | |",
        "",
        "| edit | n | changed | target IoU before -> after | others IoU (worst) | 3D-consistent |",
        "|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["edit"] for r in rows):
        rs = [r for r in rows if r["edit"] == name]
        mean = lambda k: sum(r[k] for r in rs) / len(rs)  # noqa: E731
        lines.append(f"| {name} | {len(rs)} | {sum(r['changed'] for r in rs)} | {mean('target_iou_before'):.3f} -> "
                     f"{mean('target_iou'):.3f} | {min(r['others_iou'] for r in rs):.3f} | "
                     f"{sum(r['consistent_3d'] for r in rs)} / {len(rs)} |")
    return "\n".join(lines)


def replace_block(text: str, name: str, body: str) -> str:
    pat = re.compile(rf"(<!-- facet:{name} -->\n).*?(\n<!-- /facet:{name} -->)", re.S)
    if not pat.search(text):
        raise ValueError(f"README has no <!-- facet:{name} --> block")
    return pat.sub(lambda m: m.group(1) + body + m.group(2), text)


def update_readme(readme: Path, models_dir: Path, eval_json: Path | None, reshape_json: Path | None = None,
                  bench_json: Path | None = None) -> None:
    text = readme.read_text()
    if reshape_json and reshape_json.exists():
        rb = json.loads(reshape_json.read_text())
        bench_json = bench_json or readme.parent / "bench" / "results.json"
        text = replace_block(text, "reshape", reshape_table(rb, reshape_json.name, browser_reshape_row(bench_json, rb["model"])))
    text = replace_block(text, "flops", flops_table(models_dir))
    if eval_json and eval_json.exists():
        text = replace_block(text, "eval", eval_table(json.loads(eval_json.read_text()), eval_json.name))
    readme.write_text(text)
