"""sacd's FeaCali in PyTorch, written from the Swift code's doc comments (paper 002): the
fixtures (`scripts/make-fixtures.py`) check Loupe's FeaCali against it, and `make interop`
loads a sacd run's checkpoint into it (`calibrations.0`, `.1`, `.2`, one per scale)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class FeaCali(nn.Module):
    """CBAM-style channel and spatial attention with a residual 1x1 correction."""

    def __init__(self, c):
        super().__init__()
        hidden = max(c // 16, 8)
        self.squeeze = nn.Conv2d(c, hidden, 1)
        self.excite = nn.Conv2d(hidden, c, 1)
        self.spatial = nn.Conv2d(2, 1, 7, padding=3)
        self.correction = nn.Conv2d(c, c, 1)

    def forward(self, x):
        avg = x.mean(dim=(2, 3), keepdim=True)
        mx = x.amax(dim=(2, 3), keepdim=True)
        a = torch.sigmoid(self.excite(F.relu(self.squeeze(avg))) + self.excite(F.relu(self.squeeze(mx))))
        w = x * a
        pooled = torch.cat([w.mean(dim=1, keepdim=True), w.amax(dim=1, keepdim=True)], dim=1)
        return x + self.correction(w * torch.sigmoid(self.spatial(pooled)))
