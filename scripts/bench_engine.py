#!/usr/bin/env python3
"""`make bench`: the job engine's figures against kyma-sim, each with its baseline in the same run.

download  A 1 GiB clip (kyma-sim's clip_pad_to_bytes: the real MP4 plus one `free` box) fetched
          by `kyma dev download` (the engine's downloader: .part, checks, fsync, rename) vs curl
          of the same URL to the same tmpfs, interleaved, medians. Throughput ratio (target
          >= 0.9x curl) and the peak RSS growth of our process during the download (<= 32 MiB).
polling   500 jobs in flight (`kyma generate --no-wait`, then `kyma resume` waiting on all): the
          requests per job per 3 s the simulator sees (target <= 1), the busiest 60 s against the
          key's RPM (never above), and the CPU `kyma resume` uses while waiting (<= 2% of a core);
          then the same 500 jobs under a key allowed only 300 requests a minute.

batch     A batch of 50 generated pictures (`kyma batch --images DIR`) at Kyma's tier 1 (4 running,
          queue cap 12, 60 requests a minute), each job taking the simulator --job-seconds S:
          wall time against the ideal schedule ceil(50 / 4) × S (target <= 1.2x), clips made (50),
          charges in the ledger (50), refused POSTs and requests (queue_full + RPM: 0), the most
          jobs at Kyma at once (<= 12); with a timeline of the requests, to say what limits it.

notice    Kyma finished a job → the clip done in our queue, in seconds (p95 target <= 4 s), at Kyma's
          tier 4 (38 running, 300 requests a minute) with run times by model and duration: Kyma's
          queue full, then with 500 more jobs queued here; never above the key's RPM.
          BENCH_NOTICE_DUMP=PREFIX also writes PREFIX.<jobs>.json: each phase's library and the
          simulator's jobs (polls, started_at, completed_at), to find where a late notice waited.

Writes bench/download.md, bench/polling.md, bench/batch.md and bench/notice.md; appends to
bench/history.tsv.
Stdlib only.
Usage: bench_engine.py download|polling|batch|notice --kyma target/release/kyma --sim target/release/kyma-sim
"""

import argparse
import calendar
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import threading
import urllib.request
import zlib

KEY = "ky-bench-key"
GIB = 1 << 30


class Sim:
    """kyma-sim on a free loopback port; stopped on exit."""

    def __init__(self, binary, workdir, *args, cache=None):
        cache = cache or os.path.join(workdir, "sim-cache")
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--key", KEY, "--cache-dir", cache, *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        prefix = "kyma-sim listening on "
        if not line.startswith(prefix):
            self.stop()
            sys.exit(f"bench: kyma-sim did not start: {line!r}")
        self.url = line[len(prefix):]

    def call(self, method, path, body=None, key=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if key:
            req.add_header("authorization", f"Bearer {key}")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def stats(self):
        return self.call("GET", "/_sim/stats")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {platform.system()} {platform.release()} · {cpu} · {os.cpu_count()} cores"


def history(metric, value):
    run = os.environ.get("BENCH_RUN") or time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())
    os.makedirs("bench", exist_ok=True)
    with open("bench/history.tsv", "a") as f:
        f.write(f"{run}\t{metric}\t{value}\n")


def verdict(value, target, higher_is_better=False):
    met = value >= target if higher_is_better else value <= target
    if met:
        return "met"
    miss = (target - value) / target if higher_is_better else (value - target) / target
    return f"MISSED by {miss * 100:.0f}%"


def download(args):
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="kyma-bench-dl-", dir=shm)
    sim = Sim(args.sim, work, "--job-seconds", "0.2")
    try:
        job = sim.call("POST", "/v1/videos/generations", {"model": "kling-3-pro", "prompt": "download bench", "duration": 1}, KEY)
        for _ in range(300):
            job = sim.call("GET", f"/v1/jobs/{job['id']}", key=KEY)
            if job["status"] == "succeeded" and (job.get("output") or {}).get("url"):
                break
            time.sleep(0.1)
        url = job["output"]["url"]
        sim.call("PUT", "/_sim/faults", {"clip_pad_to_bytes": args.bytes})
        ours, curl, growth = [], [], []
        for i in range(args.runs):
            out = os.path.join(work, "ours.mp4")
            t = time.monotonic()
            r = subprocess.run([args.kyma, "dev", "download", url, out], capture_output=True, text=True)
            wall = time.monotonic() - t
            if r.returncode != 0:
                sys.exit(f"bench: kyma dev download failed: {r.stderr.strip()}")
            got = json.loads(r.stdout)
            if got["bytes"] != args.bytes or os.path.getsize(out) != args.bytes:
                sys.exit(f"bench: downloaded {got['bytes']} bytes, expected {args.bytes}")
            ours.append(wall)
            growth.append(got["peak_growth_kib"] / 1024)
            os.remove(out)
            out = os.path.join(work, "curl.mp4")
            t = time.monotonic()
            subprocess.run(["curl", "-sSf", "-o", out, url], check=True)
            curl.append(time.monotonic() - t)
            if os.path.getsize(out) != args.bytes:
                sys.exit("bench: curl got a different size")
            os.remove(out)
            print(f"  run {i + 1}: ours {ours[-1]:.2f} s (peak RSS +{growth[-1]:.1f} MiB), curl {curl[-1]:.2f} s", flush=True)
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    o, c = statistics.median(ours), statistics.median(curl)
    mib = args.bytes / (1 << 20)
    ratio = round(c / o, 2)  # throughput ratio: (bytes/ours) / (bytes/curl)
    peak = round(max(growth), 1)
    rows = [
        ("download throughput vs curl", f"{mib / o:.0f} MiB/s ({o:.2f} s)", f"curl {mib / c:.0f} MiB/s ({c:.2f} s)",
         f"**{ratio}×** (target ≥ 0.9×) {verdict(ratio, 0.9, True)}"),
        ("peak RSS growth while downloading", f"{peak} MiB (max of {len(growth)} runs)", "—",
         f"target ≤ 32 MiB: {verdict(peak, 32)}"),
    ]
    table = "| figure | ours | baseline | result |\n|---|---|---|---|\n" + "".join(f"| {a} | {b} | {c_} | {d} |\n" for a, b, c_, d in rows)
    page = (
        f"# Download\n\n{machine()}\n\n"
        f"A {mib:.0f} MiB clip from kyma-sim over loopback (`clip_pad_to_bytes`), written to tmpfs; "
        f"`kyma dev download` (the engine's downloader: `.part`, MP4 check, fsync, rename; process start included) "
        f"vs `curl -o` of the same URL, interleaved, {args.runs} runs each, medians.\n\n{table}\n"
        f"Runs (s): ours {', '.join(f'{x:.2f}' for x in ours)}; curl {', '.join(f'{x:.2f}' for x in curl)}. "
        f"Peak RSS growth (MiB): {', '.join(f'{x:.1f}' for x in growth)}.\n"
    )
    print(table)
    with open("bench/download.md", "w") as f:
        f.write(page)
    history("download_vs_curl", ratio)
    history("download_peak_rss_growth_mib", peak)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(sim, pid, seconds):
    s0, c0, t0 = sim.stats(), cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    s1, c1, t1 = sim.stats(), cpu_seconds(pid), time.monotonic()
    secs = t1 - t0
    requests = s1["api_requests"] - s0["api_requests"]
    return {
        "seconds": secs,
        "requests": requests,
        "per_s": requests / secs,
        "rejections": s1["rpm_rejections"] - s0["rpm_rejections"],
        "cpu_pct": (c1 - c0) / secs * 100,
    }


def polling(args):
    """One simulator, 500 jobs kept running (1 h each). First the key allows 20000 requests a
    minute, so our poll schedule decides the rate; then the key drops to 300 a minute (a tier
    change: PUT /_sim/limits) and a new `kyma resume` must stay under it."""
    work = tempfile.mkdtemp(prefix="kyma-bench-poll-")
    jobs = args.jobs
    sim = Sim(args.sim, work, "--job-seconds", "3600", "--rpm", "20000", "--queue-cap", str(jobs + 10),
              "--concurrent", str(jobs + 10), "--balance-usd", "100000")
    data = os.path.join(work, "library")
    env = dict(os.environ, KYMA_API_BASE=f"{sim.url}/v1", KYMA_API_KEY=KEY, KYMA_STUDIO_DATA_DIR=data)
    resume = None

    def start_resume():
        return subprocess.Popen([args.kyma, "resume"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(p):
        if p and p.poll() is None:
            p.terminate()
            p.wait()

    try:
        print(f"  submitting {jobs} jobs with `kyma generate --no-wait`…", flush=True)
        pending = []
        for i in range(jobs):
            cmd = [args.kyma, "generate", "--no-wait", "--model", "kling-3-pro", "--prompt", f"poll bench {i}", "--duration", "1"]
            pending.append(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
            while len(pending) >= 4 or (i == jobs - 1 and pending):
                p = pending.pop(0)
                if p.wait() != 0:
                    sys.exit(f"bench: kyma generate --no-wait failed: {p.stderr.read().strip()}")
        created = sim.stats()["jobs_created"]
        if created != jobs:
            sys.exit(f"bench: {created} jobs at kyma-sim, expected {jobs}")
        print(f"  `kyma resume` waiting on {jobs} jobs, key RPM 20000: {args.warmup:.0f} s warm-up, {args.window:.0f} s measured…", flush=True)
        resume = start_resume()
        time.sleep(args.warmup)
        free = measure(sim, resume.pid, args.window)
        free["rpm"] = 20000
        if resume.poll() is not None:
            sys.exit("bench: kyma resume exited while jobs were in flight")
        stop(resume)
        print("  the key drops to 300 requests a minute; 61 s for the simulator's window to empty, then a new `kyma resume`…", flush=True)
        time.sleep(61)
        sim.call("PUT", "/_sim/limits", {"rpm": 300})
        resume = start_resume()
        time.sleep(10)
        tight = measure(sim, resume.pid, 60)
        tight["rpm"] = 300
        if resume.poll() is not None:
            sys.exit("bench: kyma resume exited while jobs were in flight")
    finally:
        stop(resume)
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    per_job = round(free["per_s"] * 3 / jobs, 2)
    # The tight window is 60 s long: its requests are the busiest minute there was.
    peak_vs_limit = round(tight["requests"] / tight["rpm"], 2)
    cpu = round(max(free["cpu_pct"], tight["cpu_pct"]), 2)
    rows = [
        f"| key RPM 20000 (our schedule decides) | {free['requests']} in {free['seconds']:.0f} s = {free['per_s']:.1f}/s | "
        f"**{per_job}** | — | {free['rejections']} | {free['cpu_pct']:.2f}% |",
        f"| key RPM 300 (the limit decides) | {tight['requests']} in {tight['seconds']:.0f} s | {tight['per_s'] * 3 / jobs:.2f} | "
        f"**{tight['requests']} / 300** | {tight['rejections']} | {tight['cpu_pct']:.2f}% |",
    ]
    table = (
        f"| {jobs} jobs in flight | requests to kyma-sim | per job per 3 s (target ≤ 1) | requests in 60 s / RPM (target ≤ 1) | refused for RPM | CPU of `kyma resume` (target ≤ 2% of a core) |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"Per job per 3 s: **{per_job}** {verdict(per_job, 1.0)}; a minute's requests / RPM: **{peak_vs_limit}** {verdict(peak_vs_limit, 1.0)}; "
        f"CPU while waiting: **{cpu}%** of one core {verdict(cpu, 2.0)}.\n"
    )
    page = (
        f"# Polling\n\n{machine()}\n\n"
        f"{jobs} jobs submitted with `kyma generate --no-wait` and kept running at kyma-sim (1 h jobs); `kyma resume` "
        f"then waits on all of them. Key RPM 20000: {args.warmup:.0f} s warm-up, {args.window:.0f} s measured. Then the key "
        f"drops to 300 a minute (`PUT /_sim/limits`), the simulator's window empties, a new `kyma resume` starts: 10 s, "
        f"then 60 s measured. Requests from the simulator's counters (refused ones included), CPU from /proc/<pid>/stat.\n\n{table}"
    )
    print(table)
    with open("bench/polling.md", "w") as f:
        f.write(page)
    history("poll_requests_per_job_per_3s", per_job)
    history("poll_peak_rpm_vs_limit", peak_vs_limit)
    history("poll_cpu_percent_of_core", cpu)


def write_png(path, w, h, n):
    """A w x h RGB PNG, different for every n: a diagonal gradient and a block placed by n."""
    bx, by = (n * 37) % max(w - w // 4, 1), (n * 53) % max(h - h // 4, 1)
    rows = []
    for y in range(h):
        row = bytearray(b"\x00")
        for x in range(w):
            if bx <= x < bx + w // 4 and by <= y < by + h // 4:
                row += bytes((250, 30 + n * 4 % 200, 40))
            else:
                row += bytes((x * 255 // w, y * 255 // h, (n * 5) % 256))
        rows.append(bytes(row))

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes((8, 2, 0, 0, 0))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def rfc3339(s):
    """Seconds since the epoch of an RFC 3339 UTC stamp ("2026-12-07T10:00:00.123Z", "+00:00")."""
    head = s.replace("Z", "+00:00").partition("+")[0]
    head, _, frac = head.partition(".")
    return calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


def batch(args):
    """One simulator at tier 1, one `kyma batch --images` of N pictures; the simulator's counters
    sampled every second meanwhile (requests, POSTs, jobs created), so the report can show where
    the time went."""
    work = tempfile.mkdtemp(prefix="kyma-bench-batch-")
    n, secs = args.images, args.job_seconds
    slots, cap = 4, 12  # tier 1
    sim = Sim(args.sim, work, "--tier", "1", "--job-seconds", str(secs))
    pictures = os.path.join(work, "pictures")
    os.makedirs(pictures)
    for i in range(n):
        write_png(os.path.join(pictures, f"shot-{i:03}.png"), 640, 360, i)
    data = os.path.join(work, "library")
    env = dict(os.environ, KYMA_API_BASE=f"{sim.url}/v1", KYMA_API_KEY=KEY, KYMA_STUDIO_DATA_DIR=data)
    samples, stop = [], threading.Event()

    def sample():
        t0 = time.monotonic()
        while not stop.is_set():
            try:
                st = sim.stats()
                samples.append((time.monotonic() - t0, st["api_requests"], st["posts"], st["jobs_created"]))
            except OSError:
                pass
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        print(f"  kyma batch --images ({n} pictures, kling-2.5-pro 1 s) at tier 1, jobs of {secs} s…", flush=True)
        sampler.start()
        t = time.monotonic()
        r = subprocess.run([args.kyma, "batch", "--images", pictures, "--prompt", "a slow push in", "--model",
                            "kling-2.5-pro", "--duration", "1"], env=env, capture_output=True, text=True)
        wall = time.monotonic() - t
        stop.set()
        sampler.join()
        if r.returncode != 0:
            sys.exit(f"bench: kyma batch failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
        stats = sim.stats()
        ledger = sim.call("GET", f"/_sim/ledger?api_key={KEY}")
        sim_jobs = sim.call("GET", "/_sim/jobs")
        lib = subprocess.run([args.kyma, "jobs", "--json"], env=env, capture_output=True, text=True, check=True)
        local = json.loads(lib.stdout)
    finally:
        stop.set()
        sim.stop()
    paths = [l for l in r.stdout.splitlines()[1:] if l.strip()]
    clips = sum(1 for p in paths if os.path.isfile(p) and os.path.getsize(p) > 0)
    shutil.rmtree(work, ignore_errors=True)
    charges = sum(1 for e in ledger["entries"] if e["kind"] == "charge")
    refused = stats["queue_full_refusals"] + stats["rpm_rejections"]
    ideal = math.ceil(n / slots) * secs
    ratio = round(wall / ideal, 2)

    # Where the time went. Kyma's slots: a job holds one for its last `secs` seconds before
    # completed_at; busy slot-seconds over the run's length, against 4 slots.
    done = sorted(rfc3339(j["completed_at"]) for j in sim_jobs if j.get("completed_at"))
    created = sorted(rfc3339(j["created_at"]) for j in sim_jobs)
    start = created[0] if created else 0
    span = (done[-1] - start) if done else 0
    busy = len(done) * secs
    utilisation = busy / (slots * span) if span else 0
    # Our side: how long after Kyma finished a job its clip was in the library (poll lag + download).
    lags = sorted(rfc3339(g["downloaded_at"]) - rfc3339(g["completed_at"]) for g in local
                  if g.get("downloaded_at") and g.get("completed_at"))
    lag_med = statistics.median(lags) if lags else 0
    lag_max = lags[-1] if lags else 0
    # The requests per 10 s, from the samples.
    buckets = []
    last = (0, 0, 0)
    for t0 in range(0, int(wall) + 10, 10):
        inside = [s for s in samples if s[0] <= t0 + 10]
        if not inside:
            continue
        cur = inside[-1][1:]
        buckets.append((t0, cur[0] - last[0], cur[1] - last[1]))
        last = cur
    timeline = " · ".join(f"{t}s {req}r/{post}p" for t, req, post in buckets)
    per_min = stats["max_requests_in_60s"]
    polls = stats["api_requests"] - stats["posts"]
    # How bursty: the share of requests sent in the first 20 s of their minute, and the 10 s
    # stretches (before the last) in which nothing at all was sent.
    early = sum(req for t, req, _ in buckets if t % 60 < 20)
    total_req = sum(req for _, req, _ in buckets) or 1
    quiet = 10 * sum(1 for t, req, _ in buckets[:-1] if req == 0)
    rows = [
        ("wall time", f"{wall:.0f} s", f"ideal ceil({n} / {slots}) × {secs:g} s = {ideal:g} s",
         f"**{ratio}×** (target ≤ 1.2×) {verdict(ratio, 1.2)}"),
        ("clips made", f"{clips}", f"{n}", verdict(clips, n, True)),
        ("charges in the ledger", f"{charges}", f"{n}", "met" if charges == n else f"MISSED ({charges})"),
        ("refused (queue_full + RPM)", f"{stats['queue_full_refusals']} + {stats['rpm_rejections']}", "0",
         "met" if refused == 0 else "MISSED"),
        ("most jobs at Kyma at once", f"{stats['max_open_jobs']}", f"queue cap {cap}", verdict(stats["max_open_jobs"], cap)),
    ]
    table = "| figure | measured | target | result |\n|---|---|---|---|\n" + "".join(f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in rows)
    why = (
        f"Requests to Kyma: {stats['api_requests']} ({stats['posts']} POSTs, {polls} other: polls, `/auth/limits`, "
        f"`/credits/balance`), busiest 60 s: {per_min} (the key allows 60; the client keeps 57). "
        f"Kyma's 4 running slots were busy {utilisation * 100:.0f}% of the {span:.0f} s from the first job created to the last "
        f"finished. A clip was in the library a median {lag_med:.1f} s (max {lag_max:.1f} s) after Kyma finished it "
        f"(poll lag + download). Requests (r) and POSTs (p) per 10 s: {timeline}.\n"
    )
    if ratio > 1.2 or refused:
        why += (
            f"\n**What limits it: the key's 60 requests a minute, spent in bursts and mostly on polls.** The poll "
            f"schedule (jobs/config.rs) asks one poll per open job every 3 s: with {cap} jobs at Kyma that is "
            f"{cap / 3:.0f} requests a second, {cap / 3 * 60 / 57:.1f}× the 57 a minute the client allows itself, and "
            f"{polls} of the {stats['api_requests']} requests were polls ({polls / n:.1f} per clip), most of them of jobs "
            f"still waiting in Kyma's queue ({cap - slots} of the {cap} at Kyma are pending). The shared limiter "
            f"(api/limiter.rs) is a sliding 60 s window, so each minute's budget goes out at once: {early * 100 // total_req}% "
            f"of the requests left in the first 20 s of their minute, and for {quiet} s of the {wall:.0f} s nothing was "
            f"sent at all. Meanwhile no poll saw a finished job and no POST refilled Kyma's queue, whose {cap} jobs are "
            f"{cap // slots} rounds ({cap // slots * secs:g} s) of work: its {slots} slots ran dry and were busy "
            f"{utilisation * 100:.0f}% of the time.\n"
        )
    if stats["rpm_rejections"]:
        why += (
            f"\n**The {stats['rpm_rejections']} requests refused for RPM** (the simulator saw {per_min} in its busiest "
            f"60 s; the client allows itself 57): the limiter stamps a request when it lets it go, the simulator when "
            f"it arrives, later in a burst (each POST carries its picture as a data: URI). When the client's window "
            f"frees a whole 57-request burst at once, the simulator's still holds the end of the previous one, and a "
            f"margin of 3 does not cover it. Each refused request was retried after Retry-After (no duplicate job: the "
            f"POSTs carry their idempotency keys).\n"
        )
    page = (
        f"# Batch\n\n{machine()}\n\n"
        f"{n} generated 640×360 PNGs, one `kyma batch --images DIR --model kling-2.5-pro --duration 1` (release build) "
        f"against kyma-sim `--tier 1 --job-seconds {secs:g}`: 4 jobs running at once, 12 unfinished per key, 60 requests a "
        f"minute. Wall time from the command's start (pictures prepared, key checked) to its exit with every clip in the "
        f"library. Counters from `/_sim/stats` and `/_sim/ledger`.\n\n{table}\n{why}"
    )
    print(table)
    print(why)
    with open("bench/batch.md", "w") as f:
        f.write(page)
    history("batch_wall_vs_ideal", ratio)
    history("batch_clips_made", clips)
    history("batch_charges", charges)
    history("batch_refused_requests", refused)
    history("batch_max_open_jobs", stats["max_open_jobs"])


NOTICE_MODELS = ["kling-2.5-pro", "kling-3-pro", "kling-3-pro-audio", "seedance-2-pro", "seedance-2-fast"]
NOTICE_DURATIONS = [5, 10, 3, 8, 1, 6, 10, 5, 2, 7]


# Every row has this prompt: kyma-sim draws a clip's first words on it and caches its renders by
# them, so the clips of the 50 (model, duration) pairs are rendered once, before the measurement
# (`warm_clips`), not by ffmpeg beside the engine while it is timed (Kyma serves finished clips
# from a CDN).
NOTICE_PROMPT = "notice bench"


def warm_clips(args, cache):
    """Renders the clip of every (model, duration) the notice bench uses into kyma-sim's cache."""
    work = tempfile.mkdtemp(prefix="kyma-bench-warm-")
    sim = Sim(args.sim, work, "--job-seconds", "0", "--rpm", "20000", "--balance-usd", "1000000", cache=cache)
    try:
        pairs = [(m, d) for m in NOTICE_MODELS for d in sorted(set(NOTICE_DURATIONS))]

        def one(pair):
            job = sim.call("POST", "/v1/videos/generations", {"model": pair[0], "prompt": NOTICE_PROMPT, "duration": pair[1]}, KEY)
            for _ in range(600):
                job = sim.call("GET", f"/v1/jobs/{job['id']}", key=KEY)
                if (job.get("output") or {}).get("url"):
                    break
                time.sleep(0.05)
            with urllib.request.urlopen(job["output"]["url"], timeout=120) as r:
                while r.read(1 << 20):
                    pass

        threads = []
        for k in range(2):
            t = threading.Thread(target=lambda k=k: [one(p) for p in pairs[k::2]])
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


def notice_phase(args, label, jobs, window, ahead=0, cache=None):
    """One simulator at Kyma's tier 4 (38 running, 114 unfinished per key, 300 requests a minute),
    run times by model and duration (`--paced`), and one `kyma batch --prompts` of `jobs` mixed
    rows: it keeps Kyma's queue full and the rest queued here. For every job Kyma finished from
    `args.warmup` s after the batch started until the end of `window` (or until all were done):
    Kyma's completed_at (the simulator's clock) → the clip in the library, done in the queue (its
    downloaded_at, our clock: the same machine). With `ahead`, a first `kyma batch --no-wait` of
    that many fills Kyma's queue, and after 61 s (the key's minute, so the two processes never
    share one) the batch of `jobs` starts with all of them queued here; it finishes both. Kyma
    runs one job at a time until then, 38 from the batch's start."""
    work = tempfile.mkdtemp(prefix="kyma-bench-notice-")
    # With jobs sent ahead, Kyma runs one at a time until the batch starts (`concurrent` below), so
    # no backlog of jobs finished unwatched is left for it.
    sim = Sim(args.sim, work, "--tier", "4", "--paced", "--job-seconds", str(args.notice_job_seconds),
              "--balance-usd", "1000000", *(["--concurrent", "1"] if ahead else []), cache=cache)
    data = os.path.join(work, "library")
    env = dict(os.environ, KYMA_API_BASE=f"{sim.url}/v1", KYMA_API_KEY=KEY, KYMA_STUDIO_DATA_DIR=data)
    def rows_file(name, first, count):
        path = os.path.join(work, name)
        with open(path, "w") as f:
            f.write("prompt,model,duration\n")
            for i in range(first, first + count):
                model = NOTICE_MODELS[i % len(NOTICE_MODELS)]
                duration = NOTICE_DURATIONS[(i // len(NOTICE_MODELS)) % len(NOTICE_DURATIONS)]
                f.write(f"{NOTICE_PROMPT},{model},{duration}\n")
        return path

    rows = rows_file("jobs.csv", ahead, jobs)
    batch = None
    samples, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            try:
                st = sim.stats()
                samples.append((time.time(), st["api_requests"], st["rpm_rejections"]))
            except OSError:
                pass
            stop.wait(1.0)

    try:
        if ahead:
            print(f"  {label}: `kyma batch --no-wait` of {ahead} jobs fills Kyma's queue; 61 s…", flush=True)
            subprocess.run([args.kyma, "batch", "--prompts", rows_file("ahead.csv", 0, ahead), "--no-wait"], env=env,
                           stdout=subprocess.DEVNULL, check=True)
            time.sleep(61)
            sim.call("PUT", "/_sim/limits", {"concurrent": 38})
        print(f"  {label}: `kyma batch --prompts` of {jobs} jobs (5 models, 1–10 s), at most {window:.0f} s…", flush=True)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.time()
        batch = subprocess.Popen([args.kyma, "batch", "--prompts", rows], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        try:
            batch.wait(window)
        except subprocess.TimeoutExpired:
            pass
        ended = time.time()
        if batch.poll() is None:
            batch.terminate()
            batch.wait()
        elif batch.returncode != 0:
            sys.exit(f"bench: kyma batch failed ({batch.returncode}): {batch.stderr.read().strip()[-2000:]}")
        stop.set()
        sampler.join()
        sim_jobs = {j["id"]: j for j in sim.call("GET", "/_sim/jobs")}
        stats = sim.stats()
        lib = subprocess.run([args.kyma, "jobs", "--json"], env=env, capture_output=True, text=True, check=True)
        local = json.loads(lib.stdout)
    finally:
        stop.set()
        if batch and batch.poll() is None:
            batch.terminate()
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    lags, missed = [], 0
    for g in local:
        j = sim_jobs.get(g.get("kyma_id") or "")
        if not j or not j.get("completed_at") or j["status"] != "succeeded":
            continue
        done = rfc3339(j["completed_at"])
        if not (started + args.warmup <= done <= ended - 5):
            continue
        if g.get("downloaded_at"):
            lags.append(rfc3339(g["downloaded_at"]) - done)
        else:
            missed += 1
    if os.environ.get("BENCH_NOTICE_DUMP"):
        with open(os.environ["BENCH_NOTICE_DUMP"] + f".{jobs}.json", "w") as f:
            json.dump({"started": started, "ended": ended, "local": local, "sim": sim_jobs}, f)
    lags.sort()
    if not lags:
        sys.exit(f"bench: {label}: no job finished inside the measured window")
    p95 = lags[min(len(lags) - 1, math.ceil(0.95 * len(lags)) - 1)]
    # The busiest 60 s of requests while `kyma resume` ran, from the per-second samples.
    busiest = 0
    for i, (t, req, _) in enumerate(samples):
        later = [r for (u, r, _) in samples[i:] if u <= t + 60]
        busiest = max(busiest, later[-1] - req)
    refused = samples[-1][2] - samples[0][2] if samples else 0
    return {
        "label": label, "jobs": jobs, "ahead": ahead, "measured": len(lags), "missed": missed,
        "p50": statistics.median(lags), "p95": p95, "max": lags[-1],
        "busiest": busiest, "refused": refused, "seconds": ended - started, "posts": stats["posts"],
    }


def notice(args):
    """Kyma finished a job → the app's queue shows it done, at tier 4: Kyma's queue full (114 jobs,
    38 running), then with 500 more queued here."""
    cache = tempfile.mkdtemp(prefix="kyma-bench-clips-")
    try:
        print("  rendering the 50 clips the jobs will serve (kyma-sim's cache)…", flush=True)
        warm_clips(args, cache)
        at_cap = notice_phase(args, "at the tier-4 cap", 114, args.notice_window, cache=cache)
        queued = notice_phase(args, "with 500 queued here", 500, args.notice_window, ahead=114, cache=cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    rows = []
    for r in (at_cap, queued):
        rows.append(
            f"| {r['label']} ({r['jobs'] + r['ahead']} jobs) | {r['measured']} | {r['p50']:.2f} s | **{r['p95']:.2f} s** {verdict(r['p95'], 4.0)} | "
            f"{r['max']:.2f} s | {r['missed']} | {r['busiest']} / 300 {verdict(r['busiest'] / 300, 1.0)} | {r['refused']} |"
        )
    table = (
        "| case | jobs finished in the window | notice median | notice p95 (target ≤ 4 s) | max | finished, not yet in the library | busiest 60 s of requests / RPM | refused for RPM |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    page = (
        f"# Notice of finished clips\n\n{machine()}\n\n"
        f"kyma-sim at Kyma's tier 4 (38 jobs running at once, 114 unfinished per key, 300 requests a minute), run times by "
        f"model and duration (`--paced --job-seconds {args.notice_job_seconds:g}`: a 5 s kling-2.5-pro clip runs "
        f"{args.notice_job_seconds:g} s, seedance-2-fast 0.6× that, kling-3-pro-audio 1.7×, and so on, scaled by duration; "
        f"jobs cycle through the 5 models and durations of 1–10 s), one `kyma batch --prompts` of them (release build, an "
        f"empty library: what each model takes is learned as jobs finish), for at most {args.notice_window:g} s. With 500 "
        f"queued here: a `kyma batch --no-wait` of 114 fills Kyma's queue first, and 61 s later (so the two processes never "
        f"share the key's minute) the batch of 500 starts, all of them waiting here; it finishes both. Kyma runs one job at "
        f"a time until the batch starts and 38 from then on (`PUT /_sim/limits`), so no backlog finished unwatched. "
        f"Every job has the prompt \"{NOTICE_PROMPT}\", so its clip is one of 50 rendered before the measurement (kyma-sim "
        f"renders with ffmpeg, caching by frame, length and the prompt's first words; Kyma serves finished clips from a CDN, "
        f"and an encoder beside the engine on this machine's 2 cores would be timed instead of the engine). "
        f"Notice: Kyma's `completed_at` (the simulator's clock) → the clip's `downloaded_at` in the library (the same "
        f"machine's clock): polled, seen done, downloaded. Jobs Kyma finished in the first {args.warmup:g} s (while "
        f"the batch starts and learns) and the last 5 s are not counted. Requests from the simulator's counters, "
        f"sampled every second.\n\n{table}"
    )
    print(table)
    with open("bench/notice.md", "w") as f:
        f.write(page)
    history("notice_p95_at_cap_s", round(at_cap["p95"], 2))
    history("notice_p95_500_queued_s", round(queued["p95"], 2))
    history("notice_busiest_minute_vs_rpm", round(max(at_cap["busiest"], queued["busiest"]) / 300, 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["download", "polling", "batch", "notice"])
    ap.add_argument("--kyma", default="target/release/kyma")
    ap.add_argument("--sim", default="target/release/kyma-sim")
    ap.add_argument("--bytes", type=int, default=GIB)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=500)
    ap.add_argument("--warmup", type=float, default=20)
    ap.add_argument("--window", type=float, default=40)
    ap.add_argument("--images", type=int, default=50)
    ap.add_argument("--job-seconds", type=float, default=12)
    ap.add_argument("--notice-job-seconds", type=float, default=20)
    ap.add_argument("--notice-window", type=float, default=150)
    args = ap.parse_args()
    for tool in ("curl",):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is missing")
    {"download": download, "polling": polling, "batch": batch, "notice": notice}[args.what](args)


if __name__ == "__main__":
    main()
