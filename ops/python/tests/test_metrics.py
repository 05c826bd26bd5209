"""Prometheus metrics of live agents (`saturn agent --metrics`): scraped over HTTP while telemetry, queries and
updates flow, accepted by `promtool check metrics`, and every counter moved by driving its event (bad telemetry,
bad queries, junk broadcasts, peers adopting and snapshotting). The shipped alert rules pass `promtool check rules`
and their unit tests; the Grafana dashboard and the rules name only metrics a live agent exports."""
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import zmq
from conftest import REPO, read_rows, saturn_binary, wait_for, wait_subscribed, wait_worker_ready
from saturn_client import Router, SaturnError, Worker

TABLE = "steps_splitwise_llama2-70b_h100-80gb_tp4.csv"
MODEL, HARDWARE = "llama2-70b", "h100-80gb-tp4"
RULES = os.path.join(REPO, "ops", "prometheus", "saturn-alerts.yml")
RULE_TESTS = os.path.join(REPO, "ops", "prometheus", "saturn-alerts.test.yml")
DASHBOARD = os.path.join(REPO, "ops", "grafana", "saturn-dashboard.json")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def promtool():
    path = shutil.which("promtool") or "/usr/bin/promtool"
    if not os.access(path, os.X_OK):
        pytest.fail("promtool not found (Debian's prometheus package; .ci/run installs it)")
    return path


def scrape(url):
    """The page at `url`: status 200 and the Prometheus text format's content type, else the test fails."""
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", r.headers["Content-Type"]
        return r.read().decode()


def parse(text):
    """[(name, {label: value}, value)] of every sample line."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        samples.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return samples


def value(samples, name, **labels):
    """Sum of `name` over the series whose labels include `labels` (0 when none)."""
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == x for k, x in labels.items()))


def check_metrics(text):
    r = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"promtool check metrics: {r.stdout}{r.stderr}"


def families(text):
    return set(re.findall(r"^# TYPE (\S+) ", text, re.M))


def raw_request(endpoint, payload):
    """Sends `payload` as a request on a REQ socket; returns the reply's bytes."""
    s = zmq.Context.instance().socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    try:
        s.send(payload)
        assert s.poll(3000), "no reply"
        return s.recv()
    finally:
        s.close(0)


def test_metrics_under_load_pass_promtool_and_every_counter_moves(agents):
    a = agents("m-a", "--metrics", "0", config={"fitEvery": 50, "coldStartEvery": 25, "idleFitSeconds": 0.2})
    assert a.metrics and a.metrics.startswith("http://127.0.0.1:") and a.metrics.endswith("/metrics")
    ctx = zmq.Context.instance()
    fake_peer = ctx.socket(zmq.XPUB)
    fake_peer.setsockopt(zmq.LINGER, 0)
    fake_peer.bind("tcp://127.0.0.1:*")
    fake_endpoint = fake_peer.getsockopt(zmq.LAST_ENDPOINT).decode()
    # B: metrics from the configuration file's key; peers: A (broadcasts and snapshots) and a fake peer.
    b = agents("m-b", "--peer", a.peer_spec, "--peer", fake_endpoint, config={"metrics": "127.0.0.1:0"})
    assert b.metrics and b.metrics != a.metrics

    router = Router(a.query, timeout_ms=3000)
    worker = Worker(a.telemetry, worker_id="m-w", model=MODEL, hardware=HARDWARE)
    stop = threading.Event()
    errors = []
    try:
        assert worker.wait_connected(settle=0)
        wait_worker_ready(worker, router)  # publishes batch_size 0 probes: telemetry.non_positive drops
        worker.publish_step(4, 64, math.nan)  # telemetry.non_finite

        def query_load():
            r = Router(a.query, timeout_ms=3000)
            try:
                while not stop.is_set():
                    r.predict(MODEL, HARDWARE, batch_size=16, tokens=256)
                    time.sleep(0.001)  # load, not a spin that starves the agent's threads on two cores
            except Exception as e:  # reported by the main thread
                errors.append(e)
            finally:
                r.close()

        loader = threading.Thread(target=query_load, daemon=True)
        loader.start()

        # Noisy telemetry in chunks of fitEvery rows until the agent has both accepted and rejected candidates,
        # scraping A during the load (each scrape must pass promtool).
        rows = [(int(r["B"]), int(r["S"]), float(r["T_ms"])) for r in read_rows(TABLE)]
        rows = [r for r in rows if 0.1 < r[2] < 500]
        rng = random.Random(11)
        # The adaptation thread runs at SCHED_IDLE: on a machine whose cores are busy, updates wait for one, hence
        # a deadline rather than a number of chunks.
        deadline = time.monotonic() + 120
        chunk = 0
        while time.monotonic() < deadline:
            for _ in range(50):
                bs, s, t = rows[rng.randrange(len(rows))]
                worker.publish_step(bs, s, t * (1 + 0.1 * rng.gauss(0, 1)))
            time.sleep(0.1)
            text = scrape(a.metrics)
            if chunk % 10 == 0:
                check_metrics(text)
            chunk += 1
            samples = parse(text)
            if (value(samples, "saturn_updates_total", result="accepted") > 0
                    and value(samples, "saturn_updates_total", result="rejected") > 0 and chunk >= 5):
                break
        during = scrape(a.metrics)
        check_metrics(during)
        stop.set()
        loader.join(10)
        assert not errors, errors
        samples = parse(during)
        assert value(samples, "saturn_updates_total", result="accepted") > 0, "no accepted update candidate"
        assert value(samples, "saturn_updates_total", result="rejected") > 0, "no rejected update candidate"
        assert value(samples, "saturn_updates_total", path="refit", result="accepted") > 0  # the cold-start fit
        assert value(samples, "saturn_query_duration_seconds_count", kind="predict") > 0

        # Each kind of query and two error codes.
        router.parameters()
        router.update_history(MODEL, HARDWARE, limit=1)
        with pytest.raises(SaturnError) as bad:
            router.predict(MODEL, HARDWARE, batch_size=math.nan, tokens=1)
        assert bad.value.code_name == "invalid_argument"
        raw_request(a.query, b"\x08\xff\xff garbage")  # malformed: kind unknown
        # A junk broadcast to B (broadcast.malformed).
        wait_subscribed(fake_peer, timeout=5, what="B's peer SUB")
        fake_peer.send_multipart([b"params", b"\xff\xff not protobuf"])
        rb = Router(b.query, timeout_ms=3000)
        try:
            wait_for(lambda: rb.health()["drops"].get("broadcast.malformed", 0) >= 1, 10,
                     message="B counting the junk broadcast")
            wait_for(lambda: rb.health()["updates_adopted"] >= 1, 20, message="B adopting A's set")
            health_b = rb.health()
        finally:
            rb.close()

        # Quiet now: the scrape equals the health reply's counters exactly.
        wait_for(lambda: router.health()["keys"][0]["fits_accepted"] + router.health()["keys"][0]["fits_rejected"]
                 == value(parse(scrape(a.metrics)), "saturn_updates_total"), 20,
                 message="no update in flight")
        # An idle-time update can still land between the health reply and the scrape: take the pair again until
        # a health reply after the scrape shows nothing changed.
        def signature(h):
            k = h["keys"][0]
            return k["fits_accepted"], k["fits_rejected"], k["version"], h["telemetry_accepted"], h["updates_published"]
        for _ in range(50):
            health_a = router.health()
            final_a = scrape(a.metrics)
            if signature(router.health()) == signature(health_a):
                break
            time.sleep(0.1)
        else:
            pytest.fail("agent A never stayed still across a scrape")
        check_metrics(final_a)
        sa = parse(final_a)
        assert value(sa, "saturn_telemetry_accepted_total") == health_a["telemetry_accepted"] > 0
        assert value(sa, "saturn_messages_dropped_total", channel="telemetry", reason="non_positive") \
            == health_a["drops"]["telemetry.non_positive"] >= 1
        assert value(sa, "saturn_messages_dropped_total", channel="telemetry", reason="non_finite") \
            == health_a["drops"]["telemetry.non_finite"] == 1
        for kind in ("predict", "health", "parameters", "update_history", "unknown"):
            assert value(sa, "saturn_queries_total", kind=kind) > 0, kind
        # Every query before the health call above, and that call itself (counted after its reply was built).
        assert value(sa, "saturn_queries_total") == health_a["queries_answered"] + sum(
            v for k, v in health_a["drops"].items() if k.startswith("query.")) + 1
        assert value(sa, "saturn_query_errors_total", code="invalid_argument") == 1
        assert value(sa, "saturn_query_errors_total", code="malformed") == 1
        for kind in ("predict", "health", "unknown"):
            assert value(sa, "saturn_query_duration_seconds_count", kind=kind) \
                == value(sa, "saturn_queries_total", kind=kind), kind
        key = health_a["keys"][0]
        assert value(sa, "saturn_updates_total", result="accepted") == key["fits_accepted"]
        assert value(sa, "saturn_updates_total", result="rejected") == key["fits_rejected"]
        assert value(sa, "saturn_update_duration_seconds_count") == key["fits_accepted"] + key["fits_rejected"]
        assert value(sa, "saturn_updates_published_total") == health_a["updates_published"] >= 1
        labels = dict(model=MODEL, hardware=HARDWARE)
        assert value(sa, "saturn_key_observations", **labels) == key["observations"] > 0
        assert value(sa, "saturn_key_parameter_version", **labels) == key["version"] >= 1
        assert value(sa, "saturn_key_recent_mean_relative_error", **labels) == pytest.approx(
            key["recent_mean_relative_error"], rel=1e-9)
        assert value(sa, "saturn_key_degraded", **labels) == (0 if key["status"] == "ok" else 1)

        final_b = scrape(b.metrics)
        check_metrics(final_b)
        sb = parse(final_b)
        # B may adopt another of A's sets between its health reply above and the scrape: the scrape lies between
        # that reply and one taken after it.
        rb = Router(b.query, timeout_ms=3000)
        try:
            after_b = rb.health()
        finally:
            rb.close()
        for metric, field in (("saturn_peer_adoptions_total", "updates_adopted"),
                              ("saturn_snapshots_requested_total", "snapshots_requested")):
            assert 1 <= health_b[field] <= value(sb, metric) <= after_b[field], (metric, health_b[field], after_b[field])
        assert value(sb, "saturn_messages_dropped_total", channel="broadcast", reason="malformed") == 1
        assert value(sb, "saturn_telemetry_accepted_total") == 0
        assert value(sb, "saturn_key_parameter_version", **labels) >= 1  # A's set, adopted

        # The dashboard and the alert rules ask only for what an agent exports.
        exported = families(final_a)
        wanted = set(re.findall(r"\bsaturn_[a-z0-9_]+", open(DASHBOARD).read() + open(RULES).read()))
        wanted = {re.sub(r"_(bucket|count|sum)$", "", n) for n in wanted}
        assert wanted and wanted <= exported, sorted(wanted - exported)
    finally:
        stop.set()
        worker.close()
        router.close()
        fake_peer.close(0)


def test_metrics_endpoint_answers_only_get_metrics(agents):
    a = agents("m-http", "--metrics", "127.0.0.1:0")
    base = a.metrics[: -len("/metrics")]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/", timeout=5)
    assert e.value.code == 404
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(a.metrics, data=b"x", method="POST"), timeout=5)
    assert e.value.code == 405 and e.value.headers["Allow"] == "GET, HEAD"
    with urllib.request.urlopen(urllib.request.Request(a.metrics, method="HEAD"), timeout=5) as r:
        assert r.status == 200 and int(r.headers["Content-Length"]) > 0 and r.read() == b""
    with urllib.request.urlopen(a.metrics + "?x=1", timeout=5) as r:
        assert r.status == 200
    # Garbage on the socket: the connection is dropped, the server keeps serving.
    with socket.create_connection(("127.0.0.1", int(a.metrics.split(":")[2].split("/")[0])), timeout=5) as s:
        s.sendall(b"\x00\xff NOT HTTP\r\n\r\n")
        s.recv(4096)
    assert "saturn_telemetry_accepted_total 0" in scrape(a.metrics)
    assert a.stop() == 0  # SIGTERM: graceful, within the fixture's 10 s


def test_metrics_bind_failure_and_bad_address_are_clear_errors():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([saturn_binary(), "agent", "--telemetry", "tcp://127.0.0.1:*", "--query",
                            "tcp://127.0.0.1:*", "--broadcast", "tcp://127.0.0.1:*", "--metrics", str(port)],
                           capture_output=True, text=True, timeout=20)
    assert r.returncode != 0
    assert f"cannot serve metrics on 127.0.0.1:{port}" in r.stderr and "in use" in r.stderr, r.stderr
    r = subprocess.run([saturn_binary(), "agent", "--metrics", "localhost:99999"], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode != 0 and "metrics must be PORT, HOST:PORT" in r.stderr, r.stderr


def test_alert_rules_pass_promtool_and_their_unit_tests():
    r = subprocess.run([promtool(), "check", "rules", RULES], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "SUCCESS: 4 rules found" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([promtool(), "test", "rules", RULE_TESTS], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_dashboard_is_importable_json_with_a_prometheus_input():
    d = json.load(open(DASHBOARD))
    assert [i["name"] for i in d["__inputs"]] == ["DS_PROMETHEUS"] and d["__inputs"][0]["pluginId"] == "prometheus"
    targets = [t for p in d["panels"] if p["type"] != "row" for t in p["targets"]]
    assert targets and all(t["datasource"]["uid"] == "${DS_PROMETHEUS}" and t["expr"] for t in targets)
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
