"""The Python Router's view of online adaptation on a live agent: update_history records with their documented
fields, the limit and unknown keys, and the per-key health figures of the adaptation monitor."""
import random

from conftest import read_rows, wait_for, wait_worker_ready
from saturn_client import Router, Worker

TABLE = "steps_splitwise_llama2-70b_h100-80gb_tp4.csv"
MODEL, HARDWARE = "llama2-70b", "h100-80gb-tp4"

RECORD_KEYS = {"time_unix_ns", "path", "trigger", "accepted", "reason", "validation_loss_current",
               "validation_loss_candidate", "training_loss_before", "training_loss_after", "parameters", "version",
               "training_rows", "validation_rows", "duration_ms"}
PATHS = {"UPDATE_PATH_UPDATER", "UPDATE_PATH_REFIT"}
TRIGGERS = {"UPDATE_TRIGGER_COLD_START", "UPDATE_TRIGGER_DRIFT", "UPDATE_TRIGGER_UPDATER_FAILING",
            "UPDATE_TRIGGER_ERROR", "UPDATE_TRIGGER_OBSERVATIONS", "UPDATE_TRIGGER_INTERVAL", "UPDATE_TRIGGER_FAMILY"}
PARAMETER_NAMES = {"p_max", "k_b", "k_s", "w_0", "w_1", "tau_0", "tau_b", "tau_s"}
HEALTH_KEYS = {"recent_p95_relative_error", "degradation_alert", "drift", "parameter_drift_rate",
               "update_failure_rate", "status"}


def usable_rows():
    rows = [(int(r["B"]), int(r["S"]), float(r["T_ms"])) for r in read_rows(TABLE)]
    rows = [r for r in rows if 0.1 < r[2] < 500]
    assert len(rows) > 100
    return rows


def key_health(router):
    keys = [k for k in router.health()["keys"] if k["key"]["model"] == MODEL and k["key"]["hardware"] == HARDWARE]
    return keys[0] if keys else None


def test_update_history_and_health_over_the_python_client(agents):
    agent = agents("py-adapt", config={"fitEvery": 50, "coldStartEvery": 25, "idleFitSeconds": 0.2})
    router = Router(agent.query, timeout_ms=3000)
    worker = Worker(agent.telemetry, worker_id="py-w", model=MODEL, hardware=HARDWARE)
    try:
        assert worker.wait_connected(settle=0)
        wait_worker_ready(worker, router)
        assert router.update_history(MODEL, HARDWARE) == []

        rows = usable_rows()
        rng = random.Random(7)
        published = 0
        # Chunks of fitEvery rows, each followed by the agent deciding on one more candidate, up to 600 rows.
        for _ in range(12):
            h = key_health(router)
            decided = h["fits_accepted"] + h["fits_rejected"] if h else 0
            for _ in range(50):
                b, s, t = rows[rng.randrange(len(rows))]
                worker.publish_step(b, s, t * (1 + 0.02 * rng.gauss(0, 1)))
            published += 50
            wait_for(lambda: (key_health(router) or {}).get("observations") == published, 20,
                     message=f"{published} observations recorded")
            wait_for(lambda: (lambda k: k["fits_accepted"] + k["fits_rejected"] > decided)(key_health(router)), 30,
                     message=f"a candidate decided on after {published} observations")

        records = router.update_history(MODEL, HARDWARE)
        assert len(records) >= 10, records
        for r in records:
            assert RECORD_KEYS <= set(r), sorted(RECORD_KEYS - set(r))
            assert r["path"] in PATHS, r["path"]
            assert r["trigger"] in TRIGGERS, r["trigger"]
            assert set(r["parameters"]) == PARAMETER_NAMES, r["parameters"]
            assert isinstance(r["accepted"], bool) and isinstance(r["reason"], str) and r["reason"]
            assert isinstance(r["version"], int) and isinstance(r["training_rows"], int)
            assert r["time_unix_ns"] > 0 and r["duration_ms"] >= 0
            assert r["training_rows"] > 0 and r["validation_rows"] > 0
            if r["accepted"]:
                assert r["version"] > 0 and r["validation_loss_candidate"] < r["validation_loss_current"], r
            else:
                assert r["version"] == 0, r
        assert records[0]["trigger"] == "UPDATE_TRIGGER_COLD_START", records[0]
        assert any(r["accepted"] for r in records)
        assert [r["time_unix_ns"] for r in records] == sorted(r["time_unix_ns"] for r in records)
        accepted = [r["version"] for r in records if r["accepted"]]
        assert accepted == list(range(accepted[0], accepted[0] + len(accepted))), accepted

        assert len(router.update_history(MODEL, HARDWARE, limit=2)) == 2
        assert router.update_history("never-seen", "nowhere") == []
        assert len(router.update_history()) == len(router.update_history(MODEL, HARDWARE))

        h = key_health(router)
        assert HEALTH_KEYS <= set(h), sorted(HEALTH_KEYS - set(h))
        assert h["recent_p95_relative_error"] > 0
        assert isinstance(h["degradation_alert"], bool) and isinstance(h["drift"], bool)
        assert h["parameter_drift_rate"] >= 0 and 0 <= h["update_failure_rate"] <= 1
        assert h["status"] == "ok" or h["status"].startswith("degraded: "), h["status"]
        print(f"python: {len(records)} records, {len(accepted)} accepted; health {h}")
    finally:
        worker.close()
        router.close()
