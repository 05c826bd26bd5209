"""vLLM v1 stat-logger plugin: one ``StepTelemetry`` per engine iteration, published to a Saturn agent.

Enable it on a vLLM server (the package registers it under the entry-point group ``vllm.stat_logger_plugins``)::

    pip install ./ops/python                      # in vLLM's environment
    export SATURN_TELEMETRY_ENDPOINT=tcp://127.0.0.1:5555 SATURN_HARDWARE=h100-80gb
    vllm serve MODEL --enable-logging-iteration-details

Environment variables (read once, when vLLM creates the logger; an invalid value raises ``ValueError`` naming the
variable, so a misconfigured server fails at start-up instead of publishing nothing):

``SATURN_TELEMETRY_ENDPOINT``
    The agent's telemetry endpoint (``tcp://HOST:PORT``; the agent's default is ``tcp://127.0.0.1:5555``).
    **Unset: the plugin is off** (``record()`` returns at once), so installing the package next to vLLM changes
    nothing until this is set.
``SATURN_HARDWARE``
    The hardware half of the model key, e.g. ``h100-80gb-tp4``. Required when the plugin is on.
``SATURN_MODEL``
    The model half of the key. Default: vLLM's ``served_model_name`` (else ``model``).
``SATURN_WORKER_ID``
    Default ``<hostname>-<pid>-engine<index>`` (one worker per engine: data-parallel engines are separate workers).
``SATURN_QUEUE_SIZE``
    Steps waiting for the sender thread before new ones are dropped and counted (default 4096, 1...1,000,000).
``SATURN_CONNECT_TIMEOUT``
    Seconds the sender waits for the agent's subscription before publishing anyway (default 5; steps recorded
    meanwhile wait in the queue).

Where the numbers come from (vLLM's stats are not a stable interface; every field is read defensively, and what
is missing is counted in :meth:`SaturnStatLogger.stats`, never raised):

- ``vllm/v1/metrics/loggers.py``: ``StatLoggerBase.__init__(vllm_config, engine_index=0)``,
  ``record(scheduler_stats, iteration_stats, mm_cache_stats=None, engine_idx=0)`` (older releases:
  ``record(scheduler_stats, iteration_stats, engine_idx=0)``; both are accepted), ``log()``,
  ``log_engine_initialized()``; ``load_stat_logger_plugin_factories()`` loads the entry-point group
  ``vllm.stat_logger_plugins`` (``vllm/plugins/__init__.py``, ``STAT_LOGGER_PLUGINS_GROUP``) and requires a
  ``StatLoggerBase`` subclass. ``record()`` runs in the API-server process, once per batch of engine-core outputs.
- ``vllm/v1/metrics/stats.py``: ``SchedulerStats.iteration_details`` (a ``SchedulerIterationDetails``:
  ``num_ctx_requests``, ``num_ctx_tokens``, ``num_generation_requests``, ``num_generation_tokens``,
  ``elapsed_ms``, ``is_dummy``), filled by ``vllm/v1/engine/core.py`` only with
  ``--enable-logging-iteration-details`` (vllm-project/vllm pull request 46647 moved it from a log line in
  ``EngineCore`` into ``SchedulerStats``); ``SchedulerStats.kv_cache_usage`` (a fraction; ``gpu_cache_usage`` in
  older releases). ``vllm/config/cache.py``: ``CacheConfig.num_gpu_blocks`` and ``block_size``.

The step: B = ``num_ctx_requests + num_generation_requests``, S = ``num_ctx_tokens + num_generation_tokens``
(prefill: the context side, decode: the generation side), latency = ``elapsed_ms`` (vLLM times the wait for the
model's output, so scheduling before it is not included), KV context = ``kv_cache_usage x num_gpu_blocks x
block_size`` (tokens held in the KV cache after the step's scheduling: an approximation at block granularity,
left unset when either number is unknown). Dummy iterations (data-parallel padding) and iterations with no
request or no token are skipped and counted, never sent.

Threading: ``record()`` only reads the fields and appends a tuple to a bounded deque (no encoding, no socket);
a background thread owns the PUB socket (:class:`saturn_client.Worker`, so the encoding is the client's),
builds the messages and sends without blocking. A full queue drops the new step and counts it. While steps flow
the sender publishes what has been queued every ``flush_seconds`` (50 ms); after ``idle_seconds`` (2 s) without a
step it sleeps until the next step wakes it, so ``record()`` pays for a wake-up only on the first step after a
pause, never per step.
:meth:`SaturnStatLogger.close` (also registered with ``atexit``) drains for at most ``drain_seconds``, closes
the socket with a bounded linger and terminates the plugin's own ZeroMQ context: it returns promptly even when
the agent is gone.
"""
from __future__ import annotations

import atexit
import collections
import logging
import math
import os
import socket
import threading
import time
from typing import Any, Dict, Optional

import zmq

from .client import Worker

logger = logging.getLogger("saturn_client.vllm_plugin")

ENDPOINT_VARIABLE = "SATURN_TELEMETRY_ENDPOINT"
ENTRY_POINT_GROUP = "vllm.stat_logger_plugins"

try:  # vLLM v1 (the class vLLM's plugin loader checks plugins against)
    from vllm.v1.metrics.loggers import StatLoggerBase
    VLLM_AVAILABLE = True
except Exception:  # vLLM is not installed (tests, benchmarks), or its module moved
    VLLM_AVAILABLE = False

    class StatLoggerBase:  # type: ignore[no-redef]
        """Local stand-in with the interface of vLLM v1's ``StatLoggerBase`` (``vllm/v1/metrics/loggers.py``),
        used only when vLLM cannot be imported, so the plugin can be tested without vLLM."""

        def __init__(self, vllm_config: Any, engine_index: int = 0):
            pass

        def record(self, scheduler_stats, iteration_stats, mm_cache_stats=None, engine_idx: int = 0):
            raise NotImplementedError

        def log_engine_initialized(self):
            raise NotImplementedError

        def log(self):
            pass

        def record_sleep_state(self, is_awake: int, level: int):
            pass


#: The fields of ``SchedulerIterationDetails`` a step needs, in the order they are queued.
DETAIL_FIELDS = ("num_ctx_requests", "num_ctx_tokens", "num_generation_requests", "num_generation_tokens",
                 "elapsed_ms")


class PluginSettings:
    """The plugin's configuration, from the environment (see the module docstring)."""

    def __init__(self, endpoint: str, model: str, hardware: str, worker_id: str, queue_size: int,
                 connect_timeout: float):
        self.endpoint, self.model, self.hardware, self.worker_id = endpoint, model, hardware, worker_id
        self.queue_size, self.connect_timeout = queue_size, connect_timeout

    @classmethod
    def from_environment(cls, vllm_config: Any, engine_index: int,
                         environ: Optional[Dict[str, str]] = None) -> Optional["PluginSettings"]:
        """The settings, or None when ``SATURN_TELEMETRY_ENDPOINT`` is unset (plugin off).

        Raises ValueError naming the variable when a value is missing or invalid."""
        env = os.environ if environ is None else environ
        endpoint = env.get(ENDPOINT_VARIABLE, "").strip()
        if not endpoint:
            return None
        if "://" not in endpoint:
            raise ValueError(f"{ENDPOINT_VARIABLE}={endpoint!r} must look like tcp://HOST:PORT (or ipc://PATH)")
        hardware = env.get("SATURN_HARDWARE", "").strip()
        if not hardware:
            raise ValueError(f"SATURN_HARDWARE must be set (e.g. h100-80gb-tp4) when {ENDPOINT_VARIABLE} is set")
        model = env.get("SATURN_MODEL", "").strip() or _served_model_name(vllm_config)
        if not model:
            raise ValueError("SATURN_MODEL must be set: vLLM's configuration has no served_model_name or model")
        worker_id = env.get("SATURN_WORKER_ID", "").strip() or \
            f"{socket.gethostname()}-{os.getpid()}-engine{engine_index}"
        for name, value in (("SATURN_HARDWARE", hardware), ("SATURN_MODEL", model), ("SATURN_WORKER_ID", worker_id)):
            if len(value.encode()) > 256:
                raise ValueError(f"{name} is longer than 256 bytes")
        queue_size = _number(env, "SATURN_QUEUE_SIZE", 4096, int, 1, 1_000_000)
        connect_timeout = _number(env, "SATURN_CONNECT_TIMEOUT", 5.0, float, 0.0, 3600.0)
        return cls(endpoint, model, hardware, worker_id, queue_size, connect_timeout)


def _number(env, name, default, kind, low, high):
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a{'n integer' if kind is int else ' number'}") from None
    if not (low <= value <= high):  # also rejects NaN
        raise ValueError(f"{name}={text!r} must be in {low}...{high}")
    return value


def _served_model_name(vllm_config: Any) -> str:
    model_config = getattr(vllm_config, "model_config", None)
    name = getattr(model_config, "served_model_name", None)
    if isinstance(name, (list, tuple)):
        name = name[0] if name else None
    if not name:
        name = getattr(model_config, "model", None)
    return str(name) if name else ""


class SaturnStatLogger(StatLoggerBase):
    """A vLLM stat logger publishing one ``StepTelemetry`` per engine iteration to a Saturn agent.

    Off (every method a no-op) unless ``SATURN_TELEMETRY_ENDPOINT`` is set. :meth:`stats` returns the counters:
    ``recorded`` (``record()`` calls), ``queued``, ``dropped_queue_full``, ``skipped`` (by reason: ``dummy``,
    ``idle``, ``invalid``), ``missing`` (by field name: ``scheduler_stats``, ``iteration_details``, a detail
    field, ``kv_cache_usage`` (absent or not a fraction), ``num_gpu_blocks``; the last two still send the step,
    without its KV context), ``sent``, ``dropped_send_queue_full`` (ZeroMQ's high-water mark), ``pending``,
    ``connected``.
    """

    #: Seconds :meth:`close` lets the sender drain the queue, and the ZeroMQ linger after it.
    drain_seconds = 0.5
    linger_ms = 200
    #: While steps are flowing the sender publishes in batches this far apart (so record() need not wake it) ...
    flush_seconds = 0.05
    #: ... until no step has come for this long: then it sleeps until record() wakes it.
    idle_seconds = 2.0

    def __init__(self, vllm_config: Any, engine_index: int = 0, *, environ: Optional[Dict[str, str]] = None):
        self.vllm_config = vllm_config
        self.engine_index = engine_index
        self.settings = PluginSettings.from_environment(vllm_config, engine_index, environ)
        self.enabled = self.settings is not None
        # Written only by the thread vLLM calls record() on.
        self.recorded = 0
        self.dropped_queue_full = 0
        self.skipped: Dict[str, int] = collections.Counter()
        self.missing: Dict[str, int] = collections.Counter()
        self._sequence = 0
        self._kv_capacity_tokens: Optional[int] = None
        # Written by the sender thread only.
        self.sent = 0
        self.sender_skipped_invalid = 0
        self._worker_drops = 0
        #: CPU time the sender thread used, set when it stops (benchmarks: the sender's cost per step).
        self.sender_cpu_seconds: Optional[float] = None
        self.connected = threading.Event()
        self._reported_drops = 0
        if not self.enabled:
            logger.info("Saturn stat logger off: %s is not set", ENDPOINT_VARIABLE)
            return
        self._queue: collections.deque = collections.deque()
        self._capacity = self.settings.queue_size
        self._wake = threading.Event()
        self._sender_waiting = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run_sender, name=f"saturn-telemetry-{engine_index}",
                                        daemon=True)
        self._thread.start()
        atexit.register(self.close)
        logger.info("Saturn stat logger: engine %d publishes %s/%s as %s to %s", engine_index, self.settings.model,
                    self.settings.hardware, self.settings.worker_id, self.settings.endpoint)

    # --- the engine's side ----------------------------------------------------------------------------------------

    def record(self, scheduler_stats, iteration_stats=None, mm_cache_stats=None, engine_idx: int = 0, *args,
               **kwargs):
        """Queues the iteration's step (never blocks, never raises on missing fields)."""
        if not self.enabled:
            return
        self.recorded += 1
        # Fast path: every field present and plausible. Anything else (an attribute missing, a wrong type, a value
        # out of range, a dummy or idle iteration) goes through the checked path, which counts it.
        try:
            d = scheduler_stats.iteration_details
            ctx_requests, ctx_tokens = d.num_ctx_requests, d.num_ctx_tokens
            gen_requests, gen_tokens = d.num_generation_requests, d.num_generation_tokens
            elapsed_ms, usage, capacity = d.elapsed_ms, scheduler_stats.kv_cache_usage, self._kv_capacity_tokens
            fast = (ctx_requests + gen_requests > 0 and ctx_tokens + gen_tokens > 0 and 0.0 < elapsed_ms < math.inf
                    and 0.0 <= usage <= 1.0 and capacity is not None and not d.is_dummy)
        except (AttributeError, TypeError):
            fast = False
        if not fast:
            self._record_checked(scheduler_stats)
            return
        self._sequence += 1
        if len(self._queue) >= self._capacity:
            self.dropped_queue_full += 1
            return
        self._queue.append((self._sequence, time.time_ns(), ctx_requests, ctx_tokens, gen_requests, gen_tokens,
                            elapsed_ms, usage * capacity))
        if self._sender_waiting:
            self._wake.set()

    def _record_checked(self, scheduler_stats) -> None:
        """record() for stats that are not complete and plausible: reads every field defensively and counts what
        is missing or skipped; a step with everything but its KV context is still queued (without it)."""
        if scheduler_stats is None:
            self.missing["scheduler_stats"] += 1
            return
        details = getattr(scheduler_stats, "iteration_details", None)
        if details is None:
            self.missing["iteration_details"] += 1
            return
        if getattr(details, "is_dummy", False):
            self.skipped["dummy"] += 1
            return
        values = []
        for name in DETAIL_FIELDS:
            v = getattr(details, name, None)
            if v is None:
                self.missing[name] += 1
                return
            values.append(v)
        ctx_requests, ctx_tokens, gen_requests, gen_tokens, elapsed_ms = values
        try:
            if ctx_requests + gen_requests <= 0 or ctx_tokens + gen_tokens <= 0:
                self.skipped["idle"] += 1
                return
            if not (elapsed_ms > 0 and math.isfinite(elapsed_ms)):
                self.skipped["invalid"] += 1
                return
        except TypeError:  # not numbers
            self.skipped["invalid"] += 1
            return
        kv_tokens = None
        usage = getattr(scheduler_stats, "kv_cache_usage", None)
        if usage is None:
            usage = getattr(scheduler_stats, "gpu_cache_usage", None)
        if type(usage) not in (float, int) or not (0.0 <= usage <= 1.0):
            self.missing["kv_cache_usage"] += 1  # absent, or not a fraction
        else:
            capacity = self._kv_capacity_tokens or self._kv_capacity()
            if capacity:
                kv_tokens = usage * capacity
            else:
                self.missing["num_gpu_blocks"] += 1
        self._sequence += 1
        if len(self._queue) >= self._capacity:
            self.dropped_queue_full += 1
            return
        self._queue.append((self._sequence, time.time_ns(), ctx_requests, ctx_tokens, gen_requests, gen_tokens,
                            elapsed_ms, kv_tokens))
        if self._sender_waiting:
            self._wake.set()

    def _kv_capacity(self) -> Optional[int]:
        """KV-cache capacity in tokens (``num_gpu_blocks x block_size``), cached once known."""
        cache_config = getattr(self.vllm_config, "cache_config", None)
        blocks = getattr(cache_config, "num_gpu_blocks", None)
        block_size = getattr(cache_config, "block_size", None)
        if isinstance(blocks, int) and isinstance(block_size, int) and blocks > 0 and block_size > 0:
            self._kv_capacity_tokens = blocks * block_size
        return self._kv_capacity_tokens

    def log_engine_initialized(self):
        if self.enabled and self._kv_capacity() is None:
            logger.info("Saturn stat logger: KV-cache size unknown, steps carry no KV context")

    def log(self):
        """Called by vLLM every few seconds: warns when steps were dropped since the last call."""
        if not self.enabled:
            return
        drops = self.dropped_queue_full + self._worker_drops
        if drops > self._reported_drops:
            logger.warning("Saturn stat logger: %d steps dropped so far (%s)", drops, self.stats())
            self._reported_drops = drops

    def stats(self) -> Dict[str, Any]:
        """The counters (see the class documentation)."""
        skipped = dict(self.skipped)
        if self.sender_skipped_invalid:
            skipped["invalid"] = skipped.get("invalid", 0) + self.sender_skipped_invalid
        return {"enabled": self.enabled, "recorded": self.recorded,
                "queued": self._sequence - self.dropped_queue_full if self.enabled else 0,
                "dropped_queue_full": self.dropped_queue_full, "skipped": skipped, "missing": dict(self.missing),
                "sent": self.sent, "dropped_send_queue_full": self._worker_drops,
                "pending": len(self._queue) if self.enabled else 0, "connected": self.connected.is_set()}

    def close(self, timeout: Optional[float] = None) -> bool:
        """Stops the sender: drains what is queued for at most ``drain_seconds``, then closes the socket (linger
        ``linger_ms``) and the plugin's ZeroMQ context. Returns whether the sender had stopped within ``timeout``
        (default: drain + linger + 1 s). Safe to call twice; never hangs."""
        if not self.enabled:
            return True
        self._stopping = True
        self._wake.set()
        self._thread.join(self.drain_seconds + self.linger_ms / 1000 + 1.0 if timeout is None else timeout)
        try:
            atexit.unregister(self.close)
        except Exception:
            pass
        return not self._thread.is_alive()

    # --- the sender thread (owns the socket and its context) -----------------------------------------------------

    def _run_sender(self):
        s = self.settings
        cpu_start = time.thread_time()
        context = zmq.Context()
        worker = None
        try:
            worker = Worker(s.endpoint, worker_id=s.worker_id, model=s.model, hardware=s.hardware, context=context,
                            send_hwm=max(1000, s.queue_size), linger_ms=self.linger_ms)
            deadline = time.monotonic() + s.connect_timeout
            while not self._stopping and time.monotonic() < deadline:
                if worker.wait_connected(timeout=min(0.1, max(0.0, deadline - time.monotonic()))):
                    self.connected.set()
                    break
            drain_deadline = None
            last_step = time.monotonic()
            while True:
                published = 0
                while self._queue:
                    if drain_deadline is not None and time.monotonic() > drain_deadline:
                        break
                    self._publish(worker, self._queue.popleft())
                    published += 1
                    if published % 32 == 0:
                        time.sleep(0)  # a long backlog: let the engine's thread have the GIL between slices
                if self._stopping:
                    if drain_deadline is None:
                        drain_deadline = time.monotonic() + self.drain_seconds
                        continue
                    break
                now = time.monotonic()
                if published:
                    last_step = now
                if now - last_step < self.idle_seconds:
                    # Steps are flowing: collect the next ones for flush_seconds without being woken per step
                    # (a wake-up per step is what record() would pay for; only close() sets the event here).
                    self._wake.wait(self.flush_seconds)
                else:
                    # Idle: sleep until record() queues a step. record() appends, then reads the flag; this thread
                    # sets the flag, then reads the queue: one of the two always sees the other (the timeout is a
                    # backstop, not the mechanism).
                    self._sender_waiting = True
                    if not self._queue:
                        self._wake.wait(1.0)
                    self._sender_waiting = False
                self._wake.clear()
        except Exception:
            logger.exception("Saturn stat logger: sender thread failed; steps are no longer published")
        finally:
            if worker is not None:
                self._worker_drops = worker.send_drops
                worker.close()
            context.term()  # bounded by the socket's linger
            self.sender_cpu_seconds = time.thread_time() - cpu_start

    def _publish(self, worker: Worker, item) -> None:
        sequence, timestamp_ns, ctx_requests, ctx_tokens, gen_requests, gen_tokens, elapsed_ms, kv_tokens = item
        try:
            worker.publish_step(
                int(ctx_requests) + int(gen_requests), int(ctx_tokens) + int(gen_tokens), float(elapsed_ms),
                timestamp_ns=timestamp_ns, prefill_tokens=int(ctx_tokens), decode_tokens=int(gen_tokens),
                prefill_requests=int(ctx_requests), decode_requests=int(gen_requests),
                kv_context_tokens=None if kv_tokens is None else round(kv_tokens), sequence=sequence)
        except (TypeError, ValueError, OverflowError):  # a field of the wrong type or range: never sent
            self.sender_skipped_invalid += 1
            return
        self.sent += 1
        self._worker_drops = worker.send_drops
