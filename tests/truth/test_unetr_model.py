"""UNETR model checks against MONAI's published structure, and the bundled demo model folder:
the full BTCV UNETR (models/unetr/unetr.py) has MONAI's exact parameter count and state_dict
names/shapes (so MONAI checkpoints load unchanged); models/demo/model.ts loads with torch.jit,
runs batch 1 and 4 on 96^3 windows, equals the eager UNETR built from its metadata; metadata.json
is consistent with PIPELINE.md (14 channels = background + 13 BTCV organs with SNOMED CT codes)."""
import json
import os
import sys

import numpy as np

from truth_common import check, fail, parse_args

args = parse_args(__doc__)
try:
    import torch
except ImportError as e:  # must fail, not skip
    fail(f"torch is needed for the UNETR checks: {e}")
torch.set_num_threads(2)
sys.path.insert(0, os.path.join(args.source, "models", "unetr"))
try:
    import export as unetr_export
    import reference_pipeline as rp
    from unetr import UNETR, build_from_config, count_parameters
except Exception as e:
    fail(f"cannot import models/unetr: {e}")

# --- Expected MONAI state_dict, written out independently of unetr.py -------------------------
# From monai/networks/nets/unetr.py, nets/vit.py and blocks/{patchembedding,transformerblock,
# selfattention,mlp,unetr_block,dynunet_block,convolutions}.py: name -> shape.
# MONAI 0.6 .. 1.3 and 1.5 (1.4 adds unused cross-attention keys, tolerated when loading).
MONAI_BTCV_PARAMETERS = 92_784_046


def monai_unetr_keys(cin=1, cout=14, img=96, f=16, h=768, mlp=3072, qkv_bias=False):
    n = (img // 16) ** 3
    keys = {"vit.patch_embedding.position_embeddings": (1, n, h),
            "vit.patch_embedding.patch_embeddings.1.weight": (h, cin * 16 ** 3),
            "vit.patch_embedding.patch_embeddings.1.bias": (h,),
            "vit.norm.weight": (h,), "vit.norm.bias": (h,)}
    for b in range(12):
        p = f"vit.blocks.{b}."
        keys.update({p + "mlp.linear1.weight": (mlp, h), p + "mlp.linear1.bias": (mlp,),
                     p + "mlp.linear2.weight": (h, mlp), p + "mlp.linear2.bias": (h,),
                     p + "norm1.weight": (h,), p + "norm1.bias": (h,),
                     p + "attn.out_proj.weight": (h, h), p + "attn.out_proj.bias": (h,),
                     p + "attn.qkv.weight": (3 * h, h),
                     p + "norm2.weight": (h,), p + "norm2.bias": (h,)})
        if qkv_bias:
            keys[p + "attn.qkv.bias"] = (3 * h,)

    def res_block(p, ci, co):  # UnetResBlock: conv1/conv2 (k3, no bias), conv3 (k1) if ci != co
        keys[p + "conv1.conv.weight"] = (co, ci, 3, 3, 3)
        keys[p + "conv2.conv.weight"] = (co, co, 3, 3, 3)
        if ci != co:
            keys[p + "conv3.conv.weight"] = (co, ci, 1, 1, 1)

    def transp(p, ci, co):  # ConvTranspose3d k2 s2, no bias: weight (in, out, 2, 2, 2)
        keys[p + "conv.weight"] = (ci, co, 2, 2, 2)

    res_block("encoder1.layer.", cin, f)
    for name, co, layers in (("encoder2", 2 * f, 2), ("encoder3", 4 * f, 1), ("encoder4", 8 * f, 0)):
        transp(f"{name}.transp_conv_init.", h, co)
        for i in range(layers):
            transp(f"{name}.blocks.{i}.0.", co, co)
            res_block(f"{name}.blocks.{i}.1.", co, co)
    for name, ci, co in (("decoder5", h, 8 * f), ("decoder4", 8 * f, 4 * f),
                         ("decoder3", 4 * f, 2 * f), ("decoder2", 2 * f, f)):
        transp(f"{name}.transp_conv.", ci, co)
        res_block(f"{name}.conv_block.", 2 * co, co)
    keys["out.conv.conv.weight"] = (cout, f, 1, 1, 1)
    keys["out.conv.conv.bias"] = (cout,)
    return keys


# --- 1. Full-size BTCV UNETR: parameter count, names and shapes ------------------------------
full = UNETR(in_channels=1, out_channels=14, img_size=(96, 96, 96), feature_size=16,
             hidden_size=768, mlp_dim=3072, num_heads=12, proj_type="perceptron",
             norm_name="instance", conv_block=True, res_block=True)
n_params = count_parameters(full)
check(n_params == MONAI_BTCV_PARAMETERS,
      f"full UNETR has {n_params:,} parameters, MONAI's has {MONAI_BTCV_PARAMETERS:,}")
expected = monai_unetr_keys()
check(sum(int(np.prod(s)) for s in expected.values()) == MONAI_BTCV_PARAMETERS,
      "expected key table does not add up to MONAI's parameter count")
got = {k: tuple(v.shape) for k, v in full.state_dict().items()}
check(set(got) == set(expected),
      f"state_dict keys differ from MONAI's: missing {sorted(set(expected) - set(got))[:10]}, "
      f"extra {sorted(set(got) - set(expected))[:10]}")
for k, s in expected.items():
    check(got[k] == s, f"{k}: shape {got[k]} != MONAI {s}")
check(all(not isinstance(m, torch.nn.InstanceNorm3d) or (not m.affine and
                                                          not m.track_running_stats)
          for m in full.modules()), "InstanceNorm3d must be affine=False, no running stats")
check(sum(isinstance(m, torch.nn.LeakyReLU) and m.negative_slope == 0.01
          for m in full.modules()) == 8, "one LeakyReLU(0.01) per UnetResBlock (8)")

# A MONAI 1.4 checkpoint (extra unused cross-attention keys, DataParallel 'module.' prefix)
# loads through export.py's loader; the weights land where they should.
sd = {"module." + k: v.clone() for k, v in full.state_dict().items()}
for b in range(12):
    p = f"module.vit.blocks.{b}."
    sd[p + "norm_cross_attn.weight"] = torch.ones(768)
    sd[p + "norm_cross_attn.bias"] = torch.zeros(768)
    for q in ("to_q", "to_k", "to_v", "out_proj"):
        sd[p + f"cross_attn.{q}.weight"] = torch.zeros(768, 768)
    sd[p + "cross_attn.out_proj.bias"] = torch.zeros(768)
sd["module.out.conv.conv.bias"] = torch.arange(14, dtype=torch.float32)
sd["module.vit.blocks.5.attn.qkv.weight"] = torch.full((2304, 768), 0.25)
ckpt_model = full
ckpt_model.load_state_dict(
    unetr_export.normalise_keys(unetr_export.extract_state_dict({"state_dict": sd})))
check(torch.equal(ckpt_model.out.conv.conv.bias, torch.arange(14, dtype=torch.float32)),
      "checkpoint weights not loaded")
check(bool((ckpt_model.vit.blocks[5].attn.qkv.weight == 0.25).all()), "ViT weights not loaded")
del full, ckpt_model, sd

# Full-size blocks at a small window (img 32: 2^3 tokens) trace and keep the batch dynamic.
small = UNETR(1, 14, (32, 32, 32), 16, 768, 3072, 12, "perceptron").eval()
with torch.no_grad():
    traced = torch.jit.trace(small, torch.rand(2, 1, 32, 32, 32), check_trace=False)
    for b in (1, 3):
        x = torch.rand(b, 1, 32, 32, 32)
        y, yt = small(x), traced(x)
        check(tuple(yt.shape) == (b, 14, 32, 32, 32), f"traced output shape {tuple(yt.shape)}")
        check(torch.allclose(y, yt, atol=1e-4), f"traced != eager for batch {b}")
del small, traced

# --- 2. The bundled demo model folder ---------------------------------------------------------
demo = os.path.join(args.source, "models", "demo")
meta_path = os.path.join(demo, "metadata.json")
check(os.path.isfile(meta_path), f"missing {meta_path}")
with open(meta_path) as f:
    meta = json.load(f)
for key in ("name", "version", "description", "model_file", "architecture", "input", "inference",
            "output"):
    check(key in meta, f"metadata.json lacks '{key}'")
ts_path = os.path.join(demo, meta["model_file"])
check(os.path.isfile(ts_path), f"model file {ts_path} missing")
size_mb = os.path.getsize(ts_path) / 1e6
check(size_mb < 25, f"demo model.ts is {size_mb:.1f} MB (limit 25 MB)")
check(os.path.isfile(os.path.join(demo, "MODEL_CARD.md")), "models/demo/MODEL_CARD.md missing")

arch, inp, inf, out = meta["architecture"], meta["input"], meta["inference"], meta["output"]
check(arch["type"] == "UNETR" and arch["in_channels"] == inp["channels"] == 1, "architecture/input")
check(out["channels"] == arch["out_channels"] == 14, "14 output channels")
labels = out["labels"]
check([lab["id"] for lab in labels] == list(range(1, 14)),
      "labels must list ids 1..13 (0 is background): 13 labels + background = 14 channels")
table = {lid: (name, code, meaning) for lid, name, code, meaning, _, _ in unetr_export.BTCV_LABELS}
pipeline_md = open(os.path.join(args.source, "models", "unetr", "PIPELINE.md")).read()
for lab in labels:
    name, code, meaning = table[lab["id"]]
    check(lab["name"] == name, f"label {lab['id']} name {lab['name']!r} != {name!r}")
    c = lab["code"]
    check(c["scheme"] == "SCT" and c["value"] == code and c["meaning"] == meaning,
          f"label {lab['id']} code {c}")
    check(f"| {lab['id']} | {name} | {code} | {meaning} |" in pipeline_md,
          f"label {lab['id']} does not match PIPELINE.md's table")
    col = lab["color"]
    check(len(col) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in col),
          f"label {lab['id']} colour {col}")
cols = np.array([lab["color"] for lab in labels], float)
dist = np.sqrt(((cols[:, None] - cols[None]) ** 2).sum(-1)) + np.eye(len(cols)) * 1e9
check(dist.min() > 30, f"label colours not distinct enough (min RGB distance {dist.min():.0f})")
check(inp["orientation"] in ("RAS",) and len(inp["spacing"]) == 3, "input orientation/spacing")
for k in ("a_min", "a_max", "b_min", "b_max", "clip"):
    check(k in inp["intensity"], f"intensity lacks {k}")
check(inf["roi"] == arch["img_size"] and inf["blend"] in ("constant", "gaussian")
      and 0 <= inf["overlap"] < 1 and inf["sw_batch"] >= 1, f"inference section {inf}")

roi = tuple(inf["roi"])
ts = torch.jit.load(ts_path, map_location="cpu").eval()
eager = build_from_config(arch).eval()
try:
    eager.load_state_dict(ts.state_dict())  # traced modules keep MONAI's parameter names
except Exception as e:
    fail(f"model.ts parameters do not fit the metadata architecture: {e}")
gen = torch.Generator().manual_seed(1)
with torch.no_grad():
    x4 = torch.rand((4, 1) + roi, generator=gen)
    y1, y4 = ts(x4[:1]), ts(x4)
    for b, y in ((1, y1), (4, y4)):
        check(tuple(y.shape) == (b, 14) + roi, f"model.ts output {tuple(y.shape)} for batch {b}")
        check(bool(torch.isfinite(y).all()), "non-finite logits")
    err = float((y4[:1] - y1).abs().max())
    check(err < 1e-3, f"model.ts batch 4 != batch 1 on the same window (max diff {err:.2e})")
    err = float((eager(x4[:1]) - y1).abs().max())
    check(err < 1e-3, f"model.ts != eager UNETR built from metadata (max diff {err:.2e})")

# --- 3. Reference pipeline rules (MONAI's sliding-window scan) ------------------------------
check(rp.axis_starts(96, 96, 0.5) == [0], "one window when n == roi")
check(rp.axis_starts(243, 96, 0.5) == [0, 48, 96, 144, 147], rp.axis_starts(243, 96, 0.5))
check(rp.axis_starts(100, 96, 0.25) == [0, 4], rp.axis_starts(100, 96, 0.25))
pads, padded, starts = rp.window_starts((327, 215, 20), (96, 96, 96), 0.5)
check(pads == [(0, 0), (0, 0), (38, 38)] and padded == (327, 215, 96), f"padding {pads}")
check(len(starts) == 6 * 4 * 1 and starts[0] == (0, 0, 0) and starts[1] == (0, 48, 0),
      "window order: axis i slowest")
check(rp.spacing_shape((122, 101, 112), (3, 3, 3), (1.5, 1.5, 2.0)) == (243, 201, 167),
      "n' = round((n - 1) * s / s') + 1 with half-to-even rounding")
g = rp.importance_map((96, 96, 96), "gaussian")
peak = float(np.exp(-0.25 / (2 * 12.0 ** 2)) ** 3)  # even roi: the 8 central voxels, x = +-0.5
check(abs(float(g.max()) - peak) < 1e-6 and abs(float(g.min()) - 1e-3) < 1e-9,
      f"gaussian map max {float(g.max())} min {float(g.min())}")
print("PASS")
