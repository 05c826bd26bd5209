"""Forward Pass Metrics v1 ingestion: engines' FPM publishers, encoded with msgspec exactly as the format says
(msgspec.Struct with the fields in order, msgspec.msgpack, three frames [b"", 8-byte big-endian sequence,
payload]), feed an agent that connects to them. Steps are recorded, heartbeats are liveness, version 2 messages,
garbage and bad frames are counted drops, sequence gaps are counted and the message after them still used; and an
agent fed only by FPM fits and predicts as well as one fed the same steps as StepTelemetry."""
import msgspec
import zmq
from conftest import read_rows, wait_for, wait_subscribed, wait_worker_ready
from saturn_client import Router, Worker

from fpm_format import ForwardPassMetrics, QueuedRequestMetrics, ScheduledRequestMetrics


class ScheduledWithPrefixCache(ScheduledRequestMetrics):
    """A producer variant that adds prefix-cache fields after the v1 ones (unknown keys: skipped and counted)."""
    sum_prefill_cached_tokens: int = 0
    sum_prefill_uncached_tokens: int = 0


class ForwardPassMetricsVariant(msgspec.Struct):
    """A producer variant without `version` and `counter_id`."""
    worker_id: str = ""
    dp_rank: int = 0
    wall_time: float = 0.0
    scheduled_requests: ScheduledWithPrefixCache = msgspec.field(default_factory=ScheduledWithPrefixCache)
    queued_requests: QueuedRequestMetrics = msgspec.field(default_factory=QueuedRequestMetrics)


class ForwardPassMetricsV2(msgspec.Struct):
    """A future version with a changed layout: the agent must skip it."""
    version: int = 2
    worker_id: str = ""
    counter_id: int = 0
    wall_time_ns: int = 0
    batch: list = msgspec.field(default_factory=list)


ENCODER = msgspec.msgpack.Encoder()


class FPMPublisher:
    """One engine's FPM PUB: binds (the agent connects, as Dynamo's planner does), numbers its messages from 0."""

    def __init__(self, worker_id, dp_rank=0):
        # An XPUB sees the agent's subscription arrive: readiness without a sleep.
        self.sock = zmq.Context.instance().socket(zmq.XPUB)
        self.sock.setsockopt(zmq.LINGER, 2000)
        self.sock.setsockopt(zmq.SNDHWM, 100_000)
        port = self.sock.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{port}"
        self.worker_id, self.dp_rank, self.sequence = worker_id, dp_rank, 0

    def wait_subscribed(self):
        wait_subscribed(self.sock, 10.0, f"the agent's FPM socket for {self.endpoint}")

    def send_payload(self, payload, skip=0):
        """Sends [b"", sequence, payload]; `skip` sequence numbers are left out before it (a gap)."""
        self.sequence += skip
        self.sock.send_multipart([b"", self.sequence.to_bytes(8, "big"), payload])
        self.sequence += 1

    def message(self, wall_time, scheduled, queued=None):
        return ForwardPassMetrics(worker_id=self.worker_id, dp_rank=self.dp_rank, counter_id=self.sequence,
                                  wall_time=wall_time, scheduled_requests=scheduled,
                                  queued_requests=queued or QueuedRequestMetrics())

    def step(self, wall_time, skip=0, **scheduled):
        self.send_payload(ENCODER.encode(self.message(wall_time, ScheduledRequestMetrics(**scheduled))), skip)

    def heartbeat(self):
        self.send_payload(ENCODER.encode(self.message(0.0, ScheduledRequestMetrics())))

    def close(self):
        self.sock.close()


def fpm_sources(router):
    return {s["endpoint"]: s for s in router.health()["fpm_sources"]}


def test_fpm_steps_heartbeats_versions_garbage_and_gaps_are_counted(agents):
    a = FPMPublisher("vllm-0", dp_rank=0)
    b = FPMPublisher("sglang-1", dp_rank=1)
    # From the configuration file here (the other test uses --fpm).
    agent = agents("fpm-counts", config={"fpm": [f"{a.endpoint}=fpm-model-7b@fpm-gpu",
                                                 f"{b.endpoint}=fpm-model-70b@fpm-gpu-tp4"]})
    router = Router(agent.query, timeout_ms=3000)
    before = router.health()["fpm_sources"]
    assert [(s["endpoint"], s["key"]["model"], s["key"]["hardware"]) for s in before] == [
        (a.endpoint, "fpm-model-7b", "fpm-gpu"), (b.endpoint, "fpm-model-70b", "fpm-gpu-tp4")]
    assert all(s["messages"] == 0 and s["seconds_since_message"] == -1 for s in before)
    a.wait_subscribed()
    b.wait_subscribed()

    # Publisher a: 10 steps, 3 heartbeats, a version 2 message, garbage, a two-frame message, a gap of 5.
    for i in range(10):
        a.step(0.020 + 0.001 * i, num_decode_requests=4 + i, sum_decode_kv_tokens=4096 * (4 + i))
    for _ in range(3):
        a.heartbeat()
    a.send_payload(ENCODER.encode(ForwardPassMetricsV2(worker_id="vllm-0", counter_id=a.sequence, wall_time_ns=5)))
    a.send_payload(b"\xff\x00 not msgpack")
    a.sock.send_multipart([b"", ENCODER.encode(a.message(0.01, ScheduledRequestMetrics(num_decode_requests=1)))])
    a.step(0.05, skip=5, num_prefill_requests=1, sum_prefill_tokens=512)  # after the gap: still a step
    # Publisher b: the variant without version and counter_id, with prefix-cache fields; a NaN wall time.
    for i in range(4):
        b.send_payload(ENCODER.encode(ForwardPassMetricsVariant(
            worker_id="sglang-1", dp_rank=1, wall_time=0.03,
            scheduled_requests=ScheduledWithPrefixCache(num_prefill_requests=1, sum_prefill_tokens=100 + i,
                                                        num_decode_requests=2, sum_prefill_cached_tokens=7))))
    b.send_payload(ENCODER.encode(b.message(float("nan"), ScheduledRequestMetrics(num_decode_requests=1))))
    b.heartbeat()

    def counted():
        s = fpm_sources(router)
        if s[a.endpoint]["messages"] == 17 and s[b.endpoint]["messages"] == 6:
            return s
        return None

    s = wait_for(counted, timeout=10, message="every FPM message counted")
    sa, sb = s[a.endpoint], s[b.endpoint]
    assert sa["key"] == {"model": "fpm-model-7b", "hardware": "fpm-gpu"}
    assert (sa["steps"], sa["heartbeats"]) == (11, 3), sa
    assert sa["drops"] == {"unsupported_version": 1, "malformed": 1, "unknown_topic": 1}, sa
    # The two-frame message has no sequence; the gap is 5 numbers once.
    assert (sa["sequence_gaps"], sa["missed_messages"], sa["sequence_restarts"]) == (1, 5, 0), sa
    assert sa["last_sequence"] == 20 and sa["worker_id"] == "vllm-0" and sa["dp_rank"] == 0
    assert sa["unknown_keys"] == 0
    assert 0 <= sa["seconds_since_message"] < 10 and 0 <= sa["seconds_since_heartbeat"] < 10
    assert 0 <= sa["seconds_since_step"] < 10
    assert (sb["steps"], sb["heartbeats"], sb["drops"]) == (4, 1, {"non_finite": 1}), sb
    assert sb["unknown_keys"] == 4 * 2 and sb["worker_id"] == "sglang-1" and sb["dp_rank"] == 1, sb
    assert sb["sequence_gaps"] == 0

    health = router.health()
    assert health["drops"]["fpm.unsupported_version"] == 1 and health["drops"]["fpm.malformed"] == 1
    assert health["drops"]["fpm.unknown_topic"] == 1 and health["drops"]["fpm.non_finite"] == 1
    assert not any(k.startswith("telemetry.") for k in health["drops"]), health["drops"]
    keys = {(k["key"]["model"], k["key"]["hardware"]): k["observations"] for k in health["keys"]}
    assert keys == {("fpm-model-7b", "fpm-gpu"): 11, ("fpm-model-70b", "fpm-gpu-tp4"): 4}, keys
    assert health["telemetry_accepted"] == 15
    # The agent keeps answering.
    assert router.predict("fpm-model-7b", "fpm-gpu", 8, 8).latency_ms > 0
    a.close()
    b.close()
    router.close()


# --- Equivalence with StepTelemetry ---------------------------------------------------------------------------

# Two engines, two keys, real step tables.
ENGINES = [
    ("steps_vidur_llama2-7b_a100_tp1.csv", "fpm-eq-llama-7b", "a100"),
    ("steps_splitwise_llama2-70b_h100-80gb_tp4.csv", "fpm-eq-llama-70b", "h100-tp4"),
]


def scheduled_from_row(r):
    """The FPM counts of one table row: B = prefill + decode requests, S = prefill tokens + decode requests."""
    b, s = int(r["B"]), int(r["S"])
    if "n_decode_reqs" in r:  # Vidur: mixed steps with the split given
        decode, prefill = int(r["n_decode_reqs"]), int(r["n_prefill_reqs"])
        prefill_tokens = int(r["prefill_tokens"])
        prefill_kv = int(r["prefill_prior_ctx"]) * prefill
        decode_kv = int(float(r["kv_tokens"])) - prefill_tokens - prefill_kv if decode else 0
    elif r["step_type"] == "prefill":  # Splitwise: pure prefill or pure decode steps
        decode, prefill, prefill_tokens, prefill_kv, decode_kv = 0, b, s, 0, 0
    else:
        decode, prefill, prefill_tokens, prefill_kv, decode_kv = b, 0, 0, 0, int(float(r["kv_tokens"]))
    assert prefill + decode == b and prefill_tokens + decode == s, r
    return ScheduledRequestMetrics(num_prefill_requests=prefill, sum_prefill_tokens=prefill_tokens,
                                   sum_prefill_kv_tokens=prefill_kv, num_decode_requests=decode,
                                   sum_decode_kv_tokens=max(decode_kv, 0))


def split(name):
    rows = [r for r in read_rows(name) if r.get("fits_kv_capacity", "1") == "1"]
    return [r for i, r in enumerate(rows) if i % 5 != 4], rows[4::5]


def adapted_on_everything(router, model, hardware, train):
    """Every published row recorded and an update candidate trained and validated on all of them."""
    kept = sum(1 for r in train if 0.1 < float(r["T_ms"]) < 500)
    keys = {(k["key"]["model"], k["key"]["hardware"]): k for k in router.health()["keys"]}
    k = keys.get((model, hardware))
    if not k or k["observations"] != len(train):
        return False
    return any(r["window_rows"] == kept for r in router.update_history(model, hardware))


def held_out_error(router, model, hardware, held_out):
    test = [r for r in held_out if 0.1 < float(r["T_ms"]) < 500]
    return sum(abs(router.predict(model, hardware, int(r["B"]), int(r["S"])).latency_ms - float(r["T_ms"]))
               / float(r["T_ms"]) for r in test) / len(test)


def test_an_agent_fed_only_by_fpm_predicts_as_well_as_one_fed_step_telemetry(agents):
    publishers = [FPMPublisher(f"engine-{i}") for i in range(len(ENGINES))]
    specs = []
    for p, (_, model, hardware) in zip(publishers, ENGINES):
        specs += ["--fpm", f"{p.endpoint}={model}@{hardware}"]
    fpm_agent = agents("fpm-eq-fpm", *specs)
    telemetry_agent = agents("fpm-eq-telemetry")
    fpm_router = Router(fpm_agent.query, timeout_ms=3000)
    telemetry_router = Router(telemetry_agent.query, timeout_ms=3000)
    for p in publishers:
        p.wait_subscribed()
    workers = [Worker(telemetry_agent.telemetry, worker_id=f"engine-{i}", model=model, hardware=hardware)
               for i, (_, model, hardware) in enumerate(ENGINES)]
    for w in workers:
        assert w.wait_connected(settle=0)
        wait_worker_ready(w, telemetry_router)

    tables = [split(name) for name, _, _ in ENGINES]
    # The same steps, in the same order, to both agents: one engine after the other.
    for (train, _), p, w in zip(tables, publishers, workers):
        for r in train:
            p.send_payload(ENCODER.encode(p.message(float(r["T_ms"]) / 1000.0, scheduled_from_row(r))))
            w.publish_step(int(r["B"]), int(r["S"]), float(r["T_ms"]))

    results = []
    for (train, held_out), (name, model, hardware) in zip(tables, ENGINES):
        errors = []
        for router in (fpm_router, telemetry_router):
            wait_for(lambda: adapted_on_everything(router, model, hardware, train), timeout=30,
                     message=f"{model}@{hardware} adapted on every row")
            errors.append(held_out_error(router, model, hardware, held_out))
        print(f"{name}: FPM-fed {errors[0]:.4%}, StepTelemetry-fed {errors[1]:.4%} held-out mean relative error")
        results.append((name, *errors))
    fpm_health = fpm_router.health()
    assert not any(k.startswith("fpm.") for k in fpm_health["drops"]), fpm_health["drops"]
    assert all(s["sequence_gaps"] == 0 and s["steps"] == len(t[0])
               for s, t in zip(fpm_health["fpm_sources"], tables)), fpm_health["fpm_sources"]
    for name, fpm_error, telemetry_error in results:
        assert abs(fpm_error - telemetry_error) <= 0.001, (name, fpm_error, telemetry_error)
    for x in publishers + workers + [fpm_router, telemetry_router]:
        x.close()
