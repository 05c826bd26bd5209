"""Heartbeats and convergence: three agents through a forwarder. The forwarder is stopped while fits are accepted
(each agent's last update comes after the others noticed its silence, with nothing after it), then restarted on the
same endpoints: every agent has every origin's latest version within a few heartbeat intervals, recovered from
heartbeats alone (their sequence is beyond the last update received). The time is measured and printed."""
import re
import signal
import subprocess
import threading
import time

from conftest import free_port, read_rows, saturn_binary, wait_for, wait_worker_ready
from saturn_client import Router, Worker

HEARTBEAT_SECONDS = 1.0
NODES = ["HA", "HB", "HC"]
MODEL = "llama2-70b"
BEFORE = "steps_splitwise_llama2-70b_h100-80gb_tp4.csv"
DURING = "steps_splitwise_llama2-70b_a100-80gb_tp8.csv"
CONFIG = {"fitEvery": 50, "coldStartEvery": 20, "idleFitSeconds": 0.2, "heartbeatSeconds": HEARTBEAT_SECONDS}


def usable(name):
    rows = [(int(r["B"]), int(r["S"]), float(r["T_ms"])) for r in read_rows(name)]
    return [r for r in rows if 0.1 < r[2] < 500]


class Forwarder:
    def __init__(self, front_port, back_port):
        self.front, self.back = f"tcp://127.0.0.1:{front_port}", f"tcp://127.0.0.1:{back_port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen([saturn_binary(), "forwarder", "--frontend", self.front, "--backend",
                                         self.back], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert re.search(r"frontend (\S+) backend (\S+)", self.process.stdout.readline())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            assert self.process.wait(timeout=10) == 0


def versions(routers):
    """{(asker, origin): (version, origin_node)} for every agent asked about every origin's key."""
    out = {}
    for asker, r in routers.items():
        for origin in NODES:
            p = r.predict(MODEL, f"gpu-{origin}", 16, 256)
            out[(asker, origin)] = (p.version, p.origin_node, p.source)
    return out


def own_versions(routers):
    return {n: versions({n: routers[n]})[(n, n)][0] for n in NODES}


def converged(routers):
    v = versions(routers)
    own = {n: v[(n, n)] for n in NODES}
    return all(v[(a, o)][:2] == own[o][:2] and own[o][2] == "local_fit" for a in NODES for o in NODES)


def test_forwarder_outage_converges_within_a_few_heartbeats(agents):
    fwd = Forwarder(free_port(), free_port())
    fwd.start()
    workers, routers = {}, {}
    try:
        nodes = {n: agents(n, "--forwarder", fwd.front, "--peer", fwd.back, config=CONFIG) for n in NODES}
        routers = {n: Router(a.query, timeout_ms=3000) for n, a in nodes.items()}
        # Readiness: every agent hears the two others' heartbeats through the forwarder.
        wait_for(lambda: all(r.health()["peer_liveness"]["heartbeats_received"] >= 4 for r in routers.values()),
                 15, message="heartbeats through the forwarder")
        for n, a in nodes.items():
            workers[n] = Worker(a.telemetry, worker_id=f"w-{n}", model=MODEL, hardware=f"gpu-{n}")
            assert workers[n].wait_connected(settle=0)
            wait_worker_ready(workers[n], routers[n])

        def publish(table, count, seed):
            rng = __import__("random").Random(seed)
            for n, w in workers.items():
                for _ in range(count):
                    b, s, t = table[rng.randrange(len(table))]
                    w.publish_step(b, s, t * (1 + 0.02 * rng.gauss(0, 1)))

        publish(usable(BEFORE), 300, 1)
        wait_for(lambda: converged(routers), 30, interval=0.1, message="convergence with the forwarder up")

        fwd.stop()
        # The others notice each origin's silence (3 intervals) and take a snapshot over the query sockets.
        wait_for(lambda: all(len(r.health()["peer_liveness"]["silent_origins"]) == 2 for r in routers.values()),
                 6 * HEARTBEAT_SECONDS, interval=0.1, message="silences noticed")
        before = own_versions(routers)
        # Fits accepted during the outage; each origin's last update has nothing after it.
        publish(usable(DURING), 400, 2)
        wait_for(lambda: all(v > before[n] for n, v in own_versions(routers).items()), 30, interval=0.1,
                 message="fits accepted during the outage")
        stable, last = time.monotonic(), own_versions(routers)
        while time.monotonic() - stable < 3.0:  # no update for 3 s: the last ones are out
            time.sleep(0.2)
            now = own_versions(routers)
            if now != last:
                stable, last = time.monotonic(), now
        behind = versions(routers)
        assert all(behind[(a, o)][0] < last[o] for a in NODES for o in NODES if a != o), \
            "the peers already had the last updates: the outage tested nothing"
        gaps_before = sum(r.health()["peer_liveness"]["heartbeat_gaps"] for r in routers.values())

        t0 = time.monotonic()
        fwd.start()
        wait_for(lambda: converged(routers), 10 * HEARTBEAT_SECONDS, interval=0.02,
                 message="convergence after the forwarder's restart")
        elapsed = time.monotonic() - t0
        final = versions(routers)
        assert all(final[(a, o)][0] == last[o] for a in NODES for o in NODES), (final, last)
        health = {n: r.health() for n, r in routers.items()}
        gaps_after = sum(h["peer_liveness"]["heartbeat_gaps"] for h in health.values())
        assert gaps_after > gaps_before, "convergence did not come from heartbeats"
        # (An origin's set may arrive in another agent's snapshot before its own heartbeat does.)
        wait_for(lambda: all(r.health()["peer_liveness"]["silent_origins"] == [] for r in routers.values()),
                 3 * HEARTBEAT_SECONDS, message="every origin heard again")
        assert elapsed <= 4 * HEARTBEAT_SECONDS, elapsed
        print(f"every agent had every latest version {elapsed * 1000:.0f} ms after the forwarder restarted "
              f"(heartbeat {HEARTBEAT_SECONDS:.1f} s; versions {last}; heartbeat gaps {gaps_after - gaps_before})")
    finally:
        for w in workers.values():
            w.close()
        for r in routers.values():
            r.close()
        fwd.stop()
