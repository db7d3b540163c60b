"""The nine CNeRF regions, their display colors and the CelebAMask-HQ label merge.

The order is a manifest field (`regions`): the official README and its dataset code disagree
on mouth/brow, so nothing may assume an order other than the one a manifest states.
"""
from __future__ import annotations

REGIONS: tuple[str, ...] = (
    "background", "face", "eye", "brow", "mouth", "nose", "ear", "hair", "neck_cloth",
)

LABELS: dict[str, str] = {
    "background": "Background", "face": "Face", "eye": "Eyes", "brow": "Brows",
    "mouth": "Mouth", "nose": "Nose", "ear": "Ears", "hair": "Hair", "neck_cloth": "Neck & cloth",
}

COLORS: dict[str, str] = {
    "background": "#1b1f3b", "face": "#f2b880", "eye": "#3fa7f5", "brow": "#7a4a2a",
    "mouth": "#e0405a", "nose": "#c97f4e", "ear": "#b05cd6", "hair": "#f5d142",
    "neck_cloth": "#3fbf7f",
}

# CelebAMask-HQ's 19 labels merged into the 9 regions (cnerf-reference.md).
CELEBAMASK_MERGE: dict[str, tuple[int, ...]] = {
    "background": (0,), "face": (1,), "nose": (2,), "eye": (3, 4, 5), "brow": (6, 7),
    "ear": (8, 9, 15), "mouth": (10, 11, 12), "hair": (13, 14), "neck_cloth": (16, 17, 18),
}
