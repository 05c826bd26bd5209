#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (ops/fuzz/corpus/<harness>/): valid messages of every kind the
decoders read, built with the repository's generated protobuf code, and small CSV and configuration files.

    python3 ops/fuzz/make-seeds.py        # from the repository root; needs ./ops/python installed (protobuf)
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
from saturn_client import saturn_pb2 as pb  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def frames(*parts):
    """FrameSplit's layout: a length byte (< 255) before each frame, 255 before a last frame of any length."""
    out = b""
    for i, p in enumerate(parts):
        if len(p) < 255 and i < len(parts) - 1:
            out += bytes([len(p)]) + p
        else:
            out += b"\xff" + p
            break
    return out


def telemetry():
    t = pb.StepTelemetry(protocol_version=1, worker_id="w-1", model="llama2-70b", hardware="h100-80gb-tp4",
                         batch_size=32, tokens=544, latency_ms=61.5, timestamp_ns=1733350000000000000, sequence=7)
    write("telemetry", "minimal", t.SerializeToString())
    t.prefill_tokens, t.decode_tokens, t.prefill_requests, t.decode_requests, t.kv_context_tokens = 512, 32, 1, 31, 40000
    write("telemetry", "full", t.SerializeToString())
    write("telemetry", "empty", b"")
    return t


def parameter_set():
    return pb.ParameterSet(
        key=pb.ModelKey(model="llama2-70b", hardware="h100-80gb-tp4"),
        parameters=pb.Parameters(p_max=9.2, k_b=0.5, k_s=0.0025, w_0=0.08, w_1=0.63, tau_0=1.0, tau_b=0.3,
                                 tau_s=0.03),
        version=3, origin_node="node-a", origin_epoch=1733350000000000000, sample_count=500,
        quality=pb.FitQuality(mean_relative_error=0.03, p95_relative_error=0.08, r2=0.99, rows=500),
        source=pb.PARAMETER_SOURCE_LOCAL_FIT)


def requests():
    key = dict(model="llama2-70b", hardware="h100-80gb-tp4")
    bodies = {
        "predict": pb.Request(predict=pb.PredictRequest(batch_size=32, tokens=544, **key)),
        "parameters": pb.Request(parameters=pb.ParametersRequest()),
        "health": pb.Request(health=pb.HealthRequest()),
        "update_history": pb.Request(update_history=pb.UpdateHistoryRequest()),
        "sla_inverse": pb.Request(sla_inverse=pb.SlaInverseRequest(target_ms=80, min_batch_size=1, max_batch_size=8,
                                                                    min_tokens=1, max_tokens=4096, **key)),
        "capacity": pb.Request(capacity=pb.CapacityRequest(latency_limit_ms=80, min_batch_size=1, max_batch_size=64,
                                                           max_tokens=8192, integer_tokens=True, **key)),
        "admission": pb.Request(admission=pb.AdmissionRequest(
            sla_ms=80, running_tokens=[1, 1, 1, 128], waiting_ids=[10, 11, 12], waiting_priorities=[0, 1, 0],
            waiting_tokens=[900, 300, 40],
            options=pb.AdmissionOptions(rule="no_refusal_below_sla", scan_past_misfit=True, minimum_chunk_tokens=16,
                                        margin=pb.SafetyMargin(auto_safety_margin=True, margin_multiplier=1.5),
                                        maximum_batch_size=64), **key)),
        "allocation": pb.Request(allocation=pb.AllocationRequest(
            sla_ms=80, running_tokens=[1, 1],
            tenants=[pb.AllocationTenant(name="a", quota=4, weight=2, ids=[1, 2, 3], tokens=[100, 200, 50]),
                     pb.AllocationTenant(name="b", quota=2, weight=1, ids=[4, 5], priorities=[1, 0], tokens=[10, 20])],
            margin=pb.SafetyMargin(safety_margin=0.1), maximum_batch_size=32, **key)),
        "plan": pb.Request(plan=pb.PlanRequest(sla_ms=80, ttft_ms=2000, rate=5, mean_prompt_tokens=1155,
                                               prompt_tokens_sd=1109, prompt_tokens_at_quantile=4142, quantile=0.99,
                                               mean_output_tokens=211, sequence_caps=[16, 64],
                                               token_granularity=16, **key)),
    }
    for name, r in bodies.items():
        r.protocol_version = 1
        r.request_id = 42
        payload = r.SerializeToString()
        # RequestHarness: low bit of the first byte set = the rest is the payload of a well-formed envelope.
        write("request", name, b"\x01" + payload)
        write("request", name + "-frames", b"\x00" + frames(b"\x00\x6b\x8b\x45\x67", b"", payload))
        write("envelope", name, frames(b"\x00\x6b\x8b\x45\x67", b"", payload))
    write("envelope", "bare-dealer", frames(b"\x00\x6b\x8b\x45\x67", b"payload"))


def broadcasts():
    u = pb.ParameterUpdate(protocol_version=1, origin_node="node-a", origin_epoch=1733350000000000000, sequence=1,
                           set=parameter_set(), query_endpoint="tcp://10.0.0.2:5556")
    write("broadcast", "with-topic", frames(b"params", u.SerializeToString()))
    write("broadcast", "payload-only", b"\xff" + u.SerializeToString())


def csv():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
    for name, n in [("steps_splitwise_llama2-70b_h100-80gb_tp4.csv", 12), ("steps_vidur_llama2-7b_a100_tp1.csv", 12),
                    ("trace_azure_code_2023.csv", 12)]:
        with open(os.path.join(here, name)) as f:
            write("csv", name, "".join(f.readline() for _ in range(n)))
    write("csv", "quoted-crlf", '\ufeffB,"S",T_ms\r\n1,2,3.5\r\n"4",5,6e1\r\n')


def fpm():
    """Forward Pass Metrics v1 payloads as msgspec encodes them (a map keyed by field name, every field present)."""
    import msgspec
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python", "tests"))
    from fpm_format import ForwardPassMetrics, QueuedRequestMetrics as Queued, ScheduledRequestMetrics as Scheduled

    enc = msgspec.msgpack.encode
    write("fpm", "step", enc(ForwardPassMetrics(
        worker_id="engine-0", counter_id=7, wall_time=0.0615,
        scheduled_requests=Scheduled(num_prefill_requests=1, sum_prefill_tokens=512, var_prefill_length=0.0,
                                     sum_prefill_kv_tokens=128, num_decode_requests=31, sum_decode_kv_tokens=40000,
                                     var_decode_kv_tokens=1e4),
        queued_requests=Queued(num_prefill_requests=3, sum_prefill_tokens=2048))))
    write("fpm", "heartbeat", enc(ForwardPassMetrics(worker_id="engine-0", counter_id=8)))
    write("fpm", "version-2", enc(ForwardPassMetrics(version=2, worker_id="engine-0")))


def heartbeats():
    h = pb.ParameterHeartbeat(protocol_version=1, origin_node="node-a", origin_epoch=1733350000000000000,
                              last_sequence=12, query_endpoint="tcp://10.0.0.2:5556", interval_ms=1000)
    write("heartbeat", "typical", h.SerializeToString())
    write("heartbeat", "first", pb.ParameterHeartbeat(protocol_version=1, origin_node="n", interval_ms=250)
          .SerializeToString())


def state_file():
    """A state file as the agent writes it (see StateRecord in the .proto): magic, then length, CRC-32, record."""
    import struct
    import zlib
    key = pb.ModelKey(model="llama2-70b", hardware="h100-80gb-tp4")
    s = pb.ParameterSet(key=key, version=7, origin_node="node-a", origin_epoch=1733350000000000000,
                        sample_count=5000, source=pb.PARAMETER_SOURCE_LOCAL_FIT, source_detail="refit on 96 rows")
    s.parameters.CopyFrom(parameter_set().parameters)
    u = pb.UpdateRecord(key=key, time_unix_ns=1733350000000000000, path=pb.UPDATE_PATH_REFIT,
                        trigger=pb.UPDATE_TRIGGER_COLD_START, accepted=True, reason="better on held-out",
                        validation_loss_current=0.02, validation_loss_candidate=0.01, version=7, training_rows=96,
                        validation_rows=100, duration_ms=1.2)
    u.parameters.CopyFrom(s.parameters)
    records = [pb.StateRecord(header=pb.StateHeader(format_version=1, node_id="node-a", node_epoch=1,
                                                    sets=1, updates=1, own_versions=1)),
               pb.StateRecord(set=s), pb.StateRecord(own_version=pb.OwnVersion(key=key, version=7)),
               pb.StateRecord(update=u)]
    out = b"SATSTAT1"
    for r in records:
        payload = r.SerializeToString()
        out += struct.pack("<II", len(payload), zlib.crc32(payload)) + payload
    write("state", "typical", out)
    write("state", "truncated", out[:-9])
    write("state", "empty", b"SATSTAT1")


def config():
    write("config", "minimal", json.dumps({"nodeID": "node-a"}))
    write("config", "typical", json.dumps({
        "nodeID": "node-a", "telemetryEndpoint": "tcp://0.0.0.0:5555", "queryEndpoint": "tcp://127.0.0.1:5556",
        "broadcastEndpoint": "tcp://0.0.0.0:5557",
        "peers": [{"broadcast": "tcp://10.0.0.3:5557", "query": "tcp://10.0.0.3:5556"}],
        "windowSize": 5000, "loss": "relative", "idleFitSeconds": 2.5, "adaptationPaths": "both"}))
    write("config", "bad", '{"nodeID": 3')


if __name__ == "__main__":
    telemetry()
    requests()
    broadcasts()
    csv()
    config()
    fpm()
    heartbeats()
    state_file()
    for h in sorted(os.listdir(ROOT)):
        print(h, len(os.listdir(os.path.join(ROOT, h))), "seeds")
