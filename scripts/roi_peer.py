"""The ROI segmenter (paper 000 section 3.1) in PyTorch, written from the Swift code's doc
comments: the fixtures (`scripts/make-fixtures.py`, `roi_cases`) check Loupe's AMAM,
attention gate and decoder stage against these pieces, and `make bench` times one training
step and one scoring pass of the whole network beside Loupe's (`scripts/methods-peer.py`).

AMAM: a 1x1 view; four views of depthwise 3x1 then 1x3 convolutions dilated 4, 8, 12, 16
and a pointwise conv; a pooled 1x1 view broadcast back; a 3x3 conv and sigmoid weigh the
input. The gate: x * sigmoid(psi(relu(Wg g + Wx x))). A decoder stage: x2 bilinear, 3x3
conv-BN-ReLU, the gated skip concatenated, 3x3 conv-BN-ReLU. The encoder: the reference's
EfficientNet-Lite at output stride 16 (the stride-32 stages at stride 1, their depthwise
convolutions dilated by 2), tapped at the ends of the stride-2, 4, 8 and 16 stages.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(cin, cout, k=1, padding=0):
    return [nn.Conv2d(cin, cout, k, padding=padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class AMAM(nn.Module):
    def __init__(self, c, b):
        super().__init__()
        self.pointwise = nn.Sequential(*cbr(c, b))
        self.dilated = nn.ModuleList([nn.Sequential(
            nn.Conv2d(c, c, (3, 1), padding=(r, 0), dilation=r, groups=c, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, c, (1, 3), padding=(0, r), dilation=r, groups=c, bias=False),
            *cbr(c, b)) for r in (4, 8, 12, 16)])
        self.pooled = nn.Sequential(*cbr(c, b))
        self.gate = nn.Conv2d(6 * b, c, 3, padding=1)

    def forward(self, x):
        pooled = F.interpolate(self.pooled(x.mean(dim=(2, 3), keepdim=True)), size=x.shape[2:], mode="bilinear", align_corners=False)
        views = [self.pointwise(x)] + [d(x) for d in self.dilated] + [pooled]
        return x * torch.sigmoid(self.gate(torch.cat(views, dim=1)))


class Gate(nn.Module):
    def __init__(self, cg, cx, inner):
        super().__init__()
        self.gating = nn.Sequential(nn.Conv2d(cg, inner, 1), nn.BatchNorm2d(inner))
        self.skip = nn.Sequential(nn.Conv2d(cx, inner, 1), nn.BatchNorm2d(inner))
        self.psi = nn.Sequential(nn.Conv2d(inner, 1, 1), nn.BatchNorm2d(1))

    def forward(self, gate, x):
        return x * torch.sigmoid(self.psi(F.relu(self.gating(gate) + self.skip(x))))


class Stage(nn.Module):
    def __init__(self, cin, cout, cskip):
        super().__init__()
        self.upsample = nn.Sequential(*cbr(cin, cout, 3, 1))
        self.gate = Gate(cout, cskip, max(cout // 2, 8)) if cskip else None
        self.merge = nn.Sequential(*cbr(cout + cskip, cout, 3, 1)) if cskip else None

    def forward(self, x, skip=None):
        size = skip.shape[2:] if skip is not None else (2 * x.shape[2], 2 * x.shape[3])
        up = self.upsample(F.interpolate(x, size=size, mode="bilinear", align_corners=False))
        if skip is None:
            return up
        return self.merge(torch.cat([up, self.gate(up, skip)], dim=1))


class RegionSegmentation(nn.Module):
    """The whole segmenter: encoder taps, AMAM on the deepest, a 1x1 conv-BN-ReLU bridge to
    96 channels, four decoder stages (64, 32, 16, 16 channels; the first three gated skips),
    a 1x1 head to one logit per pixel."""

    def __init__(self, name="efficientnet-lite0"):
        super().__init__()
        import rd_reference
        lite = rd_reference.EfficientNetLite(name)
        reached, dilation, index = 2, 1, 0
        for (repeats, _, stride, _, _), end in zip(rd_reference.EFFNET_B0_STAGES, lite.stage_ends):
            if reached * stride > 16:
                dilation *= stride
            else:
                reached *= stride
            for block in lite._blocks[index:end + 1]:
                if dilation > 1:
                    conv = block._depthwise_conv
                    k = conv.kernel_size[0]
                    block._depthwise_conv = nn.Conv2d(conv.in_channels, conv.out_channels, k, 1, padding=dilation * (k - 1) // 2,
                                                      dilation=dilation, groups=conv.groups, bias=False)
            index = end + 1
        self.stem, self.stem_bn = lite._conv_stem, lite._bn0
        self.blocks = nn.ModuleList(lite._blocks)
        self.taps = [lite.stage_ends[0], lite.stage_ends[1], lite.stage_ends[2], lite.stage_ends[-1]]
        channels = [lite.stage_channels[0], lite.stage_channels[1], lite.stage_channels[2], lite.stage_channels[-1]]
        self.attention = AMAM(channels[3], max(channels[3] // 4, 8))
        self.bridge = nn.Sequential(*cbr(channels[3], 96))
        self.stages = nn.ModuleList([Stage(96, 64, channels[2]), Stage(64, 32, channels[1]), Stage(32, 16, channels[0]), Stage(16, 16, 0)])
        self.head = nn.Conv2d(16, 1, 1)

    def forward(self, x):
        x = F.relu6(self.stem_bn(self.stem(x)))
        skips = []
        for index, block in enumerate(self.blocks[:self.taps[3] + 1]):
            x = block(x)
            if index in self.taps:
                skips.append(x)
        x = self.bridge(self.attention(skips[3]))
        for stage, skip in zip(self.stages, [skips[2], skips[1], skips[0], None]):
            x = stage(x, skip)
        return self.head(x)
