#!/usr/bin/env python3
"""Tests of scripts/bench_report.py on synthetic histories (stdlib unittest, no bench run needed).

Run: python3 scripts/test_bench_report.py   (or: python3 -m unittest discover -s scripts -p 'test_bench_report.py')
"""

GALLERY_WITH_BASELINE = """\
| library | seed | search in the store median / p95 / max | window ready | first paint | gallery open (2 idle frames) | baseline open (again) | open / baseline | tab switch create / gallery / spend, medians (max) | RSS idle → after scrolling all |
|---|---|---|---|---|---|---|---|---|---|
| 10000 | 2.5 s | 1.80 / 3.63 / 4.88 ms (44 keys) | 393 ms | 62 ms | 122 ms (21 ms) | 95 ms (44 ms) | 1.28× | 51 / 79 / 104 ms (107 ms) | 578 → 780 MiB |
"""
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_report.py")
SVG = "{http://www.w3.org/2000/svg}"

# Three runs, written out of order (the latest first) so "latest" must come from the timestamps.
# image_prep: met earlier, missed in the latest run; download_vs_curl (higher is better): missed
# earlier, met in the latest; poll_cpu: only in an earlier run; an unknown metric has no target.
HISTORY = """\
2026-11-22T10:00Z\timage_prep_vs_vipsthumbnail\t1.10
2026-11-22T10:00Z\tdownload_vs_curl\t0.95
2026-11-22T10:00Z\tmystery_metric\t7
2026-11-20T10:00Z\timage_prep_vs_vipsthumbnail\t0.90
2026-11-20T10:00Z\tdownload_vs_curl\t0.80
2026-11-20T10:00Z\tpoll_cpu_percent_of_core\t1.5
2026-11-21T10:00Z\timage_prep_vs_vipsthumbnail\t0.95
2026-11-21T10:00Z\tdownload_vs_curl\t0.85
not a row
"""

GALLERY = """\
# Gallery at scale

2026-11-26 02:35 UTC · AMD EPYC · 2 cores · release build under Xvfb

| library | seed | search in the store median / p95 / max | window ready | gallery open (2 idle frames) | RSS idle → after scrolling all |
|---|---|---|---|---|---|
| 1000 | 0.3 s | 0.31 / 0.56 / 1.00 ms (44 keys) | 454 ms | 506 ms (20 ms) | 566 → 805 MiB |
| 10000 | 2.5 s | 1.39 / 3.63 / 4.88 ms (44 keys) | 393 ms | 730 ms (20 ms) | 578 → 980 MiB |
"""


def run(*args, env=None):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, env=env, check=False)


class BenchReportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.tsv = os.path.join(self.dir, "history.tsv")
        self.md = os.path.join(self.dir, "RESULTS.md")
        self.svg = os.path.join(self.dir, "history.svg")

    def tearDown(self):
        self.tmp.cleanup()

    def generate(self, history):
        with open(self.tsv, "w", encoding="utf-8") as f:
            f.write(history)
        p = run("--tsv", self.tsv, "--out-md", self.md, "--out-svg", self.svg)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.md, encoding="utf-8") as f:
            return f.read()

    def row(self, md, metric):
        rows = [l for l in md.splitlines() if l.startswith(f"| `{metric}` |")]
        self.assertEqual(len(rows), 1, f"one summary row for {metric}")
        return rows[0]

    def test_svg_is_xml_with_one_panel_per_metric(self):
        self.generate(HISTORY)
        root = ET.parse(self.svg).getroot()
        self.assertEqual(root.tag, f"{SVG}svg")
        panels = [g.get("data-metric") for g in root.iter(f"{SVG}g") if g.get("class") == "panel"]
        self.assertEqual(sorted(panels), sorted(["image_prep_vs_vipsthumbnail", "download_vs_curl",
                                                 "mystery_metric", "poll_cpu_percent_of_core"]))

    def test_results_use_the_latest_run_and_mark_met_and_missed(self):
        md = self.generate(HISTORY)
        self.assertIn("Latest run: **2026-11-22T10:00Z**", md)
        image = self.row(md, "image_prep_vs_vipsthumbnail")
        self.assertIn("**1.10**", image)
        self.assertIn("MISSED", image)
        self.assertIn("by 10%", image)
        download = self.row(md, "download_vs_curl")
        self.assertIn("**0.95**", download)
        self.assertIn("| met |", download)
        self.assertNotIn("MISSED", download)
        cpu = self.row(md, "poll_cpu_percent_of_core")  # absent from the latest run
        self.assertIn("1.5 *(earlier run 2026-11-20T10:00Z", cpu)
        self.assertIn("| met |", cpu)
        self.assertIn("| `mystery_metric` | — | **7** | — | — |", md)
        self.assertIn("not measured yet", self.row(md, "startup_vs_empty_window"))
        self.assertIn("make bench", md)
        self.assertIn("(history.svg)", md)

    def test_detail_pages_are_included(self):
        with open(os.path.join(self.dir, "gallery.md"), "w", encoding="utf-8") as f:
            f.write(GALLERY)
        md = self.generate(HISTORY)
        self.assertIn("### Gallery at scale", md)
        self.assertIn("| 10000 | 2.5 s | 1.39 / 3.63 / 4.88 ms (44 keys) | 393 ms |", md)

    def test_single_row_and_empty_history(self):
        md = self.generate("2026-11-26T03:19Z\timage_prep_vs_vipsthumbnail\t1.04\n")
        self.assertIn("**MISSED** by 4.0%", self.row(md, "image_prep_vs_vipsthumbnail"))
        self.assertEqual(len([g for g in ET.parse(self.svg).getroot().iter(f"{SVG}g") if g.get("class") == "panel"]), 1)
        md = self.generate("")
        self.assertIn("No runs in the history yet.", md)
        ET.parse(self.svg)

    def append_gallery(self, text, bench_run):
        """Writes `text` as the gallery page and appends its figures under run `bench_run`:
        (the page's path, the environment used, the process)."""
        page = os.path.join(self.dir, "gallery.md")
        with open(page, "w", encoding="utf-8") as f:
            f.write(text)
        env = dict(os.environ, BENCH_RUN=bench_run)
        return page, env, run("--append-gallery", page, "--tsv", self.tsv, env=env)

    def test_gallery_open_against_its_baseline_and_the_slowest_tab(self):
        _, _, p = self.append_gallery(GALLERY_WITH_BASELINE, "2026-12-07T21:00Z")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = open(self.tsv, encoding="utf-8").read()
        self.assertIn("2026-12-07T21:00Z\tgallery_open_10k_ms\t122\n", rows)
        self.assertIn("2026-12-07T21:00Z\tgallery_open_10k_vs_baseline\t1.28\n", rows)
        # The slowest tab's median (Spend, 104), not the worst single switch (107).
        self.assertIn("2026-12-07T21:00Z\ttab_switch_10k_ms\t104\n", rows)
        md = self.generate(rows)
        self.assertIn("| met |", self.row(md, "gallery_open_10k_vs_baseline"))
        self.assertIn("**MISSED**", self.row(md, "tab_switch_10k_ms"))

    def test_gallery_page_to_history_row(self):
        page, env, p = self.append_gallery(GALLERY, "2026-11-26T02:35Z")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.tsv, encoding="utf-8") as f:
            self.assertEqual(
                f.read(),
                "2026-11-26T02:35Z\tgallery_search_10k_ms\t1.39\n"
                "2026-11-26T02:35Z\tgallery_open_10k_ms\t730\n"
                "2026-11-26T02:35Z\tgallery_browse_rss_10k_vs_idle\t1.70\n",
            )
        md = self.generate(open(self.tsv, encoding="utf-8").read())
        self.assertIn("**MISSED**", self.row(md, "gallery_open_10k_ms"))
        self.assertIn("**MISSED**", self.row(md, "gallery_browse_rss_10k_vs_idle"))
        self.assertIn("| met |", self.row(md, "gallery_search_10k_ms"))
        with open(page, "w", encoding="utf-8") as f:
            f.write(GALLERY.replace("search in the store", "lookup"))
        self.assertEqual(run("--append-gallery", page, "--tsv", self.tsv, env=env).returncode, 2)


class StartupMilestonesTest(unittest.TestCase):
    """bench_startup.py reads the app's `startup: <what> <ms>` lines (src-tauri/src/startup.rs)."""

    def test_milestones_are_read_from_the_apps_stderr(self):
        sys.path.insert(0, os.path.dirname(SCRIPT))
        import bench_startup

        text = (
            "Gtk-Message: something else\n"
            "startup: setup 120.5\n"
            "startup: page load started 180.0\n"
            "startup: page load started 900.0\n"
            "startup: ui ready 430.25\n"
            "startup: broken line\n"
        )
        marks = bench_startup.milestones(text)
        self.assertEqual(marks, {"setup": 120.5, "page load started": 180.0, "ui ready": 430.25})
        for name in bench_startup.MILESTONES:
            self.assertRegex(name, r"^[a-z ]+$")


if __name__ == "__main__":
    unittest.main()
