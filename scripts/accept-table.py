#!/usr/bin/python3
"""Prints a method table from the run folders `make accept` left before it wrapped `loupe
compare` (named accept-NAME-SIZE-VARIANT-SEED, kept in docs/results/runs), so the tables of
docs/results.md made from them can be checked again. New tables come from `loupe compare`,
whose comparison.md/.csv/.json hold them.

    /usr/bin/python3 scripts/accept-table.py --category pcb:tile256 --methods rd,sacd --seeds 0,1,2
                                             [--runs runs,docs/results/runs] [--save docs/results/runs]

Metrics come from each run's metrics.json; epoch seconds are the median epoch of its
train-log.csv; ms/img is eval's inference time per image. Mean (range) over seeds.
runs/ is not kept in git: --save copies those two files of every run in the table to a
folder that is (docs/results/runs), and --runs reads run folders from there too (the first
folder holding a run wins), so seeds trained in different sessions still make one table."""
import argparse
import json
import os
import shutil
import statistics



def logged_epoch_seconds(folder):
    """The median epoch time in a run's train-log.csv (seconds since the start at each
    epoch's last step; a resumed run starts counting again), or None without epochs."""
    ends = {}
    try:
        with open(os.path.join(folder, "train-log.csv")) as f:
            column = f.readline().strip().split(",").index("seconds")
            for line in f:
                fields = line.strip().split(",")
                ends[int(fields[0])] = float(fields[column])
    except (OSError, ValueError):
        return None
    if not ends:
        return None
    return statistics.median(ends[e] - (ends.get(e - 1, 0) if ends.get(e - 1, 0) <= ends[e] else 0) for e in sorted(ends))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLUMNS = [("I-AUROC", "image_auroc"), ("P-AUROC", "pixel_auroc"), ("AUPRO", "aupro_0.3"), ("P-AP", "pixel_ap"), ("IAP", "iap"), ("IAP@90", "iap_90")]


def run_name(category, variant, seed):
    name, size = category.split(":")
    slug = variant.replace(":", "-").replace("+", "-").replace("=", "")
    return f"accept-{name}-{size}-{slug}-{seed}"


def folder(roots, category, variant, seed):
    """The first of the roots holding this run finished (metrics.json), else the first root's."""
    candidates = [os.path.join(ROOT, root, run_name(category, variant, seed)) for root in roots]
    return next((path for path in candidates if os.path.exists(os.path.join(path, "metrics.json"))), candidates[0])


def cell(values):
    mean = 100 * statistics.mean(values)
    return f"{mean:.2f}" if len(values) == 1 else f"{mean:.1f} ({100 * min(values):.1f}–{100 * max(values):.1f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--category", required=True, help="NAME:SIZE as make accept names it, e.g. pcb:tile256")
    parser.add_argument("--methods", required=True)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--runs", default="runs", help="folders holding run folders, comma-separated, searched in order")
    parser.add_argument("--save", help="copy each found run's metrics.json and train-log.csv under this folder")
    args = parser.parse_args()
    roots = args.runs.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"| {args.category} | " + " | ".join(label for label, _ in COLUMNS) + " | epoch s | ms/img | seeds |")
    print("|---" * (len(COLUMNS) + 4) + "|")
    for variant in args.methods.split(","):
        runs = [folder(roots, args.category, variant, seed) for seed in seeds]
        found = [(seed, path) for seed, path in zip(seeds, runs) if os.path.exists(os.path.join(path, "metrics.json"))]
        if not found:
            print(f"| {variant} | (no finished runs) |")
            continue
        if args.save:
            for _, path in found:
                kept = os.path.join(ROOT, args.save, os.path.basename(path))
                if os.path.abspath(kept) != os.path.abspath(path):
                    os.makedirs(kept, exist_ok=True)
                    for name in ("metrics.json", "train-log.csv"):
                        shutil.copyfile(os.path.join(path, name), os.path.join(kept, name))
        metrics = [json.load(open(os.path.join(path, "metrics.json"))) for _, path in found]
        cells = [cell([m.get(key) or 0 for m in metrics]) for _, key in COLUMNS]
        epoch = statistics.median(logged_epoch_seconds(path) for _, path in found)
        infer = statistics.median(m["infer_ms_per_image"] for m in metrics)
        used = ",".join(str(seed) for seed, _ in found)
        print(f"| {variant} | " + " | ".join(cells) + f" | {epoch:.2f} | {infer:.1f} | {used} |")


if __name__ == "__main__":
    main()
