#!/usr/bin/python3
"""PyTorch side of loupe-bench's method benchmarks (`make bench`): the transformer encoder
layer rd-mff filters with (pre-norm, GELU, batch first), forward and forward+backward, on
the 8x8 and 16x16 grids; one rd-mff training step (scripts/rd_mff_peer.py) on cached
EfficientNet-Lite0 features at 256 (batch 8, Adam); pfadseg's dilated 3x3 convolutions
(PCAR's branches, 32 channels at 64x64, forward+backward) and one step of its denoising
student (scripts/pfadseg_peer.py; width 32, 256 images, batch 8, SGD) and one step of its
segmentation stage (the frozen student on the 8 good and 8 defective images, the segmentation
network of width 64 trained on their discrepancy); the same two steps of stu-seg
(scripts/stu_seg_peer.py), one rd-dual step (scripts/rd_dual_peer.py), one sacd step (the
reference's RD with scripts/sacd_peer.py's FeaCali), and the scoring pass of every method
on one 256 input (eval mode, the map at 256 before
the blur); and the ROI segmenter's training step and scoring pass (scripts/roi_peer.py). Also sigmoid, softmax and GELU (forward and backward) on 4M values. Prints one JSON object per case:
{"name": ..., "ms": median}. Names match Sources/loupe-bench/MethodBenchmark.swift.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import peer_setup  # noqa: E402

# Threads and OpenMP's passive waiting set before torch loads (it reads them once): spinning
# OpenMP threads ran 2-7x slower whenever anything else shared the cores.
peer_setup.configure(int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2)

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(1, os.path.join(HERE, "..", "..", "shared", "peer"))
import pfadseg_peer  # noqa: E402
import rd_dual_peer  # noqa: E402
import rd_mff_peer as mff  # noqa: E402
import roi_peer  # noqa: E402
import sacd_peer  # noqa: E402
import stu_seg_peer  # noqa: E402

_argv, sys.argv = sys.argv, sys.argv[:1]  # the reference reads sys.argv when imported
import rd_reference  # noqa: E402
sys.argv = _argv


def timeit(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return sorted(times)[len(times) // 2]


LITE0, DUAL = (24, 40, 112), (48, 88, 232)  # Lite0's channels; Lite0 + Lite2's concatenated (rd-dual)


def teacher_features(channels=LITE0, batch=8):
    """Random teacher features of `batch` images at 256: strides 4, 8 and 16."""
    return [torch.randn(batch, c, 256 // s, 256 // s) for c, s in zip(channels, (4, 8, 16))]



def time_training_step(name, model, inputs, loss, optimizer, args):
    """Prints the median time of one step: forward, loss, backward, optimiser."""
    model.train()

    def step():
        value = loss(model(inputs))
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    print(json.dumps({"name": name, "ms": timeit(step, args.repeats, args.warmup)}), flush=True)


def time_two_stage_steps(method, student, segmentation, args):
    """One stage-1 step of the student (8 images at 256², SGD as the method's) and one stage-2
    step (the frozen student on 8 good and 8 defective images, a 64x128 defect in each of the
    latter, the segmentation network trained on their discrepancy), as loupe-bench's
    `addTwoStageCases`."""
    teacher = teacher_features()
    time_training_step(f"{method}_student_step_256_n8", student, torch.randn(8, 3, 256, 256), lambda out: pfadseg_peer.loss(teacher, out),
                       torch.optim.SGD(student.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-4), args)
    teacher = [torch.cat([t, d]) for t, d in zip(teacher_features(), teacher_features())]
    masks = torch.zeros(16, 1, 256, 256)
    masks[8:, :, 96:160, 64:192] = 1

    class SegmentationStage(nn.Module):
        def forward(self, images):
            student.eval()
            with torch.no_grad():
                features = student(images)
            return segmentation(pfadseg_peer.discrepancy_input(teacher, features))
    time_training_step(f"{method}_segmentation_step_256_n8", SegmentationStage(), torch.randn(16, 3, 256, 256),
                       lambda logits: sum(pfadseg_peer.segmentation_loss(logits, masks, 4.0)),
                       torch.optim.SGD(segmentation.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4), args)


class SACD(nn.Module):
    """sacd's network as Loupe's SyntheticContrastiveModel: RD's bottleneck and student
    (the reference's, for EfficientNet-Lite0), then FeaCali on each output."""

    def __init__(self):
        super().__init__()
        rd = rd_reference.RD("efficientnet-lite0")
        self.ocbe, self.student = rd.ocbe, rd.student
        self.calibrations = nn.ModuleList(sacd_peer.FeaCali(c) for c in (24, 40, 112))

    def forward(self, features):
        return [c(s) for c, s in zip(self.calibrations, self.student(self.ocbe(features)))]


def contrastive(anomaly, normal, teacher_of_anomaly, masks, margin=0.5):
    """Paper 002's intra-model contrastive loss at one scale, inside the defect only."""
    inside = F.max_pool2d(masks, masks.shape[2] // anomaly.shape[2])[:, 0]
    pull = 1 - F.cosine_similarity(anomaly, normal.detach(), dim=1)
    push = F.relu(F.cosine_similarity(anomaly, teacher_of_anomaly, dim=1) - margin)
    return ((pull + push) * inside).sum() / inside.sum().clamp(min=1)


def time_sacd_step(args):
    """One sacd step as loupe-bench's: 8 good and 8 defective images' features through
    the network as one batch, RD's loss on both branches against the good teacher features,
    plus 0.1 x the contrastive loss inside a 64x128 defect (Adam)."""
    model, good, defective = SACD(), teacher_features(), teacher_features()
    masks = torch.zeros(8, 1, 256, 256)
    masks[:, :, 96:160, 64:192] = 1

    def loss(both):
        normal, anomaly = [b[:8] for b in both], [b[8:] for b in both]
        return (rd_reference.rd_loss(good, normal) + rd_reference.rd_loss(good, anomaly)
                + 0.1 * sum(contrastive(a, n, t, masks) for a, n, t in zip(anomaly, normal, defective)))
    time_training_step("sacd_step_256_n8", model, [torch.cat([g, d]) for g, d in zip(good, defective)], loss,
                       torch.optim.Adam(model.parameters(), lr=0.005, betas=(0.5, 0.999)), args)


def time_scoring(name, score, args):
    """Prints the median time of one scoring pass, without gradients."""
    with torch.no_grad():
        print(json.dumps({"name": name, "ms": timeit(score, args.repeats, args.warmup)}), flush=True)


def time_scoring_passes(args, pfadseg, stu_seg, dual):
    """Each method's scoring pass on one 256 input, as loupe-bench's `addScoringCases`:
    rd-mff and rd-dual map the sum of 1 - cos upsampled; pfadseg and stu-seg run the student
    on the image and upsample the segmentation network's probabilities."""
    lite0 = teacher_features(batch=1)
    image = torch.randn(1, 3, 256, 256)
    rd = rd_reference.RD("efficientnet-lite0").eval()
    time_scoring("rd_scoring_256_n1", lambda: rd_reference.anomaly_map(lite0, rd.student_forward(lite0), 256), args)
    sacd = SACD().eval()
    time_scoring("sacd_scoring_256_n1", lambda: rd_reference.anomaly_map(lite0, sacd(lite0), 256), args)
    rd_mff = mff.MultiScaleFusion((24, 40, 112), grid=16, heads=4, depth=1).eval()
    time_scoring("rd-mff_scoring_256_n1", lambda: mff.anomaly_map(lite0, rd_mff(lite0), 256), args)
    for method, (student, segmentation) in (("pfadseg", pfadseg), ("stu-seg", stu_seg)):
        student.eval()
        segmentation.eval()
        time_scoring(f"{method}_scoring_256_n1", lambda: F.interpolate(
            torch.sigmoid(segmentation(pfadseg_peer.discrepancy_input(lite0, student(image)))), size=256, mode="bilinear",
            align_corners=False), args)
    blurred = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
    time_scoring("blur_sigma4_256_n1", lambda: ndimage.gaussian_filter(blurred, sigma=4), args)
    dual.eval()
    features = teacher_features(DUAL, batch=1)
    time_scoring("rd-dual_scoring_256_n1", lambda: mff.anomaly_map(features, dual(features), 256), args)


def time_roi(args):
    """The ROI segmenter (scripts/roi_peer.py, Lite0 encoder at output stride 16): one
    training step as `loupe roi train`'s (8 frames at 256, BCE on the logits, Adam, the
    encoder fine-tuned) and one scoring pass on one frame (the part's probabilities)."""
    model = roi_peer.RegionSegmentation()
    frames, masks = torch.randn(8, 3, 256, 256), (torch.rand(8, 1, 256, 256) > 0.5).float()
    time_training_step("roi_step_256_n8", model, frames, lambda logits: F.binary_cross_entropy_with_logits(logits, masks),
                       torch.optim.Adam(model.parameters(), lr=0.002, betas=(0.5, 0.999)), args)
    model.eval()
    frame = frames[:1]
    time_scoring("roi_scoring_256_n1", lambda: torch.sigmoid(model(frame)), args)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for grid in (8, 16):
        layer = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        x = torch.randn(8, grid * grid, 128)
        gout = torch.randn(8, grid * grid, 128)
        with torch.no_grad():
            ms = timeit(lambda: layer(x), args.repeats, args.warmup)
        print(json.dumps({"name": f"transformer_layer_128c_4h_{grid}x{grid}_n8_fwd", "ms": ms}), flush=True)
        xs = x.clone().requires_grad_(True)

        def step():
            layer.zero_grad()
            layer(xs).backward(gout)
        print(json.dumps({"name": f"transformer_layer_128c_4h_{grid}x{grid}_n8_fwdbwd", "ms": timeit(step, args.repeats, args.warmup)}), flush=True)
    x = torch.randn(16, 64, 64, 64)
    with torch.no_grad():
        print(json.dumps({"name": "sigmoid_4M", "ms": timeit(lambda: torch.sigmoid(x), args.repeats, args.warmup)}), flush=True)
        print(json.dumps({"name": "softmax_64c_4M", "ms": timeit(lambda: torch.softmax(x, dim=1), args.repeats, args.warmup)}), flush=True)
    xs, gout = x.clone().requires_grad_(True), torch.randn_like(x)
    print(json.dumps({"name": "gelu_4M_fwdbwd", "ms": timeit(lambda: F.gelu(xs).backward(gout), args.repeats, args.warmup)}), flush=True)
    model = mff.MultiScaleFusion((24, 40, 112), grid=16, heads=4, depth=1)
    feats = teacher_features()
    time_training_step("rd-mff_step_lite0_256_n8", model, feats, lambda out: mff.loss(feats, out),
                       torch.optim.Adam(model.parameters(), lr=0.005, betas=(0.5, 0.999)), args)

    x = torch.randn(8, 32, 64, 64, requires_grad=True)
    gout = torch.randn(8, 32, 64, 64)
    for dilation in (2, 3):
        weight = (torch.randn(32, 32, 3, 3) * 0.05).requires_grad_(True)

        def convolution():
            F.conv2d(x, weight, padding=dilation, dilation=dilation).backward(gout)
        print(json.dumps({"name": f"conv3x3_dilation{dilation}_32c_64x64_n8_fwdbwd", "ms": timeit(convolution, args.repeats, args.warmup)}),
              flush=True)
    pfadseg = (pfadseg_peer.DenoisingStudent(32, (24, 40, 112)), pfadseg_peer.SegmentationNetwork(24 + 40 + 112, 64, torch.Generator().manual_seed(0)))
    time_two_stage_steps("pfadseg", *pfadseg, args)
    stu_seg = stu_seg_peer.StuSeg(32, (24, 40, 112))
    time_two_stage_steps("stu-seg", stu_seg.student, stu_seg.segmentation, args)

    dual = rd_dual_peer.DualTeacherModel()
    features = teacher_features(DUAL)
    time_training_step("rd-dual_step_256_n8", dual, features, lambda out: mff.loss(features, out),
                       torch.optim.Adam(dual.parameters(), lr=0.005, betas=(0.5, 0.999)), args)
    time_sacd_step(args)
    time_scoring_passes(args, pfadseg, (stu_seg.student, stu_seg.segmentation), dual)
    time_roi(args)


if __name__ == "__main__":
    main()
