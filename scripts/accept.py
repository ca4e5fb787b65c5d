#!/usr/bin/python3
"""`make accept`: `loupe compare` on each samples/ category, with the PyTorch peer beside rd.

Every category is one `loupe compare` (its table in runs/accept-NAME-SIZE/comparison.md,
.csv and .json); this script only picks the data and sizes and adds the peer's columns,
so there is one way to compare methods: `loupe compare`.

    /usr/bin/python3 scripts/accept.py [--epochs 30] [--categories texture:192,pcb:256,pcb:tile256] [--seeds 0]
                                       [--methods rd,rd-mff:no-transformer] [--keep-finished] [--lanes 2] [--reuse-peer]

A category is NAME:SIZE (frames shrunk to SIZE²) or NAME:tileT (T-pixel tiles at native
resolution, overlap 32, --tiles-per-image 2 per epoch, evaluated at full resolution).

Without --methods, rd trains on each category and the PyTorch peer (`rd_reference.py`, same
teacher, size, epochs, batch, seeds) trains beside it on the shrunk ones: the table shows
both sides' metrics, median epoch time and inference time per image (issue 5's targets:
every metric within 1 point of the peer or better, epoch time <= 0.7x, inference <= 1.0x).
The peer has no tiling: for pcb:tileT the issue's PyTorch figures for DeepPCB stand beside.

--keep-finished goes on with an interrupted accept (`loupe compare` keeps finished runs and
resumes the interrupted one); without it each category's comparison starts afresh. --lanes
N trains N runs at a time, each pinned to its own core.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

import peer_setup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# LOUPE=PATH runs another build (a frozen copy, while the tree is rebuilt).
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build", "release", "loupe"))
PEER = os.path.join(ROOT, "..", "shared", "peer", "rd_reference.py")
WEIGHTS = peer_setup.teacher_weights("efficientnet-lite0")
PEER_METRICS = [("image AUROC", "image_auroc"), ("pixel AUROC", "pixel_auroc"), ("AUPRO@0.3", "aupro_0.3"), ("pixel AP", "pixel_ap")]
# Issue 7's measurement with the PyTorch peer on DeepPCB (RD, EfficientNet-Lite0).
PEER_PCB_TILED = {"image_auroc": 0.84, "pixel_auroc": 0.95, "aupro_0.3": 0.79}


def compare(name, size, args):
    """`loupe compare` on samples/NAME; returns its comparison.json and folder."""
    folder = os.path.join(ROOT, "runs", f"accept-{name}-{size}")
    if not args.keep_finished:
        shutil.rmtree(folder, ignore_errors=True)
    sizing = ["--tile", size[4:], "--overlap", "32", "--tiles-per-image", str(args.tiles_per_image)] if size.startswith("tile") else ["--size", size]
    command = [LOUPE, "compare", "--data", os.path.join(ROOT, "samples", name), "--methods", args.methods or "rd", "--seeds", args.seeds,
               "--epochs", str(args.epochs), "--lanes", str(args.lanes), "--runs", folder] + sizing
    print(f"== {name} at {size}: {' '.join(command[1:])}", flush=True)
    # Its progress lines and the table go straight to this script's output.
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        sys.exit(f"accept: loupe compare failed for {name}:{size}")
    with open(os.path.join(folder, "comparison.json")) as f:
        return json.load(f), folder


def peer_run(name, size, epochs, seed, reuse):
    """The PyTorch peer's RD on samples/NAME at SIZE² (its JSON: metrics and timings)."""
    data = os.path.join(ROOT, "samples", name)
    out = os.path.join(ROOT, "runs", f"accept-{name}-{seed}-peer.json")
    if reuse and os.path.exists(out):
        with open(out) as f:
            peer = json.load(f)
        config = peer.get("config", {})
        if (config.get("data"), config.get("size"), config.get("epochs"), config.get("seed"), config.get("batch")) == (data, size, epochs, seed, 8):
            print(f"  peer seed {seed}: reusing {os.path.relpath(out, ROOT)}", flush=True)
            return peer
    result = subprocess.run(["/usr/bin/python3", PEER, "--data", data, "--backbone", "efficientnet-lite0", "--weights", WEIGHTS,
                             "--size", str(size), "--epochs", str(epochs), "--batch", "8", "--threads", "2", "--seed", str(seed),
                             "--out", out], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"accept: the peer failed on {name}:{size} seed {seed}:\n{result.stderr}")
    with open(out) as f:
        return json.load(f)


def spread(values):
    mean = statistics.mean(values)
    return f"{100 * mean:9.2f}{'':14}" if len(values) == 1 else f"{100 * mean:9.2f} ({100 * min(values):5.1f}-{100 * max(values):5.1f})"


def beside_peer(name, size, table, folder, args):
    """rd's row of the comparison beside the peer's runs (shrunk) or figures (tiled)."""
    rd = next(row for row in table["rows"] if row["variant"] == "rd")
    seeds = rd["seeds"]
    runs = [json.load(open(os.path.join(folder, f"rd-seed{seed}", "metrics.json"))) for seed in seeds]
    if size.startswith("tile"):
        print(f"{'':14}{'Loupe tiled':>23}{'peer tiled':>12}")
        for label, key in PEER_METRICS:
            peer = PEER_PCB_TILED.get(key) if name == "pcb" else None
            print(f"{label:14}{spread([r[key] for r in runs]):>23}" + (f"{100 * peer:12.1f}" if peer is not None else f"{'—':>12}"))
        return
    peers = [peer_run(name, int(size), args.epochs, seed, args.reuse_peer) for seed in seeds]
    print(f"{'':14}{'Loupe mean (range)':>23}{'PyTorch mean (range)':>24}{'diff':>8}")
    for label, key in PEER_METRICS:
        a, b = [r[key] for r in runs], [p["metrics"][key] for p in peers]
        print(f"{label:14}{spread(a):>23}{spread(b):>24}{100 * (statistics.mean(a) - statistics.mean(b)):+8.2f}")
    epoch, peer_epoch = rd["cells"]["epoch_s"]["median"], statistics.median(p["timings"]["epoch_s_median"] for p in peers)
    infer, peer_infer = rd["cells"]["ms_per_image"]["median"], statistics.median(p["timings"]["infer_ms_per_image"] for p in peers)
    print(f"{'epoch s':14}{epoch:9.2f}{'':14}{peer_epoch:9.2f}{'':15}{epoch / peer_epoch:7.2f}x")
    print(f"{'infer ms/img':14}{infer:9.1f}{'':14}{peer_infer:9.1f}{'':15}{infer / peer_infer:7.2f}x", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--categories", default="texture:192,pcb:256,pcb:tile256")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds")
    parser.add_argument("--tiles-per-image", type=int, default=2, help="tiles drawn per image per epoch in tiled categories")
    parser.add_argument("--methods", help="variants to compare instead of rd beside the peer, e.g. rd,rd-mff,rd-mff:no-transformer")
    parser.add_argument("--keep-finished", action="store_true", help="go on with an interrupted accept instead of starting afresh")
    parser.add_argument("--lanes", type=int, default=1, help="runs trained at a time, each pinned to its own core")
    parser.add_argument("--reuse-peer", action="store_true",
                        help="reuse a peer result already in runs/ for the same data, size, epochs and seed")
    args = parser.parse_args()
    for spec in args.categories.split(","):
        name, size = spec.split(":")
        table, folder = compare(name, size, args)
        if not args.methods:
            beside_peer(name, size, table, folder, args)


if __name__ == "__main__":
    main()
