#!/usr/bin/env python3
"""The icon checker fails on what it must catch: a truncated icon, a missing size, a wrong size,
an icon listed in tauri.conf.json but absent. Run by `make test-icons`."""
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check_icons.py"


def run(icons: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), str(icons)], capture_output=True, text=True)


class CheckIcons(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp())
        shutil.copytree(ROOT / "icons", self.tmp / "icons")
        shutil.copy(ROOT / "tauri.conf.json", self.tmp / "tauri.conf.json")
        self.icons = self.tmp / "icons"

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_the_real_icons_pass(self):
        out = run(self.icons)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_a_truncated_png_inside_the_ico_fails(self):
        ico = self.icons / "icon.ico"
        data = bytearray(ico.read_bytes())
        _, _, _, _, _, _, length, offset = struct.unpack("<BBBBHHII", data[6:22])
        data[offset + length // 2 : offset + length] = b"\0" * (length - length // 2)
        ico.write_bytes(bytes(data))
        out = run(self.icons)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("icon.ico", out.stderr)

    def test_an_ico_without_its_256_px_image_fails(self):
        ico = self.icons / "icon.ico"
        data = bytearray(ico.read_bytes())
        count = struct.unpack("<H", data[4:6])[0]
        data[4:6] = struct.pack("<H", count - 1)  # the last entry (256 px) is no longer listed
        ico.write_bytes(bytes(data))
        out = run(self.icons)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("256", out.stderr)

    def test_a_png_of_the_wrong_size_fails(self):
        shutil.copy(self.icons / "32x32.png", self.icons / "64x64.png")
        out = run(self.icons)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("64x64.png is 32×32", out.stderr)

    def test_a_truncated_icns_fails(self):
        icns = self.icons / "icon.icns"
        icns.write_bytes(icns.read_bytes()[:-100])
        out = run(self.icons)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("icon.icns", out.stderr)

    def test_a_listed_icon_that_is_missing_fails(self):
        (self.icons / "icon.ico").unlink()
        out = run(self.icons)
        self.assertNotEqual(out.returncode, 0)


if __name__ == "__main__":
    unittest.main()
