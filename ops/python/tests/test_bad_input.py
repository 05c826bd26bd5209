"""Every kind of bad input on every socket: an error reply with a code on the query socket, a counted drop by
reason on the telemetry and broadcast sockets; the agent keeps answering and the parameters are untouched."""
import math

import zmq
from conftest import telemetry_publisher, wait_for, wait_subscribed, wait_worker_ready
from saturn_client import Router, SaturnError, Worker
from saturn_client import saturn_pb2 as pb

MODEL, HARDWARE = "bad-input-model-7b", "bad-gpu"


def step(**overrides):
    fields = dict(protocol_version=1, worker_id="bad", model=MODEL, hardware=HARDWARE, batch_size=4, tokens=64,
                  latency_ms=20.0, sequence=1)
    fields.update(overrides)
    return pb.StepTelemetry(**fields).SerializeToString()


def update(**overrides):
    good = pb.Parameters(p_max=50, k_b=0.1, k_s=0.01, w_0=1, w_1=1, tau_0=5, tau_b=0.1, tau_s=0.001)
    fields = dict(protocol_version=1, origin_node="fake-peer", origin_epoch=10, sequence=1,
                  set=pb.ParameterSet(key=pb.ModelKey(model=MODEL, hardware=HARDWARE), parameters=good, version=1,
                                      source=pb.PARAMETER_SOURCE_LOCAL_FIT))
    fields.update(overrides)
    return pb.ParameterUpdate(**fields).SerializeToString()


def test_bad_input_is_answered_or_counted_and_never_reaches_parameters(agents):
    ctx = zmq.Context.instance()
    fake_peer = ctx.socket(zmq.XPUB)  # an XPUB sees the agent's subscription: readiness without a sleep
    fake_port = fake_peer.bind_to_random_port("tcp://127.0.0.1")
    agent = agents("victim", "--peer", f"tcp://127.0.0.1:{fake_port}",
                   config={"workerRateLimit": 50, "workerBurst": 20, "maximumKeys": 3})
    router = Router(agent.query, timeout_ms=2000)
    before = router.predict(MODEL, HARDWARE, 8, 128)

    # --- telemetry socket ---------------------------------------------------------------------------
    pub = telemetry_publisher(agent.telemetry)
    sends = {
        "malformed": [[b"step", b"\xff\xfe garbage \x00"]],
        "unsupported_version": [[b"step", step(protocol_version=2)]],
        "missing_field": [[b"step", step(model="")], [b"step", step(worker_id="")]],
        "non_finite": [[b"step", step(latency_ms=math.nan)], [b"step", step(latency_ms=math.inf)]],
        "non_positive": [[b"step", step(batch_size=0)], [b"step", step(tokens=0)],
                         [b"step", step(latency_ms=-3.0)], [b"step", step(latency_ms=0.0)]],
        "absurd": [[b"step", step(latency_ms=1e12)], [b"step", step(batch_size=2_000_000)],
                   [b"step", step(tokens=10, prefill_tokens=50)], [b"step", step(model="m" * 1000)]],
        "oversized": [[b"step", b"\x00" * 100_000]],
        "unknown_topic": [[b"step", b"x", b"y"]],
    }
    for frames_list in sends.values():
        for frames in frames_list:
            pub.send_multipart(frames)
    # duplicates: the same worker and sequence twice
    pub.send_multipart([b"step", step(worker_id="dup", sequence=7)])
    pub.send_multipart([b"step", step(worker_id="dup", sequence=7)])
    # flood: one worker far above its budget (burst 20, 50/s)
    for i in range(200):
        pub.send_multipart([b"step", step(worker_id="flooder", sequence=i + 1)])
    # too many keys: the configured maximum is 3
    for k in range(6):
        pub.send_multipart([b"step", step(worker_id=f"k{k}", model=f"other-{k}")])

    expected_telemetry = {
        "telemetry.malformed": 1, "telemetry.unsupported_version": 1, "telemetry.missing_field": 2,
        "telemetry.non_finite": 2, "telemetry.non_positive": 4, "telemetry.absurd": 4, "telemetry.oversized": 1,
        "telemetry.unknown_topic": 1, "telemetry.duplicate": 1,
    }

    def telemetry_counted():
        drops = router.health()["drops"]
        ok = all(drops.get(k, 0) >= v for k, v in expected_telemetry.items())
        ok = ok and drops.get("telemetry.rate_limited", 0) >= 100 and drops.get("telemetry.too_many_keys", 0) >= 1
        return drops if ok else None

    drops = wait_for(telemetry_counted, timeout=5, message="telemetry drop counters")
    for k, v in expected_telemetry.items():
        assert drops[k] == v, (k, drops)

    # --- query socket ------------------------------------------------------------------------------
    def expect_error(code, **body):
        try:
            if "raw" in body:
                req = ctx.socket(zmq.REQ)
                req.connect(agent.query)
                req.send(body["raw"])
                assert req.poll(2000)
                reply = pb.Reply()
                reply.ParseFromString(req.recv())
                req.close(0)
                assert reply.WhichOneof("body") == "error", reply
                assert reply.error.code == code, reply
                return
            router.predict(**body)
        except SaturnError as e:
            assert e.code == code, e
            return
        raise AssertionError(f"expected error {code} for {body}")

    bad = dict(model=MODEL, hardware=HARDWARE, batch_size=8, tokens=128)
    expect_error(pb.ERROR_CODE_INVALID_ARGUMENT, **{**bad, "batch_size": math.nan})
    expect_error(pb.ERROR_CODE_INVALID_ARGUMENT, **{**bad, "tokens": math.inf})
    expect_error(pb.ERROR_CODE_INVALID_ARGUMENT, **{**bad, "batch_size": 0})
    expect_error(pb.ERROR_CODE_INVALID_ARGUMENT, **{**bad, "tokens": -5})
    expect_error(pb.ERROR_CODE_INVALID_ARGUMENT, **{**bad, "batch_size": 1e12})
    expect_error(pb.ERROR_CODE_INVALID_ARGUMENT, **{**bad, "model": ""})
    expect_error(pb.ERROR_CODE_MALFORMED, raw=b"\x08\xff\xff garbage")
    expect_error(pb.ERROR_CODE_UNSUPPORTED_VERSION,
                 raw=pb.Request(protocol_version=9, request_id=5, health=pb.HealthRequest()).SerializeToString())
    expect_error(pb.ERROR_CODE_MISSING_BODY, raw=pb.Request(protocol_version=1, request_id=6).SerializeToString())
    expect_error(pb.ERROR_CODE_TOO_LARGE, raw=b"\x00" * 100_000)
    # A DEALER that sends frames that are not [identity, "", payload] / [identity, payload]
    dealer = ctx.socket(zmq.DEALER)
    dealer.connect(agent.query)
    dealer.send_multipart([b"a", b"b", b"c"])
    assert dealer.poll(2000)
    reply = pb.Reply()
    reply.ParseFromString(dealer.recv_multipart()[-1])
    assert reply.error.code == pb.ERROR_CODE_MALFORMED_ENVELOPE
    # A bare DEALER (no delimiter) is served.
    dealer.send_multipart([pb.Request(protocol_version=1, request_id=77, health=pb.HealthRequest()).SerializeToString()])
    assert dealer.poll(2000)
    reply.ParseFromString(dealer.recv_multipart()[-1])
    assert reply.request_id == 77 and reply.WhichOneof("body") == "health"
    dealer.close(0)

    # --- broadcast socket (a fake peer publishing junk) ----------------------------------------------
    nan_params = pb.Parameters(p_max=50, k_b=math.nan, k_s=0.01, w_0=1, w_1=1, tau_0=5, tau_b=0.1, tau_s=0.001)
    out_of_bounds = pb.Parameters(p_max=50, k_b=100, k_s=0.01, w_0=1, w_1=1, tau_0=5, tau_b=0.1, tau_s=0.001)
    key = pb.ModelKey(model=MODEL, hardware=HARDWARE)
    junk = [
        [b"params", b"\xff\xff not protobuf"],
        [b"params", update(protocol_version=3)],
        [b"params", update(origin_node="")],
        [b"params", update(set=pb.ParameterSet(key=key, parameters=nan_params, version=1))],
        [b"params", update(set=pb.ParameterSet(key=key, parameters=out_of_bounds, version=1))],
        [b"params", update(origin_node="victim")],
        [b"params", b"\x00" * 100_000],
        [b"params", update(sequence=1, origin_epoch=10)],   # valid: adopted (key has no own data)
        [b"params", update(sequence=1, origin_epoch=10)],   # duplicate
        [b"params", update(sequence=2, origin_epoch=5)],    # stale epoch
    ]
    wait_subscribed(fake_peer, timeout=5, what="the agent's peer SUB")
    for frames in junk:
        fake_peer.send_multipart(frames)
    expected_broadcast = {"broadcast.malformed": 1, "broadcast.unsupported_version": 1,
                          "broadcast.missing_field": 1, "broadcast.invalid_parameters": 2, "broadcast.own": 1,
                          "broadcast.oversized": 1, "broadcast.duplicate": 1, "broadcast.stale": 1}

    def broadcast_counted():
        d = router.health()["drops"]
        return d if all(d.get(k, 0) >= v for k, v in expected_broadcast.items()) else None

    drops = wait_for(broadcast_counted, timeout=5, message="broadcast drop counters")
    for k, v in expected_broadcast.items():
        assert drops[k] == v, (k, drops)

    # --- the agent still answers, and only the one valid update reached the parameters ---------------
    after = router.predict(MODEL, HARDWARE, 8, 128)
    assert after.source == "peer" and after.origin_node == "fake-peer"
    assert after.parameters == {"p_max": 50, "k_b": 0.1, "k_s": 0.01, "w_0": 1, "w_1": 1, "tau_0": 5,
                                "tau_b": 0.1, "tau_s": 0.001}
    assert all(math.isfinite(v) for v in after.parameters.values())
    assert before.source in ("nearest_key", "shipped_prior", "default")
    # Telemetry drops never touched the key: no observation was recorded for it from bad messages.
    keys = {(k["key"]["model"], k["key"]["hardware"]): k for k in router.health()["keys"]}
    good_steps = 1 + 1 + 20  # dup's first message, and the flooder's burst (its first 20 messages)
    assert keys[(MODEL, HARDWARE)]["observations"] <= good_steps + 2
    # A well-formed worker is still served.
    w = Worker(agent.telemetry, worker_id="good", model=MODEL, hardware=HARDWARE)
    assert w.wait_connected(settle=0)
    wait_worker_ready(w, router)
    accepted = router.health()["telemetry_accepted"]
    w.publish_step(4, 64, 21.0)
    wait_for(lambda: router.health()["telemetry_accepted"] > accepted, timeout=3, message="good step accepted")
    w.close()
    pub.close(0)
    fake_peer.close(0)
    router.close()
    assert agent.stop() == 0  # graceful exit code after SIGTERM
