#!/usr/bin/env python3
"""`make interop`: Loupe's exported ONNX models and checkpoints read by Python's own tools.

For each method (and one tiled run) a small run trains on samples/ (`loupe compare`, 2
epochs), is exported (`loupe export`) and scored by `loupe infer --maps --json`; then:
- `onnx.checker.check_model(full_check=True)` passes;
- ONNX Runtime scores the same images (resized with Pillow's bilinear, as Loupe does, and
  normalised by the model's metadata): the largest map difference and score difference
  against Loupe (both must stay under 1e-4) and whether the images rank identically;
- for the tiled run the tiles are cut, scored, stitched, blurred and scored here in Python
  as docs/python.md shows;
- the `--with-preprocessing` model (8-bit frames in, or 8-bit tiles) gives the same maps;
- a ROI run (`make-roi-dataset.py`'s frames): its detector and ROI segmenter, the box found
  and the crop scored in Python as docs/python.md shows, give `loupe infer`'s frame maps;
- `safetensors.numpy.load_file` reads every run's model.safetensors, which loads strictly into
  the method's PyTorch definition; where the method's map is RD's (rd, rd-mff, rd-dual,
  stu-seg --student-map, the ResNet-18 rd), the PyTorch teacher and definition compute the
  whole map, compared with Loupe's;
- ONNX Runtime's median ms per image beside Loupe's (`loupe infer`'s score p50), same
  machine, same threads.

Runs in a virtual environment with onnx, onnxruntime, safetensors, numpy, scipy and pillow
from PyPI (`make interop` makes it); `make test` needs none of this.

    python scripts/interop.py [--methods rd,rd-mff,...] [--size 128] [--epochs 2] [--runs runs/interop]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image
from safetensors.numpy import load_file
from scipy.ndimage import gaussian_filter

try:  # Debian's python3-torch, seen through the virtual environment's system site packages
    import torch
    from safetensors.torch import load_file as load_torch_file
except ImportError:
    torch = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "scripts"), os.path.join(ROOT, "..", "shared", "peer")]  # the PyTorch definitions
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build", "release", "loupe"))
TOLERANCE = 1e-4


def loupe(*arguments):
    result = subprocess.run([LOUPE, *arguments], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"interop: loupe {' '.join(arguments)} failed:\n{result.stderr}")
    return result


def metadata(model):
    return {entry.key: entry.value for entry in model.metadata_props}


def normalised(image, meta):
    """An RGB image's values · scale + shift, as the model's metadata give them (H×W×3)."""
    scale = np.array([float(v) for v in meta["normalization_scale"].split(",")], np.float32)
    shift = np.array([float(v) for v in meta["normalization_shift"].split(",")], np.float32)
    return np.asarray(image, np.float32) * scale + shift


def preprocess(path, size, meta):
    """The image as Loupe feeds it: RGB, Pillow's bilinear resize, normalised."""
    image = Image.open(path).convert("RGB")
    if size is not None:
        image = image.resize((size, size), Image.BILINEAR)
    return normalised(image, meta)


def loupe_scores(run, images):
    """`loupe infer --maps RUN/interop-maps --json` on `images`: the score of each image."""
    lines = loupe("infer", "--run", run, "--maps", os.path.join(run, "interop-maps"), "--json", *images).stdout.splitlines()
    return {json.loads(line)["file"]: json.loads(line)["score"] for line in lines}


def loupe_map(run, path):
    """Loupe's float32 map of the image at `path`, from `loupe_scores` (<kind>-<stem>.npy)."""
    return np.load(os.path.join(run, "interop-maps", "-".join(path.split("/")[-2:]).rsplit(".", 1)[0] + ".npy"))


def tiles(frame, tile, overlap):
    """Loupe's tile grid: tiles every tile − overlap pixels, mirrored past the frame's edge."""
    height, width = frame.shape[:2]
    stride = tile - overlap
    count = lambda length: 1 if length <= tile else (length - tile + stride - 1) // stride + 1
    padded = np.pad(frame, ((0, tile), (0, tile), (0, 0)), mode="reflect")
    for row in range(count(height)):
        for column in range(count(width)):
            y, x = row * stride, column * stride
            yield y, x, padded[y:y + tile, x:x + tile]


TIE = 1e-6  # scores closer than this are ties: float32 rounding may order them either way


def same_order(images, ours, theirs):
    """Whether every two images whose scores differ by more than TIE are ordered alike; "yes"
    or "yes (k ties)" or "NO"."""
    ties = 0
    for i, a in enumerate(images):
        for b in images[i + 1:]:
            if abs(ours[a] - ours[b]) <= TIE:
                ties += 1
            elif (ours[a] < ours[b]) != (theirs[a] < theirs[b]):
                return "NO"
    return f"yes ({ties} ties)" if ties else "yes"


def score_frame(values, rule):
    flat = values.reshape(-1)
    if rule == "max":
        return float(flat.max())
    k = int(rule.split("-")[1])
    return float(np.sort(flat)[::-1][:k].mean())


def raw_frame(path):
    """The frame as `--with-preprocessing` models take it: 8-bit RGB, H×W×3."""
    return np.asarray(Image.open(path).convert("RGB"), np.uint8)


def check(name, run, images, session, meta, tiled, raw_session):
    """ONNX Runtime against Loupe on `images`: (max map difference, max score difference,
    same order, ORT ms per image, max map difference of the `--with-preprocessing` model)."""
    ours = loupe_scores(run, images)
    size = None if tiled else int(meta["input"].split("×")[2])
    worst_map = worst_score = worst_raw = 0.0
    theirs, timings = {}, []

    def stitched(frame, score_tile):
        tile, overlap = int(meta["tile_size"]), int(meta["tile_overlap"])
        height, width = frame.shape[:2]
        sums, counts = np.zeros((height, width)), np.zeros((height, width))
        for y, left, piece in tiles(frame, tile, overlap):
            tile_map = score_tile(piece)
            h, w = min(tile, height - y), min(tile, width - left)
            sums[y:y + h, left:left + w] += tile_map[:h, :w]
            counts[y:y + h, left:left + w] += 1
        return gaussian_filter((sums / counts).astype(np.float32), sigma=float(meta["blur_sigma"]), mode="reflect", truncate=4)

    for path in images:
        x = preprocess(path, size, meta)
        started = time.perf_counter()
        if tiled:
            amap = stitched(x, lambda piece: session.run(["anomaly_map"], {"images": piece.transpose(2, 0, 1)[None]})[0][0])
            score = score_frame(amap, meta["image_score"])
        else:
            amap, score = session.run(None, {"images": x.transpose(2, 0, 1)[None]})
            amap, score = amap[0], float(score[0])
        timings.append(1000 * (time.perf_counter() - started))
        reference = loupe_map(run, path)
        worst_map = max(worst_map, float(np.abs(amap - reference).max()))
        worst_score = max(worst_score, abs(score - ours[path]))
        theirs[path] = score
        if tiled:
            raw_map = stitched(raw_frame(path), lambda piece: raw_session.run(["anomaly_map"], {"image": np.ascontiguousarray(piece)[None]})[0][0])
        else:
            raw_map = raw_session.run(["anomaly_map"], {"image": raw_frame(path)[None]})[0][0]
        worst_raw = max(worst_raw, float(np.abs(raw_map - reference).max()))
    order = same_order(images, ours, theirs)
    return worst_map, worst_score, order, statistics.median(timings), worst_raw


def check_roi(run, images, session, meta, segmenter, roi_meta):
    """A ROI run scored as docs/python.md shows: the segmenter's logits resized to the frame,
    the largest 4-connected part, its box grown by the margin, the crop scored by the
    detector, its map pasted back (the rest at the map's minimum). (max map difference, max
    score difference, same order) against `loupe infer`."""
    import torch
    from scipy.ndimage import label
    ours = loupe_scores(run, images)
    roi_size = int(roi_meta["input"].split("×")[2].split(" ")[0].rstrip(","))
    size, margin = int(meta["input"].split("×")[2]), float(roi_meta["roi_margin"])
    resize = lambda a, h, w: torch.nn.functional.interpolate(torch.from_numpy(a)[None, None], size=(h, w), mode="bilinear",
                                                             align_corners=False)[0, 0].numpy()
    worst_map = worst_score = 0.0
    theirs = {}
    for path in images:
        frame = Image.open(path).convert("RGB")
        width, height = frame.size
        x = preprocess(path, roi_size, roi_meta).transpose(2, 0, 1)[None]
        logits = segmenter.run(["part_logits"], {"images": x})[0][0]
        parts, count = label(resize(logits, height, width) > 0)
        box = (0, 0, width - 1, height - 1)
        if count:
            ys, xs = np.nonzero(parts == 1 + int(np.argmax(np.bincount(parts.ravel())[1:])))
            pad_x, pad_y = int(np.floor((xs.max() - xs.min() + 1) * margin + 0.5)), int(np.floor((ys.max() - ys.min() + 1) * margin + 0.5))
            box = (max(0, xs.min() - pad_x), max(0, ys.min() - pad_y), min(width - 1, xs.max() + pad_x), min(height - 1, ys.max() + pad_y))
        crop = frame.crop((box[0], box[1], box[2] + 1, box[3] + 1)).resize((size, size), Image.BILINEAR)
        crop_map = session.run(["anomaly_map"], {"images": normalised(crop, meta).transpose(2, 0, 1)[None]})[0][0]
        w, h = box[2] - box[0] + 1, box[3] - box[1] + 1
        amap = np.full((height, width), crop_map.min(), np.float32)
        amap[box[1]:box[3] + 1, box[0]:box[2] + 1] = crop_map if (w, h) == (size, size) else resize(crop_map, h, w)
        worst_map = max(worst_map, float(np.abs(amap - loupe_map(run, path)).max()))
        theirs[path] = score_frame(amap, meta["image_score"])
        worst_score = max(worst_score, abs(theirs[path] - ours[path]))
    order = same_order(images, ours, theirs)
    return worst_map, worst_score, order


def pytorch_definition(variant, state, size, backbone="efficientnet-lite0"):
    """The PyTorch definition scripts/ and the peer use for this method (their fixtures)."""
    lite0 = (24, 40, 112)
    if variant in ("rd", "sacd"):
        peer = reference_peer()
        spec = peer.BACKBONES[backbone]
        rd = torch.nn.Module()
        rd.ocbe = peer.OCBE(spec, spec["channels"], spec["oce_blocks"])
        rd.student = peer.Student(spec, spec["channels"], spec["student_out"])
        if variant == "rd":
            return rd
        import sacd_peer  # RD, and a FeaCali per scale on the student's features
        net = torch.nn.Module()
        net.distillation = rd
        net.calibrations = torch.nn.ModuleList(sacd_peer.FeaCali(c) for c in lite0)
        return net
    if variant == "rd-mff":
        import rd_mff_peer
        return rd_mff_peer.MultiScaleFusion(lite0, size // 16)
    if variant == "pfadseg":
        import pfadseg_peer
        net = torch.nn.Module()
        net.student = pfadseg_peer.DenoisingStudent(state["student.conv1.weight"].shape[0], lite0)
        first = state["segmentation.residual.0.conv1.weight"]
        net.segmentation = pfadseg_peer.SegmentationNetwork(first.shape[1], first.shape[0], torch.Generator().manual_seed(0))
        return net
    if variant.startswith("stu-seg"):
        import stu_seg_peer
        return stu_seg_peer.StuSeg(state["student.conv1.weight"].shape[0], lite0)
    if variant == "rd-dual":
        import rd_dual_peer
        return rd_dual_peer.DualTeacherModel()
    return None


def reference_peer():
    """The PyTorch reference (`../shared/peer/rd_reference.py`), which reads sys.argv when imported."""
    saved, sys.argv = sys.argv, sys.argv[:1]
    import rd_reference
    sys.argv = saved
    return rd_reference


def teacher_weights(name):
    """The EfficientNet-Lite weights Loupe installed (`make weights`), for the PyTorch teacher."""
    import glob
    cache = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    found = sorted(glob.glob(os.path.join(cache, "loupe", "weights", f"{name}-*.pth")))
    return found[0] if found else None


def pytorch_maps(variant, net, images, size, meta, resnet_weights):
    """The method's whole scoring map in PyTorch: the peer's teacher (Loupe's installed
    weights), the loaded network, RD's map (per scale 1 - cos, bilinear, summed), scipy's
    blur. None where the network's map is not RD's (sacd's calibration, the segmentation heads)."""
    peer = reference_peer()
    if variant == "rd, ResNet-18 teacher":
        teachers = [peer.Teacher("resnet18", resnet_weights)]
    elif variant == "rd-dual":
        teachers = [peer.Teacher("efficientnet-lite0", teacher_weights("efficientnet-lite0")),
                    peer.Teacher("efficientnet-lite2", teacher_weights("efficientnet-lite2"))]
    elif variant in ("rd", "rd-mff", "stu-seg:student-map"):
        teachers = [peer.Teacher("efficientnet-lite0", teacher_weights("efficientnet-lite0"))]
    else:
        return None
    net.eval()
    maps = []
    with torch.no_grad():
        for path in images:
            x = torch.from_numpy(preprocess(path, size, meta).transpose(2, 0, 1)[None].copy())
            per_teacher = [teacher(x) for teacher in teachers]
            features = [torch.cat(scale, dim=1) for scale in zip(*per_teacher)]
            if variant == "stu-seg:student-map":
                student = net.student(x)
            elif variant == "rd-mff" or variant == "rd-dual":
                student = net(features)
            else:
                student = net.student(net.ocbe(features))
            amap = peer.anomaly_map(features, student, size)[0].numpy()
            maps.append(gaussian_filter(amap, sigma=float(meta["blur_sigma"]), mode="reflect", truncate=4))
    return maps


def pytorch_checks(variant, run, images, size, meta, resnet_weights, compare_maps=True):
    """The checkpoint in PyTorch: `safetensors.torch.load_file`, `load_state_dict(strict=True)`
    on the method's definition (the optimiser's `optimizer.` entries left out), then, where
    the method's map is RD's, the largest difference between the definition's whole map and
    `loupe infer`'s. (strict load's outcome, map difference or "—")."""
    if torch is None:
        return "no torch", "—"
    state = {k: v for k, v in load_torch_file(os.path.join(run, "model.safetensors")).items() if not k.startswith("optimizer.")}
    net = pytorch_definition(variant.split(",")[0], state, size, "resnet18" if "ResNet-18" in variant else "efficientnet-lite0")
    if net is None:
        return "no PyTorch definition yet", "—"
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        return "strict load fails: " + str(error).split("\n")[1].strip()[:80], "—"
    maps = pytorch_maps(variant, net, images, size, meta, resnet_weights) if compare_maps else None
    if maps is None:
        return "strict load passes", "—"
    worst = max(float(np.abs(amap - loupe_map(run, path)).max()) for path, amap in zip(images, maps))
    return "strict load passes", f"{worst:.1e}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--methods", default="rd,rd-mff,rd-dual,sacd,pfadseg,stu-seg,stu-seg:student-map,stu-seg:fused-map")
    parser.add_argument("--size", default="128")
    parser.add_argument("--epochs", default="2")
    parser.add_argument("--runs", default=os.path.join(ROOT, "runs", "interop"))
    args = parser.parse_args()
    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.intra_op_num_threads = len(os.sched_getaffinity(0))
    texture = os.path.join(ROOT, "samples", "texture")
    images = sorted(os.path.join(texture, "test", kind, name) for kind in ("good", "hole", "foreign")
                    for name in os.listdir(os.path.join(texture, "test", kind)))
    loupe("compare", "--data", texture, "--methods", args.methods, "--size", args.size, "--epochs", args.epochs, "--quiet",
           "--runs", os.path.join(args.runs, "texture"))
    runs = [(variant, os.path.join(args.runs, "texture", variant.replace(":", "-").replace("+", "-").replace("=", "") + "-seed0"), images, False)
            for variant in args.methods.split(",")]
    pcb = os.path.join(ROOT, "samples", "pcb")
    pcb_images = sorted(os.path.join(pcb, "test", kind, name) for kind in sorted(os.listdir(os.path.join(pcb, "test")))
                        for name in os.listdir(os.path.join(pcb, "test", kind)))[:12]
    loupe("compare", "--data", pcb, "--methods", "rd", "--tile", "128", "--overlap", "32", "--tiles-per-image", "2",
           "--epochs", args.epochs, "--quiet", "--runs", os.path.join(args.runs, "pcb-tiles"))
    runs.append(("rd, 128-px tiles (pcb)", os.path.join(args.runs, "pcb-tiles", "rd-seed0"), pcb_images, True))
    # The other teacher family: a ResNet-18 (torchvision's definition; random weights, as no
    # download is assumed: the graph's operations are what is checked, not the features).
    weights = os.path.join(args.runs, "resnet18-random.pth")
    if not os.path.exists(weights):
        import torchvision
        torch.manual_seed(0)
        torch.save(torchvision.models.resnet18().state_dict(), weights)
    loupe("compare", "--data", texture, "--methods", "rd", "--backbone", "resnet18", "--weights", weights, "--size", args.size,
          "--epochs", args.epochs, "--quiet", "--runs", os.path.join(args.runs, "resnet18"))
    runs.append(("rd, ResNet-18 teacher", os.path.join(args.runs, "resnet18", "rd-seed0"), images, False))

    print("| run | checker | max map diff | max score diff | same order | raw-input map diff | ORT ms/img | Loupe ms/img | safetensors | PyTorch | PyTorch map diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for name, run, chosen, tiled in runs:
        path = os.path.join(run, "model.onnx")
        loupe("export", "--run", run, "--output", path)
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        meta = metadata(model)
        raw_path = os.path.join(run, "model-raw.onnx")
        frame = [] if tiled else ["--frame", "x".join(str(n) for n in Image.open(chosen[0]).size)]
        loupe("export", "--run", run, "--with-preprocessing", *frame, "--output", raw_path)
        onnx.checker.check_model(onnx.load(raw_path), full_check=True)
        raw_session = ort.InferenceSession(raw_path, options, providers=["CPUExecutionProvider"])
        worst_map, worst_score, order, ort_ms, worst_raw = check(name, run, chosen, session, meta, tiled, raw_session)
        speed = loupe("infer", "--run", run, *chosen).stderr
        loupe_ms = float(speed.split("score p50 ")[1].split(" ")[0]) if "score p50 " in speed else float("nan")
        tensors = load_file(os.path.join(run, "model.safetensors"))
        pytorch, forward = pytorch_checks(name, run, chosen, int(args.size), meta, weights, compare_maps=not tiled)
        ok = worst_map < TOLERANCE and worst_score < TOLERANCE and worst_raw < TOLERANCE and order != "NO"
        failed |= not ok
        print(f"| {name} | passes | {worst_map:.1e} | {worst_score:.1e} | {order} | {worst_raw:.1e} | {ort_ms:.1f} | {loupe_ms:.1f} | "
              f"{len(tensors)} tensors | {pytorch} | {forward} |", flush=True)
    # A ROI run (issue 18's development set): the detector and its ROI segmenter exported together.
    data = os.path.join(args.runs, "roi-data")
    if not os.path.isdir(data):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-roi-dataset.py"), data, "--frame", "256"], check=True)
    segmenter_run, run = os.path.join(args.runs, "roi-segmenter"), os.path.join(args.runs, "roi-rd")
    if not os.path.exists(os.path.join(segmenter_run, "roi.safetensors")):
        loupe("roi", "train", "--images", os.path.join(data, "roi", "train", "images"), "--masks", os.path.join(data, "roi", "train", "masks"),
              "--run", segmenter_run, "--size", "128", "--epochs", "10", "--quiet")
    if not os.path.exists(os.path.join(run, "model.safetensors")):
        loupe("train", "--data", data, "--roi", segmenter_run, "--run", run, "--size", args.size, "--epochs", args.epochs, "--quiet")
    path = os.path.join(run, "model.onnx")
    loupe("export", "--run", run, "--output", path)
    models = {}
    for model_path in (path, os.path.join(run, "model.roi.onnx")):
        model = onnx.load(model_path)
        onnx.checker.check_model(model, full_check=True)
        models[model_path] = (ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"]), metadata(model))
    roi_images = sorted(os.path.join(data, "test", kind, name) for kind in ("good", "defect")
                        for name in os.listdir(os.path.join(data, "test", kind)))[::4]
    (session, meta), (segmenter, roi_meta) = models.values()
    worst_map, worst_score, order = check_roi(run, roi_images, session, meta, segmenter, roi_meta)
    ok = worst_map < TOLERANCE and worst_score < TOLERANCE and order != "NO"
    failed |= not ok
    print(f"| rd with its ROI segmenter (roi-data) | both pass | {worst_map:.1e} | {worst_score:.1e} | {order} | "
          f"(refused: crops vary) | | | | {pytorch_checks('rd', run, roi_images, int(args.size), None, None, compare_maps=False)[0]} | — |", flush=True)
    if failed:
        sys.exit("interop: ONNX Runtime differs from Loupe beyond 1e-4 (or ranks images differently)")


if __name__ == "__main__":
    main()
