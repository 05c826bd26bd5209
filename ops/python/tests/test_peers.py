"""Three agents on loopback: A gets telemetry, B and C get none. B and C answer with A's parameters within 2 s
of A's first accepted fit; C, started after A's broadcast, gets them by snapshot; a restarted A is not stale."""
import itertools
import time

from conftest import free_port, read_rows, wait_for, wait_worker_ready
from saturn_client import PeerSubscriber, Router, Worker

MODEL, HARDWARE = "llama2-70b", "peer-test-gpu"
# A key of its own for the readiness rounds, so that the key under test is first fitted when the test says so.
WARMUP_MODEL, WARMUP_HARDWARE = "warmup-model", "warmup-gpu"
_warmup_ids = itertools.count(1)


def publish(agent, table, worker_id, model=MODEL, hardware=HARDWARE):
    w = Worker(agent.telemetry, worker_id=worker_id, model=model, hardware=hardware)
    assert w.wait_connected(settle=0)
    with Router(agent.query, timeout_ms=2000) as r:
        wait_worker_ready(w, r)
    for row in table:
        w.publish_step(int(row["B"]), int(row["S"]), float(row["T_ms"]))
    w.close()


def predict(agent):
    with Router(agent.query, timeout_ms=2000) as r:
        return r.predict(MODEL, HARDWARE, 16, 256)


def wait_broadcasts_reach(origin, peers=(), subscriber=None, timeout=30.0):
    """Readiness of `origin`'s broadcast path (replaces a fixed slow-joiner sleep): publishes 100 rows of a warm-up
    key to `origin` per round (each round is one fit, hence one broadcast; a missed one is recovered by the next
    round's sequence gap) until every peer has adopted an update since the call and `subscriber` has received
    one. Fails with a message at the deadline."""
    table = read_rows("steps_splitwise_llama2-70b_h100-80gb_tp4.csv")[:100]
    routers = [Router(p.query, timeout_ms=2000) for p in peers]
    before = [r.health()["updates_adopted"] for r in routers]
    heard = subscriber is None
    w = Worker(origin.telemetry, worker_id=f"warmup-{next(_warmup_ids)}", model=WARMUP_MODEL,
               hardware=WARMUP_HARDWARE)
    try:
        assert w.wait_connected(settle=0)
        with Router(origin.query, timeout_ms=2000) as r:
            wait_worker_ready(w, r)
        deadline = time.monotonic() + timeout
        rounds = 0
        while time.monotonic() < deadline:
            rounds += 1
            for row in table:
                w.publish_step(int(row["B"]), int(row["S"]), float(row["T_ms"]))
            round_end = min(deadline, time.monotonic() + 1.0)
            while time.monotonic() < round_end:
                if not heard:
                    heard = subscriber.receive(timeout_ms=20) is not None
                adopted = [r.health()["updates_adopted"] for r in routers]
                if heard and all(a > b for a, b in zip(adopted, before)):
                    return
                time.sleep(0.02)
        raise AssertionError(f"{origin.node_id}'s broadcasts did not reach {[p.node_id for p in peers]} "
                             f"(subscriber heard: {heard}) after {rounds} warm-up fits in {timeout}s")
    finally:
        w.close()
        for r in routers:
            r.close()


def receive_update_for(subscriber, model, hardware, timeout=5.0):
    """The next broadcast for (model, hardware), skipping other keys' updates."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        u = subscriber.receive(timeout_ms=max(1, int((deadline - time.monotonic()) * 1000)))
        if u is not None and (u["set"]["key"]["model"], u["set"]["key"]["hardware"]) == (model, hardware):
            return u
    raise AssertionError(f"no broadcast for {model}@{hardware} within {timeout}s")


def test_three_agents_share_parameters(agents):
    ports = (free_port(), free_port(), free_port())
    a = agents("A", ports=ports)
    b = agents("B", "--peer", a.peer_spec)
    sub = PeerSubscriber(a.broadcast)
    wait_broadcasts_reach(a, peers=[b], subscriber=sub)  # B's and the subscriber's subscriptions reached A

    publish(a, read_rows("steps_splitwise_llama2-70b_h100-80gb_tp4.csv"), "wa")
    router_a = Router(a.query, timeout_ms=2000)
    fitted = wait_for(lambda: (lambda p: p if p.source == "local_fit" else None)(predict(a)), timeout=20,
                      message="A's first accepted fit")
    t_fit = time.monotonic()
    update = receive_update_for(sub, MODEL, HARDWARE, timeout=5.0)
    assert update["origin_node"] == "A" and update["sequence"] >= 1

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
    wait_broadcasts_reach(a, peers=[b])  # B's SUB has reconnected to the restarted A
    publish(a, read_rows("steps_splitwise_llama2-70b_a100-80gb_tp8.csv"), "wa2")
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
        wait_broadcasts_reach(a, peers=[b])  # A -> forwarder -> B is connected end to end
        publish(a, read_rows("steps_splitwise_llama2-70b_h100-80gb_tp8.csv"), "wf")
        fitted = wait_for(lambda: (lambda p: p if p.source == "local_fit" else None)(predict(a)), timeout=20,
                          message="A's fit")
        got = wait_for(lambda: (lambda p: p if p.source == "peer" else None)(predict(b)), timeout=3.0,
                       message="B receiving through the forwarder")
        assert got.parameters == fitted.parameters
        assert Router(a.query).health()["drops"].get("broadcast.own", 0) >= 1  # A hears itself via the forwarder
    finally:
        fwd.send_signal(signal.SIGTERM)
        assert fwd.wait(timeout=10) == 0
