"""The decision requests through the Python Router against a real agent: answers consistent with the model on the
parameters the reply says it used (recomputed here in plain Python), and every kind of bad input answered with
INVALID_ARGUMENT naming the field, the agent unchanged."""
import math

import pytest
from saturn_client import Router, SaturnError

MODEL, HARDWARE = "decisions-model-70b", "decisions-gpu"
INVALID_ARGUMENT = 4


def latency(p, b, s):
    """T(B,S) of the design, with 1 - e^(-x) as -expm1(-x)."""
    thr = p["p_max"] * -math.expm1(-p["k_b"] * b) * -math.expm1(-p["k_s"] * s)
    return p["tau_0"] + (p["w_0"] + p["w_1"] * s) / thr + p["tau_b"] * b + p["tau_s"] * s


@pytest.fixture
def router(agents):
    agent = agents("decisions")
    r = Router(agent.query, timeout_ms=3000)
    yield r
    r.close()


def test_sla_inverse_and_capacity(router):
    reply = router.sla_inverse(MODEL, HARDWARE, 80.0, min_batch_size=1, max_batch_size=32, max_tokens=8192)
    p = reply["basis"]["parameters"]
    assert [r["batch_size"] for r in reply["rows"]] == list(range(1, 33))
    feasible = [r for r in reply["rows"] if r["feasible"]]
    assert feasible, "an 80 ms target should be feasible for some batch size"
    for r in feasible:
        top = r["max_feasible_tokens"]
        assert latency(p, r["batch_size"], top) <= 80.0 * (1 + 1e-9)
        if top < 8192:
            assert latency(p, r["batch_size"], top) == pytest.approx(80.0, rel=1e-9)
            assert latency(p, r["batch_size"], top + 1e-3) > 80.0
    cap = router.capacity(MODEL, HARDWARE, 80.0, max_batch_size=64, max_tokens=4096, integer_tokens=True)
    assert cap["feasible"] and cap["tokens"] == int(cap["tokens"])
    assert cap["latency_ms"] == pytest.approx(latency(p, cap["batch_size"], cap["tokens"]), rel=1e-12)
    assert cap["latency_ms"] <= 80.0
    # No batch size in the range beats it at its own largest whole-token S.
    for r in router.sla_inverse(MODEL, HARDWARE, 80.0, max_batch_size=64, max_tokens=4096)["rows"]:
        if r["feasible"]:
            s = math.floor(r["max_feasible_tokens"])
            if s >= r["min_feasible_tokens"]:
                assert s / latency(p, r["batch_size"], s) <= cap["tokens_per_ms"] * (1 + 1e-12)


def test_admission_options(router):
    p = router.sla_inverse(MODEL, HARDWARE, 50.0, max_batch_size=1)["basis"]["parameters"]
    sla = latency(p, 24, 2000)
    running = [1.0] * 4
    waiting = [{"id": 100 + i, "priority": i % 3, "tokens": 16 + (29 * i) % 500} for i in range(64)]
    greedy = router.admission(MODEL, HARDWARE, sla, running, waiting)
    assert greedy["stop_reason"] in {"first_misfit", "all_admitted", "current_over_sla"}
    assert greedy["current_latency_ms"] == pytest.approx(latency(p, 4, 4), rel=1e-12)
    n = len(greedy["admitted_ids"])
    assert n > 0
    total = 4 + sum(greedy["admitted_tokens"])
    assert greedy["predicted_latency_ms"] == pytest.approx(latency(p, 4 + n, total), rel=1e-12)
    assert greedy["predicted_latency_ms"] <= sla
    # Priority order: admitted priorities never decrease.
    prios = [waiting[i]["priority"] for i in greedy["admitted_indices"]]
    assert prios == sorted(prios)

    scan = router.admission(MODEL, HARDWARE, sla, running, waiting, scan_past_misfit=True, rule="best_effort")
    assert len(scan["admitted_ids"]) >= n and scan["predicted_latency_ms"] <= sla
    capped = router.admission(MODEL, HARDWARE, sla, running, waiting, maximum_batch_size=6)
    assert len(capped["admitted_ids"]) <= 2
    margin = router.admission(MODEL, HARDWARE, sla, running, waiting, safety_margin=0.2)
    assert margin["effective_sla_ms"] == pytest.approx(sla * 0.8) and margin["predicted_latency_ms"] <= sla * 0.8
    auto = router.admission(MODEL, HARDWARE, sla, running, waiting, safety_margin="auto")
    assert auto["safety_margin"] == 0.0  # no observations yet: the key's p95 error is unmeasured
    chunk = router.admission(MODEL, HARDWARE, sla, running, [{"id": 1, "tokens": 100000}], minimum_chunk_tokens=32)
    assert chunk["stop_reason"] == "chunked" and 32 <= chunk["admitted_tokens"][0] < 100000
    empty = router.admission(MODEL, HARDWARE, sla, [], [])
    assert empty["stop_reason"] == "no_waiting" and empty["current_latency_ms"] is None
    assert empty["predicted_latency_ms"] is None


def test_allocation_respects_quotas_and_sla(router):
    p = router.sla_inverse(MODEL, HARDWARE, 50.0, max_batch_size=1)["basis"]["parameters"]
    sla = latency(p, 40, 3000)
    tenants = [{"name": f"t{t}", "quota": 3 + t, "weight": 1 + t % 2,
                "waiting": [{"id": 1000 * t + i, "tokens": 8 + (7 * i) % 120} for i in range(64)]} for t in range(8)]
    reply = router.allocation(MODEL, HARDWARE, sla, [1.0, 1.0], tenants, maximum_batch_size=64)
    assert [t["name"] for t in reply["tenants"]] == [t["name"] for t in tenants]
    for t, got in zip(tenants, reply["tenants"]):
        assert len(got["ids"]) <= t["quota"]
        assert got["ids"] == [t["waiting"][i]["id"] for i in got["indices"]]
    admitted = [w for t, got in zip(tenants, reply["tenants"]) for w in (t["waiting"][i] for i in got["indices"])]
    assert len(reply["admission_order"]) == len(admitted) > 0
    total = 2 + sum(w["tokens"] for w in admitted)
    assert reply["predicted_latency_ms"] == pytest.approx(latency(p, 2 + len(admitted), total), rel=1e-12)
    assert reply["predicted_latency_ms"] <= sla
    assert 0 < reply["jain_index"] <= 1
    print(f"allocation over the bus: stop {reply['stop_reason']}, Jain's index {reply['jain_index']:.4f}")


def test_plan(router):
    reply = router.plan(MODEL, HARDWARE, 100.0, 30.0, mean_prompt_tokens=800, prompt_tokens_sd=400,
                        prompt_tokens_at_quantile=2500, mean_output_tokens=150, ttft_ms=3000)
    assert reply["feasible"] and reply["replicas"] >= 1
    assert reply["replicas"] * reply["per_replica_requests_per_second"] >= 30.0 * (1 - 1e-12)
    assert reply["ttft_ms"] <= 3000
    budget = reply["static_budget"]
    assert budget["found"] and budget["max_num_batched_tokens"] % 16 == 0 and budget["max_num_seqs"] >= 2
    assert budget["worst_step_ms"] <= 100.0 * 0.9 + 1e-9


BAD = [
    ("admission", dict(sla_ms=float("nan"), running_tokens=[], waiting=[(1, 0, 5)]), "sla_ms"),
    ("admission", dict(sla_ms=0.0, running_tokens=[], waiting=[(1, 0, 5)]), "sla_ms"),
    ("admission", dict(sla_ms=50.0, running_tokens=[-1.0], waiting=[(1, 0, 5)]), "running_tokens[0]"),
    ("admission", dict(sla_ms=50.0, running_tokens=[], waiting=[(1, 0, -5)]), "tokens[0]"),
    ("admission", dict(sla_ms=50.0, running_tokens=[], waiting=[(1, 0, 5), (1, 0, 6)]), "duplicate"),
    ("admission", dict(sla_ms=50.0, running_tokens=[], waiting=[(i, 0, 1) for i in range(5000)]), "more than"),
    ("admission", dict(sla_ms=50.0, running_tokens=[], waiting=[(1, 0, 5)], rule="fast"), "options.rule"),
    ("admission", dict(sla_ms=50.0, running_tokens=[], waiting=[(1, 0, 5)], safety_margin=1.5), "safety_margin"),
    ("allocation", dict(sla_ms=50.0, running_tokens=[], tenants=[]), "tenants must not be empty"),
    ("allocation", dict(sla_ms=50.0, running_tokens=[], tenants=[{"name": "a", "quota": 1, "weight": 0}]), "weight"),
    ("allocation", dict(sla_ms=50.0, running_tokens=[], tenants=[{"name": "a", "quota": 1, "weight": 1},
                                                                 {"name": "a", "quota": 1, "weight": 1}]), "duplicate"),
    ("sla_inverse", dict(target_ms=-1.0), "target_ms"),
    ("sla_inverse", dict(target_ms=50.0, max_batch_size=100000), "rows"),
    ("capacity", dict(latency_limit_ms=50.0, max_tokens=float("inf")), "max_tokens"),
    ("plan", dict(sla_ms=50.0, rate=-1.0, mean_prompt_tokens=10, prompt_tokens_sd=1, prompt_tokens_at_quantile=20,
                  mean_output_tokens=5), "rate"),
]


def test_bad_input_is_an_invalid_argument_and_changes_nothing(router):
    before = router.parameters()
    health_before = router.health()
    for method, kwargs, word in BAD:
        with pytest.raises(SaturnError) as e:
            getattr(router, method)(MODEL, HARDWARE, **kwargs)
        assert e.value.code == INVALID_ARGUMENT, (method, word, e.value)
        assert word in e.value.message, (method, word, e.value.message)
    assert router.parameters()["sets"] == before["sets"]
    health = router.health()
    assert health["keys"] == health_before["keys"]
    assert health["drops"].get("query.invalid_argument", 0) == len(BAD)
