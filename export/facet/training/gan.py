"""CNeRF's stage-1 objective on real image + mask data (for people with GPUs).

Non-saturating GAN loss. A global discriminator sees image + region masks and regresses the
view (smooth L1, weight `view_weight`) of generated images; a semantic discriminator sees one
random region (image x its mask, plus the mask) and classifies which region it is. R1 on real
inputs (image and mask weighted separately), eikonal and minimal-surface regularisers on the
fused SDF, Adam (0, 0.9), EMA of the generator."""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DistributedSampler

from facet.camera import rays_for_pose
from facet.model.generator import Generator
from facet.training.config import TrainConfig
from facet.training.distributed import average_gradients, broadcast_module, rank, world_size
from facet.training.real_data import MaskedImages


def conv_disc(cin: int, res: int, outputs: int, width: int = 64) -> nn.Sequential:
    layers, c = [], cin
    while res > 4:
        w = min(width * 2 ** len(layers), 256)
        layers += [nn.Conv2d(c, w, 3, 2, 1), nn.LeakyReLU(0.2)]
        c, res = w, res // 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * res * res, outputs))


def mixed_latents(b: int, cfg, gen: torch.Generator, device) -> Tensor:
    """Per region, shape and texture latents each from one of two z (CNeRF's mixing)."""
    z = torch.randn(2, b, 1, cfg.z_dim, generator=gen).expand(2, b, cfg.num_codes, cfg.z_dim)
    pick = torch.randint(0, 2, (b, cfg.num_codes, 1), generator=gen)
    return torch.where(pick == 0, z[0], z[1]).to(device)


class GanObjective:
    def __init__(self, g: Generator, tc: TrainConfig, device: torch.device):
        self.g, self.tc, self.device = g, tc, device
        self.cfg = g.cfg
        k = self.cfg.num_regions
        self.data = MaskedImages(tc.data, tc.res, self.cfg.regions, getattr(tc, "mask_format", "celebamask"))
        # under torchrun each rank reads its own share of the images, reshuffled every epoch
        self.sampler = DistributedSampler(self.data, seed=tc.seed) if world_size() > 1 else None
        self.epoch = 0
        share = len(self.sampler) if self.sampler is not None else len(self.data)   # this rank's images
        self.loader = torch.utils.data.DataLoader(self.data, batch_size=tc.batch, shuffle=self.sampler is None,
                                                  sampler=self.sampler, drop_last=share >= tc.batch)
        self.it = iter(self.loader)
        self.d_global = conv_disc(3 + k, tc.res, 1 + 2).to(device)
        self.d_sem = conv_disc(4, tc.res, 1 + k).to(device)
        broadcast_module(self.d_global)   # every rank starts from rank 0's discriminators
        broadcast_module(self.d_sem)
        self.opt_d = torch.optim.Adam(list(self.d_global.parameters()) + list(self.d_sem.parameters()), lr=tc.lr_d, betas=(0.0, 0.9))
        self.ema = copy.deepcopy(g).eval().requires_grad_(False)
        self.gen = torch.Generator().manual_seed(tc.seed + rank())   # each rank its own latents and views

    def _real(self) -> dict:
        try:
            b = next(self.it)
        except StopIteration:
            self.epoch += 1
            if self.sampler is not None:
                self.sampler.set_epoch(self.epoch)
            self.it = iter(self.loader)
            b = next(self.it)
        return {k: v.to(self.device) for k, v in b.items()}

    def _poses(self, b: int) -> Tensor:
        cam = self.cfg.camera
        yaw = (torch.randn(b, generator=self.gen) * 0.3).clamp(*(math.radians(v) for v in cam.yaw_range_deg))
        pitch = (torch.randn(b, generator=self.gen) * 0.15).clamp(*(math.radians(v) for v in cam.pitch_range_deg))
        return torch.stack([yaw, pitch], 1)

    def _fake(self, g: Generator, b: int) -> tuple[Tensor, Tensor, Tensor]:
        res, cam = self.tc.res, self.cfg.camera
        poses = self._poses(b)
        rays = [rays_for_pose(cam, float(y), float(p), res, res) for y, p in poses]
        o = torch.stack([r[0] for r in rays]).to(self.device)
        d = torch.stack([r[1] for r in rays]).to(self.device)
        tb = torch.tensor([cam.near, cam.far], device=self.device).expand(b, res * res, 2)
        z = mixed_latents(b, self.cfg, self.gen, self.device)
        codes = g.mapping(z)
        jitter = (torch.rand(b, res * res, self.tc.samples, generator=self.gen) - 0.5).to(self.device)
        out = g.render_rays(codes, o, d, tb, samples=self.tc.samples, jitter=jitter)
        image = out["image"].transpose(1, 2).reshape(b, 3, res, res)
        masks = out["masks"].transpose(1, 2).reshape(b, -1, res, res)
        return image, masks, poses.to(self.device)

    def _semantic_input(self, image: Tensor, masks: Tensor) -> tuple[Tensor, Tensor]:
        b, k = masks.shape[:2]
        r = torch.randint(0, k, (b,), generator=self.gen).to(self.device)
        m = masks[torch.arange(b), r][:, None]
        return torch.cat([image * m, m], 1), r

    def step(self, g: Generator) -> dict[str, Tensor]:
        tc, b = self.tc, self.tc.batch
        real = self._real()
        # discriminators
        with torch.no_grad():
            f_img, f_mask, poses = self._fake(g, b)
        real_img = real["image"].requires_grad_(True)
        real_mask = real["mask"].requires_grad_(True)
        d_real = self.d_global(torch.cat([real_img, real_mask], 1))
        d_fake = self.d_global(torch.cat([f_img, f_mask], 1))
        s_in_r, r_r = self._semantic_input(real_img, real_mask)
        s_in_f, _ = self._semantic_input(f_img, f_mask)
        s_real, s_fake = self.d_sem(s_in_r), self.d_sem(s_in_f)
        loss_d = (F.softplus(d_fake[:, 0]) + F.softplus(-d_real[:, 0])).mean()
        loss_d = loss_d + tc.view_weight * F.smooth_l1_loss(d_fake[:, 1:], poses)
        loss_d = loss_d + (F.softplus(s_fake[:, 0]) + F.softplus(-s_real[:, 0])).mean() + F.cross_entropy(s_real[:, 1:], r_r)
        gi, gm = torch.autograd.grad(d_real[:, 0].sum(), [real_img, real_mask], create_graph=True)
        r1 = tc.r1_image / 2 * gi.pow(2).flatten(1).sum(1).mean() + tc.r1_mask / 2 * gm.pow(2).flatten(1).sum(1).mean()
        self.opt_d.zero_grad(set_to_none=True)
        (loss_d + r1).backward()
        average_gradients(list(self.d_global.parameters()) + list(self.d_sem.parameters()))
        self.opt_d.step()
        # generator (the trainer steps its optimiser on `total`)
        f_img, f_mask, poses = self._fake(g, b)
        d_fake = self.d_global(torch.cat([f_img, f_mask], 1))
        s_in, r = self._semantic_input(f_img, f_mask)
        s_fake = self.d_sem(s_in)
        loss_g = F.softplus(-d_fake[:, 0]).mean() + tc.view_weight * F.smooth_l1_loss(d_fake[:, 1:], poses)
        loss_g = loss_g + F.softplus(-s_fake[:, 0]).mean() + F.cross_entropy(s_fake[:, 1:], r)
        eik, minsurf = self._sdf_regularisers(g, b)
        total = loss_g + tc.eikonal * eik + tc.min_surface * minsurf
        return {"total": total, "g": loss_g.detach(), "d": loss_d.detach(), "r1": r1.detach(),
                "eikonal": eik.detach(), "min_surface": minsurf.detach()}

    def _sdf_regularisers(self, g: Generator, b: int) -> tuple[Tensor, Tensor]:
        pts = ((torch.rand(b, 512, 3, generator=self.gen) * 2 - 1) * self.cfg.bake_bounds).to(self.device).requires_grad_(True)
        codes = g.mapping(mixed_latents(b, self.cfg, self.gen, self.device))
        d = g.fields(pts, codes)["d"]
        grad, = torch.autograd.grad(d.sum(), pts, create_graph=True)
        grad = grad / self.cfg.camera.coord_scale      # d is in network units
        return (grad.norm(dim=-1) - 1).pow(2).mean(), torch.exp(-100 * d.abs()).mean()

    @torch.no_grad()
    def after_step(self) -> None:
        for pe, p in zip(self.ema.parameters(), self.g.parameters()):
            pe.lerp_(p, 1 - self.tc.ema_decay)
        for be, bsrc in zip(self.ema.buffers(), self.g.buffers()):
            be.copy_(bsrc)

    def state_dict(self) -> dict:
        return {"d_global": self.d_global.state_dict(), "d_sem": self.d_sem.state_dict(),
                "opt_d": self.opt_d.state_dict(), "ema": self.ema.state_dict()}

    def load_state_dict(self, s: dict) -> None:
        self.d_global.load_state_dict(s["d_global"])
        self.d_sem.load_state_dict(s["d_sem"])
        self.opt_d.load_state_dict(s["opt_d"])
        self.ema.load_state_dict(s["ema"])
