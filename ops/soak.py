#!/usr/bin/env python3
"""Opt-in soak run (not part of ops/test): one agent under sustained load for --minutes.

Four workers publish steps for two keys each at --rate steps/s per worker, two routers query continuously, and a
junk sender injects malformed telemetry and queries. Every 5 s it samples the agent's RSS (/proc) and its health.
Fails (exit 1) if a query times out, the agent dies, fits stop, or RSS grows by more than --max-growth-mb after the
first minute's warm-up (the per-key windows are bounded, so memory must plateau).

Usage: python3 ops/soak.py [--minutes 5] [--rate 2000] [--saturn .build/release/saturn]
The load is synthetic (no data files); the default binary is the repository's own build, whatever the working
directory.
"""
import argparse
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time

import zmq
from saturn_client import Router, SaturnError, Worker

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=5)
    ap.add_argument("--rate", type=float, default=2000)
    ap.add_argument("--saturn", default=os.path.join(REPO, ".build", "release", "saturn"))
    ap.add_argument("--max-growth-mb", type=float, default=64)
    args = ap.parse_args()
    agent = subprocess.Popen([args.saturn, "agent", "--node-id", "soak", "--telemetry", "tcp://127.0.0.1:*",
                              "--query", "tcp://127.0.0.1:*", "--broadcast", "tcp://127.0.0.1:*",
                              "--log-level", "warning"], stdout=subprocess.PIPE, text=True)
    t, q, _ = re.search(r"telemetry (\S+) query (\S+) broadcast (\S+)", agent.stdout.readline()).groups()
    stop = threading.Event()
    failures = []
    counts = {"published": 0, "queries": 0}

    def worker(i):
        ws = [Worker(t, worker_id=f"soak-w{i}-{k}", model=f"soak-{k}-13b", hardware="soak-gpu") for k in range(2)]
        for w in ws:
            w.wait_connected()
        n = 0
        start = time.monotonic()
        while not stop.is_set():
            b = 1 + n % 64
            s = b if n % 3 else b * 256
            for w in ws:
                w.publish_step(b, s, 5 + 0.3 * b + 0.01 * s * (1 + 0.03 * math.sin(n)))
            n += 1
            counts["published"] += len(ws)
            lag = n / args.rate - (time.monotonic() - start)
            if lag > 0:
                time.sleep(lag)

    def router():
        r = Router(q, timeout_ms=2000)
        while not stop.is_set():
            try:
                r.predict("soak-0-13b", "soak-gpu", 16, 256)
                counts["queries"] += 1
            except SaturnError as e:
                failures.append(f"query failed: {e}")
                return

    def junk():
        ctx = zmq.Context.instance()
        pub = ctx.socket(zmq.PUB)
        pub.connect(t)
        req = ctx.socket(zmq.DEALER)
        req.connect(q)
        while not stop.is_set():
            pub.send_multipart([b"step", os.urandom(40)])
            req.send_multipart([b"", os.urandom(30)])
            if req.poll(0):
                req.recv_multipart()
            time.sleep(0.01)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=router) for _ in range(2)] + [threading.Thread(target=junk)]
    for th in threads:
        th.start()
    health = Router(q, timeout_ms=5000)
    baseline = None
    start = time.monotonic()
    last_fits = 0
    try:
        while time.monotonic() - start < args.minutes * 60 and not failures:
            time.sleep(5)
            if agent.poll() is not None:
                failures.append(f"agent exited with {agent.returncode}")
                break
            h = health.health()
            fits = sum(k["fits_accepted"] for k in h["keys"])
            rss = rss_mb(agent.pid)
            elapsed = time.monotonic() - start
            if baseline is None and elapsed >= min(60, args.minutes * 30):
                baseline = rss
            print(f"{elapsed:6.0f}s rss {rss:6.1f} MB accepted {h['telemetry_accepted']:>9} fits {fits:>5} "
                  f"queries {counts['queries']:>8} drops {sum(h['drops'].values()):>7} status {h['status']}",
                  flush=True)
            if baseline is not None and rss - baseline > args.max_growth_mb:
                failures.append(f"RSS grew from {baseline:.1f} to {rss:.1f} MB")
            if elapsed > 30 and fits == last_fits:
                failures.append("no fit in the last 5 s")
            last_fits = fits
    finally:
        stop.set()
        for th in threads:
            th.join(timeout=10)
        agent.send_signal(signal.SIGTERM)
        code = agent.wait(timeout=10)
    if code != 0:
        failures.append(f"agent exit code {code} after SIGTERM")
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
