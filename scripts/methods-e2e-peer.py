#!/usr/bin/python3
"""The PyTorch side of `make bench-methods`: one method trained and scored end to end on a
folder in MVTec layout, as `loupe train` and `loupe eval` do it, on the definitions the
fixtures and `make bench` use (rd and sacd on the reference's RD; rd-mff, rd-dual,
pfadseg, stu-seg on scripts/*_peer.py).

Decoding is included (PIL, as rd_reference.py: every image decoded and resized first). The
teacher's features of the good images are computed once and kept, as rd_reference.py and
Loupe's feature cache do; defective images (sacd; pfadseg's and stu-seg's segmentation
stage; pfadseg's denoising student) are made each step by pasting a 64x128 patch of another
training image at a random place (CutPaste), and the teacher runs on them. Loupe's own
defect kinds (texture blends, scars) cost about the same per image; the networks and
losses are the methods'.

    /usr/bin/python3 scripts/methods-e2e-peer.py --data DIR --method stu-seg [--epochs 2]

Prints one JSON line: epoch seconds per stage, ms per test image (median; teacher, network,
map and blur, as rd_reference.py times them) and the time to decode and extract.
"""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--data", required=True)
parser.add_argument("--method", required=True)
parser.add_argument("--epochs", type=int, default=1, help="epochs per stage")
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--seed", type=int, default=0)
ARGS = parser.parse_args()
import peer_setup  # noqa: E402

peer_setup.configure(ARGS.threads)  # before torch loads: OpenMP reads it once

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import pfadseg_peer  # noqa: E402
import rd_dual_peer  # noqa: E402
import rd_mff_peer as mff  # noqa: E402
import stu_seg_peer  # noqa: E402

_argv, sys.argv = sys.argv, sys.argv[:1]  # the reference reads sys.argv when imported
import rd_reference  # noqa: E402
methods_peer = __import__("importlib").import_module("methods-peer")
sys.argv = _argv

TWO_STAGE = ("pfadseg", "stu-seg")


def cut_paste(images, generator):
    """Each image with a 64x128 patch of another one pasted at random; the masks of the pastes."""
    count, _, height, width = images.shape
    defective, masks = images.clone(), torch.zeros(count, 1, height, width)
    for i in range(count):
        source = int(torch.randint(count, (1,), generator=generator))
        sy, sx, ty, tx = (int(torch.randint(limit, (1,), generator=generator)) for limit in (height - 64, width - 128, height - 64, width - 128))
        defective[i, :, ty:ty + 64, tx:tx + 128] = images[source, :, sy:sy + 64, sx:sx + 128]
        masks[i, :, ty:ty + 64, tx:tx + 128] = 1
    return defective, masks


class Method:
    """What a method trains and how it scores: `stages` is a list of (name, step(images, features, generator))."""

    def __init__(self, name, teachers):
        self.name, self.teachers = name, teachers
        if name == "rd":
            rd = rd_reference.RD("efficientnet-lite0")
            self.model, self.forward = rd, rd.student_forward
            self.parameters = rd.trainable()
        elif name == "sacd":
            self.model = methods_peer.SACD()
            self.forward, self.parameters = self.model, list(self.model.parameters())
        elif name == "rd-mff":
            self.model = mff.MultiScaleFusion((24, 40, 112), grid=16, heads=4, depth=1)
            self.forward, self.parameters = self.model, list(self.model.parameters())
        elif name == "rd-dual":
            self.model = rd_dual_peer.DualTeacherModel()
            self.forward, self.parameters = self.model, list(self.model.parameters())
        elif name == "pfadseg":
            self.student = pfadseg_peer.DenoisingStudent(32, (24, 40, 112))
            self.segmentation = pfadseg_peer.SegmentationNetwork(176, 64, torch.Generator().manual_seed(0))
        elif name == "stu-seg":
            network = stu_seg_peer.StuSeg(32, (24, 40, 112))
            self.student, self.segmentation = network.student, network.segmentation
        else:
            sys.exit(f"methods-e2e-peer: unknown method {name}")

    def features(self, images):
        """The teachers' features, concatenated per scale when there are two (rd-dual)."""
        with torch.no_grad():
            outputs = [teacher(images) for teacher in self.teachers]
        return outputs[0] if len(outputs) == 1 else [torch.cat(parts, dim=1) for parts in zip(*outputs)]

    def stages(self):
        if self.name in TWO_STAGE:
            student = torch.optim.SGD(self.student.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-4)
            segmentation = torch.optim.SGD(self.segmentation.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
            return [("student", lambda *batch: self.student_step(student, *batch)),
                    ("segmentation", lambda *batch: self.segmentation_step(segmentation, *batch))]
        optimizer = torch.optim.Adam(self.parameters, lr=0.005, betas=(0.5, 0.999))
        return [("training", lambda *batch: self.distillation_step(optimizer, *batch))]

    def distillation_step(self, optimizer, images, features, generator):
        self.model.train()
        if self.name == "sacd":
            defective, masks = cut_paste(images, generator)
            teacher_of_defective = self.features(defective)
            both = self.forward([torch.cat([g, d]) for g, d in zip(features, teacher_of_defective)])
            normal, anomaly = [b[:len(images)] for b in both], [b[len(images):] for b in both]
            loss = (rd_reference.rd_loss(features, normal) + rd_reference.rd_loss(features, anomaly)
                    + 0.1 * sum(methods_peer.contrastive(a, n, t, masks) for a, n, t in zip(anomaly, normal, teacher_of_defective)))
        elif self.name == "rd":
            loss = rd_reference.rd_loss(features, self.forward(features))
        else:
            loss = mff.loss(features, self.forward(features))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def student_step(self, optimizer, images, features, generator):
        self.student.train()
        inputs = cut_paste(images, generator)[0] if self.name == "pfadseg" else images  # pfadseg's student denoises
        loss = pfadseg_peer.loss(features, self.student(inputs))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def segmentation_step(self, optimizer, images, features, generator):
        defective, masks = cut_paste(images, generator)
        teacher = [torch.cat([g, d]) for g, d in zip(features, self.features(defective))]
        masks = torch.cat([torch.zeros_like(masks), masks])
        self.student.eval()
        self.segmentation.train()
        with torch.no_grad():
            student = self.student(torch.cat([images, defective]))
        logits = self.segmentation(pfadseg_peer.discrepancy_input(teacher, student))
        loss = sum(pfadseg_peer.segmentation_loss(logits, masks, 4.0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def score(self, image):
        """The blurred 256² map of one normalised image, as `loupe eval` computes it."""
        with torch.no_grad():
            features = self.features(image)
            if self.name in TWO_STAGE:
                self.student.eval()
                self.segmentation.eval()
                logits = self.segmentation(pfadseg_peer.discrepancy_input(features, self.student(image)))
                values = F.interpolate(torch.sigmoid(logits), size=256, mode="bilinear", align_corners=False)[0, 0]
            else:
                self.model.eval()
                student = self.forward(features)
                values = (rd_reference.anomaly_map(features, student, 256) if self.name in ("rd", "sacd")
                          else mff.anomaly_map(features, student, 256))[0]
                values = values.reshape(256, 256)
        return ndimage.gaussian_filter(values.numpy(), sigma=4)


def main():
    args = ARGS
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    started = time.perf_counter()
    _, train, _, test, _ = rd_reference.load_split(args.data, 256, "pil", "lite")
    decode_s = time.perf_counter() - started
    names = ["efficientnet-lite0", "efficientnet-lite2"] if args.method == "rd-dual" else ["efficientnet-lite0"]
    teachers = [rd_reference.Teacher(name, peer_setup.teacher_weights(name)) for name in names]
    method = Method(args.method, teachers)
    started = time.perf_counter()
    parts = [method.features(train[i:i + args.batch]) for i in range(0, len(train), args.batch)]
    cached = [torch.cat([p[k] for p in parts]) for k in range(3)]
    extract_s = time.perf_counter() - started

    generator = torch.Generator().manual_seed(args.seed)
    stages = []
    for name, step in method.stages():
        seconds = []
        for _ in range(args.epochs):
            order = torch.randperm(len(train), generator=generator)
            started = time.perf_counter()
            for i in range(0, len(train), args.batch):
                index = order[i:i + args.batch]
                step(train[index], [f[index] for f in cached], generator)
            seconds.append(time.perf_counter() - started)
            print(f"{args.method} {name}: epoch {len(seconds)} {seconds[-1]:.2f} s", file=sys.stderr, flush=True)
        stages.append({"stage": name, "epoch_s": float(np.median(seconds))})

    method.score(test[:1])  # warm-up
    times = []
    for i in range(len(test)):
        started = time.perf_counter()
        method.score(test[i:i + 1])
        times.append(1000 * (time.perf_counter() - started))
    print(json.dumps({"method": args.method, "images": len(train), "stages": stages, "infer_ms_per_image": float(np.median(times)),
                      "decode_s": decode_s, "extract_s": extract_s}), flush=True)


if __name__ == "__main__":
    main()
