"""Three agents on loopback: A gets telemetry, B and C get none. B and C answer with A's parameters within 2 s
of A's first accepted fit; C, started after A's broadcast, gets them by snapshot; a restarted A is not stale."""
import csv
import os
import time

from conftest import SHARED, free_port, wait_for
from saturn_client import PeerSubscriber, Router, Worker

MODEL, HARDWARE = "llama2-70b", "peer-test-gpu"


def rows(name):
    return list(csv.DictReader(open(os.path.join(SHARED, "data", name))))


def publish(agent, table, worker_id):
    w = Worker(agent.telemetry, worker_id=worker_id, model=MODEL, hardware=HARDWARE)
    assert w.wait_connected()
    for r in table:
        w.publish_step(int(r["B"]), int(r["S"]), float(r["T_ms"]))
    w.close()


def predict(agent):
    with Router(agent.query, timeout_ms=2000) as r:
        return r.predict(MODEL, HARDWARE, 16, 256)


def test_three_agents_share_parameters(agents):
    ports = (free_port(), free_port(), free_port())
    a = agents("A", ports=ports)
    b = agents("B", "--peer", a.peer_spec)
    sub = PeerSubscriber(a.broadcast)
    time.sleep(0.3)  # let B's and the subscriber's subscriptions reach A (slow joiner)

    publish(a, rows("steps_splitwise_llama2-70b_h100-80gb_tp4.csv"), "wa")
    router_a = Router(a.query, timeout_ms=2000)
    fitted = wait_for(lambda: (lambda p: p if p.source == "local_fit" else None)(predict(a)), timeout=20,
                      message="A's first accepted fit")
    t_fit = time.monotonic()
    update = sub.receive(timeout_ms=5000)
    assert update is not None and update["origin_node"] == "A" and update["sequence"] >= 1

    got_b = wait_for(lambda: (lambda p: p if p.source == "peer" else None)(predict(b)), timeout=2.0,
                     message="B adopting A's parameters")
    delay_b = time.monotonic() - t_fit
    assert delay_b <= 2.0
    assert got_b.parameters == fitted.parameters and got_b.origin_node == "A"
    assert abs(got_b.latency_ms - fitted.latency_ms) < 1e-9

    # C starts after A's broadcast: it can only learn the key from a snapshot.
    t_c = time.monotonic()
    c = agents("C", "--peer", a.peer_spec)
    got_c = wait_for(lambda: (lambda p: p if p.source == "peer" else None)(predict(c)), timeout=2.0,
                     message="C receiving A's parameters by snapshot")
    assert got_c.parameters == fitted.parameters
    print(f"B adopted A's fit {delay_b * 1000:.0f} ms after A's fit was visible; "
          f"C (started later) had it by snapshot {1000 * (time.monotonic() - t_c):.0f} ms after launch")
    health_c = Router(c.query).health()
    assert health_c["snapshots_requested"] >= 1 and health_c["updates_adopted"] >= 1

    # Restart A on the same endpoints with different data: B must take the new parameters (new epoch).
    version_before = got_b.version
    a.stop()
    a.start()
    time.sleep(0.5)  # B's SUB reconnects to the restarted A
    publish(a, rows("steps_splitwise_llama2-70b_a100-80gb_tp8.csv"), "wa2")
    refitted = wait_for(lambda: (lambda p: p if p.source == "local_fit" else None)(predict(a)), timeout=20,
                        message="restarted A's fit")
    assert refitted.parameters != fitted.parameters
    got_b2 = wait_for(lambda: (lambda p: p if p.parameters == refitted.parameters else None)(predict(b)),
                      timeout=3.0, message="B adopting the restarted A's parameters")
    assert got_b2.version == refitted.version
    drops_b = Router(b.query).health()["drops"]
    assert drops_b.get("broadcast.stale", 0) == 0, drops_b
    print(f"version before restart {version_before}, after {got_b2.version}; B drops {drops_b}")
    router_a.close()
    sub.close()


def test_forwarder_relays_broadcasts(agents, tmp_path):
    import re
    import signal
    import subprocess
    from conftest import saturn_binary
    fwd = subprocess.Popen([saturn_binary(), "forwarder", "--frontend", "tcp://127.0.0.1:*", "--backend",
                            "tcp://127.0.0.1:*"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        front, back = re.search(r"frontend (\S+) backend (\S+)", fwd.stdout.readline()).groups()
        a = agents("FA", "--forwarder", front, "--peer", back)
        b = agents("FB", "--forwarder", front, "--peer", back)
        time.sleep(0.5)
        publish(a, rows("steps_splitwise_llama2-70b_h100-80gb_tp8.csv"), "wf")
        fitted = wait_for(lambda: (lambda p: p if p.source == "local_fit" else None)(predict(a)), timeout=20,
                          message="A's fit")
        got = wait_for(lambda: (lambda p: p if p.source == "peer" else None)(predict(b)), timeout=3.0,
                       message="B receiving through the forwarder")
        assert got.parameters == fitted.parameters
        assert Router(a.query).health()["drops"].get("broadcast.own", 0) >= 1  # A hears itself via the forwarder
    finally:
        fwd.send_signal(signal.SIGTERM)
        assert fwd.wait(timeout=10) == 0
