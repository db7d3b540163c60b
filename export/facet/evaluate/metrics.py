"""Image metrics, written here in a few lines of torch to avoid a heavy dependency for them:
PSNR, SSIM (Gaussian window 11, sigma 1.5, the usual constants), mean IoU, locality."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def psnr(a: Tensor, b: Tensor) -> float:
    """a, b [..., 3, H, W] in [0, 1]."""
    mse = (a - b).pow(2).mean().clamp_min(1e-12)
    return float(-10 * torch.log10(mse))


def _gauss(size: int = 11, sigma: float = 1.5) -> Tensor:
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-x**2 / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).float()


def ssim(a: Tensor, b: Tensor) -> float:
    """Mean SSIM over channels of [3, H, W] images in [0, 1]."""
    c1, c2 = 0.01**2, 0.03**2
    w = _gauss().to(a)[None, None].expand(a.shape[0], 1, 11, 11)
    conv = lambda x: F.conv2d(x[None], w, groups=a.shape[0])[0]
    mu_a, mu_b = conv(a), conv(b)
    va, vb = conv(a * a) - mu_a**2, conv(b * b) - mu_b**2
    cov = conv(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (va + vb + c2))
    return float(s.mean())


def iou_per_region(pred: Tensor, true: Tensor, k: int) -> list[float | None]:
    """Label maps [H, W] -> IoU of each region (None where it is in neither)."""
    out = []
    for r in range(k):
        p, t = pred == r, true == r
        union = (p | t).sum().item()
        out.append(None if union == 0 else (p & t).sum().item() / union)
    return out


def label_ious(labels: Tensor, true: Tensor, k: int) -> Tensor:
    """iou_per_region for a batch at once (one confusion matrix per portrait): label maps [N, H, W] x2 ->
    IoU [N, K] of each region in each portrait (nan where it is in neither)."""
    n = labels.shape[0]
    conf = torch.zeros(n, k * k, dtype=torch.float64)
    conf.scatter_add_(1, (true.reshape(n, -1).long() * k + labels.reshape(n, -1).long()),
                      torch.ones(n, labels[0].numel(), dtype=torch.float64))
    conf = conf.reshape(n, k, k)                                  # [portrait, true, predicted]
    hit = conf.diagonal(dim1=1, dim2=2)
    union = conf.sum(2) + conf.sum(1) - hit
    return torch.where(union > 0, hit / union.clamp_min(1), torch.full_like(hit, float("nan")))


def mean_iou(labels: Tensor, true: Tensor, k: int) -> float:
    """facet eval's mean IoU: per portrait the mean over the regions in the prediction or the truth, then
    the mean over portraits."""
    return float(label_ious(labels, true, k).nanmean(1).mean())


def dilate(mask: Tensor, px: int) -> Tensor:
    """Binary [H, W] mask dilated by a (2 px + 1) square."""
    return F.max_pool2d(mask[None, None].float(), 2 * px + 1, stride=1, padding=px)[0, 0] > 0


def changed_outside(before: Tensor, after: Tensor, region_before: Tensor, region_after: Tensor,
                    px: int = 3, threshold: float = 8 / 255) -> float:
    """Share of pixels outside the dilated union of a region's masks whose color moved by more
    than `threshold` (images [3, H, W] in [0, 1], masks [H, W] bool)."""
    outside = ~dilate(region_before | region_after, px)
    moved = (before - after).abs().amax(0) > threshold
    n = outside.sum().item()
    return 0.0 if n == 0 else (moved & outside).sum().item() / n
