#!/usr/bin/python3
"""rd-mff (paper 000 §3.2) in PyTorch: the independent definition Loupe's Swift model is
checked against (scripts/make-fixtures.py builds the fixture from it). Module and
parameter names match Loupe's, so either side's state_dict loads into the other.

MFF: stride-4 and stride-8 scales brought to stride 16 by 3x3 stride-2 conv-BN-ReLU,
concatenated with stride 16, compacted by 1x1 conv-BN-ReLU; a transformer filter (learned
position embedding + pre-norm GELU encoder layers); a residual embedding stage to stride
32; the student: RD's decoder (passed in, from the shared peer) or the trunk-and-heads
residual student (transposed-conv trunk as wide as the teacher, residual blocks, linear
1x1 heads per scale). Loss: sum over scales of mean(1 - cos).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Block(nn.Module):
    """Loupe's DistillationBlock (basic form): conv1 (stride) - bn1 - relu - conv2 - bn2, + shortcut, relu."""

    def __init__(self, cin, planes, stride=1, shortcut=None, linear=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = shortcut
        self.linear = linear

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        y = y + (self.shortcut(x) if self.shortcut is not None else x)
        return y if self.linear else F.relu(y)


class Fusion(nn.Module):
    def __init__(self, c, width):
        super().__init__()
        c1, c2, c3 = c
        self.down1 = nn.Sequential(conv_bn_relu(c1, c2, 2), conv_bn_relu(c2, c3, 2))
        self.down2 = conv_bn_relu(c2, c3, 2)
        self.compact = nn.Sequential(nn.Conv2d(3 * c3, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())

    def forward(self, f):
        return self.compact(torch.cat([self.down1(f[0]), self.down2(f[1]), f[2]], 1))


class Filter(nn.Module):
    def __init__(self, width, grid, heads, depth):
        super().__init__()
        self.position = nn.Parameter(torch.randn(1, grid * grid, width) * 0.02)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation="gelu",
                                                                batch_first=True, norm_first=True) for _ in range(depth)])

    def forward(self, x):
        n, c, h, w = x.shape
        t = x.reshape(n, c, h * w).permute(0, 2, 1) + self.position
        for layer in self.layers:
            t = layer(t)
        return t.permute(0, 2, 1).reshape(n, c, h, w)


class ResidualStudent(nn.Module):
    def __init__(self, c, embedding):
        super().__init__()
        targets = [c[2], c[1], c[0]]
        up, blocks, heads, cin = [], [], [], embedding
        for t in targets:
            w = t
            up.append(nn.Sequential(nn.ConvTranspose2d(cin, w, 2, 2, bias=False), nn.BatchNorm2d(w), nn.ReLU()))
            blocks.append(Block(w, w))
            heads.append(nn.Conv2d(w, t, 1, bias=True))
            cin = w
        self.up, self.blocks, self.heads = nn.ModuleList(up), nn.ModuleList(blocks), nn.ModuleList(heads)

    def forward(self, e):
        out = []
        for level in range(3):
            e = self.blocks[level](self.up[level](e))
            out.append(self.heads[level](e))
        return out[::-1]


class MultiScaleFusion(nn.Module):
    """The full network for a teacher with stage channels c (stride 4, 8, 16), basic blocks."""

    def __init__(self, c, grid, heads=4, depth=1, embedding_blocks=2, student=None):
        super().__init__()
        width = -(-c[2] // (8 * heads)) * (8 * heads)
        self.fusion = Fusion(c, width)
        self.filter = Filter(width, grid, heads, depth)
        e = 2 * c[2]
        shortcut = nn.Sequential(nn.Conv2d(width, e, 1, 2, bias=False), nn.BatchNorm2d(e))
        self.embedding = nn.Sequential(Block(width, e, 2, shortcut), *[Block(e, e) for _ in range(embedding_blocks - 1)])
        self.student = student if student is not None else ResidualStudent(c, e)
        for name, p in self.named_parameters():  # Loupe's initialisation for convolutions
            if name.endswith("weight") and p.dim() == 4:
                nn.init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")

    def forward(self, f):
        out = self.student(self.embedding(self.filter(self.fusion(f))))
        return list(out)


def loss(teacher, student):
    return sum((1 - F.cosine_similarity(t.flatten(2), s.flatten(2), dim=1)).mean() for t, s in zip(teacher, student))


def anomaly_map(teacher, student, size):
    maps = [F.interpolate((1 - F.cosine_similarity(t, s, dim=1)).unsqueeze(1), size=size, mode="bilinear", align_corners=False)
            for t, s in zip(teacher, student)]
    return torch.cat(maps, 1).sum(1)
