"""Model families from Python: a worker publishes Vidur steps with K (kv_context_tokens) and Q
(prefill_attention_tokens), the agent's cross-validation chooses a KV-aware family, and the Router sees the choice,
its evidence and the set's coefficients in health, predictions and the parameter snapshot."""
import random

from conftest import read_rows, wait_for, wait_worker_ready
from saturn_client import Router, Worker

TABLE = "steps_vidur_llama2-7b_a100_tp1.csv"
MODEL, HARDWARE = "llama2-7b", "a100-tp1-py"


def steps():
    """(B, S, T, K, Q) of the usable rows that fit the KV cache; Q = n_prefill_reqs x prefill_chunk^2."""
    out = []
    for r in read_rows(TABLE):
        if r["fits_kv_capacity"] != "1" or not 0.1 < float(r["T_ms"]) < 500:
            continue
        q = int(r["n_prefill_reqs"]) * int(r["prefill_chunk"]) ** 2
        out.append((int(r["B"]), int(r["S"]), float(r["T_ms"]), int(r["kv_tokens"]), q))
    assert len(out) > 200
    return out


def key_health(router):
    keys = [k for k in router.health()["keys"] if k["key"]["model"] == MODEL and k["key"]["hardware"] == HARDWARE]
    return keys[0] if keys else None


def stream(worker, router, rows, count, rng):
    """Publishes count steps drawn from rows (2% noise, with K and Q) in chunks of 100, the update interval, each
    followed by one more decided candidate: the agent sees the stream at the pace it adapts."""
    published = (key_health(router) or {}).get("observations", 0)
    for _ in range(count // 100):
        h = key_health(router)
        decided = h["fits_accepted"] + h["fits_rejected"] if h else 0
        for _ in range(100):
            b, s, t, k, q = rows[rng.randrange(len(rows))]
            worker.publish_step(b, s, t * (1 + 0.02 * rng.gauss(0, 1)), kv_context_tokens=k,
                                prefill_attention_tokens=q)
        published += 100
        wait_for(lambda: (key_health(router) or {}).get("observations") == published, 20,
                 message=f"{published} observations recorded")
        wait_for(lambda: (lambda k: k["fits_accepted"] + k["fits_rejected"] > decided)(key_health(router)), 60,
                 message=f"a candidate decided on after {published} observations")


def test_a_kv_varying_stream_from_python_ends_on_a_kv_aware_family(agents):
    agent = agents("py-family", config={"familySelectionEvery": 500})
    router = Router(agent.query, timeout_ms=5000)
    worker = Worker(agent.telemetry, worker_id="py-family-w", model=MODEL, hardware=HARDWARE)
    try:
        assert worker.wait_connected(settle=0)
        wait_worker_ready(worker, router)
        stream(worker, router, steps(), 2000, random.Random(3))

        h = key_health(router)
        selection = h["family_selection"]
        assert [c["family"] for c in selection["candidates"]] == ["base", "kv", "kvq"], selection
        errors = {c["family"]: c["cv_mean_relative_error"] for c in selection["candidates"]}
        assert selection["chosen"] in ("kv", "kvq") and errors[selection["chosen"]] < errors["base"] - 0.005, selection
        assert selection["rows"] >= 100 and selection["at_observation"] > 0 and selection["duration_ms"] > 0
        wait_for(lambda: key_health(router)["family"] == selection["chosen"], 30, message="the chosen family installed")

        # A decode step of 32 requests at 1,000 tokens of context each, and the same with twice the context.
        short = router.predict(MODEL, HARDWARE, 32, 32, kv_context_tokens=32_000)
        long = router.predict(MODEL, HARDWARE, 32, 32, kv_context_tokens=64_000)
        assert short.family == selection["chosen"] and len(short.term_coefficients) == {"kv": 1, "kvq": 2}[short.family]
        tau_k = short.term_coefficients[0]
        print(f"chosen {selection['chosen']}, cross-validated {errors}, tau_K {tau_k:.3g} ms per token")
        assert 1e-5 < tau_k < 1e-2, tau_k
        assert abs((long.latency_ms - short.latency_ms) - tau_k * 32_000) < 1e-6 * long.latency_ms
        # Without K the agent assumes the set's default (K per request of the recent steps).
        default = router.predict(MODEL, HARDWARE, 32, 32)
        assert default.latency_ms > router.predict(MODEL, HARDWARE, 32, 32, kv_context_tokens=0).latency_ms

        snapshot = [s for s in router.parameters()["sets"] if s["key"]["hardware"] == HARDWARE][0]
        assert snapshot["family"] == selection["chosen"]
        assert snapshot["term_coefficients"] == short.term_coefficients
        assert len(snapshot["term_defaults"]) == 2 and snapshot["term_defaults"][0] > 0
    finally:
        worker.close()
        router.close()
