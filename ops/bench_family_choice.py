#!/usr/bin/env python3
"""Cost of the agent's choice of model family, and of its updates, on a live Vidur stream with K and Q.

Starts `saturn agent` (SATURN_BINARY, default .build/release/saturn) with familySelectionEvery 300, publishes 6,000
steps drawn from the Vidur table (fits_kv_capacity = 1, 2% noise) with kv_context_tokens and prefill_attention_tokens
in chunks of 100, each followed by one more decided update, then prints: the installed family, the duration of every
family choice (from the agent's log), the mean, p99 and largest update time (update records), and the family refits.

    python3 ops/bench_family_choice.py [--seeds 1 2 3]
"""
import argparse
import os
import random
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python", "tests"))
os.environ.setdefault("SATURN_BINARY", ".build/release/saturn")

import conftest  # noqa: E402
import test_families as families  # noqa: E402
from conftest import wait_worker_ready  # noqa: E402
from saturn_client import Router, Worker  # noqa: E402


def run(seed):
    agent = conftest.AgentProcess(f"choice-cost-{seed}", config={"familySelectionEvery": 300})
    router = Router(agent.query, timeout_ms=5000)
    worker = Worker(agent.telemetry, worker_id="w", model=families.MODEL, hardware=families.HARDWARE)
    try:
        assert worker.wait_connected(settle=0)
        wait_worker_ready(worker, router)
        families.stream(worker, router, families.steps(), 6000, random.Random(seed))
        records = router.update_history(families.MODEL, families.HARDWARE)
        family = families.key_health(router)["family"]
    finally:
        worker.close()
        router.close()
        agent.stop()
    log = open(agent.log.name).read()
    choices = [float(m) for m in re.findall(r"ms=([0-9.]+) rows=\d+ \[SaturnAgent\] family chosen", log)]
    times = sorted(r["duration_ms"] for r in records)
    refits = [(r["accepted"], round(r["duration_ms"], 2)) for r in records if r["trigger"] == "UPDATE_TRIGGER_FAMILY"]
    print(f"seed {seed}: installed {family}; {len(choices)} choices, ms {sorted(round(x, 1) for x in choices)}")
    print(f"  {len(times)} updates: mean {statistics.mean(times):.2f} ms, p99 {times[int(0.99 * (len(times) - 1))]:.2f}"
          f" ms, max {times[-1]:.2f} ms; family refits (accepted, ms) {refits}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    for seed in parser.parse_args().seeds:
        run(seed)


if __name__ == "__main__":
    main()
