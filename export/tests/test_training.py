"""Two-iteration CPU smoke tests of both objectives, checkpoints with config, and resume."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from facet.checkpoint import load_generator
from facet.config import preset
from facet.model.generator import Generator
from facet.regions import REGIONS
from facet.training.cli import add_parser  # noqa: F401  (the CLI module imports cleanly)
from facet.training.config import TRAIN_PRESETS
from facet.training.trainer import Trainer

CELEB_ID = {"background": 0, "face": 1, "eye": 4, "brow": 6, "mouth": 11, "nose": 2, "ear": 8,
            "hair": 13, "neck_cloth": 17}


def _check_run(out: Path, steps: int):
    assert (out / "last.pt").exists() and (out / "generator.safetensors").exists()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["train"]["steps"] == steps and cfg["model"]["preset"] == "tiny"
    rows = (out / "log.csv").read_text().strip().splitlines()
    assert rows[0].startswith("step,") and len(rows) == steps + 1
    g, extra = load_generator(out / "generator.safetensors")
    assert extra["step"] == steps


def test_synthetic_two_steps_and_resume(tmp_path):
    tc = TRAIN_PRESETS["smoke"]
    t = Trainer(tc, tmp_path)
    before = {k: v.clone() for k, v in t.g.state_dict().items()}
    t.run()
    assert any(not torch.equal(before[k], v) for k, v in t.g.state_dict().items()), "weights did not change"
    _check_run(tmp_path, 2)
    _, extra = load_generator(tmp_path / "generator.safetensors")
    assert {s["region"] for s in extra["sliders"]} >= {"hair", "mouth", "eye"}
    # resume: a new trainer with more steps picks up at step 2
    import dataclasses

    t2 = Trainer(dataclasses.replace(tc, steps=3), tmp_path)
    assert t2.step == 2
    t2.run()
    assert t2.step == 3


def _fake_celebamask(folder: Path, n: int = 4, res: int = 32):
    from facet.world import render, sample_params

    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    params = sample_params(5, n)
    out = render(params, torch.zeros(n), torch.zeros(n), res, res)
    lut = np.array([CELEB_ID[r] for r in REGIONS], dtype=np.uint8)
    for i in range(n):
        img = (out["image"][i].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
        Image.fromarray(img).save(folder / "images" / f"{i:03d}.png")
        Image.fromarray(lut[out["labels"][i].numpy()]).save(folder / "masks" / f"{i:03d}.png")


def test_gan_two_steps(tmp_path):
    import dataclasses

    data = tmp_path / "data"
    _fake_celebamask(data)
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], objective="gan", data=str(data))
    t = Trainer(tc, tmp_path / "run")
    t.run()
    _check_run(tmp_path / "run", 2)
    log = (tmp_path / "run" / "log.csv").read_text()
    assert "r1" in log and "eikonal" in log


def test_locality_fine_tune_two_steps(tmp_path):
    """--init-from starts from a checkpoint's weights; the locality loss runs, is logged and is finite."""
    import dataclasses

    first = tmp_path / "first"
    Trainer(TRAIN_PRESETS["smoke"], first).run()
    src, _ = load_generator(first / "generator.safetensors")
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], init_from=str(first / "generator.safetensors"),
                             locality=1.0, locality_points=64)
    t = Trainer(tc, tmp_path / "ft")
    assert t.step == 0
    for k, v in src.state_dict().items():
        if not k.startswith("mapping.code_mean"):   # the truncation centre is recomputed on save
            assert torch.equal(t.g.state_dict()[k].cpu(), v), k   # the trainer may be on CUDA
    t.run()
    header, *rows = (tmp_path / "ft" / "log.csv").read_text().strip().splitlines()
    col = header.split(",").index("locality")
    assert len(rows) == 2 and all(np.isfinite(float(r.split(",")[col])) for r in rows)
    # a checkpoint of another model config is refused
    other = dataclasses.replace(tc, model_preset="default")
    try:
        Trainer(other, tmp_path / "bad")
    except ValueError as e:
        assert "model config differs" in str(e)
    else:
        raise AssertionError("--init-from accepted a checkpoint of another model config")
    # sdf_gate changes no parameter: a gated model starts from the ungated checkpoint, and trains
    # with the per-region mask BCE that makes the gate
    from facet.config import preset

    t = Trainer(tc, tmp_path / "gated", model_cfg=preset("tiny", sdf_gate=True))
    assert t.g.cfg.sdf_gate and torch.equal(t.g.local.sdf_head.weight.cpu(), src.local.sdf_head.weight)
    t.run()
    header, *rows = (tmp_path / "gated" / "log.csv").read_text().strip().splitlines()
    col = header.split(",").index("gate")
    assert len(rows) == 2 and all(0 < float(r.split(",")[col]) < 10 for r in rows)
    # the checkpoint's own final_beta_scale (facet calibrate) is kept by the fine-tune and saved again
    from facet.checkpoint import save_generator

    # (and its label prior, label_bias)
    prior = tuple(0.25 * (r % 3) for r in range(src.cfg.num_regions))
    src.cfg = dataclasses.replace(src.cfg, final_beta_scale=0.25, label_depth=0.002, label_bias=prior)
    save_generator(src, tmp_path / "calibrated.safetensors")
    t = Trainer(dataclasses.replace(tc, init_from=str(tmp_path / "calibrated.safetensors"), locality=0.0,
                                    steps=1), tmp_path / "calibrated")
    assert (t.g.cfg.final_beta_scale, t.g.cfg.label_depth, t.g.cfg.label_bias) == (0.25, 0.002, prior)
    t.run()
    saved = load_generator(tmp_path / "calibrated" / "generator.safetensors")[0].cfg
    assert (saved.final_beta_scale, saved.label_depth, saved.label_bias) == (0.25, 0.002, prior)
    # a stage's own final_beta_scale (TrainConfig, the recipe's stage 7) wins over the checkpoint's, is
    # what the final-render rays of its steps draw with, is saved, and holds again on resume
    # (and so does its label_depth, the recipe's stage 9; -1, the default, keeps the checkpoint's)
    tc7 = dataclasses.replace(tc, init_from=str(first / "generator.safetensors"), locality=0.0, steps=2,
                              final_beta_scale=0.125, label_depth=0.001)
    t = Trainer(tc7, tmp_path / "stage7")
    assert src.cfg.final_beta_scale == 0.25 and load_generator(first / "generator.safetensors")[0].cfg.final_beta_scale == 1.0
    assert t.g.cfg.final_beta_scale == 0.125 and torch.allclose(t.g.final_beta, t.g.beta * 0.125)
    assert t.g.cfg.label_depth == 0.001
    t.run()
    saved = load_generator(tmp_path / "stage7" / "generator.safetensors")[0].cfg
    assert (saved.final_beta_scale, saved.label_depth) == (0.125, 0.001)
    assert json.loads((tmp_path / "stage7" / "config.json").read_text())["model"]["final_beta_scale"] == 0.125
    resumed = Trainer(tc7, tmp_path / "stage7").g.cfg       # resumed from last.pt
    assert (resumed.final_beta_scale, resumed.label_depth) == (0.125, 0.001)
    calibrated = str(tmp_path / "calibrated.safetensors")         # label_depth 0.002
    assert Trainer(dataclasses.replace(tc7, init_from=calibrated, label_depth=-1.0),
                   tmp_path / "stage7a").g.cfg.label_depth == 0.002
    t = Trainer(dataclasses.replace(tc7, init_from=calibrated, label_depth=0.0), tmp_path / "stage7b")
    assert t.g.cfg.label_depth == 0.0            # 0 turns the checkpoint's off, and its label prior with it
    assert t.g.cfg.label_bias == ()
    try:
        Trainer(dataclasses.replace(tc7, label_depth=1.0), tmp_path / "stage7c")
    except ValueError as e:
        assert "label_depth" in str(e) and "surface_margin" in str(e)
    else:
        raise AssertionError("a label_depth past the final render's samples was accepted")


def test_locality_points_match_the_world():
    """unaffected_points keeps a point only where the swapped region is far in both worlds, and there
    the scene SDF of both worlds is the same; it keeps some points and drops some."""
    from facet.training.synthetic import LOCAL_MARGIN, unaffected_points
    from facet.world import latent_to_params, params_to_latent, region_sdf, sample_params

    hair = REGIONS.index("hair")
    z = params_to_latent(sample_params(11, 4))
    z_swap = z.clone()
    z_swap[:, 2 * hair:2 * hair + 2] = z[torch.roll(torch.arange(4), 1), 2 * hair:2 * hair + 2]
    g = torch.Generator().manual_seed(0)
    pts = torch.randn(4, 512, 3, generator=g) * 0.05
    keep = unaffected_points(z, z_swap, pts, torch.full((4,), hair))
    assert 0 < keep.sum() < keep.numel()
    a = region_sdf(pts, latent_to_params(z))[..., 1:]
    b = region_sdf(pts, latent_to_params(z_swap))[..., 1:]
    assert torch.allclose(a.min(-1).values[keep], b.min(-1).values[keep])
    assert (a[..., hair - 1][keep] > LOCAL_MARGIN).all() and (b[..., hair - 1][keep] > LOCAL_MARGIN).all()
    assert not torch.allclose(a.min(-1).values[~keep], b.min(-1).values[~keep])
    # the background swapped (locality_background): no body moves, so exactly the points inside or
    # within LOCAL_MARGIN of a body are kept, in the same batch as a hair swap
    z_swap[:2, 0:2] = z[torch.tensor([1, 0]), 0:2]
    both = unaffected_points(z, z_swap, pts, torch.tensor([0, 0, hair, hair]))
    assert torch.equal(both[:2], a[:2].min(-1).values < LOCAL_MARGIN) and 0 < both[:2].sum() < both[:2].numel()
    assert torch.equal(both[2:], keep[2:])


def test_small_share_reserves_near_points_for_the_small_regions():
    """`--set small_share=S`: about S of the near-surface points land on eye, brow, mouth, nose and
    ear (their labels come from the world, so this checks the points, not a counter); 0 keeps the
    old sampling."""
    import torch

    from facet.regions import REGIONS
    from facet.training.synthetic_data import BAND, SMALL_REGIONS, point_targets
    from facet.world import sample_params

    params = sample_params(8, 1)          # a portrait whose ears show (seed 7's are under the hair)
    shares = {}
    for s in (0.0, 0.4):
        t = point_targets(params, 2048, torch.Generator().manual_seed(3), small_share=s)
        near = t["sdf"][0].abs() < BAND
        small = torch.isin(t["label"][0], torch.tensor(SMALL_REGIONS)) & near
        shares[s] = float(small.sum()) / float(near.sum())
        ears = int(((t["label"][0] == REGIONS.index("ear")) & near).sum())
        assert t["points"].shape == (1, 2048, 3)
        if s:   # the ear's even quota of the reserved points lies around it, many on it
            assert ears >= int(0.4 * 0.75 * 2048 / 5) // 2, ears
    assert shares[0.0] < 0.2
    assert shares[0.4] > shares[0.0] + 0.2, shares


def test_rebalance_shape_codes_keeps_the_model_and_spreads_the_codes(tiny_gated):
    """--set rebalance_codes=S: every shape-code row (but the background's) with a spread under S is
    scaled up to S, its FiLM weights down by the same factor: the fields do not change."""
    import copy

    from facet.model.field import rebalance_shape_codes

    g = copy.deepcopy(tiny_gated)
    k = 3
    with torch.no_grad():   # make one row near-constant, as the bundled model's ear row was
        g.mapping.layers[-1].weight[2 * k] *= 0.01
    z = torch.randn(3, g.cfg.num_codes, g.cfg.z_dim, generator=torch.Generator().manual_seed(1))
    pts = torch.rand(3, 500, 3, generator=torch.Generator().manual_seed(2)) * 0.2 - 0.1
    zs = torch.randn(2000, g.cfg.num_codes, g.cfg.z_dim, generator=torch.Generator().manual_seed(3))
    spread = lambda: g.mapping(zs).std(0).mean(-1)  # noqa: E731
    with torch.no_grad():
        before = g.fields(pts, g.mapping(z, 0.7))
        s0 = spread()
        target = float(s0[2::2].max()) * 1.5
        scaled = rebalance_shape_codes(g.mapping, g.local, target)
        after = g.fields(pts, g.mapping(z, 0.7))
        s1 = spread()
    assert 0 not in scaled and k in scaled and scaled[k] > 50
    for row in range(2, g.cfg.num_codes, 2):
        assert abs(float(s1[row]) - target) < 0.1 * target, row
    assert torch.equal(s1[1::2], s0[1::2]) and float(s1[0]) == float(s0[0])   # texture rows, background
    with torch.no_grad():   # the shape FiLM layers read centred codes
        mean = g.mapping(zs)[:, 2 * k].mean(0)
    for layer in g.local.shape:
        assert torch.allclose(layer.code_center[k], mean, atol=1e-3 * float(mean.norm()))
    for key in ("d", "mask_logit", "m", "c"):
        assert torch.allclose(before[key], after[key], atol=1e-4, rtol=1e-4), key
    torch.manual_seed(4)   # the mask refinement's FiLM layer reads the shape code too
    r = Generator(preset("tiny", sdf_gate=True, texture_pe=2, mask_refine=8))
    with torch.no_grad():
        r.local.mask_refine_head.weight.normal_(0, 0.5)
        r.mapping.layers[-1].weight[2 * k] *= 0.01
        before = r.fields(pts, r.mapping(z, 0.7))
        rebalance_shape_codes(r.mapping, r.local, target)
        after = r.fields(pts, r.mapping(z, 0.7))
        head = r.local.mask_refine_head.weight.clone()
        r.local.mask_refine_head.weight.zero_()
        unrefined = r.fields(pts, r.mapping(z, 0.7))
        r.local.mask_refine_head.weight.copy_(head)
    assert (after["mask_logit"] - unrefined["mask_logit"]).abs().max() > 1e-2   # the refinement counts
    for key in ("d", "mask_logit", "m", "c"):
        assert torch.allclose(before[key], after[key], atol=1e-4, rtol=1e-4), key
    with pytest.raises(ValueError, match="per-code mapping rows"):
        shared = Generator(preset("tiny", mapping_shared=True))
        rebalance_shape_codes(shared.mapping, shared.local, 0.2)


def test_train_regions_freezes_everything_else(tmp_path):
    """--set train_regions=ear: two steps change the ear's slices of the local generators and its
    mapping rows, and leave every other weight bit-identical; small_regions names the regions
    small_share draws near; an unknown region is refused by name."""
    import dataclasses

    first = tmp_path / "first"
    Trainer(TRAIN_PRESETS["smoke"], first).run()
    src, _ = load_generator(first / "generator.safetensors")
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], init_from=str(first / "generator.safetensors"),
                             train_regions="ear", small_regions="ear", small_share=0.5)
    t = Trainer(tc, tmp_path / "ft")
    t.run()
    t.g.cpu()   # the trainer picks CUDA where there is one
    k = t.cfg.regions.index("ear")
    before, after = src.state_dict(), t.g.state_dict()
    changed = []
    for name, v in before.items():
        if name.startswith("mapping.code_mean") or name == "mapping.z_mask":
            continue
        w = after[name]
        if name.startswith("local."):
            others = [i for i in range(t.cfg.num_regions) if i != k]
            assert torch.equal(w[others], v[others]), name
            changed.append(not torch.equal(w[k], v[k]))
        elif name.startswith("mapping."):
            others = [i for i in range(t.cfg.num_codes) if i // 2 != k]
            assert torch.equal(w[others], v[others]), name
            changed.append(not torch.equal(w[2 * k:2 * k + 2], v[2 * k:2 * k + 2]))
        else:
            assert torch.equal(w, v), name
    assert sum(changed) > len(changed) // 2
    with pytest.raises(ValueError, match="unknown region 'ears'"):
        Trainer(dataclasses.replace(tc, train_regions="ears"), tmp_path / "bad")


def test_texture_pe_starts_as_the_checkpoint_without_it_and_is_wired_in():
    """A model with the texture's positional encoding, loaded from one without it (add_texture_pe:
    zero weights for the new inputs), computes the same fields; non-zero weights change only the
    colour, never the SDF or the masks."""
    import dataclasses

    from facet.training.trainer import add_texture_pe

    torch.manual_seed(0)
    plain = Generator(preset("tiny", sdf_gate=True)).eval()
    with_pe = Generator(dataclasses.replace(plain.cfg, texture_pe=3, texture_pe_max=8.0)).eval()
    w = with_pe.local.texture[0].linear.weight
    assert w.shape[-1] == plain.cfg.hidden + 18 and torch.all(w[..., plain.cfg.hidden:] == 0)
    with_pe.load_state_dict(add_texture_pe(plain.state_dict(), with_pe.cfg))
    pts = torch.rand(300, 3) * 0.2 - 0.1
    codes = plain.mapping(torch.randn(plain.cfg.num_codes, plain.cfg.z_dim))
    a, b = plain.fields(pts, codes), with_pe.fields(pts, codes)
    for key in ("d", "m", "c"):
        assert torch.allclose(a[key], b[key], atol=1e-6), key
    with torch.no_grad():
        w[..., plain.cfg.hidden:].normal_(0, 0.05)
    c = with_pe.fields(pts, codes)
    assert torch.equal(c["d"], b["d"]) and torch.equal(c["m"], b["m"])
    assert (c["c"] - b["c"]).abs().max() > 1e-3
    with pytest.raises(ValueError, match="expected 16 or 34"):
        add_texture_pe({"local.texture.0.linear.weight": torch.zeros(9, 16, 20)}, with_pe.cfg)


def test_train_parts_texture_moves_only_the_colour(tmp_path):
    """--set train_parts=texture from a checkpoint without the positional encoding into a model with
    it (stage 5 of facet train-default): two steps change the texture layers (the new inputs'
    weights too), the rgb heads and the texture-code mapping rows, and leave every shape, SDF and
    mask weight, the base SDF and beta bit-identical."""
    import dataclasses

    first = tmp_path / "first"
    Trainer(TRAIN_PRESETS["smoke"], first).run()
    src, _ = load_generator(first / "generator.safetensors")
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], init_from=str(first / "generator.safetensors"),
                             train_parts="texture", lr=1e-2, lr_mapping=1e-2)
    t = Trainer(tc, tmp_path / "ft", model_cfg=preset("tiny", texture_pe=2))
    t.run()
    t.g.cpu()   # the trainer picks CUDA where there is one
    before, after = dict(src.named_parameters()), dict(t.g.named_parameters())
    moved = []
    for name, v in before.items():
        w = after[name].detach()
        if name.startswith(("local.texture.", "local.rgb_head.")):
            moved.append(name)
            assert not torch.equal(w[..., :v.shape[-1]], v), name
        elif name.startswith("mapping."):
            assert torch.equal(w[0::2], v[0::2]), name
            assert not torch.equal(w[1::2], v[1::2]), name
        else:
            assert torch.equal(w, v), name
    assert "local.texture.0.linear.weight" in moved
    assert after["local.texture.0.linear.weight"][..., src.cfg.hidden:].abs().sum() > 0
    assert load_generator(tmp_path / "ft" / "generator.safetensors")[0].cfg.texture_pe == 2
    with pytest.raises(ValueError, match="train_parts"):
        Trainer(dataclasses.replace(tc, train_parts="shape"), tmp_path / "bad")
    with pytest.raises(ValueError, match="sdf_from='shape'"):   # there the texture layers make the SDF
        Trainer(dataclasses.replace(tc, init_from=""), tmp_path / "bad2", model_cfg=preset("tiny", sdf_from="texture"))


@pytest.mark.parametrize("regions, parts", [(None, "texture"), ((6,), "all")])
def test_frozen_rows_detach_their_codes_with_the_same_gradients(regions, parts):
    """freeze_all_but detaches the codes of the mapping rows that cannot train (a texture-only
    stage: every shape row), so no backward pass runs through what only they reach: the fused SDF
    needs no gradient at all, and every trainable weight gets the gradient it got before."""
    from facet.training.trainer import freeze_all_but

    torch.manual_seed(0)
    g = Generator(preset("tiny", texture_pe=2))
    freeze_all_but(g, regions, parts)
    assert g.grad_rows is not None
    z = torch.randn(2, g.cfg.num_codes, g.cfg.z_dim)
    pts = torch.rand(2, 64, 3) * 0.4 - 0.2

    def grads(detach: bool):
        rows, g.grad_rows = g.grad_rows, (g.grad_rows if detach else None)
        g.zero_grad(set_to_none=True)
        f = g.fields(pts, g.mapping(z))
        (f["rgb"].square().sum() + f["sdf"].sum() + f["mask_logit"].square().sum()).backward()
        g.grad_rows = rows
        return f, {n: p.grad.clone() for n, p in g.named_parameters() if p.grad is not None}

    f, detached = grads(True)
    _, full = grads(False)
    assert detached.keys() == full.keys() and detached
    for n in full:
        torch.testing.assert_close(detached[n], full[n], rtol=1e-5, atol=1e-7, msg=n)
    if parts == "texture":
        assert not f["sdf"].requires_grad and not f["mask_logit"].requires_grad


def _grown_from_smoke(tmp_path, base: dict, grow: dict, add):
    """A tiny model (preset tiny with `base`) trained by the smoke preset into tmp_path/first, and its
    weights loaded into that model with `grow` added, `add` filling in what the checkpoint lacks from
    the new model's fresh state: (first, the grown config, the grown model, 300 points, codes, the
    checkpoint's fields there, the grown model's fields there)."""
    import dataclasses

    first = tmp_path / "first"
    Trainer(dataclasses.replace(TRAIN_PRESETS["smoke"], model_preset="tiny"), first,
            model_cfg=preset("tiny", **base)).run()
    src, _ = load_generator(first / "generator.safetensors")
    cfg = dataclasses.replace(src.cfg, **grow)
    g = Generator(cfg).eval()
    g.load_state_dict(add(src.state_dict(), g.state_dict()))
    pts = torch.rand(300, 3) * 0.2 - 0.1
    codes = src.mapping(torch.randn(src.cfg.num_codes, src.cfg.z_dim))
    return first, cfg, g, pts, codes, src.fields(pts, codes), g.fields(pts, codes)


def test_mask_refine_starts_as_the_checkpoint_without_it_and_moves_only_the_labels(tmp_path):
    """A model with the mask refinement, loaded from one without it (add_mask_refine: the head
    starts at zero), computes the same fields; --set train_parts=mask then moves the refinement alone
    (every other weight bit-identical) and the labels' logits, never the SDF (the gate keeps the
    unrefined logit). The reshape graph's fields (shape_fields) carry the same refined logits, or
    with refine=False (reshape_mask_refine off) the unrefined ones."""
    import dataclasses

    from facet.training.trainer import add_mask_refine

    first, cfg, g, pts, codes, a, b = _grown_from_smoke(tmp_path, {"sdf_gate": True, "texture_pe": 2},
                                                        {"mask_refine": 8}, add_mask_refine)
    for key in ("d", "m", "c", "mask_logit"):
        assert torch.equal(a[key], b[key]), key
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], init_from=str(first / "generator.safetensors"),
                             train_parts="mask", lr=1e-2, edge_rays=4.0)
    t = Trainer(tc, tmp_path / "ft", model_cfg=cfg)
    t.run()
    t.g.cpu()   # the trainer picks CUDA where there is one
    before, after = dict(g.named_parameters()), dict(t.g.named_parameters())
    for name, v in after.items():
        if name.startswith(("local.mask_refine.", "local.mask_refine_head.")):
            assert not torch.equal(before[name], v.detach()), name
        else:
            assert torch.equal(before[name], v.detach()), name
    t.g.eval()
    c = t.g.fields(pts, codes)
    assert torch.equal(c["d"], b["d"]) and (c["mask_logit"] - b["mask_logit"]).abs().max() > 1e-4
    shape, _ = t.g.split_codes(codes)
    x = t.g.to_net(pts)
    sf = t.g.local.shape_fields(x, shape)
    assert torch.allclose(sf["mask_logit"], c["mask_logit"], atol=1e-5) and torch.allclose(sf["sdf"], c["sdf"], atol=1e-6)
    plain = t.g.local.shape_fields(x, shape, refine=False)         # reshape_mask_refine=False's graph
    assert torch.allclose(plain["mask_logit"], a["mask_logit"], atol=1e-5)
    assert load_generator(tmp_path / "ft" / "generator.safetensors")[0].cfg.mask_refine == 8
    with pytest.raises(ValueError, match="mask_refine=0"):
        Trainer(dataclasses.replace(tc, init_from=""), tmp_path / "bad", model_cfg=preset("tiny", texture_pe=2))
    with pytest.raises(ValueError, match="texture_pe"):
        Generator(preset("tiny", mask_refine=8))


def test_mask_refine_regions_refine_only_those_and_agree_with_the_per_region_path():
    """mask_refine_regions: the regions named have a refinement, the others none. Every region at
    once (the final render's path, static slices of the networks) gives the logits of the model
    refining every region with the other regions' heads at zero; per region (the bake's path, a
    region index) gives the same logits; a name that is no region is an error."""
    import dataclasses

    torch.manual_seed(0)
    base = preset("tiny", sdf_gate=True, texture_pe=2, mask_refine=8)
    names = ("face", "eye", "mouth", "hair")                      # two runs: face-eye, mouth; hair
    full = Generator(base).eval()
    part = Generator(dataclasses.replace(base, mask_refine_regions=names)).eval()
    with torch.no_grad():
        for p in full.local.mask_refine_head.parameters():
            p.normal_()                                            # every head nonzero
    part.load_state_dict(full.state_dict())
    off = [i for i, r in enumerate(base.regions) if r not in names]
    with torch.no_grad():
        full.local.mask_refine_head.weight[off] = 0
        full.local.mask_refine_head.bias[off] = 0
    pts = torch.rand(200, 3) * 0.2 - 0.1
    codes = full.mapping(torch.randn(base.num_codes, base.z_dim))
    a, b = full.fields(pts, codes), part.fields(pts, codes)
    for key in ("d", "m", "c", "mask_logit"):
        assert torch.allclose(a[key], b[key], atol=1e-5), key
    shape, _ = part.split_codes(codes)
    x = part.to_net(pts)
    every = part.local.shape_fields(x, shape)["mask_logit"]        # [K, P]
    unrefined = part.local.shape_fields(x, shape, refine=False)["mask_logit"]
    for k, r in enumerate(base.regions):                          # the named regions' logits move, no other's
        assert torch.equal(every[k], unrefined[k]) == (r not in names), r
    for k in range(base.num_regions):
        idx = torch.tensor([k])
        one = part.local.shape_fields(x, shape[k:k + 1], index=idx)["mask_logit"]
        assert torch.allclose(one[0], every[k], atol=1e-5), base.regions[k]
    with pytest.raises(ValueError, match="unknown regions"):
        Generator(dataclasses.replace(base, mask_refine_regions=("eyes",)))

def test_edge_rays_draw_the_pixels_next_to_another_label_more_often():
    """Pool.batch(edge_rays=e): a pixel beside a label edge is drawn 1 + e times as often as another.
    Views labelled background but for a 2 x 2 square: 4 of 1,024 pixels, 16 edge pixels around it."""
    from facet.training.synthetic_data import Pool, label_edges

    pool = Pool(2, 256, 2, 32, preset("tiny").camera, seed=3)
    pool.fill()
    pool.data.labels.zero_()
    pool.data.labels[..., 15:17, 15:17] = 3
    assert label_edges(pool.data.labels).flatten(2).sum(-1).eq(16).all()
    g = torch.Generator().manual_seed(0)

    def square_share(e: float) -> float:
        return torch.cat([pool.batch(2, 8, 512, g, edge_rays=e)["pixel_label"].eq(3).flatten()
                          for _ in range(20)]).float().mean().item()

    plain, edge = square_share(0.0), square_share(9.0)
    assert abs(plain - 4 / 1024) < 0.003, plain                    # uniform
    assert abs(edge - 40 / (16 * 10 + 1008)) < 0.008, edge         # 4 x 10 of 16 x 10 + 1,008


def test_synthetic_loss_keeps_every_tensor_on_the_model_device(monkeypatch):
    """CUDA training once failed on tensors made on the CPU mid-step (ray steps, jitter, the
    truncation centre's z). The meta device stands in for a GPU: any CPU tensor that meets the
    model's in the loss, the mapping or the bake raises the same "two devices" error here. The
    locality and gate losses run too; the locality loss's world SDFs are computed on the CPU by
    design and cannot run on meta, so that one function is replaced by "every point counts"."""
    import facet.training.synthetic as synthetic
    from facet.training.synthetic import SyntheticLossWeights, synthetic_losses
    from facet.training.synthetic_data import Pool

    cfg = preset("tiny", sdf_gate=True)
    pool = Pool(2, 256, 1, 16, cfg.camera, 3, 0.0, ())
    pool.fill()
    batch = pool.batch(2, 128, 64, torch.Generator().manual_seed(0))
    g = Generator(cfg).to("meta")
    out = synthetic_losses(g, {k: v.to("meta") for k, v in batch.items()}, SyntheticLossWeights(), samples=4)
    assert out["total"].device.type == "meta"
    monkeypatch.setattr(synthetic, "unaffected_points", lambda z, zs, p, r: torch.ones(p.shape[:2], device=p.device))
    out = synthetic_losses(g, {k: v.to("meta") for k, v in batch.items()},
                           SyntheticLossWeights(locality=1.0, gate=1.0), samples=4,
                           jitter_gen=torch.Generator().manual_seed(1))
    assert {"locality", "gate"} <= set(out) and out["total"].device.type == "meta"
    g.mapping.update_mean(samples=64)
    codes = g.mapping(torch.zeros(1, cfg.num_codes, cfg.z_dim, device="meta"))
    assert g.bake(torch.tensor([1], device="meta"), codes[:, 2], codes[:, 3])["sdf"].device.type == "meta"


def test_label_band_makes_the_air_shell_background_for_the_mask_losses():
    """`--set label_band=B`: points B or more outside every body are background for mask3d and the
    gate; points closer to a body (or inside one) keep the world's label; B = BAND changes nothing.
    On a real portrait the brow's share of the air-shell labels is what it takes away."""
    import torch

    from facet.regions import REGIONS
    from facet.training.synthetic import mask_targets
    from facet.training.synthetic_data import BACKGROUND, BAND, point_targets
    from facet.world import sample_params

    t = point_targets(sample_params(8, 1), 4096, torch.Generator().manual_seed(3))
    label, sdf = t["label"][0], t["sdf"][0]
    assert torch.equal(mask_targets(label, sdf, BAND), label)
    out = mask_targets(label, sdf, 0.002)
    shell = (sdf >= 0.002) & (sdf < BAND)
    assert shell.sum() > 100 and (label[shell] != BACKGROUND).all()
    assert (out[shell] == BACKGROUND).all()
    assert torch.equal(out[~shell], label[~shell])
    brow = REGIONS.index("brow")
    assert (out == brow).sum() < (label == brow).sum()


def test_mask_loss_weights_reach_the_objective_and_its_total(tmp_path):
    """`--set mask3d=A --set mask2d=B` set the two mask losses' weights in the total (session 25's
    stage-6 runs: docs/training.md): the objective holds them, and setting mask2d to 0 takes exactly
    its weighted term out of the total."""
    import dataclasses

    from facet.training.synthetic import synthetic_losses

    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], mask3d=0.0, mask2d=2.0)
    t = Trainer(tc, tmp_path)
    w = t.objective.w
    assert (w.mask3d, w.mask2d) == (0.0, 2.0)
    t.objective.setup()
    batch = t.objective.pool.batch(2, 64, 16, torch.Generator().manual_seed(0))
    batch = {k: v.to(t.device) for k, v in batch.items()}   # as the objective's step does (CUDA, when the trainer picks it)
    with torch.no_grad():
        out = synthetic_losses(t.g, batch, w, 4, torch.Generator().manual_seed(1))
        off = synthetic_losses(t.g, batch, dataclasses.replace(w, mask2d=0.0), 4, torch.Generator().manual_seed(1))
    assert out["mask3d"] > 0 and out["mask2d"] > 0
    assert torch.allclose(out["total"] - off["total"], 2.0 * out["mask2d"], rtol=1e-4, atol=1e-6)


def test_color_loss_l2_squares_the_colour_errors_and_nothing_else(tmp_path):
    """`--set color_loss=l2` turns the two colour losses (rgb3d at the 3D points, image on the rays)
    into mean squared errors, which PSNR scores, computed here by hand from the same renders;
    every other loss is the same as with "l1", and any other name is refused."""
    import dataclasses

    from facet.training.synthetic import BAND, synthetic_losses

    t = Trainer(dataclasses.replace(TRAIN_PRESETS["smoke"], color_loss="l2"), tmp_path)
    w = t.objective.w
    assert w.color_loss == "l2"
    t.objective.setup()
    batch = t.objective.pool.batch(2, 64, 16, torch.Generator().manual_seed(0))
    batch = {k: v.to(t.device) for k, v in batch.items()}
    with torch.no_grad():
        l2 = synthetic_losses(t.g, batch, w, 4, torch.Generator().manual_seed(1))
        l1 = synthetic_losses(t.g, batch, dataclasses.replace(w, color_loss="l1"), 4, torch.Generator().manual_seed(1))
        f = t.g.fields(batch["points"], t.g.mapping(batch["z"]))
    visible = (batch["sdf"] > -BAND).float()[..., None]
    diff = torch.sigmoid(f["c"]) - batch["rgb"]
    assert torch.allclose(l2["rgb3d"], (visible * diff.pow(2)).mean(), rtol=1e-5)
    assert torch.allclose(l1["rgb3d"], (visible * diff.abs()).mean(), rtol=1e-5)
    assert l2["image"] < l1["image"]                          # errors under 1: their squares are smaller
    others = set(l1) - {"rgb3d", "image", "total"}
    assert {"sdf", "mask3d", "mask2d", "depth", "psnr"} <= others
    for k in others:
        assert torch.equal(l1[k], l2[k]), k
    with pytest.raises(ValueError, match="color_loss"):
        synthetic_losses(t.g, batch, dataclasses.replace(w, color_loss="huber"), 4, torch.Generator().manual_seed(1))


def test_final_rays_own_sample_around_the_models_surface_as_the_final_render_does(tmp_path):
    """`--set final_rays=own`: the final-render half of the rays samples within a margin of the model's
    own surface (its depth at the final beta), and from the world's surface to the far end where the
    model's lies more than 2 margins behind it (a silhouette the model misses), as
    facet.evaluate.render.surface_bounds does with the pooled neighbour depth. "world" is unchanged."""
    import dataclasses

    from facet.training.synthetic import own_surface_bounds, synthetic_losses

    t = Trainer(dataclasses.replace(TRAIN_PRESETS["smoke"], final_rays="own"), tmp_path)
    assert t.objective.w.final_rays == "own"
    t.objective.setup()
    batch = t.objective.pool.batch(2, 64, 16, torch.Generator().manual_seed(0))
    g, cam, m = t.g, t.g.cfg.camera, t.g.cfg.surface_margin
    codes = g.mapping(batch["z"])
    o, d = batch["ray_origins"], batch["ray_dirs"]
    with torch.no_grad():
        own = g.render_rays(codes, o, d, torch.tensor([cam.near, cam.far]).expand(*o.shape[:2], 2), samples=32,
                            beta_scale=g.cfg.final_beta_scale)["depth"]
        at_own = own_surface_bounds(g, codes, o, d, own, m)
        behind = own_surface_bounds(g, codes, o, d, own - 3 * m, m)
    inside = (own - m > cam.near) & (own + m < cam.far)
    assert inside.any()
    assert torch.allclose(at_own[..., 0][inside], (own - m)[inside], atol=1e-5)
    assert torch.allclose(at_own[..., 1][inside], (own + m)[inside], atol=1e-5)
    assert torch.allclose(behind[..., 1][inside], torch.full_like(own[inside], cam.far))
    assert torch.allclose(behind[..., 0][inside], (own - 4 * m)[inside].clamp(cam.near, cam.far), atol=1e-5)
    w = t.objective.w
    with torch.no_grad():
        out = synthetic_losses(g, batch, w, 4, torch.Generator().manual_seed(1))
        ref = synthetic_losses(g, batch, dataclasses.replace(w, final_rays="world"), 4, torch.Generator().manual_seed(1))
    assert torch.isfinite(out["total"]) and not torch.equal(out["image"], ref["image"])
    assert torch.equal(out["sdf"], ref["sdf"]) and torch.equal(out["depth"], ref["depth"])
    with pytest.raises(ValueError, match="final_rays"):
        synthetic_losses(g, batch, dataclasses.replace(w, final_rays="mine"), 4, torch.Generator().manual_seed(1))


def test_compile_trains_the_same_model_with_the_same_names(tmp_path, monkeypatch):
    """`--set compile=true` compiles the local generators and the base SDF in place: the same
    losses as eager (to float rounding) for two steps, and a checkpoint with the same tensor names
    that loads into an uncompiled model. It asks for the world's compiled fields too; here they stay
    eager (compiling the pool's many shapes takes minutes with a cold cache), and
    test_compiled_fields_render_the_same_portraits checks them against eager."""
    import dataclasses

    from facet.world import sdf as world_sdf

    asked = []
    monkeypatch.setattr(world_sdf, "_compiled_fields", lambda: asked.append(True) or world_sdf._fields)
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], locality=10.0)
    runs = {}
    for name, flag in (("eager", False), ("compiled", True)):
        t = Trainer(dataclasses.replace(tc, compile=flag), tmp_path / name)
        t.run()
        runs[name] = (tmp_path / name / "log.csv").read_text().strip().splitlines()
        assert len(asked) == int(flag)
    header = runs["eager"][0].split(",")
    col = header.index("total")
    for a, b in zip(runs["eager"][1:], runs["compiled"][1:]):
        assert abs(float(a.split(",")[col]) - float(b.split(",")[col])) < 1e-4 * max(1.0, abs(float(a.split(",")[col])))
    g, _ = load_generator(tmp_path / "compiled" / "generator.safetensors")
    e, _ = load_generator(tmp_path / "eager" / "generator.safetensors")
    assert set(g.state_dict()) == set(e.state_dict())
    assert not any("_orig_mod" in k for k in g.state_dict())


def _recipe_args(train_preset: str):
    """`facet train-default`'s parsed arguments at full scale, as `stage_args` reads them."""
    import argparse
    return argparse.Namespace(preset=train_preset, device=None, threads=2, steps_scale=1.0, set=None)


def test_train_default_runs_the_nine_stages_in_order_and_resumes(tmp_path):
    """`facet train-default`: stage k starts from stage k-1's weights, stage 1 on the preset's
    ungated twin, stages 2-4 on its twin without the texture's positional encoding and stage 6 on
    its twin with the mask refinement when there are such twins, stage 7 on that with neck+cloth's two
    materials and with the export's final beta scale, stage 8 (the background's colour, objective
    `background`) on the twin with the background's polynomial colour too, stage 9 (the small regions' masks
    again, the final-render rays reading their labels LABEL_DEPTH past the surface) on that model, every stage's
    time in recipe.json; run
    again, nothing reruns. Every stage compiles by default; `--set compile=false` (here, to keep the
    test short: compiling is test_compile_trains_the_same_model_with_the_same_names's) overrides it."""
    from facet.cli import main
    from facet.training.recipe import FINAL_BETA_SCALE, LABEL_DEPTH, STAGES, stage_args

    argv = ["train-default", "--out", str(tmp_path), "--preset", "smoke", "--steps-scale", "0.0001", "--threads", "1",
            "--set", "pool_size=4", "--set", "pool_points=1024", "--set", "pool_views=2", "--set", "compile=false"]
    assert main(argv) == 0
    rec = json.loads((tmp_path / "recipe.json").read_text())
    assert [s["stage"] for s in rec["stages"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9] and rec["total_seconds"] > 0
    where = rec["stages"][0]["machine"]
    assert where["torch_threads"] == 1 and where["cores"] >= 1 and where["cpu"] and where["torch"]
    for i in range(len(STAGES)):
        cfg = json.loads((tmp_path / f"stage{i + 1}" / "config.json").read_text())["train"]
        assert cfg["steps"] == 2 and cfg["pool_size"] == 4 and cfg["compile"] is False
        assert cfg["init_from"] == ("" if i == 0 else str(tmp_path / f"stage{i}" / "generator.safetensors"))
    assert json.loads((tmp_path / "stage4" / "config.json").read_text())["train"]["train_regions"] == "ear"
    assert json.loads((tmp_path / "stage5" / "config.json").read_text())["train"]["train_parts"] == "texture"
    assert json.loads((tmp_path / "stage6" / "config.json").read_text())["train"]["train_parts"] == "mask"
    g6, _ = load_generator(tmp_path / "stage6" / "generator.safetensors")
    assert g6.cfg.preset == "tiny-refine" and g6.cfg.mask_refine_regions == ("eye", "brow", "mouth", "nose")
    assert json.loads((tmp_path / "stage7" / "config.json").read_text())["train"]["train_parts"] == "texture"
    g7, _ = load_generator(tmp_path / "stage7" / "generator.safetensors")
    assert g7.cfg.preset == "tiny-refine-mat" and g7.cfg.final_beta_scale == FINAL_BETA_SCALE and g6.cfg.final_beta_scale == 1.0
    assert g7.cfg.material_regions == ("neck_cloth",) and g6.cfg.material == 0
    eighth = json.loads((tmp_path / "stage8" / "config.json").read_text())["train"]
    assert eighth["objective"] == "background" and eighth["train_regions"] == "background"
    g8, _ = load_generator(tmp_path / "stage8" / "generator.safetensors")
    assert g8.cfg.preset == "tiny-refine-bg-mat" and g8.cfg.background_poly > 0 and g8.cfg.final_beta_scale == FINAL_BETA_SCALE
    assert g8.cfg.material > 0 and g8.cfg.label_depth == 0
    ninth = json.loads((tmp_path / "stage9" / "config.json").read_text())["train"]
    assert ninth["train_parts"] == "mask" and ninth["label_depth"] == LABEL_DEPTH > 0
    g9, _ = load_generator(tmp_path / "stage9" / "generator.safetensors")
    assert g9.cfg.preset == "tiny-refine-bg-mat" and g9.cfg.label_depth == LABEL_DEPTH
    assert g9.cfg.final_beta_scale == FINAL_BETA_SCALE
    moved = [k for k, v in g9.state_dict().items() if not torch.equal(v, g8.state_dict()[k])]
    assert moved and all(k.startswith("local.mask_refine") for k in moved), moved
    w9 = (tmp_path / "stage9" / "generator.safetensors").stat().st_mtime_ns
    assert main(argv) == 0
    assert (tmp_path / "stage9" / "generator.safetensors").stat().st_mtime_ns == w9
    a = _recipe_args("default")
    assert stage_args(0, tmp_path, a).model_preset == "default-ungated"
    assert stage_args(1, tmp_path, a).model_preset == "default-plain" and stage_args(1, tmp_path, a).steps == 7000
    assert stage_args(3, tmp_path, a).model_preset == "default-plain"
    assert stage_args(4, tmp_path, a).model_preset == "default" and stage_args(4, tmp_path, a).steps == 5000
    assert stage_args(5, tmp_path, a).model_preset == "default-refine" and stage_args(5, tmp_path, a).steps == 500
    assert stage_args(6, tmp_path, a).model_preset == "default-refine-mat" and stage_args(6, tmp_path, a).steps == 5000
    assert stage_args(7, tmp_path, a).model_preset == "default-refine-bg-mat" and stage_args(7, tmp_path, a).steps == 3000
    assert stage_args(8, tmp_path, a).model_preset == "default-refine-bg-mat" and stage_args(8, tmp_path, a).steps == 500
    from facet.training.cli import resolve
    assert all(resolve(stage_args(i, tmp_path, a)).compile for i in range(len(STAGES)))


@pytest.mark.parametrize("train_preset", ["default", "smoke"])
def test_every_recipe_stage_can_start_from_the_one_before(tmp_path, train_preset):
    """The recipe's stage k+1 fine-tunes stage k's weights (--init-from): its model preset may only
    add what fine-tuning may add (the SDF gate, the texture's positional encoding, the mask
    refinement, export settings). The bundled preset's own chain is checked here, without training:
    the smoke test above runs the tiny twins only, and the default-refine preset's reshape grid once
    broke stage 6 of the full recipe after 90 minutes of stages 1-5."""
    import dataclasses

    from facet.config import PRESETS
    from facet.training.recipe import STAGES, stage_args
    from facet.training.trainer import init_incompatibility

    a = _recipe_args(train_preset)
    models = [PRESETS[stage_args(i, tmp_path, a).model_preset] for i in range(len(STAGES))]
    for i in range(1, len(STAGES)):
        assert init_incompatibility(models[i - 1], models[i]) == "", (i + 1, models[i - 1].preset, models[i].preset)
    # and it still refuses what would change the parameters' shapes or meaning
    assert "hidden: 32 -> 64" in init_incompatibility(PRESETS["default"], dataclasses.replace(PRESETS["default"], hidden=64))
    assert "texture_pe 6" in init_incompatibility(PRESETS["default"], dataclasses.replace(PRESETS["default"], texture_pe=4))
    assert "mask_refine 16 -> 8" in init_incompatibility(PRESETS["default-refine"],
                                                         dataclasses.replace(PRESETS["default-refine"], mask_refine=8))


DDP_WORKER = '''
import dataclasses, json, os, sys
from pathlib import Path
import torch
from facet.training.config import TRAIN_PRESETS
from facet.training.trainer import Trainer

out, objective, data = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
tc = dataclasses.replace(TRAIN_PRESETS["smoke"], objective=objective, data=data, device="cpu", threads=1, steps=3)
t = Trainer(tc, out / "run")
losses = []
step = t.objective.step


def logged(g):
    r = step(g)
    losses.append({k: float(v) for k, v in r.items()})
    return r


t.objective.step = logged
t.run()
rank = int(os.environ["RANK"])
state = {"g": t.g.state_dict()}
if objective == "gan":
    state["d"] = t.objective.d_global.state_dict()
torch.save(state, out / f"rank{rank}.pt")
(out / f"losses{rank}.json").write_text(json.dumps(losses))
'''


@pytest.mark.parametrize("objective", ["synthetic", "gan"])
def test_torchrun_two_ranks_average_their_gradients(tmp_path, objective):
    """torchrun with two CPU ranks (gloo): each rank draws its own batches (their losses differ),
    yet after three steps both hold the same generator (and discriminator): the gradients were
    averaged. Before session 21 the objectives bypassed DDP's wrapper and the ranks drifted apart."""
    import os
    import subprocess
    import sys

    data = ""
    if objective == "gan":
        _fake_celebamask(tmp_path / "data")
        data = str(tmp_path / "data")
    (tmp_path / "worker.py").write_text(DDP_WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        str(tmp_path / "worker.py"), str(tmp_path), objective, data],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    s0, s1 = (torch.load(tmp_path / f"rank{i}.pt", weights_only=True) for i in (0, 1))
    l0, l1 = (json.loads((tmp_path / f"losses{i}.json").read_text()) for i in (0, 1))
    assert len(l0) == len(l1) == 3
    key = "total"
    assert any(a[key] != b[key] for a, b in zip(l0, l1)), "both ranks saw the same batches"
    for part in s0:
        for k, v in s0[part].items():
            if k.endswith("code_mean"):   # the truncation centre, computed by rank 0 when it saves
                continue
            assert torch.equal(v, s1[part][k]), f"{part}.{k} differs between the ranks"
    first = Generator(preset("tiny"))
    assert any(not torch.equal(v, s0["g"][k]) for k, v in first.state_dict().items() if k in s0["g"])
    _check_run(tmp_path / "run", 3)


def test_the_bundled_model_was_trained_by_the_recipe_as_it_is(tmp_path):
    """The shipped model folder's train-N-config.json are `facet train-default`'s stages as the repository
    resolves them today, setting for setting (only the paths of the weights each stage starts from differ,
    and a stage that ran before a TrainConfig field existed lacks that field, which must then be at its
    default): a change to the recipe that is not shipped with new weights fails here."""
    import dataclasses

    from facet.training.cli import resolve
    from facet.training.recipe import FINAL_BETA_SCALE, IMAGE_BETA_SCALE, LABEL_DEPTH, STAGES, stage_args

    folder = Path(__file__).resolve().parents[2] / "public" / "models" / "facet-default"
    a = _recipe_args("default")
    from facet.training.config import TrainConfig

    defaults = dataclasses.asdict(TrainConfig())
    assert len(STAGES) == 9 and not (folder / "train-10-config.json").exists()
    for i in range(len(STAGES)):
        shipped = json.loads((folder / f"train-{i + 1}-config.json").read_text())["train"]
        recipe = dataclasses.asdict(resolve(stage_args(i, tmp_path, a)))
        assert shipped.keys() <= recipe.keys(), f"stage {i + 1}"
        shipped = {**{k: defaults[k] for k in recipe.keys() - shipped.keys()}, **shipped}
        differ = {k: (shipped[k], recipe[k]) for k in recipe if k != "init_from" and shipped[k] != recipe[k]}
        assert not differ, f"stage {i + 1}: shipped vs recipe {differ}"
        assert bool(shipped["init_from"]) == (i > 0)
        assert shipped["init_from"].endswith(f"stage{i}/generator.safetensors") or i == 0
    assert json.loads((folder / "train-5-config.json").read_text())["train"]["small_share"] == 0.1
    seventh = json.loads((folder / "train-7-config.json").read_text())
    assert seventh["train"]["final_beta_scale"] == seventh["model"]["final_beta_scale"] == FINAL_BETA_SCALE
    config = json.loads((folder / "manifest.json").read_text())["config"]
    assert config["final_beta_scale"] == FINAL_BETA_SCALE
    assert config["label_depth"] == LABEL_DEPTH
    assert config["image_beta_scale"] == IMAGE_BETA_SCALE


def _texture_fine_tune(tmp_path, first, cfg, g, region: str, unchecked: tuple[str, ...],
                       stacked: tuple[str, ...] = ()):
    """A smoke stage with train_regions=`region`, train_parts=texture from `first`'s checkpoint, grown to
    `cfg` (g: that model before the stage). Every parameter that moved is a texture layer, an rgb head,
    a mapping row, one of `unchecked` or one of `stacked`; of the stacked ones (all but `unchecked`) only
    the region's slice moved, and of the mapping only its texture row. Returns the trainer (its generator
    on the CPU, in eval mode) and the names of the parameters that moved."""
    import dataclasses

    k = cfg.regions.index(region)
    tc = dataclasses.replace(TRAIN_PRESETS["smoke"], init_from=str(first / "generator.safetensors"),
                             train_parts="texture", train_regions=region, lr=1e-2)
    t = Trainer(tc, tmp_path / "ft", model_cfg=cfg)
    t.run()
    t.g.cpu().eval()
    before, after = dict(g.named_parameters()), dict(t.g.named_parameters())
    moved = [n for n, v in after.items() if not torch.equal(before[n], v.detach())]
    for name in moved:
        assert name.startswith(("local.texture.", "local.rgb_head.", "mapping.") + unchecked + stacked), name
        if name.startswith(unchecked):
            continue
        d = (before[name] - after[name].detach()).flatten(1).abs().amax(1)
        rows = [2 * k + 1] if name.startswith("mapping.") else [k]
        assert all(i in rows for i in d.nonzero().flatten().tolist()), (name, d)
    return t, moved


def test_background_poly_replaces_only_the_backgrounds_colour_and_trains_alone(tmp_path):
    """background_poly: the background's colour logit is a polynomial of x and y whose coefficients
    come from its texture code. Loaded from a model without it (add_background_rgb: zero
    coefficients), every other region's fields are the same and the background's colour logit is 0;
    the bake (one region picked by index) gives what every region at once gives; and a stage with
    train_regions=background, train_parts=texture moves only the coefficients and the background's
    texture rows (every other weight bit-identical), so colours change and no surface or label does."""
    from facet.model.field import poly_basis, poly_terms
    from facet.model.generator import grid_points
    from facet.training.trainer import add_background_rgb

    first, cfg, g, pts, codes, a, b = _grown_from_smoke(tmp_path, {"sdf_gate": True}, {"background_poly": 3},
                                                        add_background_rgb)
    for key in ("d", "m", "mask_logit"):
        assert torch.equal(a[key], b[key]), key
    assert torch.equal(a["rgb"][1:], b["rgb"][1:]) and torch.equal(b["rgb"][0], torch.zeros_like(b["rgb"][0]))
    x = torch.tensor([[2.0, 3.0, 5.0]])
    assert poly_terms(3) == 10 and poly_basis(x, 3).tolist() == [[1, 3, 9, 27, 2, 6, 18, 4, 12, 8]]

    # the coefficients are one network (the background's), not stacked per region
    t, moved = _texture_fine_tune(tmp_path, first, cfg, g, "background", ("local.background_rgb.",))
    assert "local.background_rgb.weight" in moved
    c = t.g.fields(pts, codes)
    assert torch.equal(c["d"], b["d"]) and torch.equal(c["mask_logit"], b["mask_logit"])
    assert torch.equal(c["rgb"][1:], b["rgb"][1:]) and c["rgb"][0].abs().max() > 1e-3
    # the bake picks region 0 by index and gets the same colours as every region at once
    shape, texture = t.g.split_codes(codes)
    bake = t.g.bake(torch.tensor([0]), shape[:1], texture[:1])
    grid = t.g.to_net(grid_points(cfg.bake_resolution, cfg.bake_bounds))
    full = t.g.local(grid, shape, texture)["rgb"][0].reshape(bake["rgb"].shape)
    assert torch.allclose(bake["rgb"], full, atol=1e-5)
    other = t.g.bake(torch.tensor([2]), shape[2:3], texture[2:3])
    assert torch.allclose(other["rgb"], t.g.local(grid, shape, texture)["rgb"][2].reshape(other["rgb"].shape), atol=1e-5)
    assert load_generator(tmp_path / "ft" / "generator.safetensors")[0].cfg.background_poly == 3


def test_material_mixes_a_second_colour_in_its_regions_only_and_trains_with_the_textures(tmp_path):
    """material: the regions named in material_regions get a second colour, rgb_head + sigmoid(m) *
    rgb_delta, m from their shape code and the positional encoding. Loaded from a model without it
    (add_material: rgb_delta zero), every field is the same; a train_parts=texture stage of those
    regions moves the new weights and their colours, never an SDF or a label, nor another region's
    colour; the bake (one region picked by index) gives what every region at once gives."""
    from facet.model.generator import grid_points
    from facet.training.trainer import add_material

    first, cfg, g, pts, codes, a, b = _grown_from_smoke(
        tmp_path, {"sdf_gate": True, "texture_pe": 2}, {"material": 4, "material_regions": ("neck_cloth",)},
        add_material)
    for key in ("d", "m", "c", "mask_logit", "rgb"):
        assert torch.equal(a[key], b[key]), key
    neck = cfg.regions.index("neck_cloth")
    # the material layer is random at init, so not g's: the other regions' colours are checked below
    t, moved = _texture_fine_tune(tmp_path, first, cfg, g, "neck_cloth", ("local.material",), ("local.rgb_delta.",))
    assert "local.rgb_delta.weight" in moved
    c = t.g.fields(pts, codes)
    assert torch.equal(c["d"], b["d"]) and torch.equal(c["mask_logit"], b["mask_logit"])
    assert torch.equal(c["rgb"][:neck], b["rgb"][:neck]) and (c["rgb"][neck] - b["rgb"][neck]).abs().max() > 1e-4
    shape, texture = t.g.split_codes(codes)
    grid = t.g.to_net(grid_points(cfg.bake_resolution, cfg.bake_bounds))
    full = t.g.local(grid, shape, texture)["rgb"]
    for r in (neck, 0, 3):
        bake = t.g.bake(torch.tensor([r]), shape[r:r + 1], texture[r:r + 1])
        assert torch.allclose(bake["rgb"], full[r].reshape(bake["rgb"].shape), atol=1e-5), r
    assert load_generator(tmp_path / "ft" / "generator.safetensors")[0].cfg.material_regions == ("neck_cloth",)
    with pytest.raises(ValueError, match="texture_pe"):
        Generator(preset("tiny", material=4, material_regions=("neck_cloth",)))
    with pytest.raises(ValueError, match="material_regions"):
        Generator(preset("tiny", texture_pe=2, material=4, material_regions=("necks",)))


def test_material_targets_are_the_colour_the_world_shades_neck_and_cloth_with():
    """The pool's material targets: -1 off neck+cloth; on it 0 where the world shades the point with
    the cloth's colour and 1 where with the neck's skin, both present on a portrait with a deep
    V-neck; a point's colour changes with the cloth's hue exactly where the target says cloth."""
    from facet.training.synthetic_data import NECK_CLOTH, point_targets
    from facet.world import sample_params

    params = sample_params(11, 1)
    params["neck_cloth"]["shape"][0, 0] = 1.0        # the deepest V-neck
    params["neck_cloth"]["texture"][0, 1] = 0.5      # a saturated cloth, so its hue shows
    t = point_targets(params, 8192, torch.Generator().manual_seed(5))
    m, label = t["material"][0], t["label"][0]
    assert torch.equal(m[label != NECK_CLOTH], torch.full_like(m[label != NECK_CLOTH], -1.0))
    on = label == NECK_CLOTH
    assert set(m[on].unique().tolist()) == {0.0, 1.0}
    assert 0.01 < (m[on] == 1).float().mean() < 0.5
    params["neck_cloth"]["texture"][0, 0] = (params["neck_cloth"]["texture"][0, 0] + 0.5) % 1.0   # another hue
    t2 = point_targets(params, 8192, torch.Generator().manual_seed(5))
    assert torch.equal(t2["points"], t["points"])
    changed = (t2["rgb"][0] - t["rgb"][0]).abs().amax(-1) > 1e-4
    lit = t["rgb"][0].amax(-1) > 0.02                 # colour visible at all (not in full shadow)
    assert torch.equal(changed[on & lit], (m == 0)[on & lit])
