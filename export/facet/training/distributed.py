"""Data-parallel training under torchrun without DistributedDataParallel's wrapper.

DDP synchronises gradients only for a backward that follows a forward through the wrapper. The
objectives here call the generator's parts (mapping, fields, render_rays) several times per step,
and the GAN objective steps its discriminators inside the step, so the wrapper's hooks never ran:
each rank trained its own model. Instead every rank starts from rank 0's weights
(`broadcast_module`) and averages its gradients with the others after each backward
(`average_gradients`), so the optimisers take the same step and the replicas stay equal
(`replicas_agree` checks it)."""
from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.distributed as dist
from torch import nn


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


@torch.no_grad()
def broadcast_module(m: nn.Module, src: int = 0) -> None:
    """Every parameter and buffer of `m` from rank `src` (a no-op in a single process)."""
    if world_size() == 1:
        return
    for t in list(m.parameters()) + list(m.buffers()):
        dist.broadcast(t.data, src)


@torch.no_grad()
def average_gradients(params: Iterable[torch.Tensor]) -> None:
    """Mean of each parameter's gradient over the ranks, in one all-reduce. A parameter without a
    gradient on this rank counts as zeros (another rank may have one); frozen parameters
    (requires_grad False) are skipped, the same on every rank."""
    world = world_size()
    if world == 1:
        return
    ps = [p for p in params if p.requires_grad]
    if not ps:
        return
    flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in ps])
    dist.all_reduce(flat)
    flat /= world
    for p, g in zip(ps, flat.split([p.numel() for p in ps])):
        p.grad = g.view_as(p)     # views of the one reduced buffer: no second copy


@torch.no_grad()
def replicas_agree(m: nn.Module) -> bool:
    """True when every rank holds the same parameters (bit for bit)."""
    if world_size() == 1:
        return True
    flat = torch.cat([p.detach().reshape(-1).double() for p in m.parameters()])
    lo, hi = flat.clone(), flat.clone()
    dist.all_reduce(lo, op=dist.ReduceOp.MIN)
    dist.all_reduce(hi, op=dist.ReduceOp.MAX)
    return bool(torch.equal(lo, hi))
