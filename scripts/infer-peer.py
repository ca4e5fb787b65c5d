#!/usr/bin/python3
"""PyTorch side of the `loupe infer` throughput benchmark (`make bench`, `infer_` case).

Scores every image of a folder one at a time the way the peer's own evaluation loop does
(`rd_reference.py`: batch 1; EfficientNet-Lite0 teacher, RD student, map, Gaussian blur
sigma 4, score = the map's maximum), with each image's decoding (PIL, bilinear resize,
normalisation) inside the timed loop, as `loupe infer` decodes its files. The weights are
random: they change no timing. Prints one JSON line: {"name", "images", "seconds",
"images_per_s", "p50_ms", "p99_ms", "decode_p50_ms", "score_p50_ms"}.

    /usr/bin/python3 scripts/infer-peer.py --folder FRAMES [--size 256] [--threads 2]
"""
import argparse
import glob
import json
import os
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--folder", required=True)
p.add_argument("--size", type=int, default=256)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--name", default="infer")
args = p.parse_args()
import peer_setup  # noqa: E402

peer_setup.configure(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from scipy import ndimage  # noqa: E402

from rd_reference import anomaly_map, load_image, IMG_EXT  # noqa: E402

model = peer_setup.timing_model(args.threads)
files = sorted(f for f in glob.glob(os.path.join(args.folder, "**", "*"), recursive=True) if f.lower().endswith(IMG_EXT))
if not files:
    sys.exit(f"{args.folder}: no images")

latencies, decodes, scores = [], [], []
with torch.no_grad():
    warm = load_image(files[0], args.size, "pil", "lite")[None]
    anomaly_map(model.teacher(warm), model.student_forward(model.teacher(warm)), args.size)
    start = time.perf_counter()
    for path in files:
        a = time.perf_counter()
        x = load_image(path, args.size, "pil", "lite")[None]
        b = time.perf_counter()
        features = model.teacher(x)
        m = anomaly_map(features, model.student_forward(features), args.size)[0].numpy()
        score = float(ndimage.gaussian_filter(m, sigma=4).max())
        c = time.perf_counter()
        decodes.append(b - a)
        scores.append(c - b)
        latencies.append(c - a)
    seconds = time.perf_counter() - start


def ms(values, q):
    return 1000.0 * float(np.percentile(values, q, method="nearest"))


print(json.dumps({"name": args.name, "images": len(files), "seconds": seconds, "images_per_s": len(files) / seconds,
                  "p50_ms": ms(latencies, 50), "p99_ms": ms(latencies, 99),
                  "decode_p50_ms": ms(decodes, 50), "score_p50_ms": ms(scores, 50)}))
