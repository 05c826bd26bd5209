"""Fixtures: start real `saturn agent` processes on loopback and stop them (never leaving one behind)."""
import csv
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import sys

import pytest
import zmq

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Test this repository's client, not a copy installed earlier into site-packages.
sys.path.insert(0, os.path.join(REPO, "ops", "python"))
DATA = os.path.join(REPO, "data")


def data_path(name):
    """`data/<name>` in this repository (the tests read nothing outside it)."""
    path = os.path.join(DATA, name)
    if not os.path.isfile(path):
        pytest.fail(f"data file {path} is missing (it is committed in the repository's data/)")
    return path


def read_rows(name):
    """The rows of `data/<name>` as dicts; fails when the table is empty."""
    with open(data_path(name)) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        pytest.fail(f"data file {data_path(name)} has no rows")
    return rows


def saturn_binary():
    path = os.environ.get("SATURN_BINARY", os.path.join(REPO, ".build", "debug", "saturn"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"saturn executable not found at {path} (build first, or set SATURN_BINARY)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AgentProcess:
    """One `saturn agent` process; endpoints parsed from its readiness line."""

    def __init__(self, node_id, *args, ports=None, config=None):
        self.node_id = node_id
        self.ports = ports
        self.args = list(args)
        self.config = config
        self.process = None
        self.start()

    def start(self):
        if self.ports:
            t, q, b = (f"tcp://127.0.0.1:{p}" for p in self.ports)
        else:
            t = q = b = "tcp://127.0.0.1:*"
        cmd = [saturn_binary(), "agent", "--node-id", self.node_id, "--telemetry", t, "--query", q,
               "--broadcast", b, "--log-level", "info"] + self.args
        if self.config is not None:
            f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            json.dump(self.config, f)
            f.close()
            cmd += ["--config", f.name]
        self.log = tempfile.NamedTemporaryFile("w+", suffix=f"-{self.node_id}.log", delete=False)
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        m = re.search(r"telemetry (\S+) query (\S+) broadcast (\S+)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"agent {self.node_id} did not start: {line!r} {open(self.log.name).read()}")
        self.telemetry, self.query, self.broadcast = m.groups()
        m = re.search(r" metrics (http://\S+)", line)
        self.metrics = m.group(1) if m else None  # the /metrics URL, when started with --metrics
        return self

    def stop(self, timeout=10):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError(f"agent {self.node_id} did not stop within {timeout}s of SIGTERM")
        return self.process.returncode if self.process else None

    @property
    def peer_spec(self):
        return f"{self.broadcast},{self.query}"


@pytest.fixture
def agents():
    started = []

    def make(node_id, *args, **kwargs):
        a = AgentProcess(node_id, *args, **kwargs)
        started.append(a)
        return a

    yield make
    for a in started:
        a.stop()


def wait_for(predicate, timeout, interval=0.02, message="condition"):
    """Polls `predicate` until it returns a true value (returned), failing with `message` at the deadline."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last value: {value!r})")


def wait_subscribed(xpub, timeout=5.0, what="a subscriber"):
    """Readiness of an XPUB: returns once a subscription message has arrived, so that what is sent afterwards
    reaches that subscriber (no slow-joiner loss)."""
    if not xpub.poll(int(timeout * 1000)):
        raise AssertionError(f"no subscription from {what} within {timeout}s")
    message = xpub.recv()
    assert message[:1] == b"\x01", f"unexpected XPUB message {message!r}"
    return message[1:]


def telemetry_publisher(endpoint, timeout=5.0, send_hwm=1000):
    """An XPUB connected to an agent's telemetry SUB, returned once the agent's subscription has arrived."""
    sock = zmq.Context.instance().socket(zmq.XPUB)
    sock.setsockopt(zmq.LINGER, 2000)
    sock.setsockopt(zmq.SNDHWM, send_hwm)
    sock.connect(endpoint)
    try:
        wait_subscribed(sock, timeout, f"the agent's telemetry socket at {endpoint}")
    except AssertionError:
        sock.close(0)
        raise
    return sock


def wait_worker_ready(worker, router, timeout=10.0):
    """Readiness of a saturn_client.Worker's PUB: publishes probe steps with batch_size 0 (dropped as
    telemetry.non_positive before any worker or key state is touched) until the agent has counted one. Only that
    drop counter moves; the worker's sequence numbers advance."""
    def non_positive():
        return router.health()["drops"].get("telemetry.non_positive", 0)

    before = non_positive()

    def probe_counted():
        worker.publish_step(0, 1, 1.0)
        return non_positive() > before

    wait_for(probe_counted, timeout, interval=0.05,
             message=f"the agent to receive worker {worker.worker_id}'s steps (subscription not established)")
