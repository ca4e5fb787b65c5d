#!/usr/bin/python3
"""`make accept-roi`: two-stage inspection on a development set with a known ROI (issue 18).

Composes the set (scripts/make-roi-dataset.py: DeepPCB boards pasted onto cluttered texture
backgrounds, 30 ROI training frames, 60 good training frames, 25 + 25 held-back test
frames), trains the ROI segmenter on the 30 masks, reports its mIoU on the 50 held-back
frames, then trains the same detector with and without --roi and evaluates both on the
same 50 frames (metrics in frame pixels either way).

    /usr/bin/python3 scripts/accept-roi.py [--methods rd] [--epochs 30] [--roi-epochs 60] [--seeds 0]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build", "release", "loupe"))
DATA = os.path.join(ROOT, "runs", "roi-pcb-data")
METRICS = [("I-AUROC", "image_auroc"), ("P-AUROC", "pixel_auroc"), ("AUPRO", "aupro_0.3"), ("P-AP", "pixel_ap"), ("IAP", "iap")]


def run(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"accept-roi: {' '.join(command)} failed:\n{result.stderr}")
    return result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="rd")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--roi-epochs", type=int, default=60)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    if not os.path.isdir(DATA):
        run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "make-roi-dataset.py"), DATA])
    roi = os.path.join(ROOT, "runs", "roi-pcb")
    if not os.path.exists(os.path.join(roi, "roi.safetensors")):
        run([LOUPE, "roi", "train", "--images", f"{DATA}/roi/train/images", "--masks", f"{DATA}/roi/train/masks", "--run", roi,
             "--epochs", str(args.roi_epochs)])
    evaluation = json.loads(run([LOUPE, "roi", "eval", "--run", roi, "--images", f"{DATA}/roi/test/images",
                                 "--masks", f"{DATA}/roi/test/masks", "--json"]))
    worst = min(evaluation["frames"], key=lambda frame: frame["part_iou"])
    print(f"ROI segmenter ({args.roi_epochs} epochs, 30 training masks): mIoU {100 * evaluation['miou']:.2f}, "
          f"part IoU {100 * evaluation['part_iou']:.2f} on 50 held-back frames "
          f"(worst part IoU {100 * worst['part_iou']:.1f}: {os.path.basename(worst['path'])})")
    rows = []
    for method in args.methods.split(","):
        for crop in (False, True):
            results = []
            for seed in [int(s) for s in args.seeds.split(",")]:
                folder = os.path.join(ROOT, "runs", f"accept-roi-{method}-{'roi' if crop else 'frame'}-{seed}")
                if not os.path.exists(os.path.join(folder, "metrics.json")):
                    subprocess.run(["rm", "-rf", folder])
                    command = [LOUPE, "train", "--data", DATA, "--run", folder, "--method", method, "--epochs", str(args.epochs),
                               "--size", str(args.size), "--seed", str(seed)] + (["--roi", roi] if crop else [])
                    run(command)
                    run([LOUPE, "eval", "--run", folder])
                with open(os.path.join(folder, "metrics.json")) as f:
                    results.append(json.load(f))
            rows.append((f"{method} {'--roi' if crop else '(whole frame)'}", results))
    print()
    print("| detector | " + " | ".join(name for name, _ in METRICS) + " | ms/img | frames without part |")
    print("|---" * (len(METRICS) + 3) + "|")
    for name, results in rows:
        cells = []
        for _, key in METRICS:
            values = [100 * r[key] for r in results if r.get(key) is not None]
            spread = f" ({min(values):.1f}–{max(values):.1f})" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):.1f}{spread}" if values else "—")
        ms = statistics.mean(r["infer_ms_per_image"] for r in results)
        missing = results[0].get("frames_without_part")
        print(f"| {name} | " + " | ".join(cells) + f" | {ms:.0f} | {'—' if missing is None else missing} |")


if __name__ == "__main__":
    main()
