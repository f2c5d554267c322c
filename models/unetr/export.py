"""Export a UNETR (MONAI layout) to a Viscera model folder: OUT/model.ts + OUT/metadata.json.

    /usr/bin/python3 models/unetr/export.py -o OUT [--checkpoint UNETR_model_best_acc.pth]
        [--feature-size 16 --hidden-size 768 --mlp-dim 3072 --num-heads 12 ...]

Defaults are the BTCV UNETR of MONAI / research-contributions (in 1, out 14, img 96^3, feature 16,
hidden 768, mlp 3072, heads 12, perceptron, instance, res_block). Without --checkpoint the weights
are random (useful only for plumbing tests; metadata says so). See models/unetr/README.md.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unetr import BTCV_CONFIG, build_from_config, count_parameters, trace  # noqa: E402

# BTCV classes (PIPELINE.md): id, name, SNOMED CT code, meaning, TotalSegmentator 'total' id,
# display colour (distinct RGB).
BTCV_LABELS = [
    (1, "spleen", "78961009", "Spleen", 1, [157, 108, 162]),
    (2, "right kidney", "9846003", "Right kidney", 2, [185, 102, 83]),
    (3, "left kidney", "18639004", "Left kidney", 3, [241, 214, 145]),
    (4, "gallbladder", "28231008", "Gallbladder", 4, [139, 150, 98]),
    (5, "esophagus", "32849002", "Esophagus", 15, [211, 171, 143]),
    (6, "liver", "10200004", "Liver", 5, [221, 130, 101]),
    (7, "stomach", "69695003", "Stomach", 6, [216, 195, 40]),
    (8, "aorta", "15825003", "Aorta", 52, [224, 45, 45]),
    (9, "inferior vena cava", "64131007", "Inferior vena cava", 63, [0, 151, 206]),
    (10, "portal and splenic veins", "32764006", "Portal vein (with splenic vein)", 64,
     [110, 200, 255]),
    (11, "pancreas", "15776009", "Pancreas", 7, [249, 150, 50]),
    (12, "right adrenal gland", "281625008", "Right adrenal gland", 8, [255, 100, 200]),
    (13, "left adrenal gland", "281626009", "Left adrenal gland", 9, [120, 60, 255]),
]
TOTAL_TO_BTCV = {total: lid for lid, _, _, _, total, _ in BTCV_LABELS}
CATEGORY = {"value": "123037004", "scheme": "SCT", "meaning": "Anatomical Structure"}

BTCV_INPUT = {"channels": 1, "orientation": "RAS", "spacing": [1.5, 1.5, 2.0],
              "intensity": {"a_min": -175, "a_max": 250, "b_min": 0.0, "b_max": 1.0,
                            "clip": True},
              "crop_foreground": True}
BTCV_INFERENCE = {"roi": [96, 96, 96], "overlap": 0.5, "sw_batch": 4, "blend": "constant"}


def btcv_output():
    return {"channels": 14, "labels": [
        {"id": lid, "name": name, "color": color,
         "code": {"value": code, "scheme": "SCT", "meaning": meaning},
         "category": dict(CATEGORY)}
        for lid, name, code, meaning, _, color in BTCV_LABELS]}


def make_metadata(arch, name="viscera-unetr-btcv", version="1.0",
                  description="UNETR (MONAI layout), BTCV 13 abdominal organs",
                  model_file="model.ts", input_=None, inference=None, extra=None):
    meta = {"name": name, "version": version, "description": description,
            "model_file": model_file, "architecture": dict(arch),
            "input": copy.deepcopy(input_ or BTCV_INPUT),
            "inference": copy.deepcopy(inference or BTCV_INFERENCE),
            "output": btcv_output()}
    if arch["out_channels"] != meta["output"]["channels"]:
        raise ValueError("out_channels must be 14 for the BTCV label table")
    meta["inference"]["roi"] = list(arch["img_size"])
    if extra:
        meta.update(extra)
    return meta


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------
def extract_state_dict(obj):
    """Accepts a raw state_dict, {'state_dict': ...}, {'model': ...}, {'model_state_dict': ...}
    or {'network': ...} (MONAI bundle / Ignite CheckpointSaver layouts)."""
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if not isinstance(obj, dict):
        raise ValueError(f"unrecognised checkpoint object {type(obj)}")
    for key in ("state_dict", "model", "model_state_dict", "network", "net"):
        if key in obj and isinstance(obj[key], (dict, torch.nn.Module)):
            return extract_state_dict(obj[key])
    if all(torch.is_tensor(v) for v in obj.values()):
        return obj
    raise ValueError(f"no state dict found in checkpoint keys {list(obj)[:10]}")


_TOP_LEVEL = {"vit", "encoder1", "encoder2", "encoder3", "encoder4", "decoder5", "decoder4",
              "decoder3", "decoder2", "out"}


def normalise_keys(state_dict):
    """Strips DataParallel/DDP 'module.' prefixes and 'model.'/'net.' wrapper prefixes.
    Parameter names of MONAI's UNETR have been stable from MONAI 0.6 (research-contributions BTCV
    checkpoint) to 1.5 (perceptron: `patch_embeddings.1.*`, attention `qkv`/`out_proj`, MLP
    `linear1`/`linear2`); MONAI 1.4's unused `cross_attn`/`norm_cross_attn` keys are dropped by
    the model's load hook. Defensive: a perceptron Linear stored as a bare 2-D
    `patch_embeddings.weight` is moved to `patch_embeddings.1.weight`.
    """
    out = {}
    for k, v in state_dict.items():
        while k.startswith("module."):
            k = k[len("module."):]
        # Lightning-style wrappers keep the network under "model." / "net."
        for wrapper in ("model.", "net."):
            if k.startswith(wrapper) and k[len(wrapper):].split(".")[0] in _TOP_LEVEL:
                k = k[len(wrapper):]
        out[k] = v
    pe = "vit.patch_embedding.patch_embeddings."
    if pe + "weight" in out and out[pe + "weight"].dim() == 2:  # Linear saved without Sequential
        out[pe + "1.weight"] = out.pop(pe + "weight")
        if pe + "bias" in out:
            out[pe + "1.bias"] = out.pop(pe + "bias")
    return out


def load_checkpoint(model, path):
    if path.endswith(".ts") or _is_torchscript(path):
        obj = torch.jit.load(path, map_location="cpu").state_dict()
    else:
        obj = torch.load(path, map_location="cpu")
    sd = normalise_keys(extract_state_dict(obj))
    missing, unexpected = model.load_state_dict(sd, strict=False)
    unexpected = [k for k in unexpected if ".cross_attn." not in k and "norm_cross_attn" not in k]
    if missing or unexpected:
        raise RuntimeError(f"checkpoint {path} does not match the architecture:\n"
                           f"  missing: {missing[:20]}{' ...' if len(missing) > 20 else ''}\n"
                           f"  unexpected: {unexpected[:20]}"
                           f"{' ...' if len(unexpected) > 20 else ''}")
    return model


def _is_torchscript(path):
    try:
        import zipfile
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("constants.pkl") for n in z.namelist())
    except Exception:
        return False


# --------------------------------------------------------------------------------------------
def export(model, meta, out_dir, check_batches=(1, 2, 3, 4), batch=4):
    """Traces `model` (eval) with a [batch,1,*roi] example, writes model.ts + metadata.json."""
    os.makedirs(out_dir, exist_ok=True)
    traced = trace(model.eval(), tuple(meta["inference"]["roi"]), batch, check_batches)
    ts_path = os.path.join(out_dir, meta["model_file"])
    tmp = ts_path + ".tmp"
    traced.save(tmp)
    os.replace(tmp, ts_path)
    with open(os.path.join(out_dir, "metadata.json.tmp"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    os.replace(os.path.join(out_dir, "metadata.json.tmp"), os.path.join(out_dir, "metadata.json"))
    return ts_path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-o", "--out", required=True, help="model folder to write")
    p.add_argument("--checkpoint", help="MONAI UNETR weights (.pt/.pth state dict or TorchScript)")
    c = BTCV_CONFIG
    p.add_argument("--in-channels", type=int, default=c["in_channels"])
    p.add_argument("--out-channels", type=int, default=c["out_channels"])
    p.add_argument("--img-size", type=int, nargs=3, default=c["img_size"])
    p.add_argument("--feature-size", type=int, default=c["feature_size"])
    p.add_argument("--hidden-size", type=int, default=c["hidden_size"])
    p.add_argument("--mlp-dim", type=int, default=c["mlp_dim"])
    p.add_argument("--num-heads", type=int, default=c["num_heads"])
    p.add_argument("--pos-embed", "--proj-type", dest="pos_embed", default=c["pos_embed"],
                   choices=["perceptron", "conv"])
    p.add_argument("--no-res-block", action="store_true")
    p.add_argument("--qkv-bias", action="store_true")
    p.add_argument("--name", default="viscera-unetr-btcv")
    p.add_argument("--version", default="1.0")
    p.add_argument("--description", default=None)
    p.add_argument("--spacing", type=float, nargs=3, default=BTCV_INPUT["spacing"])
    p.add_argument("--a-min", type=float, default=BTCV_INPUT["intensity"]["a_min"])
    p.add_argument("--a-max", type=float, default=BTCV_INPUT["intensity"]["a_max"])
    p.add_argument("--overlap", type=float, default=BTCV_INFERENCE["overlap"])
    p.add_argument("--sw-batch", type=int, default=BTCV_INFERENCE["sw_batch"])
    p.add_argument("--blend", default=BTCV_INFERENCE["blend"], choices=["constant", "gaussian"])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--quick-check", action="store_true",
                   help="check the traced module with batch 1 and 2 only (faster on CPU)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)

    arch = {"type": "UNETR", "in_channels": a.in_channels, "out_channels": a.out_channels,
            "img_size": list(a.img_size), "feature_size": a.feature_size,
            "hidden_size": a.hidden_size, "mlp_dim": a.mlp_dim, "num_heads": a.num_heads,
            "pos_embed": a.pos_embed, "norm_name": "instance", "res_block": not a.no_res_block}
    if a.qkv_bias:
        arch["qkv_bias"] = True
    model = build_from_config(arch)
    print(f"UNETR parameters: {count_parameters(model):,}")
    if a.checkpoint:
        load_checkpoint(model, a.checkpoint)
        print(f"loaded {a.checkpoint}")
        desc = a.description or "UNETR (MONAI), BTCV 13 abdominal organs, weights from " \
            + os.path.basename(a.checkpoint)
    else:
        desc = a.description or "UNETR with RANDOM weights (no checkpoint): plumbing only"
        print("warning: no --checkpoint, exporting random weights", file=sys.stderr)
    inp = copy.deepcopy(BTCV_INPUT)
    inp["spacing"] = list(a.spacing)
    inp["intensity"]["a_min"], inp["intensity"]["a_max"] = a.a_min, a.a_max
    inf = {"roi": list(a.img_size), "overlap": a.overlap, "sw_batch": a.sw_batch,
           "blend": a.blend}
    meta = make_metadata(arch, a.name, a.version, desc, input_=inp, inference=inf)
    t0 = time.time()
    checks = (1, 2) if a.quick_check else (1, 2, 3, 4)
    path = export(model, meta, a.out, check_batches=checks, batch=a.sw_batch)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB) and metadata.json "
          f"in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
