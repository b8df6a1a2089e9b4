#!/usr/bin/env python3
"""Turns every .hex frame under SRC into a binary seed file in DST (for the fuzzers)."""
import pathlib
import sys

src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
dst.mkdir(parents=True, exist_ok=True)
n = 0
for p in sorted(src.rglob("*.hex")):
    data = bytearray()
    for tok in p.read_text(errors="replace").split():
        try:
            data.append(int(tok[:2], 16))
        except ValueError:
            break
    (dst / (p.stem + ".bin")).write_bytes(bytes(data))
    n += 1
print(f"seeds: {n} frames from {src}")
