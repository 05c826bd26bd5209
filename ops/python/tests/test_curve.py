"""CURVE with an allow-list on real agents over loopback: allowed keys work for every role (worker, router, peer
subscriber, peer agent); a key that is not on the allow-list, or a plaintext client, publishes nothing that is
accepted, gets no reply and receives no broadcast; an impostor peer cannot inject a parameter set; a key added to
the allow-list works without a restart; a secret key file wider than 0600 is refused; a non-loopback bind needs
CURVE or --insecure. Denials are counted in the health reply as auth.<socket>.<reason>."""
import os
import shutil
import subprocess
import time

import pytest
import zmq
from conftest import AgentProcess, free_port, read_rows, saturn_binary, wait_for, wait_subscribed, wait_worker_ready
from saturn_client import CurveCredentials, PeerSubscriber, Router, SaturnTimeout, Worker
from saturn_client import saturn_pb2 as pb
from test_metrics import check_metrics, parse, scrape, value

MODEL, HARDWARE = "llama2-70b", "curve-test-gpu"
ROLES = {"worker": "workers", "router": "routers", "peer": "peers"}


@pytest.fixture
def keys(tmp_path):
    """Key pairs from `saturn keygen` (agent, worker, router, peer, stranger) and an allow directory that admits
    the worker, router and peer in their roles. Returns (paths by name, allow directory)."""
    paths = {}
    for name in ("agent", "worker", "router", "peer", "stranger"):
        base = str(tmp_path / name)
        out = subprocess.run([saturn_binary(), "keygen", base], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert oct(os.stat(base + ".key").st_mode & 0o777) == "0o600"
        paths[name] = base
    allow = tmp_path / "allow"
    for name, role in ROLES.items():
        (allow / role).mkdir(parents=True)
        shutil.copy(paths[name] + ".pub", allow / role / f"{name}.pub")
    return paths, str(allow)


def creds(paths, name, server="agent"):
    return CurveCredentials.from_files(paths[server] + ".pub", paths[name] + ".key")


def curve_args(paths, allow, agent="agent"):
    return ["--curve-key", paths[agent] + ".key", "--allow", allow]


def update(model, version=1):
    good = pb.Parameters(p_max=50, k_b=0.1, k_s=0.01, w_0=1, w_1=1, tau_0=5, tau_b=0.1, tau_s=0.001)
    return pb.ParameterUpdate(
        protocol_version=1, origin_node="fake-peer", origin_epoch=10, sequence=version,
        set=pb.ParameterSet(key=pb.ModelKey(model=model, hardware=HARDWARE), parameters=good, version=version,
                            source=pb.PARAMETER_SOURCE_LOCAL_FIT)).SerializeToString()


def test_allowed_keys_work_and_others_get_nothing(agents, keys):
    paths, allow = keys
    a = agents("curve-A", *curve_args(paths, allow), "--metrics", "0")
    router = Router(a.query, timeout_ms=2000, curve=creds(paths, "router"))
    assert router.health()["telemetry_accepted"] == 0

    # --- query socket: a stranger's key and a plaintext client get no reply --------------------------------
    for client in (Router(a.query, timeout_ms=700, curve=creds(paths, "stranger")), Router(a.query, timeout_ms=700)):
        with pytest.raises(SaturnTimeout):
            client.health()
        client.close()

    # --- broadcast socket: subscribers connected before the fit ---------------------------------------------
    allowed_sub = PeerSubscriber(a.broadcast, curve=creds(paths, "peer"))
    stranger_sub = PeerSubscriber(a.broadcast, curve=creds(paths, "stranger"))
    plain_sub = PeerSubscriber(a.broadcast)

    # --- telemetry socket: the allowed worker's steps are accepted ------------------------------------------
    w = Worker(a.telemetry, worker_id="w-allowed", model=MODEL, hardware=HARDWARE, curve=creds(paths, "worker"))
    assert w.wait_connected(settle=0)
    wait_worker_ready(w, router)
    table = read_rows("steps_splitwise_llama2-70b_h100-80gb_tp4.csv")
    for row in table:
        w.publish_step(int(row["B"]), int(row["S"]), float(row["T_ms"]))
    accepted = wait_for(lambda: (lambda n: n if n == len(table) else None)(router.health()["telemetry_accepted"]),
                        timeout=10, message="the allowed worker's steps accepted")

    # A stranger's worker and a plaintext worker: never connected, nothing they publish is accepted.
    stranger = Worker(a.telemetry, worker_id="w-stranger", model=MODEL, hardware=HARDWARE,
                      curve=creds(paths, "stranger"))
    plain = Worker(a.telemetry, worker_id="w-plain", model=MODEL, hardware=HARDWARE)
    assert not stranger.wait_connected(timeout=1.0, settle=0)
    assert not plain.wait_connected(timeout=0.2, settle=0)
    for worker in (stranger, plain):
        for row in table[:200]:
            worker.publish_step(int(row["B"]), int(row["S"]), float(row["T_ms"]))

    def denials_counted():
        d = router.health()["drops"]
        ok = all(d.get(f"auth.{s}.key_not_allowed", 0) >= 1 for s in ("telemetry", "query", "broadcast"))
        # A plaintext client is a mechanism mismatch, or a closed handshake when it hangs up first.
        ok = ok and all(d.get(f"auth.{s}.plaintext", 0) + d.get(f"auth.{s}.handshake", 0) >= 1
                        for s in ("telemetry", "query", "broadcast"))
        return d if ok else None

    drops = wait_for(denials_counted, timeout=10, message="denials counted by socket and reason")
    # The same refusals on /metrics, by socket and reason (each at least what the health reply showed).
    page = scrape(a.metrics)
    check_metrics(page)
    samples = parse(page)
    for name, n in drops.items():
        if name.startswith("auth."):
            _, socket_name, reason = name.split(".")
            assert value(samples, "saturn_authentication_denials_total", socket=socket_name, reason=reason) >= n, name
    time.sleep(0.5)
    assert router.health()["telemetry_accepted"] == accepted, "a refused worker's step was accepted"

    # The allowed subscriber hears the fit's broadcast; the others hear nothing.
    wait_for(lambda: router.predict(MODEL, HARDWARE, 16, 256).source == "local_fit", timeout=30,
             message="the agent's first accepted fit")
    update_seen = allowed_sub.receive(timeout_ms=5000)
    assert update_seen is not None and update_seen["origin_node"] == "curve-A"
    assert stranger_sub.receive(timeout_ms=500) is None and plain_sub.receive(timeout_ms=100) is None
    print(f"accepted {accepted}; denials {({k: v for k, v in drops.items() if k.startswith('auth.')})}")
    for c in (w, stranger, plain, allowed_sub, stranger_sub, plain_sub, router):
        c.close()


def test_impostor_peer_cannot_inject_and_a_real_peer_can(agents, keys):
    """The agent's peer SUB is a CURVE client: it connects only to a publisher holding the configured server key.
    A publisher with another key (an impostor at a configured peer endpoint) or none gets no subscription, so its
    parameter sets never arrive."""
    paths, allow = keys
    ctx = zmq.Context.instance()
    peer_pair = CurveCredentials.from_files(paths["peer"] + ".pub", paths["peer"] + ".key")
    stranger_pair = CurveCredentials.from_files(paths["stranger"] + ".pub", paths["stranger"] + ".key")
    fakes = {}
    for name, pair in (("real", peer_pair), ("impostor", stranger_pair), ("plaintext", None)):
        s = ctx.socket(zmq.XPUB)
        s.setsockopt(zmq.LINGER, 0)
        if pair is not None:
            s.curve_server = True
            s.curve_secretkey = pair.secret_key
        fakes[name] = (s, s.bind_to_random_port("tcp://127.0.0.1"))
    peer_specs = []
    for name, (_, port) in fakes.items():
        peer_specs += ["--peer", f"tcp://127.0.0.1:{port},,{paths['peer']}.pub"]
    victim = agents("curve-victim", *curve_args(paths, allow), *peer_specs)
    router = Router(victim.query, timeout_ms=2000, curve=creds(paths, "router"))

    wait_subscribed(fakes["real"][0], 5.0, "the victim's peer socket (real peer key)")
    for name in ("impostor", "plaintext"):
        assert not fakes[name][0].poll(1500), f"the victim subscribed to the {name} publisher"
    for name, (s, _) in fakes.items():
        s.send_multipart([b"params", update(f"model-from-{name}")])
    got = wait_for(lambda: (lambda p: p if p.source == "peer" else None)(
        router.predict("model-from-real", HARDWARE, 8, 128)), timeout=5, message="the real peer's set adopted")
    assert got.origin_node == "fake-peer"
    time.sleep(0.3)
    for name in ("impostor", "plaintext"):
        p = router.predict(f"model-from-{name}", HARDWARE, 8, 128)
        assert p.source != "peer" and p.version == 0, (name, p)  # a prior or the nearest key, never its set
    assert router.health()["updates_adopted"] == 1
    router.close()
    for s, _ in fakes.values():
        s.close(0)


def test_two_curve_agents_share_parameters(agents, keys, tmp_path):
    """Agents with their own keys: B subscribes to A with A's public key as server key, and A admits B's key in
    peers/ (B's broadcast subscription and its snapshot request on A's query socket)."""
    paths, allow = keys
    b_base = str(tmp_path / "agent-b")
    subprocess.run([saturn_binary(), "keygen", b_base], check=True, capture_output=True, timeout=30)
    allow_b = tmp_path / "allow-b"
    (allow_b / "routers").mkdir(parents=True)
    shutil.copy(paths["router"] + ".pub", allow_b / "routers" / "router.pub")
    shutil.copy(b_base + ".pub", os.path.join(allow, "peers", "agent-b.pub"))
    a = agents("curve-A", *curve_args(paths, allow))
    paths["agent-b"] = b_base
    b = agents("curve-B", "--curve-key", b_base + ".key", "--allow", str(allow_b),
               "--peer", f"{a.broadcast},{a.query},{paths['agent']}.pub")
    router_a = Router(a.query, timeout_ms=2000, curve=creds(paths, "router"))
    router_b = Router(b.query, timeout_ms=2000, curve=creds(paths, "router", server="agent-b"))
    w = Worker(a.telemetry, worker_id="w", model=MODEL, hardware=HARDWARE, curve=creds(paths, "worker"))
    assert w.wait_connected(settle=0)
    wait_worker_ready(w, router_a)
    for row in read_rows("steps_splitwise_llama2-70b_h100-80gb_tp4.csv"):
        w.publish_step(int(row["B"]), int(row["S"]), float(row["T_ms"]))
    fitted = wait_for(lambda: (lambda p: p if p.source == "local_fit" else None)(
        router_a.predict(MODEL, HARDWARE, 16, 256)), timeout=30, message="A's fit")
    got = wait_for(lambda: (lambda p: p if p.source == "peer" and p.version == fitted.version else None)(
        router_b.predict(MODEL, HARDWARE, 16, 256)), timeout=10, message="B adopting A's set")
    assert got.parameters == fitted.parameters
    assert router_a.health()["drops"].get("auth.broadcast.key_not_allowed", 0) == 0
    for c in (w, router_a, router_b):
        c.close()


def test_key_added_to_the_allow_list_works_without_restart(agents, keys):
    paths, allow = keys
    a = agents("curve-reload", *curve_args(paths, allow))
    late = Router(a.query, timeout_ms=300, curve=creds(paths, "stranger"))
    with pytest.raises(SaturnTimeout):
        late.health()
    shutil.copy(paths["stranger"] + ".pub", os.path.join(allow, "routers", "late.pub"))
    t0 = time.monotonic()

    def answered():
        # libzmq does not retry a connection the ZAP handler refused: a refused client connects anew.
        with Router(a.query, timeout_ms=300, curve=creds(paths, "stranger")) as fresh:
            try:
                return fresh.health()
            except SaturnTimeout:
                return None

    health = wait_for(answered, timeout=10, interval=0.05, message="the newly allowed router answered")
    print(f"admitted {1000 * (time.monotonic() - t0):.0f} ms after its key file was added")
    assert health["drops"].get("auth.query.key_not_allowed", 0) >= 1
    # Removed again: a new connection with that key is refused.
    os.remove(os.path.join(allow, "routers", "late.pub"))
    time.sleep(1.5)
    again = Router(a.query, timeout_ms=500, curve=creds(paths, "stranger"))
    with pytest.raises(SaturnTimeout):
        again.health()
    late.close()
    again.close()


def test_wide_secret_key_and_insecure_binds_are_refused(keys, tmp_path):
    paths, allow = keys
    for mode in (0o644, 0o640, 0o604):
        os.chmod(paths["agent"] + ".key", mode)
        with pytest.raises(RuntimeError, match="wider than 0600"):
            AgentProcess("curve-wide", *curve_args(paths, allow))
        os.chmod(paths["router"] + ".key", mode)
        with pytest.raises(PermissionError, match="wider than 0600"):
            CurveCredentials.from_files(paths["agent"] + ".pub", paths["router"] + ".key")
    os.chmod(paths["agent"] + ".key", 0o600)

    port = free_port()
    cmd = [saturn_binary(), "agent", "--node-id", "curve-insecure", "--telemetry", f"tcp://0.0.0.0:{port}",
           "--query", "tcp://127.0.0.1:*", "--broadcast", "tcp://127.0.0.1:*"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "not loopback" in out.stderr and "insecure" in out.stderr, out.stderr
    # With --insecure it starts and warns; with CURVE it starts without a warning.
    for extra, warns in ((["--insecure"], True), (curve_args(paths, allow), False)):
        a = AgentProcess("curve-insecure", *(extra + ["--telemetry", f"tcp://0.0.0.0:{free_port()}"]))
        a.stop()
        log = open(a.log.name).read()
        assert ("insecure:" in log) == warns, log
    # keygen refuses to overwrite without --force.
    out = subprocess.run([saturn_binary(), "keygen", paths["agent"]], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "--force" in out.stderr
    out = subprocess.run([saturn_binary(), "keygen", "--force", paths["agent"]], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0 and oct(os.stat(paths["agent"] + ".key").st_mode & 0o777) == "0o600"
