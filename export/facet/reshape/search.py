"""The reshape search: a small evolution strategy over the edited regions' shape z slots.

Mirrored by src/kernels/reshape.ts. Deterministic: candidates come from mulberry32 normals
(facet.rng) with a fixed seed, so Python and the browser propose the same candidates.

  x = the active z slots of every edited region's shape row (slots the model uses), x0 = now
  generation 0: candidate 0 = x0, the others x0 + sigma * n
  the last `compass` candidates of each generation are instead compass steps around the best x
  seen so far: one slot moved by +-compass_step * sigma, slot after slot (+ then -), continuing
  from where the generation before stopped. A local refinement along the named slots next to
  the wide steps around the mean: an edit whose loss has a narrow valley near the current codes
  ("hair longer": half a unit of length better, a unit worse) finds it
  each generation: evaluate the `batch` candidates, keep the best seen, move the mean to the
  log-weighted average of the best half, sigma *= decay; candidate 0 of the next generation
  is the mean itself. z is kept within [-clip, clip].
  then, with parsimony > 0 and a best x that moved two slots or more, one more batch: the best x with
  one moved slot put back to x0 (slot after slot, the first `batch`; only those are evaluated); the
  best of those replaces the best x if its
  loss is within parsimony x the best loss of it and still below x0's (so an edit is never undone
  whole: with one moved slot, putting it back is x0 itself, so that batch is skipped). Of two changes the painting can
  hardly tell apart, the one that moves fewer slots (an ear grown, not grown and turned outwards)
  holds better from other views (docs/reshape.md).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from facet.rng import normals


@dataclass
class SearchConfig:
    generations: int = 6
    batch: int = 8          # candidates per generation (the graph evaluates them `reshape.batch` rows at a time)
    sigma: float = 2.0      # docs/reshape.md: measured on tuning edits that are not the benchmark's
    decay: float = 0.8
    clip: float = 3.0
    prior: float = 0.0      # loss += prior * mean((x - x0)^2): a pull towards the current codes (off)
    seed: int = 7
    compass: int = 2        # candidates per generation (the last ones) that step one slot from the best x so far
    compass_step: float = 0.25   # their step: compass_step * sigma
    parsimony: float = 0.05  # after the generations: a moved slot put back to x0 if at most this much worse (relative; 0: off)


@dataclass
class SearchResult:
    x: np.ndarray
    loss: float
    loss0: float
    evaluations: int
    history: list[float] = field(default_factory=list)   # best loss after each generation


def search(evaluate: Callable[[np.ndarray], np.ndarray], x0: np.ndarray, cfg: SearchConfig = SearchConfig()) -> SearchResult:
    """evaluate(candidates [N, D]) -> mask losses [N] (N = batch, fewer in the parsimony batch);
    returns the best x found."""
    d = x0.shape[0]
    b = cfg.batch
    noise = normals(cfg.seed, cfg.generations * b * d).reshape(cfg.generations, b, d)
    mu = b // 2
    weights = np.array([math.log(mu + 0.5) - math.log(i + 1) for i in range(mu)])
    weights /= weights.sum()
    mean = x0.astype(np.float64).copy()
    sigma = cfg.sigma
    best_x, best_loss, loss0 = x0.copy(), math.inf, math.inf
    history = []
    for gen in range(cfg.generations):
        cand = mean[None, :] + sigma * noise[gen]
        cand[0] = mean
        for j in range(min(cfg.compass, b - 1)):
            q = gen * cfg.compass + j
            cand[b - 1 - j] = best_x
            cand[b - 1 - j, (q // 2) % d] += (1 if q % 2 == 0 else -1) * cfg.compass_step * sigma
        cand = np.clip(cand, -cfg.clip, cfg.clip)
        losses = np.asarray(evaluate(cand.astype(np.float32)), dtype=np.float64)
        losses = losses + cfg.prior * ((cand - x0[None, :]) ** 2).mean(1)
        if gen == 0:
            loss0 = float(losses[0])
        order = np.argsort(losses, kind="stable")
        if losses[order[0]] < best_loss:
            best_loss, best_x = float(losses[order[0]]), cand[order[0]].copy()
        history.append(best_loss)
        mean = (weights[:, None] * cand[order[:mu]]).sum(0)
        sigma *= cfg.decay
    evaluations = cfg.generations * b
    moved = [j for j in range(d) if best_x[j] != x0[j]]
    # with one moved slot, putting it back is x0, whose loss is loss0: it could never be taken
    if cfg.parsimony > 0 and len(moved) > 1:
        back = moved[:b]
        cand = np.repeat(best_x[None, :], len(back), 0)
        for i, j in enumerate(back):
            cand[i, j] = x0[j]
        cand = np.clip(cand, -cfg.clip, cfg.clip)
        losses = np.asarray(evaluate(cand.astype(np.float32)), dtype=np.float64)
        losses = losses + cfg.prior * ((cand - x0[None, :]) ** 2).mean(1)
        evaluations += len(back)
        i = int(np.argmin(losses))
        if losses[i] <= best_loss * (1 + cfg.parsimony) and losses[i] < loss0:
            best_loss, best_x = float(losses[i]), cand[i].copy()
        history.append(best_loss)
    return SearchResult(best_x.astype(np.float32), best_loss, loss0, evaluations, history)
