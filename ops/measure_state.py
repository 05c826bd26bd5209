#!/usr/bin/env python3
"""The cost of the state directory at a given number of keys: writes a state file with KEYS keys and 100 update
records each (the format of proto/saturn/v1/saturn.proto, StateRecord), starts an agent on it, and reports how long
the start took, what was reloaded, and the wall time of the state writes while one key is fed steps for 20 s
(every accepted set rewrites agent-state.bin; agent-updates.bin is rewritten at most once a second and at most a
tenth of the time).

    SATURN_BINARY=.build/release/saturn python3 ops/measure_state.py 100
"""
import csv
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
from saturn_client import Router, Worker  # noqa: E402
from saturn_client import saturn_pb2 as pb  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def state_file(keys):
    params = pb.Parameters(p_max=9.2, k_b=0.5, k_s=0.0025, w_0=0.08, w_1=0.63, tau_0=1.0, tau_b=0.3, tau_s=0.03)
    sets, owns, updates = [], [], []
    for k in range(keys):
        key = pb.ModelKey(model=f"m{k}-7b", hardware="gpu")
        sets.append(pb.StateRecord(set=pb.ParameterSet(
            key=key, parameters=params, version=5, origin_node="measure", origin_epoch=1, sample_count=5000,
            source=pb.PARAMETER_SOURCE_LOCAL_FIT, source_detail="refit on 96 rows (observations)")))
        owns.append(pb.StateRecord(own_version=pb.OwnVersion(key=key, version=5)))
        for i in range(100):
            updates.append(pb.StateRecord(update=pb.UpdateRecord(
                key=key, time_unix_ns=i, path=pb.UPDATE_PATH_UPDATER, trigger=pb.UPDATE_TRIGGER_OBSERVATIONS,
                accepted=i % 2 == 0, reason="better on held-out", validation_loss_current=0.01,
                validation_loss_candidate=0.009, training_loss_before=0.02, training_loss_after=0.019,
                parameters=params, version=i, training_rows=4900, validation_rows=100, duration_ms=1.1, cpu_ms=1.0,
                window_rows=5000)))
    header = pb.StateRecord(header=pb.StateHeader(format_version=1, node_id="measure", node_epoch=1, sets=len(sets),
                                                  updates=len(updates), own_versions=len(owns)))
    out = b"SATSTAT1"
    for r in [header] + sets + owns + updates:
        payload = r.SerializeToString()
        out += struct.pack("<II", len(payload), zlib.crc32(payload)) + payload
    return out


def main():
    keys = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    binary = os.environ.get("SATURN_BINARY", os.path.join(REPO, ".build", "debug", "saturn"))
    with tempfile.TemporaryDirectory() as d:
        data = state_file(keys)
        with open(os.path.join(d, "agent-state.bin"), "wb") as f:
            f.write(data)
        started = time.monotonic()
        agent = subprocess.Popen(
            [binary, "agent", "--node-id", "measure", "--state-dir", d, "--telemetry", "tcp://127.0.0.1:*",
             "--query", "tcp://127.0.0.1:*", "--broadcast", "tcp://127.0.0.1:*", "--set", "fitEvery=40"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = agent.stdout.readline()
            ready_ms = (time.monotonic() - started) * 1000
            telemetry, query = re.search(r"telemetry (\S+) query (\S+)", line).groups()
            router = Router(query, timeout_ms=5000)
            loaded = router.health()["state"]
            print(f"{keys} keys: {len(data)} bytes loaded ({loaded['sets_loaded']} sets, {loaded['updates_loaded']} "
                  f"records, problem '{loaded['load_problem']}') in {ready_ms:.0f} ms from start to ready")
            with open(os.path.join(REPO, "data", "steps_splitwise_llama2-70b_a100-80gb_tp8.csv")) as f:
                rows = [(int(r["B"]), int(r["S"]), float(r["T_ms"])) for r in csv.DictReader(f)]
            worker = Worker(telemetry, worker_id="measure", model="m0-7b", hardware="gpu")
            worker.wait_connected()
            rng = random.Random(1)
            samples, writes, end = [], 0, time.monotonic() + 20
            while time.monotonic() < end:
                for _ in range(50):
                    worker.publish_step(*rows[rng.randrange(len(rows))])
                time.sleep(0.3)
                s = router.health()["state"]
                if s["writes"] > writes:
                    writes = s["writes"]
                    # The last write's file: the one whose size it reported (the other one's size differs).
                    sizes = {n: os.path.getsize(os.path.join(d, n)) for n in ("agent-state.bin", "agent-updates.bin")
                             if os.path.exists(os.path.join(d, n))}
                    written = [n for n, size in sizes.items() if size == s["file_bytes"]]
                    if len(written) == 1:
                        samples.append((written[0], s["file_bytes"], s["last_write_ms"]))
            for name in ("agent-state.bin", "agent-updates.bin"):
                files = [x for x in samples if x[0] == name]
                ms = sorted(x[2] for x in files)
                if ms:
                    print(f"  {name}: {len(ms)} sampled writes of {files[-1][1]} bytes, wall ms min {ms[0]:.1f} "
                          f"median {ms[len(ms) // 2]:.1f} max {ms[-1]:.1f}")
            print(f"  {writes} writes in 20 s")
            worker.close()
            router.close()
        finally:
            agent.terminate()
            agent.wait()


if __name__ == "__main__":
    main()
