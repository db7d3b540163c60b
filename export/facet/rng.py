"""Seed -> z, bit-for-bit the same as src/kernels/rng.ts (mulberry32 + Box-Muller, row-major).

Checked on both sides by e2e/fixtures/seed-cases.json (`facet fixtures`).
"""
from __future__ import annotations

import math

import numpy as np

_M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    return (a * b) & _M32


def mulberry32(seed: int):
    a = seed & _M32

    def nxt() -> float:
        nonlocal a
        a = (a + 0x6D2B79F5) & _M32
        t = _imul(a ^ (a >> 15), 1 | a)
        t = ((t + _imul(t ^ (t >> 7), 61 | t)) & _M32) ^ t
        return ((t ^ (t >> 14)) & _M32) / 4294967296.0

    return nxt


def normals(seed: int, count: int) -> np.ndarray:
    nxt = mulberry32(seed)
    out = np.empty(count, dtype=np.float64)
    i = 0
    while i < count:
        u1, u2 = nxt(), nxt()
        r = math.sqrt(-2.0 * math.log(max(u1, 1e-12)))
        out[i] = r * math.cos(2 * math.pi * u2)
        if i + 1 < count:
            out[i + 1] = r * math.sin(2 * math.pi * u2)
        i += 2
    return out


def z_from_seed(seed: int, rows: int, cols: int) -> np.ndarray:
    """float32 [rows, cols] latent for a seed, as the app computes it."""
    return normals(seed, rows * cols).reshape(rows, cols).astype(np.float32)
