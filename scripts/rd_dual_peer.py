"""rd-dual (paper 001) in PyTorch, written from the Swift code's doc comments: the fixtures
(`scripts/make-fixtures.py`) check Loupe's MS-CAM, iAFF and student block against these
pieces, and `make interop` loads an rd-dual run's checkpoint into `DualTeacherModel`
(module and parameter names match Loupe's).

MS-CAM: x weighed by sigmoid(local(x) + global(mean(x))), both branches 1x1 conv-BN-ReLU-1x1
conv-BN with r = 4. iAFF: two rounds, two independent MS-CAMs, no doubling. MAFFM: per
teacher and scale an MS-CAM, per teacher an MFF (rd-mff's) to 3 x the widest stride-16
width, iAFF across the two teachers, OCE (RD's residual embedding) to stride 32. The
student (Figure 2): per stage an upsampling residual block (4x4 transposed conv + BN beside
3x3 conv-BN-ReLU then 4x4 transposed conv + BN, summed, ReLU), then 1x1 conv + BN (+ ReLU
unless the teacher's taps are signed, as EfficientNet-Lite's), deepest first.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from rd_mff_peer import Block as DistillationBlock, Fusion as MultiScaleFeatureFusion


def branch(c, inner):
    return nn.Sequential(nn.Conv2d(c, inner, 1), nn.BatchNorm2d(inner), nn.ReLU(), nn.Conv2d(inner, c, 1), nn.BatchNorm2d(c))


class MSCAM(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.local = branch(c, max(c // r, 1))
        self.__setattr__("global", branch(c, max(c // r, 1)))

    def weights(self, x):
        return torch.sigmoid(self.local(x) + getattr(self, "global")(x.mean(dim=(2, 3), keepdim=True)))

    def forward(self, x):
        return x * self.weights(x)


class IAFF(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.first = MSCAM(c, r)
        self.second = MSCAM(c, r)

    def forward(self, x, y):
        w = self.first.weights(x + y)
        w2 = self.second.weights(x * w + y * (1 - w))
        return x * w2 + y * (1 - w2)


class UpsamplingBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.shortcut = nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout))
        self.residual = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                      nn.ConvTranspose2d(cout, cout, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.shortcut(x) + self.residual(x))


class MAFFM(nn.Module):
    """The teachers' features (per scale, the teachers' channels concatenated) to the stride-32 code."""

    def __init__(self, teachers, r=4, embedding_blocks=2):
        super().__init__()
        self.teachers = teachers  # per teacher, its channels at strides 4, 8, 16
        width = 3 * max(c[2] for c in teachers)
        self.attentions = nn.ModuleList([MSCAM(c, r) for own in teachers for c in own])
        self.scaleFusions = nn.ModuleList([MultiScaleFeatureFusion(own, width) for own in teachers])
        self.teacherFusion = IAFF(width, r)
        e = 2 * sum(c[2] for c in teachers)
        shortcut = nn.Sequential(nn.Conv2d(width, e, 1, 2, bias=False), nn.BatchNorm2d(e))
        self.embedding = nn.Sequential(DistillationBlock(width, e, 2, shortcut), *[DistillationBlock(e, e) for _ in range(embedding_blocks - 1)])

    def forward(self, features):
        per_teacher = []
        for t, own in enumerate(self.teachers):
            start = sum(c[0] for c in self.teachers[:t]), sum(c[1] for c in self.teachers[:t]), sum(c[2] for c in self.teachers[:t])
            parts = [features[s][:, start[s]:start[s] + own[s]] for s in range(3)]
            per_teacher.append(self.scaleFusions[t]([self.attentions[3 * t + s](parts[s]) for s in range(3)]))
        return self.embedding(self.teacherFusion(*per_teacher))


class DualTeacherStudent(nn.Module):
    def __init__(self, channels, linear_output=True):
        super().__init__()
        inputs, outputs = [2 * channels[2], channels[2], channels[1]], [channels[2], channels[1], channels[0]]
        self.stages = nn.ModuleList([nn.Sequential(UpsamplingBlock(i, o), nn.Conv2d(o, o, 1, bias=False), nn.BatchNorm2d(o),
                                                   *([] if linear_output else [nn.ReLU()])) for i, o in zip(inputs, outputs)])

    def forward(self, code):
        deepest = self.stages[0](code)
        middle = self.stages[1](deepest)
        return [self.stages[2](middle), middle, deepest]


class DualTeacherModel(nn.Module):
    """Default rd-dual: EfficientNet-Lite0 and Lite2 ((24, 40, 112) and (24, 48, 120))."""

    def __init__(self, teachers=((24, 40, 112), (24, 48, 120)), r=4):
        super().__init__()
        self.fusion = MAFFM(teachers, r)
        self.student = DualTeacherStudent([sum(c[s] for c in teachers) for s in range(3)])

    def forward(self, features):
        return self.student(self.fusion(features))
