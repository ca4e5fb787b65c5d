#!/usr/bin/python3
"""`make bench-methods`: every method end to end, Loupe beside a PyTorch loop over the same
data in the same run (issue 42): `loupe train` and `loupe eval` on N random 256² crops of
DeepPCB boards (the crops `make bench-scale` makes; samples/pcb's test split), and
`scripts/methods-e2e-peer.py` on the same folder, one after the other, 2 threads each.

Per method: the epoch time of each stage (two-stage methods train their student, then their
segmentation network: one epoch each per `--epochs`), milliseconds per test image (the
median; Loupe's `eval` timing, the peer's teacher + network + map + blur as rd_reference.py
times them) and peak RSS (`/usr/bin/time -v`) of `loupe train` and of the peer's process, which
also scores.

    /usr/bin/python3 scripts/bench-methods.py [--images 1000] [--epochs 1] [--methods rd,sacd] [--skip-peer]

RD's run-level row as the issue measures it: `--images 200 --epochs 5 --methods rd`
(`make bench-methods IMAGES=200 BENCH_EPOCHS=5 METHODS=rd`).
"""
import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build", "release", "loupe"))
PEER = os.path.join(ROOT, "scripts", "methods-e2e-peer.py")
METHODS = "rd,rd-mff,rd-dual,sacd,pfadseg,stu-seg"
TWO_STAGE = ("pfadseg", "stu-seg")

_spec = importlib.util.spec_from_file_location("bench_scale", os.path.join(ROOT, "scripts", "bench-scale.py"))
bench_scale = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_scale)


def loupe(method, data, epochs, work):
    """Trains and evaluates one run; returns stage epoch seconds, ms per image, peak RSS (MB)."""
    run, cache = os.path.join(work, f"loupe-{method}"), os.path.join(work, f"features-{method}")
    for path in (run, cache):
        shutil.rmtree(path, ignore_errors=True)
    total = 2 * epochs if method in TWO_STAGE else epochs
    stdout, _, rss = bench_scale.timed([LOUPE, "train", "--data", data, "--method", method, "--run", run, "--epochs", str(total),
                                        "--size", "256", "--feature-cache", cache, "--json", "--threads", "2"])
    stages, current = [], None
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if "stage" in event:
            current = {"stage": event["name"], "seconds": []}
            stages.append(current)
        elif "epoch" in event and "seconds" in event:
            if current is None:
                current = {"stage": "training", "seconds": []}
                stages.append(current)
            current["seconds"].append(event["seconds"])
    bench_scale.timed([LOUPE, "eval", "--run", run, "--quiet", "--threads", "2"])
    with open(os.path.join(run, "metrics.json")) as f:
        infer = json.load(f)["infer_ms_per_image"]
    shutil.rmtree(cache, ignore_errors=True)
    return {"stages": [{"stage": s["stage"], "epoch_s": statistics.median(s["seconds"])} for s in stages if s["seconds"]],
            "infer_ms_per_image": infer, "peak_rss_mb": rss}


def peer(method, data, epochs):
    stdout, _, rss = bench_scale.timed(["/usr/bin/python3", PEER, "--data", data, "--method", method, "--epochs", str(epochs), "--threads", "2"])
    report = json.loads(stdout.strip().splitlines()[-1])
    return report | {"peak_rss_mb": rss}


def seconds(result):
    return " / ".join(f"{s['epoch_s']:.1f}" for s in result["stages"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=1000, help="training crops (256², from DeepPCB boards)")
    parser.add_argument("--epochs", type=int, default=1, help="epochs per stage")
    parser.add_argument("--methods", default=METHODS)
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()
    os.makedirs(bench_scale.WORK, exist_ok=True)
    data = bench_scale.make_crops(args.images)
    work = os.path.join(bench_scale.WORK, f"methods-{args.images}")
    os.makedirs(work, exist_ok=True)
    rows = []
    for method in args.methods.split(","):
        ours = loupe(method, data, args.epochs, work)
        print(json.dumps({"method": method, "loupe": ours}), flush=True)
        theirs = None if args.skip_peer else peer(method, data, args.epochs)
        if theirs:
            print(json.dumps({"method": method, "peer": theirs}), flush=True)
        rows.append((method, ours, theirs))

    print(f"\n{args.images} DeepPCB crops at 256², batch 8, {args.epochs} epoch(s) per stage, 2 threads; "
          "epoch s per stage (two-stage: student / segmentation), ms per test image, peak RSS of training")
    print("\n| method | Loupe epoch s | PyTorch epoch s | epoch ratio | Loupe ms/img | PyTorch ms/img | ms/img ratio | Loupe peak MB | PyTorch peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for method, ours, theirs in rows:
        if theirs:
            ratio = " / ".join(f"{o['epoch_s'] / t['epoch_s']:.2f}×" for o, t in zip(ours["stages"], theirs["stages"]))
            cells = [seconds(theirs), ratio, f"{theirs['infer_ms_per_image']:.1f}",
                     f"{ours['infer_ms_per_image'] / theirs['infer_ms_per_image']:.2f}×", f"{theirs['peak_rss_mb']:,.0f}"]
        else:
            cells = ["—", "—", "—", "—", "—"]
        print(f"| {method} | {seconds(ours)} | {cells[0]} | {cells[1]} | {ours['infer_ms_per_image']:.1f} | {cells[2]} | {cells[3]} | "
              f"{ours['peak_rss_mb']:,.0f} | {cells[4]} |")
    print("\nRatios are Loupe's time over PyTorch's: 0.5× or less is issue 42's target.")


if __name__ == "__main__":
    main()
