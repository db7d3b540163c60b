"""Painted targets: label-map edits and which regions an edit asks to change.

The benchmark's scripted edits are what a user's brush strokes would do on the semantic view:
grow a region into its neighbours by some pixels in some direction, or paint the background
over part of it. All on [H, W] integer label maps (row 0 at the top).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# What lies in front of what when a stroke paints one region over another: painting a region
# over one of lower or equal rank grows the painted region; painting over a higher rank (the
# background over hair, the face over the mouth) shrinks the region painted over.
RANKS = {"background": 0, "face": 1, "neck_cloth": 1}


def rank(name: str) -> int:
    return RANKS.get(name, 2)


def edited_regions(before: np.ndarray, target: np.ndarray, regions: list[str]) -> list[int]:
    """The regions whose shape codes a painted target asks to change (sorted region indices)."""
    changed = before != target
    out: set[int] = set()
    pairs = np.unique(np.stack([before[changed], target[changed]], 1), axis=0) if changed.any() else []
    for old, new in pairs:
        out.add(int(new) if rank(regions[new]) >= rank(regions[old]) else int(old))
    return sorted(out)


def _shift(mask: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(mask)
    h, w = mask.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = mask[ys, xs]
    return out


def grow(labels: np.ndarray, region: int, into: list[int], px: int, directions: list[tuple[int, int]]) -> np.ndarray:
    """Paint `region` over pixels of `into` up to `px` pixels away from it along `directions`."""
    mask = labels == region
    grown = mask.copy()
    for dy, dx in directions:
        for s in range(1, px + 1):
            grown |= _shift(mask, dy * s, dx * s)
    out = labels.copy()
    out[grown & np.isin(labels, into)] = region
    return out


DOWN, UP, LEFT, RIGHT = (1, 0), (-1, 0), (0, -1), (0, 1)
ALL = [DOWN, UP, LEFT, RIGHT, (1, 1), (1, -1), (-1, 1), (-1, -1)]


def cut_below(labels: np.ndarray, region: int, row: int, fill: int) -> np.ndarray:
    """Paint `fill` over the region's pixels below `row`."""
    out = labels.copy()
    below = np.zeros_like(labels, dtype=bool)
    below[row:, :] = True
    out[below & (labels == region)] = fill
    return out


@dataclass(frozen=True)
class Edit:
    name: str
    region: str
    describe: str

    def paint(self, labels: np.ndarray, regions: list[str]) -> np.ndarray:
        r = {n: i for i, n in enumerate(regions)}
        h = labels.shape[0]
        px = lambda v: max(1, round(v * h / 256))  # noqa: E731  (sizes are for 256 px images)
        if self.name == "hair_longer":
            return grow(labels, r["hair"], [r["background"], r["neck_cloth"]], px(14), [DOWN])
        if self.name == "hair_shorter":
            mouth_rows = np.nonzero((labels == r["mouth"]).any(1))[0]
            row = int(mouth_rows.mean()) if mouth_rows.size else int(0.6 * h)
            return cut_below(labels, r["hair"], row, r["background"])
        if self.name == "hair_fuller":
            return grow(labels, r["hair"], [r["background"]], px(8), ALL)
        if self.name == "mouth_wider":
            return grow(labels, r["mouth"], [r["face"]], px(4), [LEFT, RIGHT])
        if self.name == "mouth_open":
            return grow(labels, r["mouth"], [r["face"]], px(4), [DOWN])
        if self.name == "eyes_larger":
            return grow(labels, r["eye"], [r["face"]], px(2), ALL)
        if self.name == "ears_larger":
            return grow(labels, r["ear"], [r["background"], r["hair"]], px(4), ALL)
        if self.name == "neck_cloth_higher":
            return grow(labels, r["neck_cloth"], [r["background"]], px(8), [UP])
        raise ValueError(f"unknown edit {self.name!r}")


EDITS = [
    Edit("hair_longer", "hair", "hair painted 14 px further down over the background and the cloth"),
    Edit("hair_shorter", "hair", "background painted over the hair below the mouth"),
    Edit("hair_fuller", "hair", "hair painted 8 px outwards over the background"),
    Edit("mouth_wider", "mouth", "mouth painted 4 px wider on both sides over the face"),
    Edit("mouth_open", "mouth", "mouth painted 4 px further down over the face"),
    Edit("eyes_larger", "eye", "eyes painted 2 px larger all round over the face"),
    Edit("ears_larger", "ear", "ears painted 4 px larger over the background and hair"),
    Edit("neck_cloth_higher", "neck_cloth", "neck and cloth painted 8 px higher over the background"),
]


def rle_encode(labels: np.ndarray) -> list[int]:
    """Row-major run-length code: [value, count, value, count, ...]."""
    flat = labels.reshape(-1)
    starts = np.r_[0, np.nonzero(np.diff(flat))[0] + 1]
    counts = np.diff(np.r_[starts, flat.size])
    return [int(v) for pair in zip(flat[starts], counts) for v in pair]


def rle_decode(code: list[int], shape: tuple[int, int]) -> np.ndarray:
    vals, counts = np.array(code[0::2]), np.array(code[1::2])
    return np.repeat(vals, counts).astype(np.uint8).reshape(shape)
