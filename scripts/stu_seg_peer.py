"""stu-seg (paper 004) in PyTorch, written from the Swift code's doc comments: the fixtures
(`scripts/make-fixtures.py`) check Loupe's selective fusion module and U-Net decoder level
against these pieces, and `make interop` loads a stu-seg run's checkpoint into `StuSeg`
(module and parameter names match Loupe's).

SFM: the skip and the deeper feature summed and pooled globally, a 1x1 conv-BN-ReLU
bottleneck (C -> max(C/16, 32)), one 1x1 head per input, softmax across the two, weighted
sum. A decoder level: 1x1 reduce (conv-BN-ReLU), bilinear upsampling to the skip's size,
SFM, a basic block. The student: pfadseg's ResNet-18-shaped encoder of plain blocks, three
levels, 1x1 projections to the teacher's channels at strides 4, 8, 16. The segmentation
network is pfadseg's with plain blocks and RCM, width 2w.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import pfadseg_peer


class SFM(nn.Module):
    def __init__(self, c):
        super().__init__()
        inner = max(c // 16, 32)
        self.squeeze = nn.Sequential(nn.Conv2d(c, inner, 1, bias=False), nn.BatchNorm2d(inner), nn.ReLU())
        self.heads = nn.ModuleList([nn.Conv2d(inner, c, 1) for _ in range(2)])

    def forward(self, skip, deeper):
        z = self.squeeze((skip + deeper).mean(dim=(2, 3), keepdim=True))
        w = torch.softmax(torch.stack([h(z) for h in self.heads], dim=1), dim=1)
        return skip * w[:, 0] + deeper * w[:, 1]


class Level(nn.Module):
    def __init__(self, deeper, c):
        super().__init__()
        self.reduce = nn.Sequential(nn.Conv2d(deeper, c, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.selection = SFM(c)
        self.refine = pfadseg_peer.Block(c, c, pcar=False, aff=False)

    def forward(self, deeper, skip):
        up = F.interpolate(self.reduce(deeper), size=skip.shape[2:], mode="bilinear", align_corners=False)
        return self.refine(self.selection(skip, up))


class UNetStudent(nn.Module):
    def __init__(self, width, teacher_channels):
        super().__init__()
        w = [width * k for k in (1, 2, 4, 8)]
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.encoder = nn.ModuleList([pfadseg_peer.layer(w[max(0, i - 1)], w[i], 1 if i == 0 else 2, pcar=False, aff=False)
                                      for i in range(4)])
        self.levels = nn.ModuleList([Level(w[s + 1], w[s]) for s in (2, 1, 0)])
        self.projections = nn.ModuleList([nn.Conv2d(w[i], teacher_channels[i], 1) for i in range(3)])

    def forward(self, images):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(images))), 3, 2, 1)
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        outputs = [None] * 3
        for level, scale in zip(self.levels, (2, 1, 0)):
            x = level(x, skips[scale])
            outputs[scale] = self.projections[scale](x)
        return outputs


class StuSeg(nn.Module):
    """The trainable network: the student and the segmentation network (stage 2)."""

    def __init__(self, width=32, teacher_channels=(24, 40, 112)):
        super().__init__()
        self.student = UNetStudent(width, teacher_channels)
        self.segmentation = pfadseg_peer.SegmentationNetwork(sum(teacher_channels), 2 * width, torch.Generator().manual_seed(0),
                                                             pcar=False, aff=False)

    def forward(self, images, teacher_features):
        student = self.student(images)
        return student, self.segmentation(pfadseg_peer.discrepancy_input(teacher_features, student))
