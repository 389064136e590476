#!/usr/bin/env python3
"""`make bench`, last step: bench/history.tsv -> bench/RESULTS.md and bench/history.svg.

Every sub-bench appends rows `<run timestamp>\t<metric>\t<value>` to bench/history.tsv (the run
timestamp is BENCH_RUN, exported by scripts/bench.sh, so all rows of one `make bench` share it) and
writes its own detail page bench/<name>.md. This script writes:

  * bench/RESULTS.md: the machine, a summary table of the latest run against the targets below
    (a metric the latest run lacks shows its latest earlier value, marked as such), how to
    reproduce, every detail page included, and the history chart;
  * bench/history.svg: one small chart per metric, x = run index, y = value, a dashed line at
    the target, points green when the target is met and red when it is missed.

Standard library only. Usage:
  scripts/bench_report.py [--tsv bench/history.tsv] [--out-md bench/RESULTS.md]
                          [--out-svg bench/history.svg] [--details-dir DIR (default: --out-md's dir)]
  scripts/bench_report.py --append-gallery bench/gallery.md [--tsv bench/history.tsv]
      appends the 10,000-item row's figures as rows: gallery_search_10k_ms ("search in the store"
      median), gallery_open_10k_ms, gallery_open_10k_vs_baseline, tab_switch_10k_ms (the slowest
      tab's median) and gallery_browse_rss_10k_vs_idle (RSS after scrolling / idle)
      of run $BENCH_RUN; used by scripts/bench.sh after the gallery bench.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Metric:
    name: str
    meaning: str
    op: str  # "<=" (lower is better) or ">=" (higher is better)
    target: float


# The metrics `make bench` reports, in the order they are shown, with their targets.
METRICS: List[Metric] = [
    Metric("startup_vs_empty_window", "launch → whole interface drawn, ours / empty Tauri window (medians)", "<=", 1.15),
    Metric("startup_10k_vs_empty_window", "same with 10,000 library items", "<=", 1.15),
    Metric("startup_rounds_within_1_15", "rounds of 10 whose start-up came within 1.15× the empty window's", ">=", 9),
    Metric("startup_10k_rounds_within_1_15", "same with 10,000 library items", ">=", 9),
    Metric("idle_rss_vs_empty_window", "RSS app + WebKit processes, ours / empty window", "<=", 1.2),
    Metric("download_vs_curl", "our throughput / curl's on a 1 GiB clip", ">=", 0.9),
    Metric("download_peak_rss_growth_mib", "peak RSS growth while downloading 1 GiB, MiB", "<=", 32),
    Metric("image_prep_vs_vipsthumbnail", "our time / vipsthumbnail's, 24 MP JPEG", "<=", 1.0),
    Metric("poll_requests_per_job_per_3s",
           "requests to the simulator per job per 3 s with 500 jobs in flight", "<=", 1.0),
    Metric("poll_peak_rpm_vs_limit", "busiest 60 s of requests / the key's RPM limit", "<=", 1.0),
    Metric("poll_cpu_percent_of_core", "CPU while waiting on 500 jobs, % of one core", "<=", 2.0),
    Metric("gallery_search_10k_ms",
           "search keystroke → results in the store at 10,000 items, median ms", "<=", 16),
    Metric("gallery_open_10k_ms", "click → tiles painted, gallery of 10,000 items (issue 16), ms", "<=", 150),
    Metric("gallery_open_10k_vs_baseline",
           "gallery open at 10,000 items / the same 35 tiles drawn in the empty window (issue 16)", "<=", 1.3),
    Metric("tab_switch_10k_ms",
           "switching Create / Gallery / Spend at 10,000 items: the slowest tab's median, ms (issue 16)", "<=", 100),
    Metric("notice_p95_at_cap_s",
           "Kyma finished a job → done in our queue, p95 s, tier 4 (38 running, RPM 300), Kyma's queue full", "<=", 4),
    Metric("notice_p95_500_queued_s", "same with 500 more jobs queued here", "<=", 4),
    Metric("notice_busiest_minute_vs_rpm", "busiest 60 s of requests during those / the key's RPM", "<=", 1.0),
    Metric("gallery_browse_rss_10k_vs_idle",
           "RSS after scrolling through all 10,000 items / idle RSS (issue 16)", "<=", 1.4),
    Metric("batch_wall_vs_ideal",
           "50-picture batch at tier 1: wall time / ceil(50 / 4) × the simulator's job time", "<=", 1.2),
    Metric("batch_clips_made", "clips in the library after that batch", ">=", 50),
    Metric("batch_charges", "charges in Kyma's ledger for that batch (one per clip)", "<=", 50),
    Metric("batch_refused_requests", "requests refused during that batch (429 queue_full + RPM)", "<=", 0),
    Metric("batch_max_open_jobs", "most unfinished jobs at Kyma at once (tier 1 queue cap)", "<=", 12),
    Metric("batch_typing_median_ms",
           "keystroke → painted in the prompt field during a 50-picture batch, median ms", "<=", 50),
    Metric("board_sync_spread_max_ms",
           "5-model board: largest currentTime spread across cells, sampled every 250 ms for 5 s", "<=", 40),
]
BY_NAME: Dict[str, Metric] = {m.name: m for m in METRICS}

# Detail pages written by the sub-benches, in the order they are included (others found in the
# directory follow, alphabetically).
DETAIL_FILES = ["startup.md", "download.md", "image.md", "polling.md", "notice.md", "batch.md", "batch-typing.md", "gallery.md"]

SYMBOL = {"<=": "≤", ">=": "≥"}


# ---------------------------------------------------------------------------------------------
# history.tsv


@dataclass
class History:
    runs: List[str]  # run timestamps, oldest first
    values: Dict[str, Dict[str, Tuple[float, str]]]  # run -> metric -> (value, value as written)
    metrics: List[str]  # known metrics with data (table order), then unknown ones (first seen)


def read_history(path: str) -> History:
    values: Dict[str, Dict[str, Tuple[float, str]]] = {}
    seen: List[str] = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\r\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                parts = line.split("\t")
                if len(parts) != 3:
                    print(f"bench_report: {path}:{n}: expected 3 tab-separated fields, skipped: {line!r}",
                          file=sys.stderr)
                    continue
                run, metric, raw = (p.strip() for p in parts)
                try:
                    v = float(raw)
                except ValueError:
                    v = math.nan
                if not run or not metric or not math.isfinite(v):
                    print(f"bench_report: {path}:{n}: unreadable row, skipped: {line!r}", file=sys.stderr)
                    continue
                values.setdefault(run, {})[metric] = (v, raw)  # a repeated metric: the last row wins
                if metric not in seen:
                    seen.append(metric)
    runs = sorted(values)  # ISO 8601 UTC timestamps sort in time order
    metrics = [m.name for m in METRICS if m.name in seen] + [m for m in seen if m not in BY_NAME]
    return History(runs, values, metrics)


def verdict(metric: str, value: float) -> Optional[Tuple[bool, float]]:
    """(met, by how many percent of the target it is missed) or None without a target."""
    m = BY_NAME.get(metric)
    if m is None:
        return None
    met = value <= m.target if m.op == "<=" else value >= m.target
    miss = (value - m.target) if m.op == "<=" else (m.target - value)
    pct = miss / abs(m.target) * 100 if m.target else math.inf
    return met, pct


def fmt_target(metric: str) -> str:
    m = BY_NAME.get(metric)
    return "—" if m is None else f"{SYMBOL[m.op]} {m.target}"  # as written in METRICS: 1.0, 32


def fmt_pct(p: float) -> str:
    if not math.isfinite(p):
        return "∞%"
    return f"{p:.1f}%" if p < 10 else f"{p:.0f}%"


def human_run(run: str) -> str:
    """2026-11-26T03:19Z -> Thursday 26 November 2026, 03:19 UTC (the run string if not ISO)."""
    for f in ("%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            t = dt.datetime.strptime(run, f)
            return t.strftime("%A %d %B %Y, %H:%M UTC").lstrip("0")
        except ValueError:
            pass
    return run


# ---------------------------------------------------------------------------------------------
# the machine


def machine() -> List[Tuple[str, str]]:
    u = os.uname()
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        cores = str(len(os.sched_getaffinity(0)))  # what nproc says
    except (AttributeError, OSError):
        cores = str(os.cpu_count() or "?")
    ram = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except (OSError, ValueError, IndexError):
        pass
    return [("system", f"{u.sysname} {u.release} {u.machine}"), ("CPU", cpu), ("cores", cores), ("RAM", ram)]


# ---------------------------------------------------------------------------------------------
# RESULTS.md


def md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def summary_rows(h: History) -> List[List[str]]:
    """[metric, meaning, value, target, result] for every known metric and every metric in the TSV."""
    latest = h.runs[-1] if h.runs else None
    rows = []
    for name in [m.name for m in METRICS] + [m for m in h.metrics if m not in BY_NAME]:
        m = BY_NAME.get(name)
        meaning = m.meaning if m else "—"
        found = None
        for run in reversed(h.runs):
            if name in h.values[run]:
                found = (run, *h.values[run][name])
                break
        if found is None:
            rows.append([f"`{name}`", meaning, "not measured yet", fmt_target(name), "—"])
            continue
        run, v, raw = found
        value = f"**{raw}**" if run == latest else f"{raw} *(earlier run {run}, not in the latest)*"
        vd = verdict(name, v)
        result = "—" if vd is None else ("met" if vd[0] else f"**MISSED** by {fmt_pct(vd[1])}")
        rows.append([f"`{name}`", meaning, value, fmt_target(name), result])
    return rows


def demote_headings(text: str) -> str:
    """One heading level down (outside code fences), so a detail page's `#` title sits under ours."""
    out, fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and re.match(r"#{1,5} ", line):
            line = "#" + line
        out.append(line)
    return "\n".join(out).strip("\n")


def detail_files(details_dir: str, out_md: str) -> List[str]:
    if not os.path.isdir(details_dir):
        return []
    present = {f for f in os.listdir(details_dir) if f.endswith(".md")}
    present.discard(os.path.basename(out_md))
    present.discard("README.md")
    return [f for f in DETAIL_FILES if f in present] + sorted(present - set(DETAIL_FILES))


def render_md(h: History, out_md: str, out_svg: str, details_dir: str) -> str:
    md_dir = os.path.dirname(os.path.abspath(out_md))
    svg_rel = os.path.relpath(os.path.abspath(out_svg), md_dir)
    L = ["# Kyma Studio benchmark results", ""]
    L.append("Written by `scripts/bench_report.py` from `bench/history.tsv` at the end of `make bench`; "
             "do not edit by hand.")
    L.append("")
    L.append("Machine (the one that ran `make bench` and wrote this report):")
    L.append("")
    L += [f"- {k}: {v}" for k, v in machine()]
    L.append("")
    if h.runs:
        latest = h.runs[-1]
        L.append(f"Latest run: **{latest}** ({human_run(latest)}); {len(h.runs)} run"
                 f"{'s' if len(h.runs) != 1 else ''} in the history"
                 + (f", the first {h.runs[0]}." if len(h.runs) > 1 else "."))
    else:
        L.append("No runs in the history yet.")
    L += ["", "## Summary", ""]
    L.append("Ratios compare against a baseline measured in the same run on the same machine. "
             "\"MISSED by N%\" is how far the value is from the target, as a share of the target.")
    L.append("")
    L.append("| metric | meaning | value | target | result |")
    L.append("|---|---|---|---|---|")
    for r in summary_rows(h):
        L.append("| " + " | ".join(md_cell(c) for c in r) + " |")
    L += ["", "## How to reproduce", "",
          "```sh", "make bench", "```", "",
          "It runs every sub-bench (`scripts/bench.sh`), each appending to `bench/history.tsv` and "
          "writing its page below, then regenerates this file and the chart.", "",
          "## History", "",
          f"One panel per metric, one point per run: green met, red missed; the dashed line is the "
          f"target. [{svg_rel}]({svg_rel})", "",
          f"![benchmark history]({svg_rel})", ""]
    pages = detail_files(details_dir, out_md)
    if pages:
        L += ["## Detail pages", "",
              "Each sub-bench's page as it last wrote it, included as written (headings two levels "
              "down); each carries its own date.", ""]
    for f in pages:
        try:
            with open(os.path.join(details_dir, f), encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            continue
        rel = os.path.relpath(os.path.join(os.path.abspath(details_dir), f), md_dir)
        body = demote_headings(demote_headings(text))
        if not body.startswith("### "):
            body = f"### {f}\n\n{body}"
        first, _, rest = body.partition("\n")
        L += [first, "", f"*[{rel}]({rel})*", "", rest.strip("\n"), ""]
    return "\n".join(L).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# history.svg

PANEL_W, PANEL_H = 450, 210
PAD_L, PAD_R, PAD_T, PAD_B = 54, 58, 44, 38
HEADER_H = 56
GREEN, RED, LINE, GRID, INK, MUTED = "#2e7d32", "#c62828", "#5b7083", "#e3e7eb", "#1f2328", "#656d76"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def nice_ticks(lo: float, hi: float, n: int = 4) -> List[float]:
    span = hi - lo
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def y_range(vals: List[float], target: Optional[float]) -> Tuple[float, float]:
    pts = vals + ([target] if target is not None else [])
    lo, hi = min(pts), max(pts)
    if hi == lo:
        d = abs(hi) * 0.1 or 1.0
        lo, hi = lo - d, hi + d
    pad = (hi - lo) * 0.12
    lo, hi = lo - pad, hi + pad
    if min(pts) >= 0 and lo < 0:
        lo = 0.0  # these are all non-negative quantities: no negative axis
    return lo, hi


def tick_labels(ticks: List[float]) -> List[str]:
    """The fewest decimals that write every tick exactly (0, 5, 10; 1.00, 1.25; 0.80, 0.90)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    d = next((d for d in range(8) if all(abs(round(t, d) - t) < step * 1e-6 for t in ticks)), 8)
    d = max(d, 1) if step < 1 else d
    return [f"{t:.{d}f}" for t in ticks]


def text(x: float, y: float, s: str, size: float = 11, anchor: str = "start", fill: str = INK,
         weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f'{" font-weight=" + chr(34) + weight + chr(34) if weight != "normal" else ""}>{escape(s)}</text>')


def panel(h: History, metric: str, ox: float, oy: float) -> List[str]:
    m = BY_NAME.get(metric)
    x0, x1 = ox + PAD_L, ox + PANEL_W - PAD_R
    y0, y1 = oy + PAD_T, oy + PANEL_H - PAD_B  # plot top, plot bottom
    n = len(h.runs)
    pts = [(i, *h.values[r][metric]) for i, r in enumerate(h.runs) if metric in h.values[r]]
    lo, hi = y_range([v for _, v, _ in pts], m.target if m else None)

    def X(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + (x1 - x0) * i / (n - 1)

    def Y(v: float) -> float:
        return y1 - (y1 - y0) * (v - lo) / (hi - lo)

    out = [f'<g class="panel" data-metric="{escape(metric)}">',
           f'<rect x="{ox + 6:.1f}" y="{oy + 6:.1f}" width="{PANEL_W - 12}" height="{PANEL_H - 12}" '
           f'rx="6" fill="#ffffff" stroke="#d0d7de"/>']
    title = metric
    out.append(text(ox + 16, oy + 26, title, 12.5, weight="bold"))
    out.append(text(ox + PANEL_W - 16, oy + 26, "target " + fmt_target(metric) if m else "no target",
                    11, "end", MUTED))
    ticks = [t for t in nice_ticks(lo, hi) if lo - 1e-9 <= t <= hi + 1e-9]
    for t, label in zip(ticks, tick_labels(ticks)):
        out.append(f'<line x1="{x0:.1f}" y1="{Y(t):.1f}" x2="{x1:.1f}" y2="{Y(t):.1f}" stroke="{GRID}"/>')
        out.append(text(x0 - 6, Y(t) + 4, label, 10, "end", MUTED))
    out.append(f'<line x1="{x0:.1f}" y1="{y1:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#8c959f"/>')
    if m is not None:
        ty = Y(m.target)
        out.append(f'<line x1="{x0:.1f}" y1="{ty:.1f}" x2="{x1:.1f}" y2="{ty:.1f}" stroke="{INK}" '
                   f'stroke-width="1.2" stroke-dasharray="6 4" opacity="0.75"/>')
    # x axis: run index, first and last timestamps
    if n == 1:
        out.append(text(X(0), y1 + 15, f"run 1 · {h.runs[0]}", 10, "middle", MUTED))
    else:
        out.append(text(x0, y1 + 15, f"run 1 · {h.runs[0]}", 10, "start", MUTED))
        out.append(text(x1, y1 + 15, f"run {n} · {h.runs[-1]}", 10, "end", MUTED))
        for i in range(n):
            out.append(f'<line x1="{X(i):.1f}" y1="{y1:.1f}" x2="{X(i):.1f}" y2="{y1 + 3:.1f}" stroke="#8c959f"/>')
    if len(pts) > 1:
        poly = " ".join(f"{X(i):.1f},{Y(v):.1f}" for i, v, _ in pts)
        out.append(f'<polyline points="{poly}" fill="none" stroke="{LINE}" stroke-width="1.6"/>')
    for i, v, raw in pts:
        vd = verdict(metric, v)
        colour = MUTED if vd is None else (GREEN if vd[0] else RED)
        state = "no target" if vd is None else ("met" if vd[0] else "missed")
        out.append(f'<g><title>{escape(f"{h.runs[i]}: {raw} ({state})")}</title>'
                   f'<circle cx="{X(i):.1f}" cy="{Y(v):.1f}" r="4.2" fill="{colour}" stroke="#ffffff" '
                   f'stroke-width="1.2"/></g>')
    if pts:  # the latest value, to the right of its point (nothing of the line is there)
        i, v, raw = pts[-1]
        vd = verdict(metric, v)
        colour = MUTED if vd is None else (GREEN if vd[0] else RED)
        out.append(text(X(i) + 8, Y(v) + 4, raw, 11, "start", colour, "bold"))
    out.append("</g>")
    return out


def render_svg(h: History) -> str:
    metrics = h.metrics
    cols = 2 if len(metrics) > 1 else 1
    rows = max(1, math.ceil(len(metrics) / cols))
    # two columns: the legend sits right of the title; one column is too narrow, it gets its own line
    header = HEADER_H if cols == 2 else HEADER_H + 18
    W, H = cols * PANEL_W, header + rows * PANEL_H + 8
    out = [f'<?xml version="1.0" encoding="UTF-8"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="{FONT}">',
           "<title>Kyma Studio benchmark history</title>",
           f'<rect width="{W}" height="{H}" fill="#f6f8fa"/>',
           text(14, 24, "Kyma Studio · make bench history", 15, weight="bold")]
    if h.runs:
        span = h.runs[0] if len(h.runs) == 1 else f"{h.runs[0]} → {h.runs[-1]}"
        sub = f"{len(h.runs)} run{'s' if len(h.runs) != 1 else ''} ({span}); x = run index"
    else:
        sub = "no runs in bench/history.tsv yet"
    out.append(text(14, 43, sub, 11, fill=MUTED))
    # legend, top right: ● met  ● missed  - - - target
    lx, ly = (W - 14 - 200, 20) if cols == 2 else (18, 59)
    out.append(f'<circle cx="{lx}" cy="{ly}" r="4.2" fill="{GREEN}"/>')
    out.append(text(lx + 9, ly + 4, "met", 11, fill=MUTED))
    out.append(f'<circle cx="{lx + 50}" cy="{ly}" r="4.2" fill="{RED}"/>')
    out.append(text(lx + 59, ly + 4, "missed", 11, fill=MUTED))
    out.append(f'<line x1="{lx + 122}" y1="{ly}" x2="{lx + 152}" y2="{ly}" stroke="{INK}" stroke-width="1.2" '
               f'stroke-dasharray="6 4" opacity="0.75"/>')
    out.append(text(lx + 158, ly + 4, "target", 11, fill=MUTED))
    for k, metric in enumerate(metrics):
        out += panel(h, metric, (k % cols) * PANEL_W, header + (k // cols) * PANEL_H)
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# the gallery bench's page -> a history row


# Columns of the gallery page's 10,000-item row → history metrics. Each takes the cell's text and
# answers the value as it is written.
def _first_number(cell: str) -> Optional[str]:
    m = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", cell)
    return m.group(1) if m else None


def _rss_ratio(cell: str) -> Optional[str]:
    m = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)\s*→\s*([0-9]+(?:\.[0-9]+)?)", cell)
    return f"{float(m.group(2)) / float(m.group(1)):.2f}" if m and float(m.group(1)) > 0 else None


def _slowest_median(cell: str) -> Optional[str]:
    """ "50 / 80 / 97 ms (107 ms)": the largest of the medians before the parenthesis."""
    nums = re.findall(r"[0-9]+(?:\.[0-9]+)?", cell.split("(")[0])
    return max(nums, key=float) if nums else None


GALLERY_COLUMNS = [
    ("search in the store", "gallery_search_10k_ms", _first_number),
    ("gallery open", "gallery_open_10k_ms", _first_number),
    ("open / baseline", "gallery_open_10k_vs_baseline", _first_number),
    ("tab switch", "tab_switch_10k_ms", _slowest_median),
    ("rss idle", "gallery_browse_rss_10k_vs_idle", _rss_ratio),
]


def gallery_10k_figures(path: str) -> Optional[List[Tuple[str, str]]]:
    """The history rows of the gallery page's 10,000-item row: (metric, value) for each known
    column the table has, or None when the table has no 10,000-item row (BENCH_GALLERY_SIZES
    without 10000). Raises ValueError when the table is not there, lacks the "search in the
    store" column, or a known column's cell is not a number: the page's format changed."""
    with open(path, encoding="utf-8") as f:
        lines = [l.strip() for l in f if l.strip().startswith("|")]
    cells = [[c.strip() for c in l.strip("|").split("|")] for l in lines]
    for k, head in enumerate(cells):
        cols = [(j, metric, parse) for prefix, metric, parse in GALLERY_COLUMNS
                for j, c in enumerate(head) if c.lower().startswith(prefix)]
        if not any(metric == "gallery_search_10k_ms" for _, metric, _ in cols):
            continue
        for row in cells[k + 1:]:
            if all(re.fullmatch(r":?-+:?", c) for c in row):
                continue
            if not row or not row[0]:
                break
            if re.sub(r"[\s,_]", "", row[0]) == "10000":
                out = []
                for j, metric, parse in cols:
                    v = parse(row[j]) if j < len(row) else None
                    if v is None:
                        raise ValueError(f"{path}: 10000 row, '{head[j]}' is not a number: {row[j] if j < len(row) else ''!r}")
                    out.append((metric, v))
                return out
        return None
    raise ValueError(f"{path}: no table with a 'search in the store' column")


def append_gallery(page: str, tsv: str) -> int:
    try:
        figures = gallery_10k_figures(page)
    except (OSError, ValueError) as e:
        print(f"bench_report: {e}", file=sys.stderr)
        return 2
    if figures is None:
        print(f"bench_report: {page} has no 10000-item row; no gallery figures recorded", file=sys.stderr)
        return 0
    run = os.environ.get("BENCH_RUN") or dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    d = os.path.dirname(tsv)
    if d:
        os.makedirs(d, exist_ok=True)
    with open(tsv, "a", encoding="utf-8") as f:
        for metric, v in figures:
            f.write(f"{run}\t{metric}\t{v}\n")
            print(f"bench_report: {run}\t{metric}\t{v} → {tsv}")
    return 0


# ---------------------------------------------------------------------------------------------


def write(path: str, content: str) -> None:
    d = os.path.dirname(path)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(content)
    os.replace(tmp, path)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tsv", default="bench/history.tsv")
    p.add_argument("--out-md", default="bench/RESULTS.md")
    p.add_argument("--out-svg", default="bench/history.svg")
    p.add_argument("--details-dir", help="where the sub-benches' pages are (default: --out-md's directory)")
    p.add_argument("--append-gallery", metavar="GALLERY_MD",
                   help="only append the 10,000-item gallery figures from this page to --tsv (run: $BENCH_RUN)")
    p.add_argument("--quiet", action="store_true", help="do not print the summary")
    a = p.parse_args(argv)
    if a.append_gallery:
        return append_gallery(a.append_gallery, a.tsv)
    details = a.details_dir or os.path.dirname(a.out_md) or "."
    h = read_history(a.tsv)
    write(a.out_md, render_md(h, a.out_md, a.out_svg, details))
    write(a.out_svg, render_svg(h))
    if not a.quiet:
        print(f"bench_report: latest run {h.runs[-1] if h.runs else '(none)'}")
        for r in summary_rows(h):
            print("  " + "  ".join(c.replace("*", "").replace("`", "") for c in (r[0], r[2], r[3], r[4])))
        print(f"bench_report: wrote {a.out_md} and {a.out_svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
