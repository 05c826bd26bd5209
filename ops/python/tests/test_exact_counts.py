"""Counters move by exactly what was sent: each kind of bad query moves its own query.<code> counter and no other,
queries_answered counts exactly the good queries, and too_many_workers counts exactly the workers beyond the
agent's default limit (65,536 tracked workers, the configuration field maximumWorkers)."""
import math

import zmq
from conftest import telemetry_publisher, wait_for
from saturn_client import Router, SaturnError
from saturn_client import saturn_pb2 as pb

MODEL, HARDWARE = "count-model-7b", "count-gpu"
MAXIMUM_WORKERS = 65_536  # the default of maximumWorkers: the test fills the default table


def step(worker_id, sequence=1):
    return pb.StepTelemetry(protocol_version=1, worker_id=worker_id, model=MODEL, hardware=HARDWARE, batch_size=4,
                            tokens=64, latency_ms=20.0, sequence=sequence).SerializeToString()


def request(**fields):
    return pb.Request(**fields).SerializeToString()


def raw_query(endpoint, payload, timeout_ms=2000):
    """Sends one payload from a fresh REQ socket; returns the Reply."""
    req = zmq.Context.instance().socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    req.connect(endpoint)
    try:
        req.send(payload)
        assert req.poll(timeout_ms), f"no reply to {payload[:20]!r} within {timeout_ms} ms"
        reply = pb.Reply()
        reply.ParseFromString(req.recv())
        return reply
    finally:
        req.close(0)


def test_each_bad_query_moves_exactly_its_counter(agents):
    agent = agents("queries")
    router = Router(agent.query, timeout_ms=2000)
    start = router.health()  # counted as answered once its reply has been built

    raw_bad = {
        "malformed": [b"\x08\xff\xff garbage", b"\xff", b"\x0a\x05ab"],
        "unsupported_version": [request(protocol_version=9, request_id=5, health=pb.HealthRequest()),
                                request(protocol_version=0, request_id=6, parameters=pb.ParametersRequest())],
        # No body, and a body this version does not know (field 19, reserved).
        "missing_body": [request(protocol_version=1, request_id=7), request(protocol_version=1) + b"\x9a\x01\x00"],
        "too_large": [b"\x00" * 100_000, b"\x08\x01" + b"\x00" * 70_000],
    }
    codes = {"malformed": pb.ERROR_CODE_MALFORMED, "unsupported_version": pb.ERROR_CODE_UNSUPPORTED_VERSION,
             "missing_body": pb.ERROR_CODE_MISSING_BODY, "too_large": pb.ERROR_CODE_TOO_LARGE}
    for kind, payloads in raw_bad.items():
        for payload in payloads:
            reply = raw_query(agent.query, payload)
            assert reply.WhichOneof("body") == "error" and reply.error.code == codes[kind], (kind, reply)

    good = dict(model=MODEL, hardware=HARDWARE, batch_size=8, tokens=128)
    invalid = [{**good, "batch_size": math.nan}, {**good, "tokens": math.inf}, {**good, "batch_size": 0},
               {**good, "tokens": -5}, {**good, "batch_size": 1e12}, {**good, "model": ""},
               {**good, "hardware": "h" * 300}]
    for body in invalid:
        try:
            router.predict(**body)
        except SaturnError as e:
            assert e.code == pb.ERROR_CODE_INVALID_ARGUMENT, (body, e)
        else:
            raise AssertionError(f"no error for {body}")

    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(agent.query)
    bad_envelopes = [[b"a", b"b", b"c"], [b"a", b"", b"b", b"c"]]
    for frames in bad_envelopes:
        dealer.send_multipart(frames)
        assert dealer.poll(2000), f"no reply to the envelope {frames}"
        reply = pb.Reply()
        reply.ParseFromString(dealer.recv_multipart()[-1])
        assert reply.error.code == pb.ERROR_CODE_MALFORMED_ENVELOPE, reply
    dealer.close(0)

    # Good queries of every kind.
    for _ in range(3):
        router.predict(**good)
    for _ in range(2):
        router.parameters()
    for _ in range(4):
        router.health()
    good_count = 3 + 2 + 4

    end = router.health()
    sent = {f"query.{kind}": len(p) for kind, p in raw_bad.items()}
    sent["query.invalid_argument"] = len(invalid)
    sent["query.malformed_envelope"] = len(bad_envelopes)
    moved = {k: v - start["drops"].get(k, 0) for k, v in end["drops"].items() if v != start["drops"].get(k, 0)}
    assert moved == sent, f"counters moved {moved}, sent {sent}"
    # Every query.<code> counter the agent has is accounted for: nothing else moved (telemetry and broadcast too).
    assert end["queries_answered"] - start["queries_answered"] == good_count + 1, (start, end)  # + the first health
    router.close()


def test_too_many_workers_counts_exactly_the_workers_beyond_the_limit(agents):
    # Fits are irrelevant here and would compete with ingest for the two cores: never due.
    agent = agents("crowd", config={"fitEvery": 1_000_000_000, "idleFitSeconds": 3600})
    router = Router(agent.query, timeout_ms=5000)
    extra = 7
    pub = telemetry_publisher(agent.telemetry, send_hwm=0)  # no send-side drops
    for i in range(MAXIMUM_WORKERS + extra):
        pub.send_multipart([b"step", step(f"crowd-{i}")])
    pub.send_multipart([b"step", step("crowd-0", sequence=2)])  # a known worker is still served ...
    pub.send_multipart([b"step", step("crowd-late")])  # ... a new one is not
    sent = MAXIMUM_WORKERS + extra + 2

    def all_counted():
        h = router.health()
        counted = h["telemetry_accepted"] + sum(v for k, v in h["drops"].items() if k.startswith("telemetry."))
        return h if counted >= sent else None

    h = wait_for(all_counted, timeout=120, interval=0.2, message=f"the agent to count all {sent} steps")
    telemetry_drops = {k: v for k, v in h["drops"].items() if k.startswith("telemetry.") and v}
    assert telemetry_drops == {"telemetry.too_many_workers": extra + 1}, telemetry_drops
    assert h["telemetry_accepted"] == MAXIMUM_WORKERS + 1
    keys = {(k["key"]["model"], k["key"]["hardware"]): k for k in h["keys"]}
    assert keys[(MODEL, HARDWARE)]["observations"] == MAXIMUM_WORKERS + 1
    pub.close(0)
    router.close()
