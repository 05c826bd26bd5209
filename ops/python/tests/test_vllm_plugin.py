"""The vLLM stat-logger plugin (saturn_client.vllm_plugin) driven through its real code path with stand-ins shaped
like vLLM v1's stats objects (vLLM itself is too large to install here): steps reach a real agent and are counted
there, a full queue drops and counts, missing fields are counted, and close() returns promptly with the agent gone.
"""
import importlib
import os
import time
import tomllib
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from conftest import REPO, wait_for
from saturn_client import Router
from saturn_client import vllm_plugin
from saturn_client.vllm_plugin import SaturnStatLogger

MODEL, HARDWARE = "plugin-model-8b", "plugin-gpu"


from vllm_stand_ins import IterationDetails, SchedulerStats


@dataclass
class OldSchedulerStats:
    """A release before iteration details: no per-iteration fields at all."""
    num_running_reqs: int = 0
    num_waiting_reqs: int = 0
    gpu_cache_usage: float = 0.0


def vllm_config(served_model_name=MODEL, num_gpu_blocks=1000, block_size=16):
    return SimpleNamespace(model_config=SimpleNamespace(served_model_name=served_model_name, model="org/x"),
                           cache_config=SimpleNamespace(num_gpu_blocks=num_gpu_blocks, block_size=block_size))


def environ(endpoint, **extra):
    env = {"SATURN_TELEMETRY_ENDPOINT": endpoint, "SATURN_HARDWARE": HARDWARE}
    env.update(extra)
    return env


def stats(i, ctx_requests=1, ctx_tokens=256, gen_requests=15, gen_tokens=15, elapsed_ms=22.5, usage=0.25):
    return SchedulerStats(num_running_reqs=ctx_requests + gen_requests, kv_cache_usage=usage,
                          iteration_details=IterationDetails(i, ctx_requests, ctx_tokens, gen_requests, gen_tokens,
                                                             elapsed_ms))


def accepted(router):
    return router.health()["telemetry_accepted"]


def wait_plugin_ready(plugin, router, timeout=10.0):
    """Records warm-up iterations one at a time until the agent counts one (PUB/SUB slow joiner), then waits until
    the count is stable; returns (the agent's accepted count, the plugin's sent count) at that point."""
    assert plugin.connected.wait(timeout), "the plugin's sender did not connect to the agent"
    before = accepted(router)
    deadline = time.monotonic() + timeout
    i = 0
    while accepted(router) == before:
        assert time.monotonic() < deadline, "no warm-up step reached the agent"
        plugin.record(stats(10_000 + i), None)
        i += 1
        time.sleep(0.05)
    wait_for(lambda: plugin.stats()["sent"] == plugin.stats()["queued"], 5, message="warm-ups sent")
    time.sleep(0.2)
    return accepted(router), plugin.stats()["sent"]


def test_steps_from_the_plugin_reach_a_real_agent_and_are_counted_there(agents):
    agent = agents("vllm-plugin")
    router = Router(agent.query, timeout_ms=2000)
    plugin = SaturnStatLogger(vllm_config(), engine_index=0, environ=environ(agent.telemetry))
    plugin.log_engine_initialized()
    try:
        base_accepted, base_sent = wait_plugin_ready(plugin, router)
        n = 300
        for i in range(n):
            b = 1 + i % 32
            plugin.record(stats(i, ctx_requests=i % 2, ctx_tokens=(i % 2) * 512, gen_requests=b,
                                gen_tokens=b, elapsed_ms=8.0 + 0.4 * b + 0.01 * (i % 2) * 512),
                          SimpleNamespace(num_generation_tokens=b), mm_cache_stats=None, engine_idx=0)
        wait_for(lambda: accepted(router) >= base_accepted + n, 10, message=f"{n} steps accepted")
        time.sleep(0.2)
        assert accepted(router) == base_accepted + n
        s = plugin.stats()
        assert s["sent"] - base_sent == n and s["dropped_queue_full"] == 0 and s["missing"] == {}, s
        keys = {(k["key"]["model"], k["key"]["hardware"]): k for k in router.health()["keys"]}
        assert (MODEL, HARDWARE) in keys, keys.keys()
        # The agent's worker and key state saw the plugin's steps (nothing was dropped as malformed).
        assert not any(k.startswith("telemetry.") and v for k, v in router.health()["drops"].items()
                       if k != "telemetry.non_positive"), router.health()["drops"]
    finally:
        assert plugin.close(), "close() did not stop the sender"
        router.close()


def test_step_fields_map_to_the_telemetry_message():
    """The queued step carries the split, the wall time and the KV context (usage x blocks x block size)."""
    plugin = SaturnStatLogger(vllm_config(num_gpu_blocks=2000, block_size=16),
                              environ=environ("tcp://127.0.0.1:9", SATURN_CONNECT_TIMEOUT="30"))
    try:
        plugin.record(stats(1, ctx_requests=2, ctx_tokens=700, gen_requests=30, gen_tokens=30, elapsed_ms=41.5,
                            usage=0.5), None)
        (sequence, _, ctx_requests, ctx_tokens, gen_requests, gen_tokens, elapsed_ms, kv) = plugin._queue[0]
        assert (sequence, ctx_requests, ctx_tokens, gen_requests, gen_tokens, elapsed_ms) == (1, 2, 700, 30, 30, 41.5)
        assert kv == 0.5 * 2000 * 16
        # The first call found the KV-cache size through the checked path; the same stats now take the fast path
        # and queue the same step.
        assert plugin._kv_capacity_tokens == 2000 * 16
        plugin.record(stats(1, ctx_requests=2, ctx_tokens=700, gen_requests=30, gen_tokens=30, elapsed_ms=41.5,
                            usage=0.5), None)
        first, second = plugin._queue[0], plugin._queue[1]
        assert second[0] == 2 and first[2:] == second[2:], (first, second)
        assert plugin.stats()["missing"] == {} and plugin.stats()["skipped"] == {}
    finally:
        assert plugin.close()


def test_a_full_queue_drops_and_counts_and_close_returns_promptly_without_an_agent():
    # Nothing listens on the endpoint: the sender waits for a connection that never comes, the queue fills.
    plugin = SaturnStatLogger(vllm_config(), environ=environ("tcp://127.0.0.1:9", SATURN_QUEUE_SIZE="8",
                                                             SATURN_CONNECT_TIMEOUT="30"))
    for i in range(100):
        plugin.record(stats(i), None)
    s = plugin.stats()
    assert s["queued"] == 8 and s["dropped_queue_full"] == 92 and s["recorded"] == 100, s
    assert not s["connected"]
    start = time.monotonic()
    assert plugin.close()
    elapsed = time.monotonic() - start
    assert elapsed < 2.0, f"close() took {elapsed:.2f}s"
    assert plugin.close()  # twice is harmless


def test_close_returns_promptly_after_the_agent_is_gone(agents):
    agent = agents("vllm-plugin-gone")
    router = Router(agent.query, timeout_ms=2000)
    plugin = SaturnStatLogger(vllm_config(), environ=environ(agent.telemetry))
    try:
        wait_plugin_ready(plugin, router)
    finally:
        router.close()
    assert agent.stop() == 0
    for i in range(2000):  # into the void: queued, sent to a dead peer or dropped, never blocking
        plugin.record(stats(i), None)
    start = time.monotonic()
    assert plugin.close()
    elapsed = time.monotonic() - start
    assert elapsed < 2.0, f"close() took {elapsed:.2f}s with the agent gone"


def test_missing_fields_are_counted_and_never_sent(agents):
    agent = agents("vllm-plugin-missing")
    router = Router(agent.query, timeout_ms=2000)
    plugin = SaturnStatLogger(vllm_config(num_gpu_blocks=None), environ=environ(agent.telemetry))
    try:
        base_accepted, base_sent = wait_plugin_ready(plugin, router)
        base = plugin.stats()
        plugin.record(None, None)  # no scheduler stats in this batch of outputs
        plugin.record(OldSchedulerStats(), None)  # a release without iteration details
        plugin.record(SchedulerStats(), None)  # --enable-logging-iteration-details not given
        no_tokens = SimpleNamespace(num_ctx_requests=1, num_generation_requests=3, num_generation_tokens=3,
                                    elapsed_ms=5.0)  # a renamed field
        plugin.record(SimpleNamespace(kv_cache_usage=0.1, iteration_details=no_tokens), None)
        dummy = stats(1)
        dummy.iteration_details.is_dummy = True
        plugin.record(dummy, None)  # data-parallel padding
        plugin.record(stats(2, ctx_requests=0, ctx_tokens=0, gen_requests=0, gen_tokens=0), None)  # idle
        plugin.record(stats(3, elapsed_ms=float("nan")), None)
        plugin.record(stats(4, elapsed_ms="12"), None)
        # Complete steps, but the KV context cannot be known: sent without it.
        no_usage = SimpleNamespace(iteration_details=stats(5).iteration_details)
        plugin.record(no_usage, None)
        plugin.record(stats(6, usage=float("inf")), None)
        plugin.record(stats(7), None)  # num_gpu_blocks unknown (None)
        sent_ok = 3
        wait_for(lambda: accepted(router) >= base_accepted + sent_ok, 10, message="complete steps accepted")
        time.sleep(0.2)
        assert accepted(router) == base_accepted + sent_ok
        s = plugin.stats()
        assert s["sent"] - base_sent == sent_ok, s
        missing = {k: v - base["missing"].get(k, 0) for k, v in s["missing"].items()}
        skipped = {k: v - base["skipped"].get(k, 0) for k, v in s["skipped"].items()}
        assert missing == {"scheduler_stats": 1, "iteration_details": 2, "num_ctx_tokens": 1,
                           "kv_cache_usage": 2, "num_gpu_blocks": 1}, missing
        assert skipped == {"dummy": 1, "idle": 1, "invalid": 2}, skipped
        assert s["recorded"] - base["recorded"] == 11
    finally:
        assert plugin.close()
        router.close()


def test_off_unless_the_endpoint_is_set_and_configuration_errors_name_the_variable():
    off = SaturnStatLogger(vllm_config(), environ={})
    off.record(stats(1), None)
    off.log()
    off.log_engine_initialized()
    assert off.stats()["enabled"] is False and off.stats()["recorded"] == 0
    assert off.close()

    bad = [({"SATURN_TELEMETRY_ENDPOINT": "tcp://127.0.0.1:5555"}, "SATURN_HARDWARE"),
           ({**environ("127.0.0.1:5555")}, "SATURN_TELEMETRY_ENDPOINT"),
           ({**environ("tcp://127.0.0.1:5555"), "SATURN_QUEUE_SIZE": "lots"}, "SATURN_QUEUE_SIZE"),
           ({**environ("tcp://127.0.0.1:5555"), "SATURN_QUEUE_SIZE": "0"}, "SATURN_QUEUE_SIZE"),
           ({**environ("tcp://127.0.0.1:5555"), "SATURN_CONNECT_TIMEOUT": "nan"}, "SATURN_CONNECT_TIMEOUT"),
           ({**environ("tcp://127.0.0.1:5555"), "SATURN_MODEL": "m" * 300}, "SATURN_MODEL")]
    for env, variable in bad:
        with pytest.raises(ValueError, match=variable):
            SaturnStatLogger(vllm_config(), environ=env)
    with pytest.raises(ValueError, match="SATURN_MODEL"):
        SaturnStatLogger(SimpleNamespace(), environ=environ("tcp://127.0.0.1:5555"))

    settings = vllm_plugin.PluginSettings.from_environment(vllm_config(served_model_name=["served-a", "b"]), 3,
                                                          environ("tcp://127.0.0.1:5555"))
    assert settings.model == "served-a" and settings.worker_id.endswith("-engine3")
    assert settings.queue_size == 4096 and settings.connect_timeout == 5.0


def test_registered_under_the_vllm_entry_point_group():
    with open(os.path.join(REPO, "ops", "python", "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    target = project["entry-points"][vllm_plugin.ENTRY_POINT_GROUP]["saturn"]
    module, _, name = target.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert cls is SaturnStatLogger and issubclass(cls, vllm_plugin.StatLoggerBase)
    # vLLM's loader accepts a plugin only if it is a StatLoggerBase subclass with these methods.
    for method in ("record", "log", "log_engine_initialized"):
        assert callable(getattr(cls, method))
