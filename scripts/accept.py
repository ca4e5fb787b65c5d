#!/usr/bin/python3
"""`make accept`: Loupe's `rd` beside the PyTorch peer on each samples/ category.

For each category both train RD with the EfficientNet-Lite0 teacher at the same size,
epochs and batch (Adam 0.005, betas 0.5/0.999), evaluate on the test split, and the
metrics, median epoch time and median inference time per image are printed side by
side. With several seeds (--seeds 0,1,2) each side trains once per seed and the table
shows means and the spread (min-max), so a difference can be told from seed noise.
Targets (issue 5): every metric within 1 point of the peer or better; epoch time
<= 0.7x the peer's; inference <= 1.0x.

A category written NAME:tileT (e.g. pcb:tile256) trains Loupe on T-pixel tiles cut at
native resolution (overlap 32, --tiles-per-image per epoch) and evaluates at full
resolution; the peer has no tiling, so the table shows the issue's PyTorch figures for
DeepPCB (shrunk 640->256 vs 256 tiles) beside Loupe's shrunk and tiled runs.

    /usr/bin/python3 scripts/accept.py [--epochs 30] [--categories texture:192,pcb:256,pcb:tile256] [--seeds 0]
                                       [--reuse-peer]

With --methods (e.g. rd,rd-mff,rd-mff:no-transformer,rd-mff:no-mff,rd-mff:mirror-student;
after a colon, the method's options without their dashes, joined by +) every method
trains with the same teacher, size, epochs and seeds, and one table per category shows
image AUROC, pixel AUROC, AUPRO, pixel AP, IAP, epoch time and inference time (mean and
range over seeds). `make accept METHODS=...` runs it. --lanes 2 trains two runs at a
time, each pinned to its own core (`make accept ... LANES=2`).
"""
import argparse
import concurrent.futures
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# LOUPE=PATH runs another build (a frozen copy, while the tree is rebuilt).
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build", "release", "loupe"))
PEER = os.path.join(ROOT, "..", "shared", "peer", "rd_reference.py")
WEIGHTS = os.path.join(os.environ.get("LOUPE_WEIGHTS", os.path.expanduser("~/.cache/loupe/weights")), "efficientnet-lite0-57934424.pth")
METRICS = [("image AUROC", "image_auroc", "image_auroc"), ("pixel AUROC", "pixel_auroc", "pixel_auroc"),
           ("AUPRO@0.3", "aupro_0.3", "aupro_0.3"), ("pixel AP", "pixel_ap", "pixel_ap")]


def run(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"accept: {' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


# Issue 7's measurement with the PyTorch peer on DeepPCB (RD, EfficientNet-Lite0).
PEER_PCB = {"shrunk": {"image_auroc": 0.62, "pixel_auroc": 0.91, "aupro_0.3": 0.68},
            "tiled": {"image_auroc": 0.84, "pixel_auroc": 0.95, "aupro_0.3": 0.79}}


def tiled_category(name, tile, epochs, seed, tiles_per_image):
    data = os.path.join(ROOT, "samples", name)
    folder = os.path.join(ROOT, "runs", f"accept-{name}-tile{tile}-{seed}")
    shutil.rmtree(folder, ignore_errors=True)
    lines = run([LOUPE, "train", "--data", data, "--run", folder, "--epochs", str(epochs), "--tile", str(tile), "--overlap", "32",
                 "--tiles-per-image", str(tiles_per_image), "--seed", str(seed), "--json"])
    epoch_seconds = [event["seconds"] for event in json_events(lines) if "epoch" in event and "seconds" in event]
    report_training_checks(seed, lines)
    ours = json.loads(run([LOUPE, "eval", "--run", folder, "--json"]))
    ours["epoch_s_median"] = statistics.median(epoch_seconds)
    return ours


def json_events(lines):
    """The objects `loupe train --json` printed, one per line (keys sorted)."""
    return [json.loads(line) for line in lines.splitlines() if line.startswith("{")]


def report_training_checks(seed, lines):
    """Says when `loupe train` kept the best epoch or recalibrated BatchNorm statistics."""
    for event in json_events(lines):
        if "restored_best_epoch" in event:
            print(f"  seed {seed}: final epoch spiked (loss {event['final_loss']:.4f}), "
                  f"kept epoch {event['restored_best_epoch']} (loss {event['best_loss']:.4f})", flush=True)
        elif "running_statistics_recalibrated" in event:
            print(f"  seed {seed}: stale BatchNorm statistics (evaluation loss {event['stale_loss']:.4f} against "
                  f"{event['training_loss']:.4f}) recalibrated: {event['recalibrated_loss']:.4f}", flush=True)


def category(name, size, epochs, seed, reuse_peer=False):
    data = os.path.join(ROOT, "samples", name)
    folder = os.path.join(ROOT, "runs", f"accept-{name}-{seed}")
    shutil.rmtree(folder, ignore_errors=True)
    lines = run([LOUPE, "train", "--data", data, "--run", folder, "--epochs", str(epochs), "--size", str(size),
                 "--seed", str(seed), "--json"])
    epoch_seconds = [event["seconds"] for event in json_events(lines) if "epoch" in event and "seconds" in event]
    report_training_checks(seed, lines)
    ours = json.loads(run([LOUPE, "eval", "--run", folder, "--json"]))
    ours["epoch_s_median"] = statistics.median(epoch_seconds)
    peer_out = os.path.join(ROOT, "runs", f"accept-{name}-{seed}-peer.json")
    if reuse_peer and os.path.exists(peer_out):
        with open(peer_out) as f:
            peer = json.load(f)
        config = peer.get("config", {})
        if (config.get("data"), config.get("size"), config.get("epochs"), config.get("seed"), config.get("batch")) == (data, size, epochs, seed, 8):
            print(f"  seed {seed}: reusing {os.path.relpath(peer_out, ROOT)}", flush=True)
            return ours, peer
    run(["/usr/bin/python3", PEER, "--data", data, "--backbone", "efficientnet-lite0", "--weights", WEIGHTS, "--size", str(size),
         "--epochs", str(epochs), "--batch", "8", "--threads", "2", "--seed", str(seed), "--out", peer_out])
    with open(peer_out) as f:
        peer = json.load(f)
    return ours, peer


def method_run(name, size, epochs, seed, variant, pin=()):
    """One Loupe run of a method variant ("rd-mff:no-transformer+heads=2") on a category;
    `pin` prefixes its commands (a lane's `taskset -c N`)."""
    method, _, options = variant.partition(":")
    flags = []
    for option in filter(None, options.split("+")):
        key, _, value = option.partition("=")
        flags += [f"--{key}"] + ([value] if value else [])
    data = os.path.join(ROOT, "samples", name)
    slug = variant.replace(":", "-").replace("+", "-").replace("=", "")
    folder = os.path.join(ROOT, "runs", f"accept-{name}-{size}-{slug}-{seed}")
    # An interrupted run is continued (--resume), not trained again, with --keep-finished.
    resume = KEEP_FINISHED and os.path.exists(os.path.join(folder, "model.safetensors"))
    if KEEP_FINISHED:
        finished = finished_run(folder, epochs)
        if finished:
            return finished
    if resume:
        print(f"  {os.path.basename(folder)}: interrupted earlier, resumed", flush=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    sizing = ["--tile", size[4:], "--overlap", "32", "--tiles-per-image", "2"] if size.startswith("tile") else ["--size", size]
    lines = run([*pin, LOUPE, "train", "--data", data, "--run", folder, "--epochs", str(epochs), "--seed", str(seed), "--json",
                 "--method", method] + sizing + flags + (["--resume"] if resume else []))
    report_training_checks(seed, lines)
    ours = json.loads(run([*pin, LOUPE, "eval", "--run", folder, "--json"]))
    print(f"  {os.path.basename(folder)}: done", flush=True)
    seconds = [event["seconds"] for event in json_events(lines) if "epoch" in event and "seconds" in event]
    ours["epoch_s_median"] = statistics.median(seconds) if seconds else logged_epoch_seconds(folder, epochs)
    return ours


KEEP_FINISHED = False


def finished_run(folder, epochs):
    """A run an earlier `--keep-finished` accept finished (all epochs logged, evaluated):
    its metrics, and its median epoch time from train-log.csv."""
    try:
        with open(os.path.join(folder, "metrics.json")) as f:
            metrics = json.load(f)
    except (OSError, ValueError):
        return None
    seconds = logged_epoch_seconds(folder, epochs)
    if seconds is None:
        return None
    metrics["epoch_s_median"] = seconds
    print(f"  {os.path.basename(folder)}: finished earlier, reused", flush=True)
    return metrics


def logged_epoch_seconds(folder, epochs=None):
    """The median epoch time in a run's train-log.csv (seconds since the start at each
    epoch's last step; a resumed run starts counting again), or None unless all `epochs`
    (given) or any epochs (not given) are logged."""
    ends = {}
    try:
        with open(os.path.join(folder, "train-log.csv")) as f:
            header = f.readline().strip().split(",")
            column = header.index("seconds")
            for line in f:
                fields = line.strip().split(",")
                ends[int(fields[0])] = float(fields[column])
    except (OSError, ValueError):
        return None
    if not ends or (epochs is not None and sorted(ends) != list(range(1, epochs + 1))):
        return None
    return statistics.median(ends[e] - (ends.get(e - 1, 0) if ends.get(e - 1, 0) <= ends[e] else 0) for e in sorted(ends))


def method_tables(args, seeds):
    """Every method variant on every category, one table per category."""
    columns = [("I-AUROC", "image_auroc", 100), ("P-AUROC", "pixel_auroc", 100), ("AUPRO", "aupro_0.3", 100),
               ("P-AP", "pixel_ap", 100), ("IAP", "iap", 100), ("IAP@90", "iap_90", 100)]
    report = {}
    for spec in args.categories.split(","):
        name, size = spec.split(":")
        variants = args.methods.split(",")
        print(f"== {name} at {size}, {args.epochs} epochs, seeds {seeds}: {', '.join(variants)}", flush=True)
        jobs = [(variant, seed) for variant in variants for seed in seeds]
        finished = run_in_lanes(args.lanes, jobs, lambda job, pin: method_run(name, size, args.epochs, job[1], job[0], pin))
        results = {variant: [finished[(variant, seed)] for seed in seeds] for variant in variants}
        report[spec] = {variant: [{"seed": seed, "loupe": r} for seed, r in zip(seeds, runs)] for variant, runs in results.items()}
        width = max(len(v) for v in variants) + 2
        print(f"| {name} {size} | " + " | ".join(label for label, _, _ in columns) + " | epoch s | ms/img |")
        print("|---" * (len(columns) + 3) + "|")
        for variant, runs in results.items():
            cells = [spread([r.get(key) or 0 for r in runs], scale).strip() for _, key, scale in columns]
            epoch = statistics.median(r["epoch_s_median"] for r in runs)
            infer = statistics.median(r["infer_ms_per_image"] for r in runs)
            print(f"| {variant:{width}}| " + " | ".join(cells) + f" | {epoch:.2f} | {infer:.1f} |", flush=True)
    with open(os.path.join(ROOT, "runs", "accept-methods.json"), "w") as f:
        json.dump(report, f, indent=2)


def run_in_lanes(lanes, jobs, work):
    """`work(job, pin)` for every job, in order with one lane; with more, one job per core at
    a time, each pinned to its core (`taskset -c`), so Loupe runs one thread there: two
    pinned single-threaded runs side by side train more per hour than one after the other
    on both cores. Returns {job: result}."""
    if lanes <= 1:
        return {job: work(job, ()) for job in jobs}
    if shutil.which("taskset") is None:
        sys.exit("accept: --lanes needs taskset (util-linux)")
    cores = queue.Queue()
    for core in sorted(os.sched_getaffinity(0))[:lanes]:
        cores.put(core)

    def pinned(job):
        core = cores.get()
        try:
            return work(job, ("taskset", "-c", str(core)))
        finally:
            cores.put(core)
    with concurrent.futures.ThreadPoolExecutor(max_workers=lanes) as pool:
        return dict(zip(jobs, pool.map(pinned, jobs)))


def spread(values, scale=100.0):
    mean = statistics.mean(values)
    if len(values) == 1:
        return f"{scale * mean:9.2f}{'':14}"
    return f"{scale * mean:9.2f} ({scale * min(values):5.1f}-{scale * max(values):5.1f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--categories", default="texture:192,pcb:256,pcb:tile256")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; each side trains once per seed")
    parser.add_argument("--tiles-per-image", type=int, default=2, help="tiles drawn per image per epoch in tiled categories")
    parser.add_argument("--reuse-peer", action="store_true",
                        help="reuse a peer result already in runs/ for the same data, size, epochs and seed "
                             "(the peer does not change between Loupe versions)")
    parser.add_argument("--methods", help="compare methods instead of rd against the peer, e.g. rd,rd-mff,rd-mff:no-transformer")
    parser.add_argument("--keep-finished", action="store_true",
                        help="with --methods: reuse runs in runs/ that finished every epoch and were evaluated, and resume "
                             "interrupted ones (an interrupted accept continues where it stopped)")
    parser.add_argument("--lanes", type=int, default=1,
                        help="with --methods: train this many runs at a time, each pinned to one core (at most the cores "
                             "this process may use)")
    args = parser.parse_args()
    if not 1 <= args.lanes <= len(os.sched_getaffinity(0)):
        parser.error(f"--lanes {args.lanes}: give 1 to {len(os.sched_getaffinity(0))}, the cores this process may use")
    global KEEP_FINISHED
    KEEP_FINISHED = args.keep_finished
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.methods:
        return method_tables(args, seeds)
    report = {}
    for spec in args.categories.split(","):
        name, size = spec.split(":")
        if size.startswith("tile"):
            tile = int(size[4:])
            print(f"== {name} in {tile}-px tiles at native resolution, {args.epochs} epochs, "
                  f"{args.tiles_per_image} tiles per image per epoch, seeds {seeds}", flush=True)
            tiled = [tiled_category(name, tile, args.epochs, seed, args.tiles_per_image) for seed in seeds]
            shrunk = [entry["loupe"] for entry in report.get(name, [])]
            report[f"{name}-tile{tile}"] = [{"seed": seed, "loupe": ours} for seed, ours in zip(seeds, tiled)]
            print(f"{'':14}{'Loupe tiled':>23}{'Loupe shrunk':>23}{'peer tiled':>12}{'peer shrunk':>13}")
            for label, key, _ in METRICS:
                a = [ours[key] for ours in tiled]
                b = spread([ours[key] for ours in shrunk]) if shrunk else f"{'—':>23}"
                pt, ps = PEER_PCB["tiled"].get(key), PEER_PCB["shrunk"].get(key)
                peer = (f"{100 * pt:12.1f}{100 * ps:13.1f}" if pt is not None and name == "pcb" else f"{'—':>12}{'—':>13}")
                print(f"{label:14}{spread(a):>23}{b:>23}{peer}")
            print(f"{'epoch s':14}{statistics.median(o['epoch_s_median'] for o in tiled):9.2f}", flush=True)
            print(f"{'infer ms/img':14}{statistics.median(o['infer_ms_per_image'] for o in tiled):9.1f}", flush=True)
            continue
        print(f"== {name} at {size} px, {args.epochs} epochs, seeds {seeds}", flush=True)
        results = [category(name, int(size), args.epochs, seed, args.reuse_peer) for seed in seeds]
        report[name] = [{"seed": seed, "loupe": ours, "peer": {"metrics": peer["metrics"], "timings": peer["timings"]}}
                        for seed, (ours, peer) in zip(seeds, results)]
        print(f"{'':14}{'Loupe mean (range)':>23}{'PyTorch mean (range)':>24}{'diff':>8}")
        for label, key, peer_key in METRICS:
            a = [ours[key] for ours, _ in results]
            b = [peer["metrics"][peer_key] for _, peer in results]
            print(f"{label:14}{spread(a):>23}{spread(b):>24}{100 * (statistics.mean(a) - statistics.mean(b)):+8.2f}")
        e = statistics.median(ours["epoch_s_median"] for ours, _ in results)
        pe = statistics.median(peer["timings"]["epoch_s_median"] for _, peer in results)
        i = statistics.median(ours["infer_ms_per_image"] for ours, _ in results)
        pi = statistics.median(peer["timings"]["infer_ms_per_image"] for _, peer in results)
        print(f"{'epoch s':14}{e:9.2f}{'':14}{pe:9.2f}{'':15}{e / pe:7.2f}x")
        print(f"{'infer ms/img':14}{i:9.1f}{'':14}{pi:9.1f}{'':15}{i / pi:7.2f}x", flush=True)
    with open(os.path.join(ROOT, "runs", "accept.json"), "w") as f:
        json.dump(report, f, indent=2)


if __name__ == "__main__":
    main()
