#!/usr/bin/python3
"""`make bench-scale`: training memory and time as the training set grows, and `loupe infer`
throughput over 500 frames, each beside the PyTorch peer in the same run (issue 24).

Training rows: N random 256² crops of DeepPCB boards (N = 200, 1,000, 5,000 by default;
seeded, grey boards as RGB PNGs) in MVTec layout with a small test split, then one epoch
of rd with the EfficientNet-Lite0 teacher on each side: Loupe computes the features
(`--feature-cache` in a fresh folder, default memory budget) and PyTorch's
`rd_reference.py` caches them in RAM, as it always does. Peak RSS from
`/usr/bin/time -v`, epoch time from each side's own report.

The largest set is trained once more with `--memory-budget 512M` (`--budget`): its
features are then written to the feature cache while caching and each step reads its batch
back, so memory stays flat however many images there are.

Inference row: `loupe infer` (decoding in its loader threads) and `scripts/infer-peer.py`
(the peer's evaluation loop, decoding inline) over the same 500 DeepPCB frames (640² grey
PNG, scored at 256²): images/s and per-image p50/p99 latency.

    /usr/bin/python3 scripts/bench-scale.py [--sizes 200,1000,5000] [--frames 500] [--skip-peer]
"""
import argparse
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_setup  # noqa: E402  (only its paths: this script runs the peers as processes)

peer_setup.use_loupe_openblas_kernels()  # rd_reference.py and infer-peer.py inherit it

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build", "release", "loupe"))
PEER = os.path.join(ROOT, "..", "shared", "peer", "rd_reference.py")
DEEPPCB = os.path.join(ROOT, "..", "shared", "datasets", "deeppcb")
WORK = os.path.join(ROOT, "runs", "bench-scale")


def timed(command, **kwargs):
    """Runs `command` under /usr/bin/time -v; returns (stdout, stderr, peak RSS in MB)."""
    result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"bench-scale: {' '.join(command)} failed:\n{result.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    return result.stdout, result.stderr, int(peak.group(1)) / 1024 if peak else float("nan")


def make_crops(count, size=256, seed=0):
    """train/good with `count` crops; test/good and test/defect with ground truth from samples/pcb."""
    from PIL import Image
    folder = os.path.join(WORK, f"crops-{count}")
    marker = os.path.join(folder, ".complete")
    if os.path.exists(marker):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    train = os.path.join(folder, "train", "good")
    os.makedirs(train)
    boards = sorted(glob.glob(os.path.join(DEEPPCB, "train", "good", "*.png")))
    rng = random.Random(seed)
    for index in range(count):
        board = Image.open(boards[index % len(boards)]).convert("RGB")
        x, y = rng.randrange(board.width - size + 1), rng.randrange(board.height - size + 1)
        board.crop((x, y, x + size, y + size)).save(os.path.join(train, f"{index:05d}.png"))
    samples = os.path.join(ROOT, "samples", "pcb")
    for part in ("test", "ground_truth"):
        shutil.copytree(os.path.join(samples, part), os.path.join(folder, part))
    open(marker, "w").close()
    return folder


def loupe_training(data, count, budget=None):
    name = f"{count}" + (f"-budget-{budget}" if budget else "")
    run = os.path.join(WORK, f"run-{name}")
    cache = os.path.join(WORK, f"features-{name}")
    for path in (run, cache):
        shutil.rmtree(path, ignore_errors=True)
    stdout, _, rss = timed([LOUPE, "train", "--data", data, "--run", run, "--epochs", "1", "--size", "256",
                            "--feature-cache", cache, "--json"] + (["--memory-budget", budget] if budget else []))
    seconds = [e["seconds"] for e in (json.loads(l) for l in stdout.splitlines() if l.startswith("{")) if "epoch" in e and "seconds" in e]
    shutil.rmtree(cache, ignore_errors=True)
    return {"peak_rss_mb": rss, "epoch_s": seconds[-1] if seconds else float("nan"), "run": run}


def peer_training(data, count, weights):
    out = os.path.join(WORK, f"peer-{count}.json")
    _, _, rss = timed(["/usr/bin/python3", PEER, "--data", data, "--backbone", "efficientnet-lite0", "--weights", weights,
                       "--size", "256", "--epochs", "1", "--batch", "8", "--threads", "2", "--out", out])
    with open(out) as f:
        report = json.load(f)
    return {"peak_rss_mb": rss, "epoch_s": report["timings"]["epoch_s_median"]}


def frames(count):
    folder = os.path.join(WORK, f"frames-{count}")
    if not os.path.isdir(folder) or len(os.listdir(folder)) != count:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        paths = sorted(glob.glob(os.path.join(DEEPPCB, "test", "*", "*.png")) + glob.glob(os.path.join(DEEPPCB, "train", "good", "*.png")))
        for index, path in enumerate(paths[:count]):
            shutil.copyfile(path, os.path.join(folder, f"{index:04d}.png"))
    return folder


def loupe_infer(run, folder):
    result = subprocess.run([LOUPE, "infer", "--run", run, folder], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench-scale: loupe infer failed:\n{result.stderr[-3000:]}")
    line = [l for l in result.stderr.splitlines() if "images/s" in l][-1]
    numbers = dict(images_per_s=r"([\d.]+) images/s", p50_ms=r"per image p50 ([\d.]+) ms", p99_ms=r"p99 ([\d.]+) ms")
    return {key: float(re.search(pattern, line).group(1)) for key, pattern in numbers.items()} | {"line": line}


def peer_infer(folder):
    result = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "infer-peer.py"), "--folder", folder],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"bench-scale: infer-peer.py failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200,1000,5000")
    parser.add_argument("--frames", type=int, default=500)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--budget", default="512M", help="also train the largest set under this --memory-budget ('' to skip)")
    parser.add_argument("--weights", default=peer_setup.teacher_weights("efficientnet-lite0"),
                        help="the peer's Lite0 weights (default: where Loupe finds its own, LOUPE_WEIGHTS or ~/.cache/loupe/weights)")
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    rows, first_run = [], None
    for count in [int(n) for n in args.sizes.split(",")]:
        data = make_crops(count)
        ours = loupe_training(data, count)
        first_run = first_run or ours["run"]
        peer = None if args.skip_peer else peer_training(data, count, args.weights)
        rows.append((count, ours, peer))
        print(json.dumps({"images": count, "loupe": ours, "peer": peer}), flush=True)
    if args.budget:
        # The largest set again with its features streamed from the feature cache.
        count = rows[-1][0]
        ours = loupe_training(make_crops(count), count, args.budget)
        rows.append((f"{count:,} with --memory-budget {args.budget}", ours, None))
        print(json.dumps({"images": count, "budget": args.budget, "loupe": ours}), flush=True)
    folder = frames(args.frames)
    inferred = loupe_infer(first_run, folder)
    peer_inferred = None if args.skip_peer else peer_infer(folder)
    print(json.dumps({"infer": inferred, "peer": peer_inferred}), flush=True)

    print("\n| training images (256² crops) | Loupe peak RSS | PyTorch peak RSS | Loupe epoch | PyTorch epoch | epoch ratio |")
    print("|---|---|---|---|---|---|")
    for count, ours, peer in rows:
        p_rss = f"{peer['peak_rss_mb']:,.0f} MB" if peer else "—"
        p_epoch = f"{peer['epoch_s']:.1f} s" if peer else "—"
        ratio = f"{ours['epoch_s'] / peer['epoch_s']:.2f}×" if peer else "—"
        label = f"{count:,}" if isinstance(count, int) else count
        print(f"| {label} | {ours['peak_rss_mb']:,.0f} MB | {p_rss} | {ours['epoch_s']:.1f} s | {p_epoch} | {ratio} |")
    peer = peer_inferred
    p = f"{peer['images_per_s']:.1f} images/s, p50 {peer['p50_ms']:.1f} ms, p99 {peer['p99_ms']:.1f} ms" if peer else "—"
    print(f"\n`loupe infer`, {args.frames} DeepPCB frames at 256²: {inferred['images_per_s']:.1f} images/s, "
          f"p50 {inferred['p50_ms']:.1f} ms, p99 {inferred['p99_ms']:.1f} ms; peer: {p}")


if __name__ == "__main__":
    main()
