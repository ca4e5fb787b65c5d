#!/usr/bin/python3
"""Builds samples/: the small data sets `make demo` and the tests run on.

    /usr/bin/python3 scripts/make-samples.py [--deeppcb ../shared/datasets/deeppcb]

samples/pcb      a subset of DeepPCB (MIT): 120 train/good, 30 test/good, 30 test/defect
                 with masks, copied unchanged at their native 640x640 (defects are a few
                 pixels wide; shrinking erases them: tile instead).
samples/texture  a gravel surface (CC0, textures/gravel.png) cut into 192x192 crops, with
                 drawn defects and their exact masks: scratch, hole, stain, foreign (a
                 woven-fibre patch drawn here, from no file in textures/). Deterministic
                 for a given seed.
Needs python3-numpy, python3-pil and python3-scipy from apt.
"""
import argparse
import os
import shutil

import numpy as np
from PIL import Image
from scipy import ndimage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def copy_deeppcb(source, target, counts):
    """Every k-th file of each split, so the subset spans the original range."""
    if os.path.exists(target):
        shutil.rmtree(target)
    for split, n in counts.items():
        files = sorted(f for f in os.listdir(os.path.join(source, split)) if f.endswith(".png") and "_mask" not in f)
        chosen = files[:: max(1, len(files) // n)][:n]
        os.makedirs(os.path.join(target, split), exist_ok=True)
        for f in chosen:
            shutil.copy(os.path.join(source, split, f), os.path.join(target, split, f))
            if split.startswith("test/") and not split.endswith("good"):
                kind = split.split("/")[1]
                mask = f[:-4] + "_mask.png"
                os.makedirs(os.path.join(target, "ground_truth", kind), exist_ok=True)
                shutil.copy(os.path.join(source, "ground_truth", kind, mask), os.path.join(target, "ground_truth", kind, mask))
    shutil.copy(os.path.join(source, "LICENSE"), os.path.join(target, "LICENSE"))


def crops(texture, size, count, rng):
    """Random crops, each flipped/rotated by a random multiple of 90 degrees."""
    out = []
    for _ in range(count):
        y, x = rng.integers(0, texture.shape[0] - size), rng.integers(0, texture.shape[1] - size)
        patch = np.rot90(texture[y:y + size, x:x + size], int(rng.integers(0, 4)))
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        out.append(np.ascontiguousarray(patch).astype(np.float32))
    return out


def scratch(image, rng):
    """A thin curved line, darker or brighter than the surface."""
    size = image.shape[0]
    t = np.linspace(0, 1, 400)
    p0, p1, p2 = (rng.uniform(0.15, 0.85, 2) * size for _ in range(3))
    curve = ((1 - t) ** 2)[:, None] * p0 + (2 * (1 - t) * t)[:, None] * p1 + (t ** 2)[:, None] * p2
    mask = np.zeros_like(image, dtype=bool)
    width = rng.uniform(1.0, 2.2)
    yy, xx = np.mgrid[0:size, 0:size]
    for cy, cx in curve[::4]:
        mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= width ** 2
    value = 20.0 if rng.random() < 0.5 else 235.0
    image = image.copy()
    image[mask] = 0.3 * image[mask] + 0.7 * value
    return image, mask


def hole(image, rng):
    """A dark ellipse with a slightly brighter rim."""
    size = image.shape[0]
    cy, cx = rng.uniform(0.25, 0.75, 2) * size
    ry, rx = rng.uniform(5, 14, 2)
    yy, xx = np.mgrid[0:size, 0:size]
    r = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
    mask = r <= 1.0
    image = image.copy()
    image[mask] = 15 + 0.1 * image[mask]
    rim = (r > 1.0) & (r <= 1.5)
    image[rim] = np.minimum(255, image[rim] * 1.2)
    return image, mask | rim


def stain(image, rng):
    """A smooth blob that shifts the brightness (a liquid mark)."""
    size = image.shape[0]
    noise = ndimage.gaussian_filter(rng.standard_normal((size, size)), 10)
    cy, cx = rng.uniform(0.3, 0.7, 2) * size
    yy, xx = np.mgrid[0:size, 0:size]
    blob = np.exp(-(((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * rng.uniform(12, 22) ** 2))) + 0.8 * noise / noise.std() * 0.15
    mask = blob > 0.45
    shift = rng.choice([-70.0, 60.0])
    image = image.copy()
    image[mask] = np.clip(image[mask] + shift, 0, 255)
    return image, mask


def foreign(image, rng):
    """A rectangle of woven fibre pasted in: a cross-hatch drawn here, at a random angle,
    period and contrast, so that no synthetic-defect source (textures/, which sacd, pfadseg
    and stu-seg paste while training) is a source of these test defects."""
    size = image.shape[0]
    h, w = rng.integers(20, 45, 2)
    y, x = rng.integers(10, size - h - 10), rng.integers(10, size - w - 10)
    angle, period = rng.uniform(0, np.pi), rng.uniform(4.0, 9.0)
    base, contrast = rng.uniform(70, 190), rng.uniform(35, 60)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    weave = np.sin(2 * np.pi * u / period) * np.sign(np.sin(np.pi * v / period))
    image = image.copy()
    image[y:y + h, x:x + w] = np.clip(base + contrast * weave + rng.normal(0, 6, (h, w)), 0, 255)
    mask = np.zeros_like(image, dtype=bool)
    mask[y:y + h, x:x + w] = True
    return image, mask


def save(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8)).save(path, optimize=True)


def make_texture(target, seed, size=192, train=60, test_good=16, per_kind=8):
    if os.path.exists(target):
        shutil.rmtree(target)
    rng = np.random.default_rng(seed)
    gravel = np.asarray(Image.open(os.path.join(ROOT, "textures", "gravel.png")).convert("L"), dtype=np.float32)
    for i, image in enumerate(crops(gravel, size, train, rng)):
        save(os.path.join(target, "train", "good", f"{i:03d}.png"), image)
    for i, image in enumerate(crops(gravel, size, test_good, rng)):
        save(os.path.join(target, "test", "good", f"{i:03d}.png"), image)
    makers = {"scratch": scratch, "hole": hole, "stain": stain, "foreign": foreign}
    for kind, make in makers.items():
        for i, image in enumerate(crops(gravel, size, per_kind, rng)):
            defective, mask = make(image, rng)
            save(os.path.join(target, "test", kind, f"{i:03d}.png"), defective)
            save(os.path.join(target, "ground_truth", kind, f"{i:03d}_mask.png"), mask.astype(np.float32) * 255)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deeppcb", default=os.path.join(ROOT, "..", "shared", "datasets", "deeppcb"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    samples = os.path.join(ROOT, "samples")
    copy_deeppcb(args.deeppcb, os.path.join(samples, "pcb"), {"train/good": 120, "test/good": 30, "test/defect": 30})
    make_texture(os.path.join(samples, "texture"), args.seed)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(samples) for f in fs)
    print(f"samples/: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
