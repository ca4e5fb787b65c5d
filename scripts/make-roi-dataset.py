#!/usr/bin/python3
"""A development set with a known ROI (issue 18): DeepPCB boards pasted at random positions,
scales and rotations onto cluttered backgrounds made from textures/, so the part's mask is
known exactly and each defect keeps its mask through the paste.

    /usr/bin/python3 scripts/make-roi-dataset.py OUT [--frame 512] [--seed 0]

Writes, under OUT:
  roi/train/images/*.png, roi/train/masks/*.png     30 frames + part masks (for `loupe roi train`)
  train/good/*.png                                   60 good frames (the detector's training set)
  test/good/*.png, test/defect/*.png                 25 + 25 held-back frames
  ground_truth/defect/<stem>_mask.png                their defect masks (MVTec layout)
  roi/test/images/<kind>-<stem>.png, roi/test/masks  the same 50 frames with part masks (`loupe roi eval`)
Boards come from ../shared/datasets/deeppcb (MIT; its LICENSE is copied to OUT).
"""
import argparse
import os
import random
import shutil

from PIL import Image, ImageDraw, ImageFilter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEEPPCB = os.path.join(ROOT, "..", "shared", "datasets", "deeppcb")
TEXTURES = os.path.join(ROOT, "textures")


def background(rng, size, textures):
    """A texture crop, then clutter: pieces of other textures, bright and dark blocks, lines."""
    texture = rng.choice(textures)
    scale = rng.uniform(0.6, 1.4)
    tile = texture.resize((int(texture.width * scale), int(texture.height * scale)), Image.BILINEAR)
    frame = Image.new("L", (size, size))
    for y in range(0, size, tile.height):
        for x in range(0, size, tile.width):
            frame.paste(tile, (x, y))
    draw = ImageDraw.Draw(frame)
    for _ in range(rng.randint(4, 9)):
        piece = rng.choice(textures)
        w, h = rng.randint(size // 10, size // 3), rng.randint(size // 10, size // 3)
        left, top = rng.randint(0, piece.width - w), rng.randint(0, piece.height - h)
        frame.paste(piece.crop((left, top, left + w, top + h)).rotate(rng.uniform(0, 360), expand=False),
                    (rng.randint(-w // 2, size - w // 2), rng.randint(-h // 2, size - h // 2)))
    for _ in range(rng.randint(2, 6)):
        x, y = rng.randint(0, size), rng.randint(0, size)
        draw.rectangle((x, y, x + rng.randint(10, size // 5), y + rng.randint(10, size // 5)), fill=rng.choice([20, 60, 200, 240]))
    for _ in range(rng.randint(1, 4)):
        draw.line((rng.randint(0, size), rng.randint(0, size), rng.randint(0, size), rng.randint(0, size)),
                  fill=rng.randint(0, 255), width=rng.randint(2, 8))
    return frame.filter(ImageFilter.GaussianBlur(0.6))


def compose(rng, size, textures, board, defect=None):
    """The frame, the part mask and (when given) the defect mask moved with the board."""
    frame = background(rng, size, textures)
    side = int(size * rng.uniform(0.4, 0.6))
    angle = rng.uniform(-25, 25)
    scaled = board.resize((side, side), Image.BILINEAR).rotate(angle, resample=Image.BILINEAR, expand=True)
    part = Image.new("L", (side, side), 255).rotate(angle, resample=Image.NEAREST, expand=True)
    left, top = rng.randint(0, size - scaled.width), rng.randint(0, size - scaled.height)
    frame.paste(scaled, (left, top), part)
    part_mask = Image.new("L", (size, size), 0)
    part_mask.paste(part, (left, top))
    defect_mask = None
    if defect is not None:
        moved = defect.resize((side, side), Image.NEAREST).rotate(angle, resample=Image.NEAREST, expand=True)
        defect_mask = Image.new("L", (size, size), 0)
        defect_mask.paste(moved, (left, top))
        defect_mask = defect_mask.point(lambda v: 255 if v > 127 else 0)
    return frame, part_mask, defect_mask


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--frame", type=int, default=512)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    textures = [Image.open(os.path.join(TEXTURES, f)).convert("L") for f in sorted(os.listdir(TEXTURES)) if f.endswith(".png")]
    train_boards = sorted(os.listdir(os.path.join(DEEPPCB, "train", "good")))
    good_boards = sorted(os.listdir(os.path.join(DEEPPCB, "test", "good")))
    defect_boards = sorted(os.listdir(os.path.join(DEEPPCB, "test", "defect")))
    picked = rng.sample(train_boards, 90)
    shutil.rmtree(args.out, ignore_errors=True)
    folders = ["roi/train/images", "roi/train/masks", "train/good", "test/good", "test/defect", "ground_truth/defect",
               "roi/test/images", "roi/test/masks"]
    for folder in folders:
        os.makedirs(os.path.join(args.out, folder))
    shutil.copy(os.path.join(DEEPPCB, "LICENSE"), os.path.join(args.out, "LICENSE"))

    def board(split, kind, name):
        return Image.open(os.path.join(DEEPPCB, split, kind, name)).convert("L")

    for index, name in enumerate(picked):
        frame, part, _ = compose(rng, args.frame, textures, board("train", "good", name))
        stem = f"{index:03d}.png"
        if index < 30:
            frame.save(os.path.join(args.out, "roi/train/images", stem))
            part.save(os.path.join(args.out, "roi/train/masks", stem))
        else:
            frame.save(os.path.join(args.out, "train/good", f"{index - 30:03d}.png"))
    for index, name in enumerate(rng.sample(good_boards, 25)):
        frame, part, _ = compose(rng, args.frame, textures, board("test", "good", name))
        frame.save(os.path.join(args.out, "test/good", f"{index:03d}.png"))
        frame.save(os.path.join(args.out, "roi/test/images", f"good-{index:03d}.png"))
        part.save(os.path.join(args.out, "roi/test/masks", f"good-{index:03d}.png"))
    for index, name in enumerate(rng.sample(defect_boards, 25)):
        mask = Image.open(os.path.join(DEEPPCB, "ground_truth", "defect", name.replace(".png", "_mask.png"))).convert("L")
        frame, part, defect = compose(rng, args.frame, textures, board("test", "defect", name), defect=mask)
        frame.save(os.path.join(args.out, "test/defect", f"{index:03d}.png"))
        defect.save(os.path.join(args.out, "ground_truth/defect", f"{index:03d}_mask.png"))
        frame.save(os.path.join(args.out, "roi/test/images", f"defect-{index:03d}.png"))
        part.save(os.path.join(args.out, "roi/test/masks", f"defect-{index:03d}.png"))
    print(f"{args.out}: 30 ROI training frames, 60 good training frames, 25 + 25 test frames ({args.frame}x{args.frame})")


if __name__ == "__main__":
    main()
