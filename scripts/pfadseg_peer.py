#!/usr/bin/python3
"""pfadseg (paper 003) in PyTorch, written from the definitions in the Swift code's doc
comments: the independent reference its fixtures are made from (scripts/make-fixtures.py)
and the PyTorch side of its benchmarks (scripts/methods-peer.py). Module and parameter
names match Loupe's.

AFF: 2·x·w + 2·y·(1 − w), w = sigmoid(local(x + y) + global(mean(x + y))), each branch
1x1 conv-BN-ReLU-1x1 conv-BN with r = 4. SPR: x · sigmoid(excite(relu(squeeze(pyramid)))),
the pyramid the whole map's mean and its 2x2 quadrants' (5C values). PCAR: 3x3 convs
dilated 1, 2, 3, each recalibrated by SPR, softmax across the branches, weighted sum. The
PA_Residual block: conv-BN-ReLU, PCAR (or a 3x3 conv), BN, + shortcut through AFF (or a
sum), ReLU. RCM: rectangular self-calibration. The denoising student: a ResNet-18-like
encoder of PA blocks, widths width x (1, 2, 4, 8), and the encoder reversed as decoder
(bilinear upsampling), 1x1 projections to the teacher's channels at strides 4, 8, 16.
The segmentation network (stage 2): the discrepancy input (per scale -T^ * S^, resized to
stride 4), two PA blocks, RCM, 3x3 conv-BN-ReLU, 1x1 conv; focal (alpha off) + L1 loss.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def branch(c, inner):
    return nn.Sequential(nn.Conv2d(c, inner, 1), nn.BatchNorm2d(inner), nn.ReLU(), nn.Conv2d(inner, c, 1), nn.BatchNorm2d(c))


class AFF(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.local = branch(c, c // 4)
        self.__setattr__("global", branch(c, c // 4))

    def forward(self, x, y):
        s = x + y
        w = torch.sigmoid(self.local(s) + getattr(self, "global")(s.mean(dim=(2, 3), keepdim=True)))
        return 2 * x * w + 2 * y * (1 - w)


class SPR(nn.Module):
    def __init__(self, c):
        super().__init__()
        inner = max(c // 16, 8)
        self.squeeze = nn.Conv2d(5 * c, inner, 1)
        self.excite = nn.Conv2d(inner, c, 1)

    def forward(self, x):
        n = x.shape[0]
        d = torch.cat([F.adaptive_avg_pool2d(x, 1), F.adaptive_avg_pool2d(x, 2).reshape(n, -1, 1, 1)], dim=1)
        return x * torch.sigmoid(self.excite(F.relu(self.squeeze(d))))


class PCAR(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.branches = nn.ModuleList([nn.Conv2d(c, c, 3, padding=d, dilation=d, bias=False) for d in (1, 2, 3)])
        self.recalibrations = nn.ModuleList([SPR(c) for _ in range(3)])

    def forward(self, x):
        stacked = torch.stack([r(b(x)) for b, r in zip(self.branches, self.recalibrations)], dim=1)
        return (torch.softmax(stacked, dim=1) * stacked).sum(dim=1)


class Block(nn.Module):
    """PA_Residual block; a projection shortcut only when the shape changes."""

    def __init__(self, cin, cout, stride=1, pcar=True, aff=True):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = PCAR(cout) if pcar else nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None if cin == cout and stride == 1 else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
        self.fusion = AFF(cout) if aff else None

    def forward(self, x):
        b = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        identity = x if self.shortcut is None else self.shortcut(x)
        return F.relu(b + identity if self.fusion is None else self.fusion(b, identity))


class RCM(nn.Module):
    def __init__(self, c, generator):
        super().__init__()
        self.local = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.horizontal = nn.Conv2d(c, c, (1, 11), padding=(0, 5), groups=c)
        self.bandNorm = nn.BatchNorm2d(c)
        self.vertical = nn.Conv2d(c, c, (11, 1), padding=(5, 0), groups=c)
        self.norm = nn.BatchNorm2d(c)
        self.expand = nn.Conv2d(c, 2 * c, 1)
        self.contract = nn.Conv2d(2 * c, c, 1)
        self.gamma = nn.Parameter(torch.randn(c, generator=generator) * 0.5)

    def forward(self, x):
        context = x.mean(dim=3, keepdim=True) + x.mean(dim=2, keepdim=True)
        attention = torch.sigmoid(self.vertical(F.relu(self.bandNorm(self.horizontal(context)))))
        mixed = self.norm(attention * self.local(x))
        return self.contract(F.gelu(self.expand(mixed))) * self.gamma.reshape(1, -1, 1, 1) + x


def layer(cin, cout, stride=1, **switches):
    return nn.Sequential(Block(cin, cout, stride, **switches), Block(cout, cout, **switches))


class DenoisingStudent(nn.Module):
    def __init__(self, width, teacher_channels, **switches):
        super().__init__()
        w = [width * k for k in (1, 2, 4, 8)]
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.encoder = nn.ModuleList([layer(w[max(0, i - 1)], w[i], 1 if i == 0 else 2, **switches) for i in range(4)])
        self.decoder = nn.ModuleList([layer(w[3], w[3], **switches)] + [layer(w[i + 1], w[i], **switches) for i in (2, 1, 0)])
        self.projections = nn.ModuleList([nn.Conv2d(w[i], teacher_channels[i], 1) for i in range(3)])

    def forward(self, images):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(images))), 3, 2, 1)
        sizes = []
        for stage in self.encoder:
            x = stage(x)
            sizes.append(x.shape[2:])
        x = self.decoder[0](x)
        outputs = [None] * 3
        for step, target in enumerate((2, 1, 0)):
            x = self.decoder[step + 1](F.interpolate(x, size=sizes[target], mode="bilinear", align_corners=False))
            outputs[target] = self.projections[target](x)
        return outputs


def loss(teacher, student):
    """Sum over scales of mean(1 - cos) across channels."""
    return sum((1 - F.cosine_similarity(t, s, dim=1)).mean() for t, s in zip(teacher, student))


class SegmentationNetwork(nn.Module):
    def __init__(self, cin, width, generator, **switches):
        super().__init__()
        self.residual = layer(cin, width, **switches)
        self.context = RCM(width, generator)
        self.head = nn.Sequential(nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                                  nn.Conv2d(width, 1, 1))

    def forward(self, x):
        return self.head(self.context(self.residual(x)))


def discrepancy_input(teacher, student):
    """Per scale -normalize(T) * normalize(S) over channels, resized to the first scale's size."""
    size = teacher[0].shape[2:]
    products = [-(F.normalize(t, dim=1) * F.normalize(s, dim=1)) for t, s in zip(teacher, student)]
    return torch.cat([p if p.shape[2:] == size else F.interpolate(p, size=size, mode="bilinear", align_corners=False)
                      for p in products], dim=1)


def segmentation_loss(logits, masks, gamma):
    """(focal, l1): the focal loss without alpha and L1 on the probabilities, against the
    masks resized bilinearly to the logits and thresholded at 0.5."""
    targets = (F.interpolate(masks, size=logits.shape[2:], mode="bilinear", align_corners=False) >= 0.5).float()
    focal = torchvision.ops.sigmoid_focal_loss(logits, targets, alpha=-1, gamma=gamma, reduction="mean")
    return focal, (torch.sigmoid(logits) - targets).abs().mean()
