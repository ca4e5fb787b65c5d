#!/usr/bin/python3
"""PIL + torchvision side of `make bench`'s image-loading comparison.

Loads every PNG in --folder the way the PyTorch reference feeds its networks
(PIL open + convert("RGB"), transforms.Resize, ToTensor, Normalize) through a DataLoader
with --workers processes and batches of 8, and prints one JSON line with images/s
(the median over --repeats passes, after one warm-up pass).
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
        self.files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".png"))
        self.transform = T.Compose([T.Resize((size, size)), T.ToTensor(),
                                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.transform(Image.open(self.files[i]).convert("RGB"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--folder", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--name", default="images")
    a = p.parse_args()
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
