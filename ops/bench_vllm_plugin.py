#!/usr/bin/env python3
"""Cost of the vLLM plugin on the engine's thread: time per SaturnStatLogger.record() call, with a live agent.

Starts `saturn agent` on loopback ports, creates the plugin as vLLM would (entry-point class, a stand-in
VllmConfig), waits until the agent counts its steps, then times --calls record() calls, each given a fresh
SchedulerStats stand-in with iteration details (what vLLM passes with --enable-logging-iteration-details). The
calls are paced at --rate per second (engines step every few to tens of milliseconds; pacing lets the sender
thread keep up, as it would in a server) and timed one by one with time.perf_counter_ns(); the timer's own cost
is measured the same way and reported beside it, not subtracted, and so is a minimal Python function (read the
same fields, append a tuple) called at the same pace: the floor for any Python code run once per step. Reports median, p99, p99.9 and max, how many
steps the agent accepted and how many the plugin dropped. A second, unpaced burst shows the queue filling up.
Last, the sender thread's CPU time per step sent (it runs beside the engine's thread, under the same GIL).

Target (issue 9): median and p99 under 20 microseconds per call.

Usage: python3 ops/bench_vllm_plugin.py [--calls 20000] [--rate 2000] [--saturn .build/release/saturn]
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "ops", "python"))  # this repository's client, not an older install
sys.path.insert(0, os.path.join(REPO, "ops", "python", "tests"))  # the vLLM stand-ins the plugin's test uses

from saturn_client import Router  # noqa: E402
from saturn_client.vllm_plugin import SaturnStatLogger  # noqa: E402
from vllm_stand_ins import IterationDetails, SchedulerStats  # noqa: E402


def quantile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def summary(ns):
    s = sorted(ns)
    return (f"median {statistics.median(s) / 1000:.2f} us, p99 {quantile(s, 0.99) / 1000:.2f} us, "
            f"p99.9 {quantile(s, 0.999) / 1000:.2f} us, max {s[-1] / 1000:.1f} us")


def make_stats(i):
    b = 1 + i % 48
    prefill = i % 4 == 0
    return SchedulerStats(num_running_reqs=b, kv_cache_usage=0.3 + 0.001 * (i % 100),
                          iteration_details=IterationDetails(i, int(prefill), 512 * prefill, b, b,
                                                             9.0 + 0.3 * b + 0.02 * 512 * prefill))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=2000, help="paced record() calls per second")
    ap.add_argument("--burst", type=int, default=20000, help="unpaced calls after the paced run (0: none)")
    ap.add_argument("--saturn", default=os.path.join(REPO, ".build", "release", "saturn"))
    args = ap.parse_args()
    agent = subprocess.Popen([args.saturn, "agent", "--node-id", "bench-plugin", "--telemetry", "tcp://127.0.0.1:*",
                              "--query", "tcp://127.0.0.1:*", "--broadcast", "tcp://127.0.0.1:*",
                              "--log-level", "warning"], stdout=subprocess.PIPE, text=True)
    try:
        telemetry, query, _ = re.search(r"telemetry (\S+) query (\S+) broadcast (\S+)",
                                        agent.stdout.readline()).groups()
        router = Router(query, timeout_ms=5000)
        config = SimpleNamespace(model_config=SimpleNamespace(served_model_name="bench-plugin-8b"),
                                 cache_config=SimpleNamespace(num_gpu_blocks=8192, block_size=16))
        env = {"SATURN_TELEMETRY_ENDPOINT": telemetry, "SATURN_HARDWARE": "bench-gpu"}
        plugin = SaturnStatLogger(config, engine_index=0, environ=env)
        plugin.log_engine_initialized()
        if not plugin.connected.wait(10):
            sys.exit("the plugin did not connect to the agent")
        i = 0
        while router.health()["telemetry_accepted"] == 0:  # slow joiner: until the agent counts a step
            plugin.record(make_stats(i), None)
            i += 1
            time.sleep(0.02)

        inputs = [make_stats(k) for k in range(args.calls)]
        clock = time.perf_counter_ns
        timer = []
        for _ in range(args.calls):
            t0 = clock()
            t1 = clock()
            timer.append(t1 - t0)
        interval = 1.0 / args.rate

        def paced(call):
            spent = []
            start = time.monotonic()
            for k, st in enumerate(inputs):
                t0 = clock()
                call(st, None)
                t1 = clock()
                spent.append(t1 - t0)
                lag = start + (k + 1) * interval - time.monotonic()
                if lag > 0:
                    time.sleep(lag)
            return spent

        # Reference: the least a Python stat logger can do per call (read the same fields, append a tuple),
        # paced the same way: what any Python code costs when it runs once every few milliseconds.
        sink = []

        def minimal(st, _):
            d = st.iteration_details
            sink.append((d.num_ctx_requests, d.num_ctx_tokens, d.num_generation_requests, d.num_generation_tokens,
                         d.elapsed_ms, st.kv_cache_usage))

        reference = paced(minimal)
        accepted_before = router.health()["telemetry_accepted"]
        before = plugin.stats()
        costs = paced(plugin.record)
        deadline = time.monotonic() + 10
        while router.health()["telemetry_accepted"] < accepted_before + args.calls and time.monotonic() < deadline:
            time.sleep(0.05)
        after = plugin.stats()
        accepted = router.health()["telemetry_accepted"] - accepted_before
        print(f"record(), paced at {args.rate:g}/s, {args.calls} calls: {summary(costs)}")
        print(f"  perf_counter_ns pair alone: {summary(timer)}")
        print(f"  reference (read the fields, append a tuple), same pacing: {summary(reference)}")
        print(f"  agent accepted {accepted} of {args.calls}; plugin dropped "
              f"{after['dropped_queue_full'] - before['dropped_queue_full']} (queue full), "
              f"{after['dropped_send_queue_full'] - before['dropped_send_queue_full']} (ZeroMQ high-water mark)")

        if args.burst:
            burst_inputs = [make_stats(k) for k in range(args.burst)]
            before = plugin.stats()
            costs = []
            for st in burst_inputs:
                t0 = clock()
                plugin.record(st, None)
                t1 = clock()
                costs.append(t1 - t0)
            after = plugin.stats()
            print(f"record(), unpaced burst of {args.burst}: {summary(costs)}; dropped "
                  f"{after['dropped_queue_full'] - before['dropped_queue_full']} (queue full, "
                  f"{plugin.settings.queue_size} slots)")
        start = time.monotonic()
        closed = plugin.close()
        print(f"close(): {'stopped' if closed else 'NOT stopped'} in {time.monotonic() - start:.3f} s")
        if plugin.sender_cpu_seconds is not None and plugin.sent:
            print(f"sender thread (off the engine's thread, but on the GIL): {plugin.sender_cpu_seconds:.3f} s CPU "
                  f"for {plugin.sent} steps sent, {1e6 * plugin.sender_cpu_seconds / plugin.sent:.1f} us per step")
        router.close()
    finally:
        agent.send_signal(signal.SIGTERM)
        try:
            agent.wait(10)
        except subprocess.TimeoutExpired:
            agent.kill()


if __name__ == "__main__":
    main()
