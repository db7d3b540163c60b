"""One reshape, the way the app runs it (src/kernels/reshape.ts mirrors every step):

1. rays: the band around the edit (the painted pixels and the edited regions before and in the
   painting, dilated by BAND of the image's short side), on the finest even grid of image pixels
   that gives at most MAX_RAYS rays in the band (proxy_pixels);
2. box: where those rays meet the portrait's current surface (marched on the cached bakes),
   +- BOX_MARGIN world units, clamped to the bake bounds: the reshape graph's world box;
3. the current fields along the proxy's rays (base SDF + every region's offset, every region's mask
   logit) are read from the cached bakes themselves (the 32^3 box grid is coarser than the bake for
   a box as large as the hair's);
4. the search (facet.reshape.search) proposes z slots for the edited regions; one run of the
   `reshape` graph per edited region gives each candidate's fields in the box, and its change from
   the current codes' (candidate 0 of the first run) is added to the bakes' fields; the proxy
   renders each candidate's label map (steps samples per ray through the box, first SDF <= 0,
   argmax of the mask logits there, a miss is the background); the pixels where it differs from the
   proxy's rendering of the current codes are applied to the current mask (the one the user
   painted on) and the result is scored against the painted mask (proxy.mask_loss).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facet.reshape import proxy
from facet.reshape.search import SearchConfig, search

MAX_RAYS = 4096      # the proxy's rays at most
BAND = 0.0625        # the band around the edit: dilated by this fraction of the image's short side (16 px at 256)
STRIDE_GROWTH = 1.05  # the ray grid's pixel step grows by this until the band holds at most MAX_RAYS rays
STEPS = 64           # proxy samples per ray through the box
DEPTH_STEPS = 128    # samples per ray over [near, far] when locating the current surface
BOX_MARGIN = 0.03    # world units around the surface
FINE_RAYS = 1024     # at most this many rays more, on a finer grid over the small other regions in the band (0: off)
FINE_AREA = 0.03     # "small": another region whose pixels before the edit are under this share of the image (an ear, a brow)
FINE_DILATE = 2      # px around a small region that its finer grid covers
FINE_DIVISOR = 2     # the finer grid's step: the band's over this (at least 1 px)
WEIGHT_UNIT = 64     # a ray of the band's grid weighs this much, a finer one round(WEIGHT_UNIT (its step / the band's)^2):
                     # integers, so every weighted sum is exact and the browser's scores match to the bit


@dataclass
class Bakes:
    """The portrait's baked fields (what the app caches): base [P], sdf [K, P], mask_logit [K, P]."""
    resolution: int
    bounds: float
    base: np.ndarray
    sdf: np.ndarray
    mask_logit: np.ndarray


def active_slots(manifest: dict, region: str) -> list[int]:
    """The z slots of a region's shape row the model uses: its shape sliders' slots."""
    return sorted({s["slot"] for s in manifest["latent"]["sliders"] if s["region"] == region and s["kind"] == "shape"})


def grid_positions(n: int, stride: float) -> np.ndarray:
    """Pixel rows (or columns) of an even grid with this step: floor((i + 0.5) * stride) < n."""
    k = np.floor((np.arange(int(np.ceil(n / stride))) + 0.5) * stride).astype(np.int64)
    return k[k < n]


def proxy_pixels(before: np.ndarray, target: np.ndarray, edited: list[int]
                 ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Flat image pixel index of each proxy ray (row-major, ascending), the grid's pixel step, how many
    of the grid's points outside the band hold each label before the edit, times WEIGHT_UNIT ([256]:
    the score counts them as unchanged, so another region's IoU is that of the whole image, as the
    benchmark's), and each ray's integer weight (WEIGHT_UNIT for a ray of the band's grid).

    The rays lie in the band around the edit: the painted pixels and every pixel of the edited
    regions before and in the painting, dilated by BAND of the short side, so the proxy sees all
    of the region (a candidate that changes it away from the stroke, hair shortened at the tips
    but fuller on top, pays for it). They sit on the finest even grid (step >= 1 px) that puts at
    most MAX_RAYS rays in the band: a small region (an ear, an eye) is seen at every 1-1.4 px, where a
    64 x 64 grid over a square around both ears saw it at every 2-3 px (docs/reshape.md).

    Where the band is large (hair: a step of 2.5-2.7 px), the small other regions in it (an ear, a
    brow: under FINE_AREA of the image before the edit, dilated by FINE_DILATE px) get a finer grid
    instead, of at most FINE_RAYS rays (the step over FINE_DIVISOR, at least 1 px), each ray weighted by
    (its step / the band's step)^2, rounded in units of 1 / WEIGHT_UNIT: whether hair grown over an ear costs the ear 3% or 7% of its
    pixels is what the score of the other regions must tell apart."""
    import torch

    from facet.evaluate.metrics import dilate

    h, w = before.shape
    sel = (before != target) | np.isin(before, edited) | np.isin(target, edited)
    band = dilate(torch.from_numpy(sel), int(round(BAND * min(h, w)))).numpy()
    stride = max(1.0, float(np.sqrt(band.sum() / MAX_RAYS)))
    while True:
        rows, cols = grid_positions(h, stride), grid_positions(w, stride)
        on = band[np.ix_(rows, cols)]
        if on.sum() <= MAX_RAYS:
            break
        stride *= STRIDE_GROWTH
    outside = np.bincount(before[np.ix_(rows, cols)][~on], minlength=256) * WEIGHT_UNIT
    coarse = (rows[:, None] * w + cols[None, :])[on]
    fine = np.zeros(0, np.int64)
    fine_stride = stride
    if FINE_RAYS > 0 and stride > 1.0:
        counts = np.bincount(before.reshape(-1), minlength=256)
        small = [k for k in range(256) if k not in edited and 0 < counts[k] < FINE_AREA * h * w]
        zone = band & dilate(torch.from_numpy(np.isin(before, small) | np.isin(target, small)), FINE_DILATE).numpy()
        fine_stride = max(1.0, stride / FINE_DIVISOR)
        while zone.any() and fine_stride < stride:
            fr, fc = grid_positions(h, fine_stride), grid_positions(w, fine_stride)
            fon = zone[np.ix_(fr, fc)]
            if fon.sum() <= FINE_RAYS:
                fine = (fr[:, None] * w + fc[None, :])[fon]
                break
            fine_stride *= STRIDE_GROWTH
        if fine.size:
            coarse = coarse[~zone.reshape(-1)[coarse]]
    pix = np.concatenate([coarse, fine])
    fine_weight = max(1, int(np.floor(WEIGHT_UNIT * (fine_stride / stride) ** 2 + 0.5)))   # half up, as Math.round
    weights = np.concatenate([np.full(coarse.size, WEIGHT_UNIT), np.full(fine.size, fine_weight)]).astype(np.int64)
    order = np.argsort(pix, kind="stable")
    return pix[order], stride, outside, weights[order]


def label_bias_of(manifest: dict) -> np.ndarray:
    """The final render's label prior (facet.manifest.label_bias, checked there) as float32 [K], or [0] when the
    model has none. The proxy adds it too, so that the search paints and scores the labels the final render draws."""
    from facet.manifest import label_bias

    return np.asarray(label_bias(manifest), np.float32)


class Reshaper:
    def __init__(self, folder: Path | str, threads: int = 1):
        import onnxruntime as ort

        self.folder = Path(folder)
        self.manifest = json.loads((self.folder / "manifest.json").read_text())
        if "reshape" not in self.manifest["graphs"]:
            raise ValueError(f"{self.folder.name}: the model has no reshape graph (export it again with `facet export`)")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(self.folder / self.manifest["graphs"]["reshape"]["file"]), opts,
                                            providers=["CPUExecutionProvider"])
        self.regions = [r["name"] for r in self.manifest["regions"]]
        self.label_bias = label_bias_of(self.manifest)

    def run_graph(self, region: int, z_rows: np.ndarray, psi: float, box_min: np.ndarray,
                  box_max: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Any number N of z rows -> sdf, mask_logit [N, R^3]: the graph takes `reshape.batch` rows a
        run, so the rows go in runs of that many, the last one padded with copies of its last row."""
        g = self.manifest["reshape"]["batch"]
        n = z_rows.shape[0]
        sdfs, logits = [], []
        for a in range(0, n, g):
            rows = z_rows[a:a + g]
            if rows.shape[0] < g:
                rows = np.concatenate([rows, np.repeat(rows[-1:], g - rows.shape[0], 0)])
            sdf, logit = self.session.run(None, {
                "region": np.array([region], np.int64), "z": rows.astype(np.float32),
                "psi": np.array([psi], np.float32), "box_min": box_min.astype(np.float32),
                "box_max": box_max.astype(np.float32)})
            sdfs.append(sdf.reshape(g, -1)[:min(g, n - a)])
            logits.append(logit.reshape(g, -1)[:min(g, n - a)])
        return np.concatenate(sdfs), np.concatenate(logits)

    def apply(self, z: np.ndarray, psi: float, bakes: Bakes, origins: np.ndarray, dirs: np.ndarray,
              before: np.ndarray, target: np.ndarray, edited: list[int], cfg: SearchConfig | None = None) -> dict:
        """z [2K, Z]; the edit camera's pixel rays ([H*W, 3] each, row-major); before and target
        [H, W] labels (the current mask and the painted one). Returns the new z and a record."""
        t_start = time.perf_counter()
        m = self.manifest
        r = m["reshape"]["resolution"]
        cam = m["camera"]
        k = len(self.regions)
        cfg = cfg or SearchConfig()
        slots = {e: active_slots(m, self.regions[e]) for e in edited}
        x0 = np.concatenate([z[2 * e, slots[e]] for e in edited]).astype(np.float64) if edited else np.zeros(0)
        if x0.size == 0:
            raise ValueError("the edited regions have no shape directions to search")
        pix, stride, outside, weights = proxy_pixels(before, target, edited)
        o, d = origins[pix].astype(np.float64), dirs[pix].astype(np.float64)
        goal_painted, goal_before = target.reshape(-1)[pix], before.reshape(-1)[pix]

        # the current surface along the proxy's rays, on the cached bakes
        n_rays = o.shape[0]
        t_full = np.broadcast_to(np.linspace(cam["near"], cam["far"], DEPTH_STEPS), (n_rays, DEPTH_STEPS))
        pts = (o[:, None, :] + d[:, None, :] * t_full[..., None]).reshape(-1, 3)
        fused = bakes.base + bakes.sdf.sum(0)
        hit, t_hit = proxy.first_hit(proxy.resample(fused, bakes.resolution, bakes.bounds, pts).reshape(n_rays, -1), t_full)
        t_lo, t_hi = (t_hit[hit].min(), t_hit[hit].max()) if hit.any() else (cam["near"], cam["far"])
        ends = np.concatenate([o + d * (t_lo - BOX_MARGIN), o + d * (t_hi + BOX_MARGIN)])
        b = bakes.bounds
        box_min = np.clip(ends.min(0) - BOX_MARGIN, -b, b)
        box_max = np.clip(ends.max(0) + BOX_MARGIN, -b, b)

        # the current fields, read from the bakes themselves wherever a ray needs them (the box grid
        # is coarser than the bake for a box as large as the hair's); a candidate adds to them the
        # change of the edited regions' fields from the current codes on the box grid
        t_in, t_out = proxy.ray_box(o, d, box_min, box_max)
        through = t_out > t_in
        frac = np.linspace(0.0, 1.0, STEPS)
        t_box = t_in[:, None] + (t_out - t_in)[:, None] * frac[None, :]
        spts = (o[:, None, :] + d[:, None, :] * t_box[..., None]).reshape(-1, 3)
        s_idx, s_w = proxy.box_corner_weights(spts, box_min, box_max, r)
        now_samples = proxy.resample(fused, bakes.resolution, b, spts).reshape(n_rays, STEPS)
        now: dict = {}   # the current codes (candidate 0 of the first run): their box-grid fields, their proxy labels

        def labels_of(sdf_samples: np.ndarray, delta_logits: np.ndarray) -> np.ndarray:
            hit_c, t_c = proxy.first_hit(sdf_samples, t_box)
            p = o + d * t_c[:, None]
            lg = proxy.resample(bakes.mask_logit, bakes.resolution, b, p)              # [K, N]
            idx, wt = proxy.box_corner_weights(p, box_min, box_max, r)
            lg[edited] += proxy.sample(delta_logits, idx, wt)
            if self.label_bias.size:
                lg += self.label_bias[:, None]      # the final render's label prior, so the search sees its labels
            return np.where(hit_c & through, lg.argmax(0), 0).astype(np.uint8)

        def evaluate(cand: np.ndarray) -> np.ndarray:
            nb = cand.shape[0]
            samples = np.repeat(now_samples[None], nb, 0)
            outs, off = [], 0
            for e in edited:
                rows = np.repeat(z[2 * e][None], nb, 0)
                rows[:, slots[e]] = cand[:, off:off + len(slots[e])]
                off += len(slots[e])
                outs.append(self.run_graph(e, rows, psi, box_min, box_max))
            if "fields" not in now:
                now["fields"] = [(sdf[0].copy(), logit[0].copy()) for sdf, logit in outs]
            delta_logits = np.empty((nb, len(edited), r ** 3), np.float32)
            for j, (sdf, logit) in enumerate(outs):
                sdf_now, logit_now = now["fields"][j]
                samples += proxy.sample(sdf - sdf_now, s_idx, s_w).reshape(nb, n_rays, STEPS)
                delta_logits[:, j] = logit - logit_now
            labels = [labels_of(samples[i], delta_logits[i]) for i in range(nb)]
            if "labels" not in now:
                now["labels"] = labels[0]
            # only the proxy's changes count, applied to the mask the user painted on
            return np.array([proxy.mask_loss(np.where(lab != now["labels"], lab, goal_before), goal_painted, edited, k,
                                             outside=outside, weights=weights)
                             for lab in labels])

        res = search(evaluate, x0, cfg)
        z_new = z.copy()
        off = 0
        for e in edited:
            z_new[2 * e, slots[e]] = res.x[off:off + len(slots[e])]
            off += len(slots[e])
        return {"z": z_new, "loss": res.loss, "loss0": res.loss0, "history": res.history,
                "evaluations": res.evaluations, "rays": int(pix.size), "fine_rays": int((weights < WEIGHT_UNIT).sum()), "stride": stride,
                "box": [box_min.tolist(), box_max.tolist()], "seconds": time.perf_counter() - t_start}
