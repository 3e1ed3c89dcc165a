#!/usr/bin/env python3
"""Writes the tiny datasets the `cajal train --data` CLI tests read (standard library only).

make_datasets.py OUT writes, under OUT:
  idx/            MNIST-layout IDX folder (gzip): 4x4 grey images, class 0 dark, class 1 bright
  table.csv       80 rows, 4 features and a 'species' column (setosa/versicolor/virginica)
  images/         PNG folder, one sub-folder per class (dark/, bright/), 4x4 grey
  and broken copies: idx-truncated/, idx-badmagic/, ragged.csv, nonnumeric.csv, floatlabel.csv,
  images-notpng/, images-emptyclass/, images-sizes/
  and new data for `cajal eval`: setosa.csv (20 rows of table.csv's first class only: a shifted
  distribution, centred at 0 where table.csv's columns are centred near 5), wide.csv (16 features,
  integer classes 0-2), images-bright/ (the bright class of images/ alone)
The data are separable, so a few steps of training reach full test accuracy.
"""
import gzip
import os
import random
import shutil
import struct
import sys
import zlib


def idx(dims, data, type_code=0x08):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def png_grey(width, height, pixels):
    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def image(rng, label, n=16):
    lo, hi = (0, 60) if label == 0 else (190, 255)
    return [rng.randint(lo, hi) for _ in range(n)]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main(out):
    rng = random.Random(7)
    shutil.rmtree(out, ignore_errors=True)
    # IDX folder: 64 train, 16 test.
    for split, n in (("train", 64), ("t10k", 16)):
        labels = [i % 2 for i in range(n)]
        pixels = [p for l in labels for p in image(rng, l)]
        write(f"{out}/idx/{split}-images-idx3-ubyte.gz", gzip.compress(idx([n, 4, 4], pixels)))
        write(f"{out}/idx/{split}-labels-idx1-ubyte.gz", gzip.compress(idx([n], labels)))
    os.makedirs(f"{out}/idx-truncated")
    os.makedirs(f"{out}/idx-badmagic")
    for name in os.listdir(f"{out}/idx"):
        raw = gzip.decompress(open(f"{out}/idx/{name}", "rb").read())
        plain = name[:-3]
        if plain == "train-images-idx3-ubyte":
            write(f"{out}/idx-truncated/{plain}", raw[:16 + 100])  # 100 of 1024 pixel bytes
            write(f"{out}/idx-badmagic/{plain}", b"\x08\x03" + raw[2:])
        else:
            write(f"{out}/idx-truncated/{plain}", raw)
            write(f"{out}/idx-badmagic/{plain}", raw)
    # CSV: three classes, centred at 0, 5 and 10 in every feature.
    names = ["setosa", "versicolor", "virginica"]
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for i in range(80):
        k = i % 3
        lines.append(",".join(f"{5 * k + rng.uniform(-1, 1):.3f}" for _ in range(4)) + "," + names[k])
    write(f"{out}/table.csv", ("\n".join(lines) + "\n").encode())
    more = random.Random(11)  # its own stream, so the files above and below stay as they were
    setosa = [lines[0]] + [",".join(f"{more.uniform(-1, 1):.3f}" for _ in range(4)) + ",setosa" for _ in range(20)]
    write(f"{out}/setosa.csv", ("\n".join(setosa) + "\n").encode())
    wide = [",".join(f"f{j}" for j in range(16)) + ",label"]
    wide += [",".join(f"{more.random():.3f}" for _ in range(16)) + f",{i % 3}" for i in range(20)]
    write(f"{out}/wide.csv", ("\n".join(wide) + "\n").encode())
    write(f"{out}/ragged.csv", b"a,b,label\n1,2,0\n3,4,1\n5,6\n7,8,0\n")
    write(f"{out}/nonnumeric.csv", b"a,b,label\n1,2,0\n3,four,1\n")
    write(f"{out}/floatlabel.csv", b"a,b,label\n1,2,0\n3,4,1.5\n")
    # Image folder: 20 per class.
    for label, cls in ((0, "dark"), (1, "bright")):
        for i in range(20):
            write(f"{out}/images/{cls}/{i:02d}.png", png_grey(4, 4, image(rng, label)))
    shutil.copytree(f"{out}/images/bright", f"{out}/images-bright/bright")
    shutil.copytree(f"{out}/images", f"{out}/images-notpng")
    write(f"{out}/images-notpng/bright/notes.png", b"this is text, not a PNG\n")
    shutil.copytree(f"{out}/images", f"{out}/images-emptyclass")
    os.makedirs(f"{out}/images-emptyclass/grey")
    shutil.copytree(f"{out}/images", f"{out}/images-sizes")
    write(f"{out}/images-sizes/dark/big.png", png_grey(5, 4, [0] * 20))


if __name__ == "__main__":
    main(sys.argv[1])
