"""Worker publisher, router query client and peer subscriber for the Saturn agent."""
from __future__ import annotations

import itertools
import os
import stat
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional

import zmq

from . import saturn_pb2 as pb

PROTOCOL_VERSION = 1
STEP_TOPIC = b"step"
PARAMS_TOPIC = b"params"

#: Error code number -> name (from saturn.v1.ErrorCode), plus -1 for a client-side timeout.
ERROR_CODES = {v.number: v.name.replace("ERROR_CODE_", "").lower() for v in pb.ErrorCode.DESCRIPTOR.values}
ERROR_CODES[-1] = "timeout"


class SaturnError(Exception):
    """An error reply from the agent (or a timeout): ``code`` is the numeric saturn.v1.ErrorCode."""

    def __init__(self, code: int, message: str):
        super().__init__(f"{ERROR_CODES.get(code, code)}: {message}")
        self.code = code
        self.code_name = ERROR_CODES.get(code, str(code))
        self.message = message


class SaturnTimeout(SaturnError):
    """No reply within the timeout (code -1). The client stays usable."""

    def __init__(self, message: str):
        super().__init__(-1, message)


def _to_dict(message) -> Dict[str, Any]:
    """A message as plain Python values: ints stay ints (MessageToDict turns 64-bit ints into strings), enums
    become their names, every field is present (defaults included), maps become dicts."""
    out: Dict[str, Any] = {}
    for f in message.DESCRIPTOR.fields:
        value = getattr(message, f.name)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            vf = f.message_type.fields_by_name["value"]
            out[f.name] = {k: (_to_dict(v) if vf.message_type else v) for k, v in value.items()}
        elif _is_repeated(f):
            out[f.name] = [_to_dict(v) if f.message_type else _scalar(f, v) for v in value]
        elif f.message_type is not None:
            out[f.name] = _to_dict(value)
        elif f.containing_oneof is not None and not message.HasField(f.name):
            out[f.name] = None  # a proto3 `optional` field that is not set
        else:
            out[f.name] = _scalar(f, value)
    return out


def _is_repeated(f) -> bool:
    is_repeated = getattr(f, "is_repeated", None)
    return is_repeated if isinstance(is_repeated, bool) else f.label == f.LABEL_REPEATED


def _scalar(f, value):
    if f.enum_type is not None:
        return f.enum_type.values_by_number[value].name if value in f.enum_type.values_by_number else value
    return value


def _read_key_file(path: str, secret: bool) -> Dict[str, bytes]:
    """The ``name = "Z85"`` lines of a ``saturn keygen`` key file (czmq zcert layout): ``public-key`` and, for a
    secret key file, ``secret-key``. A secret key file with permissions wider than 0600 is refused."""
    with open(path, "rb") as f:
        if secret:
            mode = stat.S_IMODE(os.fstat(f.fileno()).st_mode)
            if mode & 0o177:
                raise PermissionError(f"{path}: secret key file has mode {mode:04o}, wider than 0600 "
                                      f"(chmod 600 {path})")
        text = f.read(65_537)
    if len(text) > 65_536:
        raise ValueError(f"{path}: larger than 64 KiB, not a key file")
    keys: Dict[str, bytes] = {}
    for raw in text.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("#") or "=" not in line:
            continue
        name, value = (part.strip() for part in line.split("=", 1))
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name in ("public-key", "secret-key"):
            if len(value) != 40:
                raise ValueError(f"{path}: {name} is not a 40-character Z85 key")
            keys[name] = value.encode("ascii")
    if "public-key" not in keys:
        raise ValueError(f"{path}: no public-key line")
    if secret and "secret-key" not in keys:
        raise ValueError(f"{path}: no secret-key line (is this a .pub file?)")
    return keys


@dataclass(frozen=True)
class CurveCredentials:
    """What a client needs to reach an agent with CURVE on: the agent's public key (``server_key``) and the
    client's own pair, whose public key must be in the agent's allow directory for the client's role
    (``workers/``, ``routers/`` or ``peers/``). Keys are 40-character Z85 ``bytes``.

        creds = CurveCredentials.from_files("agent.pub", "router-1.key")
        router = Router("tcp://10.0.0.7:5556", curve=creds)
    """
    server_key: bytes
    public_key: bytes
    secret_key: bytes

    @classmethod
    def from_files(cls, server_key_file: str, secret_key_file: str) -> "CurveCredentials":
        """Reads the agent's ``.pub`` and this client's ``.key`` (``saturn keygen`` files). Raises
        ``PermissionError`` for a secret key file wider than 0600 and ``ValueError`` for a malformed file or a
        public key that does not match the secret one."""
        server = _read_key_file(server_key_file, secret=False)
        own = _read_key_file(secret_key_file, secret=True)
        if zmq.curve_public(own["secret-key"]) != own["public-key"]:
            raise ValueError(f"{secret_key_file}: public-key does not match secret-key")
        return cls(server["public-key"], own["public-key"], own["secret-key"])

    def apply(self, socket: zmq.Socket) -> None:
        """Makes ``socket`` a CURVE client of the agent (call before ``connect``)."""
        if not zmq.has("curve"):
            raise RuntimeError("this libzmq has no CURVE (zmq.has('curve') is False)")
        socket.curve_serverkey = self.server_key
        socket.curve_publickey = self.public_key
        socket.curve_secretkey = self.secret_key


PARAMETER_NAMES = ["p_max", "k_b", "k_s", "w_0", "w_1", "tau_0", "tau_b", "tau_s"]


@dataclass
class Prediction:
    """A predict answer: latency in ms, the parameter version and where the parameters came from."""
    latency_ms: float
    version: int
    source: str
    recent_mean_relative_error: float
    recent_observations: int
    origin_node: str
    parameters: Dict[str, float] = field(default_factory=dict)
    family: str = "base"
    """The installed set's model family: "base", "kv" (+ tau_K K) or "kvq" (+ tau_K K + tau_Q Q)."""
    term_coefficients: List[float] = field(default_factory=list)
    """tau_K (and tau_Q) of a richer family, in ms per token (per token squared); empty for base."""


class Worker:
    """Publishes one StepTelemetry message per engine step (what a vLLM worker calls after every step).

    ZeroMQ PUB/SUB drops what is published before the agent's subscription arrives ("slow joiner"): call
    ``wait_connected()`` once after creating the worker. Messages queue up to ``send_hwm`` and are then dropped
    by ZeroMQ without blocking the engine. ``curve``: the :class:`CurveCredentials` for an agent with CURVE on
    (this worker's key in the agent's ``workers/``).
    """

    def __init__(self, endpoint: str = "tcp://127.0.0.1:5555", worker_id: str = "worker", model: str = "",
                 hardware: str = "", *, context: Optional[zmq.Context] = None, send_hwm: int = 100_000,
                 linger_ms: int = 1000, curve: Optional[CurveCredentials] = None):
        if not worker_id or not model or not hardware:
            raise ValueError("worker_id, model and hardware must be non-empty")
        self._context = context or zmq.Context.instance()
        self._socket = self._context.socket(zmq.PUB)
        self._socket.setsockopt(zmq.SNDHWM, send_hwm)
        self._socket.setsockopt(zmq.LINGER, linger_ms)
        self._monitor = self._socket.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
        if curve is not None:
            curve.apply(self._socket)
        self._socket.connect(endpoint)
        self.worker_id, self.model, self.hardware = worker_id, model, hardware
        self._sequence = itertools.count(1)
        #: Steps ZeroMQ refused because the send queue was at ``send_hwm`` (dropped, never blocking).
        self.send_drops = 0

    def wait_connected(self, timeout: float = 5.0, settle: float = 0.2) -> bool:
        """Waits for the connection handshake, then ``settle`` seconds for the subscription to arrive."""
        if self._monitor.poll(int(timeout * 1000)):
            self._monitor.recv_multipart()
            time.sleep(settle)
            return True
        return False

    def publish_step(self, batch_size: int, tokens: int, latency_ms: float, *, timestamp_ns: Optional[int] = None,
                     prefill_tokens: Optional[int] = None, decode_tokens: Optional[int] = None,
                     prefill_requests: Optional[int] = None, decode_requests: Optional[int] = None,
                     kv_context_tokens: Optional[int] = None, prefill_attention_tokens: Optional[int] = None,
                     sequence: Optional[int] = None) -> int:
        """Publishes one step; returns its sequence number. Never blocks.

        kv_context_tokens is K, the KV-context tokens attention reads in the step; prefill_attention_tokens is Q,
        the sum over the step's prefill chunks of chunk length squared (at most tokens squared). The agent's kv and
        kvq model families use them; steps without them are fitted by the base model."""
        m = pb.StepTelemetry(protocol_version=PROTOCOL_VERSION, worker_id=self.worker_id, model=self.model,
                             hardware=self.hardware, batch_size=int(batch_size), tokens=int(tokens),
                             latency_ms=float(latency_ms),
                             timestamp_ns=time.time_ns() if timestamp_ns is None else int(timestamp_ns),
                             sequence=next(self._sequence) if sequence is None else int(sequence))
        for name, value in (("prefill_tokens", prefill_tokens), ("decode_tokens", decode_tokens),
                            ("prefill_requests", prefill_requests), ("decode_requests", decode_requests),
                            ("kv_context_tokens", kv_context_tokens),
                            ("prefill_attention_tokens", prefill_attention_tokens)):
            if value is not None:
                setattr(m, name, int(value))
        try:
            self._socket.send_multipart([STEP_TOPIC, m.SerializeToString()], flags=zmq.NOBLOCK)
        except zmq.Again:
            self.send_drops += 1  # queue full: dropped, as PUB does
        return m.sequence

    def close(self) -> None:
        self._monitor.close(0)
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _margin(safety_margin, margin_multiplier: float) -> Optional["pb.SafetyMargin"]:
    """``safety_margin``: a fraction in [0, 1), or ``"auto"`` (derived from the key's recent p95 relative error
    e as k*e/(1+k*e), k = ``margin_multiplier``), or None (the request's default)."""
    if safety_margin is None:
        return None
    if safety_margin == "auto":
        return pb.SafetyMargin(auto_safety_margin=True, margin_multiplier=float(margin_multiplier))
    return pb.SafetyMargin(safety_margin=float(safety_margin))


def _columns(waiting) -> Dict[str, list]:
    """Waiting requests as the wire's columns. Each request is a dict with ``id``, ``tokens`` and optionally
    ``priority`` (lower goes first; default 0), or a tuple ``(id, priority, tokens)``."""
    ids, priorities, tokens = [], [], []
    for w in waiting:
        if isinstance(w, dict):
            ids.append(int(w["id"]))
            priorities.append(float(w.get("priority", 0.0)))
            tokens.append(float(w["tokens"]))
        else:
            i, p, t = w
            ids.append(int(i))
            priorities.append(float(p))
            tokens.append(float(t))
    if all(p == 0.0 for p in priorities):
        priorities = []
    return {"ids": ids, "priorities": priorities, "tokens": tokens}


class Router:
    """Query client (what a router calls): predict, the decisions (SLA inverse, capacity, admission, allocation,
    plan), parameters snapshot, health, update history.

    Every decision returns a dict of the reply's fields, with ``basis`` holding the parameter version, source,
    parameters and the key's recent accuracy; optional fields that are not set are None.

    Uses a REQ socket with REQ_RELAXED/REQ_CORRELATE so that a timed-out request does not wedge the next one.
    Raises :class:`SaturnError` on an error reply and :class:`SaturnTimeout` when no reply comes in time.
    ``curve``: the :class:`CurveCredentials` for an agent with CURVE on (this router's key in the agent's
    ``routers/``); a refused router gets no reply, only timeouts.
    """

    def __init__(self, endpoint: str = "tcp://127.0.0.1:5556", timeout_ms: int = 1000, *,
                 context: Optional[zmq.Context] = None, curve: Optional[CurveCredentials] = None):
        self._context = context or zmq.Context.instance()
        self._socket = self._context.socket(zmq.REQ)
        self._socket.setsockopt(zmq.REQ_RELAXED, 1)
        self._socket.setsockopt(zmq.REQ_CORRELATE, 1)
        self._socket.setsockopt(zmq.LINGER, 0)
        if curve is not None:
            curve.apply(self._socket)
        self._socket.connect(endpoint)
        self.timeout_ms = timeout_ms
        self._ids = itertools.count(1)

    def _call(self, **body) -> pb.Reply:
        request = pb.Request(protocol_version=PROTOCOL_VERSION, request_id=next(self._ids), **body)
        # With no connection (e.g. refused by a CURVE agent) a REQ send would block: bound it by the timeout too.
        if not self._socket.poll(self.timeout_ms, zmq.POLLOUT):
            raise SaturnTimeout(f"no connection to send on within {self.timeout_ms} ms")
        self._socket.send(request.SerializeToString())
        if not self._socket.poll(self.timeout_ms):
            raise SaturnTimeout(f"no reply within {self.timeout_ms} ms")
        reply = pb.Reply()
        reply.ParseFromString(self._socket.recv())
        if reply.WhichOneof("body") == "error":
            raise SaturnError(reply.error.code, reply.error.message)
        if reply.request_id != request.request_id:
            raise SaturnError(pb.ERROR_CODE_INTERNAL, "reply does not match the request id")
        return reply

    def predict(self, model: str, hardware: str, batch_size: float, tokens: float, *,
                kv_context_tokens: Optional[float] = None,
                prefill_attention_tokens: Optional[float] = None) -> Prediction:
        """The step latency of batch_size requests and tokens tokens. K and Q of the step may be given; the agent
        assumes its set's term defaults (K per request, Q per token of the key's recent steps) for those not given."""
        request = pb.PredictRequest(model=model, hardware=hardware, batch_size=float(batch_size), tokens=float(tokens))
        if kv_context_tokens is not None:
            request.kv_context_tokens = float(kv_context_tokens)
        if prefill_attention_tokens is not None:
            request.prefill_attention_tokens = float(prefill_attention_tokens)
        r = self._call(predict=request).predict
        return Prediction(latency_ms=r.latency_ms, version=r.version,
                          source=pb.ParameterSource.Name(r.source).replace("PARAMETER_SOURCE_", "").lower(),
                          recent_mean_relative_error=r.recent_mean_relative_error,
                          recent_observations=r.recent_observations, origin_node=r.origin_node,
                          parameters={n: getattr(r.parameters, n) for n in PARAMETER_NAMES},
                          family=r.family or "base", term_coefficients=list(r.term_coefficients))

    def parameters(self) -> Dict[str, Any]:
        """Every key's current parameters, versions and provenance (the late-joiner snapshot)."""
        return _to_dict(self._call(parameters=pb.ParametersRequest()).parameters)

    def health(self) -> Dict[str, Any]:
        """Counters (drops by reason), per-key observations, fits and accuracy, and status."""
        return _to_dict(self._call(health=pb.HealthRequest()).health)

    def update_history(self, model: str = "", hardware: str = "", limit: int = 0) -> List[Dict[str, Any]]:
        """The most recent update candidates (online adaptation), oldest first: each with its time, path
        (``UPDATE_PATH_UPDATER`` / ``UPDATE_PATH_REFIT``), trigger, whether it was accepted and why, the held-out
        losses of the current set and of the candidate, the training losses, the candidate's parameters and the
        version it was installed as. One key (model and hardware) or every key (both empty); ``limit`` most
        recent per key (0: all kept, at most 100 per key)."""
        reply = self._call(update_history=pb.UpdateHistoryRequest(model=model, hardware=hardware, limit=int(limit)))
        return [_to_dict(r) for r in reply.update_history.records]

    # --- decisions (requests 14..18) ----------------------------------------------------------------------------

    def sla_inverse(self, model: str, hardware: str, target_ms: float, *, min_batch_size: int = 1,
                    max_batch_size: int = 64, min_tokens: float = 1.0, max_tokens: float = 4096.0) -> Dict[str, Any]:
        """For each B in the range, the exact token interval {S : T(B,S) <= target_ms}: ``rows`` of
        ``batch_size``, ``feasible``, ``min_feasible_tokens``, ``max_feasible_tokens`` (the answer: the largest S),
        ``tokens_at_minimum_latency``, ``minimum_latency_ms``."""
        reply = self._call(sla_inverse=pb.SlaInverseRequest(
            model=model, hardware=hardware, target_ms=float(target_ms), min_batch_size=int(min_batch_size),
            max_batch_size=int(max_batch_size), min_tokens=float(min_tokens), max_tokens=float(max_tokens)))
        return _to_dict(reply.sla_inverse)

    def capacity(self, model: str, hardware: str, latency_limit_ms: float, *, min_batch_size: int = 1,
                 max_batch_size: int = 64, min_tokens: float = 1.0, max_tokens: float = 4096.0,
                 integer_tokens: bool = False) -> Dict[str, Any]:
        """The (B, S) maximising tokens/ms with T <= latency_limit_ms (exact over integer B): ``feasible``,
        ``batch_size``, ``tokens``, ``latency_ms``, ``tokens_per_ms``, ``latency_bound``."""
        reply = self._call(capacity=pb.CapacityRequest(
            model=model, hardware=hardware, latency_limit_ms=float(latency_limit_ms),
            min_batch_size=int(min_batch_size), max_batch_size=int(max_batch_size), min_tokens=float(min_tokens),
            max_tokens=float(max_tokens), integer_tokens=bool(integer_tokens)))
        return _to_dict(reply.capacity)

    def admission(self, model: str, hardware: str, sla_ms: float, running_tokens, waiting, *, rule: str = "greedy",
                  scan_past_misfit: bool = False, minimum_chunk_tokens: float = 0.0, safety_margin=0.0,
                  margin_multiplier: float = 1.0, maximum_batch_size: int = 0) -> Dict[str, Any]:
        """Which waiting requests join the next step. ``running_tokens``: tokens each running request adds to the
        step; ``waiting``: dicts ``{id, priority, tokens}`` or tuples ``(id, priority, tokens)``. ``rule``:
        ``"greedy"`` (the design's) or ``"best_effort"``; ``safety_margin``: a fraction or ``"auto"``. Returns
        ``admitted_indices``, ``admitted_ids``, ``admitted_tokens`` (fewer than asked for a chunk),
        ``current_latency_ms``, ``predicted_latency_ms``, ``effective_sla_ms``, ``safety_margin``, ``stop_reason``."""
        c = _columns(waiting)
        options = pb.AdmissionOptions(rule=rule, scan_past_misfit=bool(scan_past_misfit),
                                      minimum_chunk_tokens=float(minimum_chunk_tokens),
                                      maximum_batch_size=int(maximum_batch_size))
        margin = _margin(safety_margin, margin_multiplier)
        if margin is not None:
            options.margin.CopyFrom(margin)
        reply = self._call(admission=pb.AdmissionRequest(
            model=model, hardware=hardware, sla_ms=float(sla_ms), running_tokens=[float(t) for t in running_tokens],
            waiting_ids=c["ids"], waiting_priorities=c["priorities"], waiting_tokens=c["tokens"], options=options))
        return _to_dict(reply.admission)

    def allocation(self, model: str, hardware: str, sla_ms: float, running_tokens, tenants, *, safety_margin=0.0,
                   margin_multiplier: float = 1.0, maximum_batch_size: int = 0) -> Dict[str, Any]:
        """Per-tenant admissions by weighted progressive filling. ``tenants``: dicts ``{name, quota, weight,
        waiting}`` (``waiting`` as for :meth:`admission`; ids distinct over all tenants). Returns ``tenants``
        (``name``, ``indices``, ``ids`` per tenant, in request order), ``admission_order``, the latencies,
        ``stop_reason`` and ``jain_index``."""
        pts = []
        for t in tenants:
            c = _columns(t.get("waiting", []))
            pts.append(pb.AllocationTenant(name=t["name"], quota=int(t["quota"]), weight=float(t["weight"]),
                                           ids=c["ids"], priorities=c["priorities"], tokens=c["tokens"]))
        request = pb.AllocationRequest(model=model, hardware=hardware, sla_ms=float(sla_ms),
                                       running_tokens=[float(t) for t in running_tokens], tenants=pts,
                                       maximum_batch_size=int(maximum_batch_size))
        margin = _margin(safety_margin, margin_multiplier)
        if margin is not None:
            request.margin.CopyFrom(margin)
        return _to_dict(self._call(allocation=request).allocation)

    def plan(self, model: str, hardware: str, sla_ms: float, rate: float, *, mean_prompt_tokens: float,
             prompt_tokens_sd: float, prompt_tokens_at_quantile: float, mean_output_tokens: float,
             quantile: float = 0.99, ttft_ms: float = 0.0, safety_margin=None, margin_multiplier: float = 1.0,
             utilisation_cap: float = 0.9, sequence_caps=(), token_granularity: int = 16) -> Dict[str, Any]:
        """Replicas for ``rate`` requests/s under the step SLA and TTFT target (``replicas``,
        ``per_replica_requests_per_second``, the saturated step, ``ttft_ms``, ``infeasibility``), and a static
        budget for an engine without the agent (``static_budget``: ``max_num_batched_tokens``,
        ``max_num_seqs``, ``worst_step_ms``, ...)."""
        request = pb.PlanRequest(
            model=model, hardware=hardware, sla_ms=float(sla_ms), ttft_ms=float(ttft_ms), rate=float(rate),
            mean_prompt_tokens=float(mean_prompt_tokens), prompt_tokens_sd=float(prompt_tokens_sd),
            prompt_tokens_at_quantile=float(prompt_tokens_at_quantile), quantile=float(quantile),
            mean_output_tokens=float(mean_output_tokens), utilisation_cap=float(utilisation_cap),
            sequence_caps=[int(n) for n in sequence_caps], token_granularity=int(token_granularity))
        margin = _margin(safety_margin, margin_multiplier)
        if margin is not None:
            request.margin.CopyFrom(margin)
        return _to_dict(self._call(plan=request).plan)

    def close(self) -> None:
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PeerSubscriber:
    """Subscribes to an agent's (or a forwarder's) parameter broadcasts. ``curve``: the :class:`CurveCredentials`
    for an agent with CURVE on (this subscriber's key in the agent's ``peers/``)."""

    def __init__(self, endpoint: str = "tcp://127.0.0.1:5557", *, context: Optional[zmq.Context] = None,
                 curve: Optional[CurveCredentials] = None):
        self._context = context or zmq.Context.instance()
        self._socket = self._context.socket(zmq.SUB)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.SUBSCRIBE, PARAMS_TOPIC)
        if curve is not None:
            curve.apply(self._socket)
        self._socket.connect(endpoint)

    def receive(self, timeout_ms: int = 1000) -> Optional[Dict[str, Any]]:
        """The next ParameterUpdate as a dict, or None after ``timeout_ms``."""
        if not self._socket.poll(timeout_ms):
            return None
        frames = self._socket.recv_multipart()
        update = pb.ParameterUpdate()
        update.ParseFromString(frames[-1])
        return _to_dict(update)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        while True:
            u = self.receive(timeout_ms=-1)
            if u is not None:
                yield u

    def close(self) -> None:
        self._socket.close()
