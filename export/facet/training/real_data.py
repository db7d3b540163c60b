"""Real image + semantic mask folders for CNeRF's objective.

Layout: DIR/images/<name>.(png|jpg) and DIR/masks/<name>.png. Masks hold either CelebAMask-HQ's
19 labels (merged to the nine regions as CNeRF does) or region indices directly
(`mask_format = "regions"`, in the model's region order)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from facet.regions import CELEBAMASK_MERGE

IMAGE_EXT = (".png", ".jpg", ".jpeg", ".webp")


def celebamask_lut(regions: tuple[str, ...]) -> np.ndarray:
    lut = np.zeros(256, dtype=np.int64)
    for r, labels in CELEBAMASK_MERGE.items():
        for lab in labels:
            lut[lab] = regions.index(r)
    return lut


class MaskedImages(torch.utils.data.Dataset):
    def __init__(self, folder: str | Path, res: int, regions: tuple[str, ...], mask_format: str = "celebamask"):
        self.root = Path(folder)
        img_dir, mask_dir = self.root / "images", self.root / "masks"
        if not img_dir.is_dir() or not mask_dir.is_dir():
            raise FileNotFoundError(f"{self.root}: expected images/ and masks/ folders")
        self.items = []
        for p in sorted(img_dir.iterdir()):
            if p.suffix.lower() in IMAGE_EXT:
                m = mask_dir / (p.stem + ".png")
                if not m.exists():
                    raise FileNotFoundError(f"{m}: mask missing for {p.name}")
                self.items.append((p, m))
        if not self.items:
            raise FileNotFoundError(f"{img_dir}: no images")
        self.res, self.k = res, len(regions)
        self.lut = celebamask_lut(regions) if mask_format == "celebamask" else None

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        ip, mp = self.items[i]
        img = Image.open(ip).convert("RGB").resize((self.res, self.res), Image.BICUBIC)
        lab = np.array(Image.open(mp).convert("L").resize((self.res, self.res), Image.NEAREST), dtype=np.int64)
        lab = self.lut[lab] if self.lut is not None else lab
        if lab.max() >= self.k:
            raise ValueError(f"{mp}: label {lab.max()} >= {self.k} regions")
        image = torch.from_numpy(np.asarray(img, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)
        mask = F.one_hot(torch.from_numpy(lab), self.k).permute(2, 0, 1).float()
        return {"image": image, "mask": mask}
