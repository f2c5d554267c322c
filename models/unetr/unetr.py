"""UNETR in plain PyTorch, laid out exactly like MONAI's `monai.networks.nets.UNETR`.

Written from MONAI's published structure (monai/networks/nets/unetr.py, nets/vit.py,
blocks/patchembedding.py, blocks/transformerblock.py, blocks/selfattention.py, blocks/mlp.py,
blocks/unetr_block.py, blocks/dynunet_block.py, blocks/convolutions.py); MONAI itself is not needed.
Module and parameter names are MONAI's, so `model.load_state_dict(monai_unetr.state_dict())` works
unchanged, e.g.

    vit.patch_embedding.position_embeddings          vit.patch_embedding.patch_embeddings.1.weight
    vit.blocks.0.attn.qkv.weight                     vit.blocks.0.attn.out_proj.weight
    vit.blocks.0.mlp.linear1.weight                  vit.norm.weight
    encoder1.layer.conv1.conv.weight                 encoder2.transp_conv_init.conv.weight
    encoder2.blocks.0.0.conv.weight                  encoder2.blocks.0.1.conv1.conv.weight
    decoder5.transp_conv.conv.weight                 decoder5.conv_block.conv1.conv.weight
    out.conv.conv.weight / out.conv.conv.bias

Scope: the configuration MONAI's UNETR builds for 3-D inputs with `norm_name="instance"` (no
affine, no running stats: InstanceNorm3d defaults), `proj_type` "perceptron" or "conv",
`pos_embed_type` "learnable", `classification=False`, `qkv_bias` optional, dropout allowed (it is
the identity in eval mode). Patches are 16^3 and the ViT always has 12 layers, as in MONAI.

MONAI 1.4 builds an unused cross-attention (`norm_cross_attn`, `cross_attn`) in every
TransformerBlock, so its UNETR state dicts carry those extra keys; they never take part in UNETR's
forward pass. This module does not build them and drops such keys when loading (see
`TransformerBlock._drop_unused_cross_attention`), so checkpoints from any MONAI version load.

The forward pass is trace-friendly: no data-dependent Python control flow, the batch dimension is
never baked in as a constant (reshapes use -1 for it), so a `torch.jit.trace` with one batch size
runs with others.
"""
from __future__ import annotations

import torch
import torch.nn as nn

PATCH = 16
NUM_LAYERS = 12


def _triple(v):
    if isinstance(v, (list, tuple)):
        if len(v) != 3:
            raise ValueError(f"expected 3 values, got {v}")
        return tuple(int(x) for x in v)
    return (int(v),) * 3


# --------------------------------------------------------------------------------------------
# Convolution blocks (monai.networks.blocks.convolutions / dynunet_block / unetr_block)
# --------------------------------------------------------------------------------------------
class Convolution(nn.Sequential):
    """MONAI `Convolution` as UNETR uses it: a Sequential holding just `.conv` (conv_only, or
    act/norm/dropout all None, so MONAI adds no `adn` submodule)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, bias=False,
                 transposed=False):
        super().__init__()
        if transposed:
            # get_padding(k=2, s=2) = 0, get_output_padding = 2*0 + 2 - 2 = 0
            padding = (kernel_size - stride + 1) // 2
            output_padding = 2 * padding + stride - kernel_size
            conv = nn.ConvTranspose3d(in_channels, out_channels, kernel_size, stride=stride,
                                      padding=padding, output_padding=output_padding, bias=bias)
        else:
            padding = (kernel_size - stride + 1) // 2  # MONAI get_padding: k3 s1 -> 1, k1 s1 -> 0
            conv = nn.Conv3d(in_channels, out_channels, kernel_size, stride=stride,
                             padding=padding, bias=bias)
        self.add_module("conv", conv)


def _norm(name, channels):
    if name != "instance":
        raise ValueError(f"norm_name {name!r} not supported here (MONAI UNETR default 'instance')")
    return nn.InstanceNorm3d(channels)  # affine=False, track_running_stats=False (MONAI default)


class UnetResBlock(nn.Module):
    """dynunet_block.UnetResBlock: conv1-norm1-lrelu-conv2-norm2 (+ conv3-norm3 residual) -lrelu."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, norm_name):
        super().__init__()
        self.conv1 = Convolution(in_channels, out_channels, kernel_size, stride)
        self.conv2 = Convolution(out_channels, out_channels, kernel_size, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.01, inplace=True)
        self.norm1 = _norm(norm_name, out_channels)
        self.norm2 = _norm(norm_name, out_channels)
        self.downsample = in_channels != out_channels or stride != 1
        if self.downsample:
            self.conv3 = Convolution(in_channels, out_channels, 1, stride)
            self.norm3 = _norm(norm_name, out_channels)

    def forward(self, inp):
        residual = inp
        out = self.conv1(inp)
        out = self.norm1(out)
        out = self.lrelu(out)
        out = self.conv2(out)
        out = self.norm2(out)
        if self.downsample:
            residual = self.norm3(self.conv3(residual))
        out = out + residual
        out = self.lrelu(out)
        return out


class UnetBasicBlock(nn.Module):
    """dynunet_block.UnetBasicBlock (used when res_block=False)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, norm_name):
        super().__init__()
        self.conv1 = Convolution(in_channels, out_channels, kernel_size, stride)
        self.conv2 = Convolution(out_channels, out_channels, kernel_size, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.01, inplace=True)
        self.norm1 = _norm(norm_name, out_channels)
        self.norm2 = _norm(norm_name, out_channels)

    def forward(self, inp):
        out = self.lrelu(self.norm1(self.conv1(inp)))
        out = self.lrelu(self.norm2(self.conv2(out)))
        return out


def _conv_block(res_block, *args):
    return UnetResBlock(*args) if res_block else UnetBasicBlock(*args)


class UnetOutBlock(nn.Module):
    """dynunet_block.UnetOutBlock: 1x1x1 conv with bias, as `.conv.conv`."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv = Convolution(in_channels, out_channels, 1, 1, bias=True)

    def forward(self, inp):
        return self.conv(inp)


class UnetrBasicBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, norm_name, res_block):
        super().__init__()
        self.layer = _conv_block(res_block, in_channels, out_channels, kernel_size, stride,
                                 norm_name)

    def forward(self, inp):
        return self.layer(inp)


class UnetrPrUpBlock(nn.Module):
    """transp_conv_init then `num_layer` x (transposed conv [+ conv block])."""

    def __init__(self, in_channels, out_channels, num_layer, kernel_size, stride,
                 upsample_kernel_size, norm_name, conv_block, res_block):
        super().__init__()
        up = upsample_kernel_size
        self.transp_conv_init = Convolution(in_channels, out_channels, up, up, transposed=True)
        if conv_block:
            self.blocks = nn.ModuleList([
                nn.Sequential(
                    Convolution(out_channels, out_channels, up, up, transposed=True),
                    _conv_block(res_block, out_channels, out_channels, kernel_size, stride,
                                norm_name),
                ) for _ in range(num_layer)])
        else:
            self.blocks = nn.ModuleList([
                Convolution(out_channels, out_channels, up, up, transposed=True)
                for _ in range(num_layer)])

    def forward(self, x):
        x = self.transp_conv_init(x)
        for blk in self.blocks:
            x = blk(x)
        return x


class UnetrUpBlock(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, upsample_kernel_size, norm_name,
                 res_block):
        super().__init__()
        up = upsample_kernel_size
        self.transp_conv = Convolution(in_channels, out_channels, up, up, transposed=True)
        self.conv_block = _conv_block(res_block, out_channels + out_channels, out_channels,
                                      kernel_size, 1, norm_name)

    def forward(self, inp, skip):
        out = self.transp_conv(inp)
        out = torch.cat((out, skip), dim=1)
        return self.conv_block(out)


# --------------------------------------------------------------------------------------------
# Vision transformer (monai.networks.nets.vit and the blocks it uses)
# --------------------------------------------------------------------------------------------
class PatchRearrange(nn.Module):
    """einops "b c (h p1) (w p2) (d p3) -> b (h w d) (p1 p2 p3 c)" (no parameters)."""

    def __init__(self, grid, patch):
        super().__init__()
        self.grid = grid
        self.patch = patch

    def forward(self, x):
        c = x.shape[1]
        (gh, gw, gd), (p1, p2, p3) = self.grid, self.patch
        x = x.reshape(-1, c, gh, p1, gw, p2, gd, p3)
        x = x.permute(0, 2, 4, 6, 3, 5, 7, 1)
        return x.reshape(-1, gh * gw * gd, p1 * p2 * p3 * c)


class PatchEmbeddingBlock(nn.Module):
    def __init__(self, in_channels, img_size, patch_size, hidden_size, num_heads, proj_type,
                 dropout_rate):
        super().__init__()
        if proj_type not in ("conv", "perceptron"):
            raise ValueError(f"proj_type {proj_type!r}: 'conv' or 'perceptron'")
        for m, p in zip(img_size, patch_size):
            if m % p:
                raise ValueError("img_size must be a multiple of the 16^3 patch")
        self.proj_type = proj_type
        grid = tuple(m // p for m, p in zip(img_size, patch_size))
        self.n_patches = grid[0] * grid[1] * grid[2]
        self.patch_dim = in_channels * patch_size[0] * patch_size[1] * patch_size[2]
        if proj_type == "conv":
            self.patch_embeddings = nn.Conv3d(in_channels, hidden_size, kernel_size=patch_size,
                                              stride=patch_size)
        else:
            self.patch_embeddings = nn.Sequential(PatchRearrange(grid, tuple(patch_size)),
                                                  nn.Linear(self.patch_dim, hidden_size))
        self.position_embeddings = nn.Parameter(torch.zeros(1, self.n_patches, hidden_size))
        self.dropout = nn.Dropout(dropout_rate)
        # MONAI's initialisation: trunc_normal(std 0.02, [-2, 2]) for pos embedding and Linear.
        nn.init.trunc_normal_(self.position_embeddings, mean=0.0, std=0.02, a=-2.0, b=2.0)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, mean=0.0, std=0.02, a=-2.0, b=2.0)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0.0)

    def forward(self, x):
        x = self.patch_embeddings(x)
        if self.proj_type == "conv":
            x = x.flatten(2).transpose(-1, -2)
        return self.dropout(x + self.position_embeddings)


class MLPBlock(nn.Module):
    def __init__(self, hidden_size, mlp_dim, dropout_rate):
        super().__init__()
        mlp_dim = mlp_dim or hidden_size
        self.linear1 = nn.Linear(hidden_size, mlp_dim)
        self.linear2 = nn.Linear(mlp_dim, hidden_size)
        self.fn = nn.GELU()
        self.drop1 = nn.Dropout(dropout_rate)
        self.drop2 = nn.Dropout(dropout_rate)

    def forward(self, x):
        x = self.drop1(self.fn(self.linear1(x)))
        return self.drop2(self.linear2(x))


class SABlock(nn.Module):
    """Self-attention: qkv Linear (bias=qkv_bias), "b h (qkv l d) -> qkv b l h d", softmax(q k^T
    * d^-0.5) v, "b h l d -> b l (h d)", out_proj Linear."""

    def __init__(self, hidden_size, num_heads, dropout_rate, qkv_bias=False):
        super().__init__()
        self.num_heads = num_heads
        self.dim_head = hidden_size // num_heads
        self.out_proj = nn.Linear(hidden_size, hidden_size)
        self.qkv = nn.Linear(hidden_size, hidden_size * 3, bias=qkv_bias)
        self.drop_output = nn.Dropout(dropout_rate)
        self.drop_weights = nn.Dropout(dropout_rate)
        self.scale = self.dim_head ** -0.5

    def forward(self, x):
        n = x.shape[1]
        qkv = self.qkv(x).reshape(-1, n, 3, self.num_heads, self.dim_head)
        qkv = qkv.permute(2, 0, 3, 1, 4)  # qkv b l h d
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        att = self.drop_weights(att.softmax(dim=-1))
        x = torch.matmul(att, v)  # b l(heads) n d
        x = x.permute(0, 2, 1, 3).reshape(-1, n, self.num_heads * self.dim_head)
        return self.drop_output(self.out_proj(x))


class TransformerBlock(nn.Module):
    def __init__(self, hidden_size, mlp_dim, num_heads, dropout_rate=0.0, qkv_bias=False):
        super().__init__()
        if hidden_size % num_heads:
            raise ValueError("hidden_size should be divisible by num_heads.")
        self.mlp = MLPBlock(hidden_size, mlp_dim, dropout_rate)
        self.norm1 = nn.LayerNorm(hidden_size)
        self.attn = SABlock(hidden_size, num_heads, dropout_rate, qkv_bias)
        self.norm2 = nn.LayerNorm(hidden_size)
        self._register_load_state_dict_pre_hook(self._drop_unused_cross_attention)

    @staticmethod
    def _drop_unused_cross_attention(state_dict, prefix, *args):
        # MONAI 1.4 always builds `norm_cross_attn` / `cross_attn` (with_cross_attention=False
        # leaves them unused); UNETR never calls them, so their weights are ignored here.
        for key in [k for k in state_dict if k.startswith(prefix + "cross_attn.")
                    or k.startswith(prefix + "norm_cross_attn.")]:
            del state_dict[key]

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        x = x + self.mlp(self.norm2(x))
        return x


class ViT(nn.Module):
    def __init__(self, in_channels, img_size, patch_size, hidden_size, mlp_dim, num_layers,
                 num_heads, proj_type, dropout_rate, qkv_bias=False):
        super().__init__()
        self.patch_embedding = PatchEmbeddingBlock(in_channels, img_size, patch_size, hidden_size,
                                                   num_heads, proj_type, dropout_rate)
        self.blocks = nn.ModuleList([
            TransformerBlock(hidden_size, mlp_dim, num_heads, dropout_rate, qkv_bias)
            for _ in range(num_layers)])
        self.norm = nn.LayerNorm(hidden_size)

    def forward(self, x):
        x = self.patch_embedding(x)
        hidden_states_out = []
        for blk in self.blocks:
            x = blk(x)
            hidden_states_out.append(x)
        x = self.norm(x)
        return x, hidden_states_out


# --------------------------------------------------------------------------------------------
class UNETR(nn.Module):
    """Same constructor arguments and defaults as monai.networks.nets.UNETR (3-D only)."""

    def __init__(self, in_channels, out_channels, img_size, feature_size=16, hidden_size=768,
                 mlp_dim=3072, num_heads=12, proj_type="conv", norm_name="instance",
                 conv_block=True, res_block=True, dropout_rate=0.0, spatial_dims=3,
                 qkv_bias=False, pos_embed=None):
        super().__init__()
        if spatial_dims != 3:
            raise ValueError("only spatial_dims=3")
        if not 0 <= dropout_rate <= 1:
            raise ValueError("dropout_rate should be between 0 and 1.")
        if hidden_size % num_heads:
            raise ValueError("hidden_size should be divisible by num_heads.")
        if pos_embed is not None:  # the argument's name before MONAI 1.3
            proj_type = pos_embed
        self.num_layers = NUM_LAYERS
        img_size = _triple(img_size)
        self.patch_size = (PATCH,) * 3
        self.feat_size = tuple(i // p for i, p in zip(img_size, self.patch_size))
        self.hidden_size = hidden_size
        self.classification = False
        self.vit = ViT(in_channels, img_size, self.patch_size, hidden_size, mlp_dim,
                       self.num_layers, num_heads, proj_type, dropout_rate, qkv_bias)
        f = feature_size
        self.encoder1 = UnetrBasicBlock(in_channels, f, 3, 1, norm_name, res_block)
        self.encoder2 = UnetrPrUpBlock(hidden_size, f * 2, 2, 3, 1, 2, norm_name, conv_block,
                                       res_block)
        self.encoder3 = UnetrPrUpBlock(hidden_size, f * 4, 1, 3, 1, 2, norm_name, conv_block,
                                       res_block)
        self.encoder4 = UnetrPrUpBlock(hidden_size, f * 8, 0, 3, 1, 2, norm_name, conv_block,
                                       res_block)
        self.decoder5 = UnetrUpBlock(hidden_size, f * 8, 3, 2, norm_name, res_block)
        self.decoder4 = UnetrUpBlock(f * 8, f * 4, 3, 2, norm_name, res_block)
        self.decoder3 = UnetrUpBlock(f * 4, f * 2, 3, 2, norm_name, res_block)
        self.decoder2 = UnetrUpBlock(f * 2, f, 3, 2, norm_name, res_block)
        self.out = UnetOutBlock(f, out_channels)
        self.proj_axes = (0, 4, 1, 2, 3)
        self.proj_view_shape = list(self.feat_size) + [self.hidden_size]

    def proj_feat(self, x):
        # [b, n, hidden] -> [b, gh, gw, gd, hidden] -> [b, hidden, gh, gw, gd]
        x = x.reshape([-1] + self.proj_view_shape)
        return x.permute(self.proj_axes).contiguous()

    def forward(self, x_in):
        x, hidden_states_out = self.vit(x_in)
        enc1 = self.encoder1(x_in)
        enc2 = self.encoder2(self.proj_feat(hidden_states_out[3]))
        enc3 = self.encoder3(self.proj_feat(hidden_states_out[6]))
        enc4 = self.encoder4(self.proj_feat(hidden_states_out[9]))
        dec4 = self.proj_feat(x)
        dec3 = self.decoder5(dec4, enc4)
        dec2 = self.decoder4(dec3, enc3)
        dec1 = self.decoder3(dec2, enc2)
        out = self.decoder2(dec1, enc1)
        return self.out(out)


# --------------------------------------------------------------------------------------------
# The configuration as stored in metadata.json "architecture"
# --------------------------------------------------------------------------------------------
BTCV_CONFIG = {"type": "UNETR", "in_channels": 1, "out_channels": 14, "img_size": [96, 96, 96],
               "feature_size": 16, "hidden_size": 768, "mlp_dim": 3072, "num_heads": 12,
               "pos_embed": "perceptron", "norm_name": "instance", "res_block": True}


def build_from_config(arch):
    """UNETR from a metadata.json "architecture" dict (conv_block is always True in MONAI's UNETR
    BTCV setup; an explicit "conv_block" key is honoured)."""
    if arch.get("type", "UNETR") != "UNETR":
        raise ValueError(f"architecture type {arch.get('type')!r} is not UNETR")
    return UNETR(in_channels=arch["in_channels"], out_channels=arch["out_channels"],
                 img_size=arch["img_size"], feature_size=arch["feature_size"],
                 hidden_size=arch["hidden_size"], mlp_dim=arch["mlp_dim"],
                 num_heads=arch["num_heads"],
                 proj_type=arch.get("pos_embed", arch.get("proj_type", "perceptron")),
                 norm_name=arch.get("norm_name", "instance"),
                 conv_block=arch.get("conv_block", True), res_block=arch.get("res_block", True),
                 qkv_bias=arch.get("qkv_bias", False))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def trace(model, roi=(96, 96, 96), batch=4, check_batches=(1, 2, 3, 4)):
    """torch.jit.trace with a [batch, C, *roi] example (check_trace on), then checks that the
    traced module matches the eager one for other batch sizes. Returns the traced module."""
    model = model.eval()
    cin = model.vit.patch_embedding.patch_dim // (PATCH ** 3)
    gen = torch.Generator().manual_seed(0)
    example = torch.rand((batch, cin) + tuple(roi), generator=gen)
    with torch.no_grad():
        traced = torch.jit.trace(model, example, check_trace=True)
        for b in check_batches:
            x = torch.rand((b, cin) + tuple(roi), generator=gen)
            ref, got = model(x), traced(x)
            if got.shape != ref.shape or not torch.allclose(got, ref, atol=1e-4, rtol=1e-4):
                raise RuntimeError(f"traced module differs from eager for batch {b}")
    return traced
