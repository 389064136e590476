#!/usr/bin/env python3
"""Checks the app's icons: every file decodes, and each holds the sizes its platform needs.

  python3 scripts/check_icons.py icons

- icon.ico (Windows: the executable's resource, the installers, the taskbar): 16, 24, 32, 48,
  64 and 256 px, each a decodable image.
- icon.icns (macOS: the .app and the .dmg): 16, 32, 64, 128, 256, 512 and 1024 px.
- The PNGs the Linux bundles install (hicolor 32, 64, 128, 256 and 512 px), square and RGBA.
- Every file listed in tauri.conf.json's bundle.icon exists, and each icon comes from the master.

Pure Python (zlib, struct): each PNG is inflated in full and each row filter checked, so a
truncated or corrupt image fails, not just a wrong header.
"""
import json
import struct
import sys
import zlib
from pathlib import Path

PNG_SIG = b"\x89PNG\r\n\x1a\n"
ICO_SIZES = {16, 24, 32, 48, 64, 256}
ICNS_SIZES = {16, 32, 64, 128, 256, 512, 1024}
LINUX_PNGS = {"32x32.png": 32, "64x64.png": 64, "128x128.png": 128, "256x256.png": 256, "icon.png": 512}
# The ICNS element types that hold PNG (or JPEG 2000) data, by the pixel size they must have.
ICNS_PNG_TYPES = {
    b"icp4": 16, b"icp5": 32, b"icp6": 64, b"ic07": 128, b"ic08": 256, b"ic09": 512,
    b"ic10": 1024, b"ic11": 32, b"ic12": 64, b"ic13": 256, b"ic14": 512,
}
# The older RLE-packed 24-bit elements and their masks: fixed sizes.
ICNS_RAW_TYPES = {b"is32": 16, b"s8mk": 16, b"il32": 32, b"l8mk": 32, b"ih32": 48, b"h8mk": 48, b"it32": 128, b"t8mk": 128}


class Bad(Exception):
    pass


def decode_png(data: bytes, what: str) -> tuple[int, int]:
    """Inflates the PNG fully and checks its rows; returns (width, height)."""
    if not data.startswith(PNG_SIG):
        raise Bad(f"{what}: not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        if pos + 8 > len(data):
            raise Bad(f"{what}: truncated chunk header")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise Bad(f"{what}: truncated {ctype!r} chunk")
        if zlib.crc32(ctype + body) != struct.unpack(">I", crc)[0]:
            raise Bad(f"{what}: bad CRC in {ctype!r}")
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        raise Bad(f"{what}: no IHDR or no image data")
    width, height, depth, colour, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or interlace != 0:
        raise Bad(f"{what}: unexpected colour type {colour} / interlace {interlace}")
    raw = zlib.decompress(idat)
    stride = (width * channels * depth + 7) // 8
    if len(raw) != height * (stride + 1):
        raise Bad(f"{what}: {len(raw)} bytes of pixels for {width}×{height}, expected {height * (stride + 1)}")
    bad_filters = {raw[row * (stride + 1)] for row in range(height)} - {0, 1, 2, 3, 4}
    if bad_filters:
        raise Bad(f"{what}: invalid row filters {sorted(bad_filters)}")
    return width, height


def check_ico(path: Path) -> set[int]:
    data = path.read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    if reserved != 0 or kind != 1 or count == 0:
        raise Bad(f"{path}: not an icon file")
    sizes = set()
    for i in range(count):
        w, h, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6 + 16 * i : 22 + 16 * i])
        w, h = w or 256, h or 256
        image = data[offset : offset + length]
        if len(image) != length:
            raise Bad(f"{path}: entry {i} runs past the end of the file")
        if image.startswith(PNG_SIG):
            got = decode_png(image, f"{path} entry {i}")
        else:  # a BMP without its file header: BITMAPINFOHEADER, height doubled for the mask
            hdr, bw, bh = struct.unpack("<Iii", image[:12])
            if hdr != 40:
                raise Bad(f"{path}: entry {i} is neither PNG nor BMP")
            got = (bw, bh // 2)
        if got != (w, h):
            raise Bad(f"{path}: entry {i} says {w}×{h} but holds {got[0]}×{got[1]}")
        sizes.add(w)
    return sizes


def check_icns(path: Path) -> set[int]:
    data = path.read_bytes()
    magic, total = struct.unpack(">4sI", data[:8])
    if magic != b"icns" or total != len(data):
        raise Bad(f"{path}: not an icns file (or its length is wrong)")
    pos, sizes = 8, set()
    while pos < len(data):
        ctype, length = struct.unpack(">4sI", data[pos : pos + 8])
        body = data[pos + 8 : pos + length]
        if length < 8 or len(body) != length - 8:
            raise Bad(f"{path}: element {ctype!r} is truncated")
        if ctype in ICNS_PNG_TYPES:
            want = ICNS_PNG_TYPES[ctype]
            got = decode_png(body, f"{path} {ctype.decode()}")
            if got != (want, want):
                raise Bad(f"{path}: {ctype.decode()} must be {want} px, holds {got[0]}×{got[1]}")
            sizes.add(want)
        elif ctype in ICNS_RAW_TYPES:
            sizes.add(ICNS_RAW_TYPES[ctype])
        pos += length
    return sizes


def main(folder: str) -> int:
    icons = Path(folder)
    problems = []
    try:
        ico = check_ico(icons / "icon.ico")
        if ico != ICO_SIZES:
            problems.append(f"icon.ico holds {sorted(ico)} px, wants {sorted(ICO_SIZES)}")
        icns = check_icns(icons / "icon.icns")
        if not ICNS_SIZES <= icns:
            problems.append(f"icon.icns lacks {sorted(ICNS_SIZES - icns)} px")
        for name, size in LINUX_PNGS.items():
            got = decode_png((icons / name).read_bytes(), name)
            if got != (size, size):
                problems.append(f"{name} is {got[0]}×{got[1]}, wants {size}×{size}")
    except (Bad, OSError, zlib.error, struct.error) as e:
        problems.append(str(e))
    conf = json.loads((icons.parent / "tauri.conf.json").read_text())
    for listed in conf["bundle"]["icon"]:
        if not (icons.parent / listed).is_file():
            problems.append(f"tauri.conf.json lists {listed}, which does not exist")
    for needed in ("icons/icon.ico", "icons/icon.icns"):
        if needed not in conf["bundle"]["icon"]:
            problems.append(f"tauri.conf.json's bundle.icon does not list {needed}")
    if not (icons / "master.svg").is_file():
        problems.append("icons/master.svg, the master every icon is made from, is missing")
    for p in problems:
        print(f"icons: {p}", file=sys.stderr)
    if not problems:
        print(f"icons: ok (ico {sorted(ico)} px, icns {sorted(icns)} px, {len(LINUX_PNGS)} PNGs)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "icons"))
