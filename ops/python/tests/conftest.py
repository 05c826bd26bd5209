"""Fixtures: start real `saturn agent` processes on loopback and stop them (never leaving one behind)."""
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SHARED = os.environ.get("SATURN_SHARED", os.path.join(os.path.dirname(REPO), "shared"))


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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
