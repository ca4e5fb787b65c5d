#!/usr/bin/python3
"""PIL + torchvision side of `make bench`'s image-loading comparison.

Loads every image in --folder the way the PyTorch reference feeds its networks
(PIL open + convert("RGB"), transforms.Resize, ToTensor, Normalize) through a DataLoader
with --workers processes and batches of 8, and prints one JSON line with images/s
(the median over --repeats passes, after one warm-up pass).

With --write-jpegs FOLDER it instead writes the JPEG inputs both sides then read: 32
colour 640x640 frames and 8 colour 2048x2048 frames (quality 90), whose channels are the
repository's three CC0 textures, cropped and scaled.
"""
import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torchvision.transforms as T  # noqa: E402
from PIL import Image  # noqa: E402


class Folder(torch.utils.data.Dataset):
    def __init__(self, folder, size):
        self.files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                            if f.lower().endswith((".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")))
        self.transform = T.Compose([T.Resize((size, size)), T.ToTensor(),
                                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.transform(Image.open(self.files[i]).convert("RGB"))


def write_jpegs(folder):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    textures = [Image.open(os.path.join(root, "textures", f"{name}.png")).convert("L") for name in ("brick", "grass", "gravel")]
    for size, count in ((640, 32), (2048, 8)):
        target = os.path.join(folder, f"jpeg-{size}")
        os.makedirs(target, exist_ok=True)
        for index in range(count):
            x, y = (index * 37) % 192, (index * 53) % 192
            planes = [t.crop((x, y, x + 320, y + 320)).resize((size, size), Image.BICUBIC) for t in textures]
            Image.merge("RGB", planes).save(os.path.join(target, f"{index:03d}.jpg"), quality=90)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--write-jpegs")
    p.add_argument("--folder")
    p.add_argument("--size", type=int)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--name", default="images")
    a = p.parse_args()
    if a.write_jpegs:
        write_jpegs(a.write_jpegs)
        print(json.dumps({"written": a.write_jpegs}), flush=True)
        return
    torch.set_num_threads(1)
    data = Folder(a.folder, a.size)
    loader = torch.utils.data.DataLoader(data, batch_size=8, num_workers=a.workers, persistent_workers=a.workers > 0)
    rates = []
    for i in range(a.repeats + 1):
        start = time.perf_counter()
        for _ in loader:
            pass
        if i > 0:
            rates.append(len(data) / (time.perf_counter() - start))
    rates.sort()
    print(json.dumps({"name": a.name, "images_per_s": round(rates[len(rates) // 2], 1), "images": len(data)}), flush=True)


if __name__ == "__main__":
    main()
