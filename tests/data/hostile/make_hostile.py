#!/usr/bin/env python3
"""Writes the hand-made hostile files of tests/data/hostile (committed; rerun to regenerate).

Each file states sizes that are false or absurd; PromptDesk must refuse each with a clear error,
without allocating what the file claims (tests/cli/hostile_files.sh, tests/core/test_hostile_files.cpp).
Files that are large when expanded (gzip IDX bombs, a truncated model) are made by the tests.
"""
import json
import os
import random
import struct
import zipfile
import zlib

here = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


def safetensors(header, data=b""):
    h = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data


# Header length field claims 2^60 bytes (the file is a few bytes long).
write("st_header_2e60.safetensors", struct.pack("<Q", 1 << 60) + b'{"a":1}')
# Two tensors whose byte ranges overlap.
write("st_overlap.safetensors", safetensors({
    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, bytes(12)))
# Offsets near 2^64: begin + size would wrap around.
write("st_offsets_overflow.safetensors", safetensors({
    "a": {"dtype": "U8", "shape": [1],
          "data_offsets": [18446744073709551615, 0]},
    "b": {"dtype": "U8", "shape": [1],
          "data_offsets": [18446744073709551614, 18446744073709551615]}}, bytes(8)))
# Element count 2^32 * 2^32 * 4 overflows int64 (the byte count even more).
write("st_shape_overflow.safetensors", safetensors({
    "a": {"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 16]}},
    bytes(16)))


def png_chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload +
            struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


# PNG whose IHDR claims 100000 x 100000 RGB pixels (3e10 bytes decoded), with valid CRCs and a
# tiny IDAT: only the pixel limit stops it.
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
write("png_100000x100000.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
      png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))

# Under the pixel limit (25 megapixels) but 75 MB of pixel data from a 100-byte file: more than
# DEFLATE can expand it to, refused before the buffer is allocated.
ihdr = struct.pack(">IIBBBBB", 5000, 5000, 8, 2, 0, 0, 0)
write("png_5000x5000_tiny.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
      png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))

# Baseline JPEG whose SOF0 claims 65500 x 65500 (the largest libjpeg accepts), 3 components.
sof = struct.pack(">BHHB", 8, 65500, 65500, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
dqt = b"\x00" + bytes([1] * 64)
# Minimal Huffman tables (one code of length 1 for symbol 0) for DC and AC, class 0/1, id 0.
dht = b"\x00" + bytes([1] + [0] * 15) + b"\x00" + b"\x10" + bytes([1] + [0] * 15) + b"\x00"
sos = struct.pack(">B", 3) + b"\x01\x00\x02\x00\x03\x00" + b"\x00\x3f\x00"
def seg(marker, payload):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload
write("jpeg_65500x65500.jpg", b"\xff\xd8" + seg(0xDB, dqt) + seg(0xC0, sof) + seg(0xC4, dht) +
      seg(0xDA, sos) + b"\x00" * 32 + b"\xff\xd9")

# Under the pixel limit (8000 x 8000 = 64 megapixels, 192 MB decoded) in a 178-byte sequential
# JPEG: every 8x8 block costs at least 2 bits, so the file cannot hold it; refused before allocating.
sof = struct.pack(">BHHB", 8, 8000, 8000, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
write("jpeg_8000x8000_tiny.jpg", b"\xff\xd8" + seg(0xDB, dqt) + seg(0xC0, sof) + seg(0xC4, dht) +
      seg(0xDA, sos) + b"\x00" * 32 + b"\xff\xd9")

# The same as a progressive JPEG (SOF2, one DC first scan): a progressive Huffman file spends at
# least 1 bit per 8x8 block on its first DC scan, so 178 bytes cannot hold 64 megapixels either.
sos_dc = struct.pack(">B", 3) + b"\x01\x00\x02\x00\x03\x00" + b"\x00\x00\x00"
write("jpeg_8000x8000_progressive_tiny.jpg", b"\xff\xd8" + seg(0xDB, dqt) + seg(0xC2, sof) +
      seg(0xC4, dht) + seg(0xDA, sos_dc) + b"\x00" * 32 + b"\xff\xd9")

# A real zip archive laid out like a TorchScript file, every member random bytes.
rng = random.Random(10)
with zipfile.ZipFile(os.path.join(here, "garbage_zip.pt"), "w") as z:
    for member in ["archive/data.pkl", "archive/constants.pkl", "archive/version",
                   "archive/code/__torch__/model.py", "archive/data/0", "archive/data/1"]:
        info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))  # reproducible bytes
        z.writestr(info, bytes(rng.getrandbits(8) for _ in range(512)))

# A project file that is 64 KiB of random bytes.
write("project_random.pdesk", bytes(rng.getrandbits(8) for _ in range(65536)))
