#!/usr/bin/python3
"""PyTorch side of the tiled full-frame benchmark (`make bench`, `rd_tiled_` case).

Scores one random frame the way Loupe's tiled runs do: reflection-padded tiles of TILE
pixels overlapping by OVERLAP, teacher + RD student in batches of 8, per-tile unblurred
maps stitched with the mean over overlaps, then one Gaussian blur (sigma 4) of the whole
frame. Prints one JSON line: {"name", "ms", "ms_min", "tiles"}.

    /usr/bin/python3 scripts/tiled-peer.py [--frame 2048] [--tile 256] [--overlap 32] [--repeats 5]
"""
import argparse
import json
import time

p = argparse.ArgumentParser()
p.add_argument("--frame", type=int, default=2048)
p.add_argument("--tile", type=int, default=256)
p.add_argument("--overlap", type=int, default=32)
p.add_argument("--repeats", type=int, default=5)
p.add_argument("--threads", type=int, default=2)
args = p.parse_args()
import peer_setup  # noqa: E402

peer_setup.configure(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from scipy import ndimage  # noqa: E402

from rd_reference import anomaly_map  # noqa: E402

model = peer_setup.timing_model(args.threads)
size, stride = args.tile, args.tile - args.overlap
frame = torch.randn(1, 3, args.frame, args.frame)


def count(length):
    return 1 if length <= size else (length - size + stride - 1) // stride + 1


def score():
    columns = rows = count(args.frame)
    padded = (columns - 1) * stride + size
    pad = padded - args.frame
    x = F.pad(frame, (0, pad, 0, pad), mode="reflect") if pad > 0 else frame
    origins = [(c * stride, r * stride) for r in range(rows) for c in range(columns)]
    sums = torch.zeros(padded, padded, dtype=torch.float64)
    counts = torch.zeros(padded, padded, dtype=torch.float64)
    with torch.no_grad():
        for start in range(0, len(origins), 8):
            batch = origins[start:start + 8]
            tiles = torch.cat([x[:, :, y:y + size, xo:xo + size] for xo, y in batch])
            t = model.teacher(tiles)
            maps = anomaly_map(t, model.student_forward(t), size)
            for (xo, y), m in zip(batch, maps):
                sums[y:y + size, xo:xo + size] += m.double()
                counts[y:y + size, xo:xo + size] += 1
    stitched = (sums / counts)[:args.frame, :args.frame].float().numpy()
    return ndimage.gaussian_filter(stitched, sigma=4), len(origins)


score()
times = []
for _ in range(args.repeats):
    a = time.perf_counter()
    _, tiles = score()
    times.append(1000 * (time.perf_counter() - a))
print(json.dumps({"name": f"rd_tiled_infer_{args.frame}_tile{size}_overlap{args.overlap}", "ms": float(np.median(times)),
                  "ms_min": min(times), "tiles": tiles}))
