"""Forward Pass Metrics v1 as its producers define it, with msgspec: the field order and the defaults are the wire
format (msgspec encodes a Struct as a map keyed by field name, every field present). Used by the FPM tests and by
ops/fuzz/make-seeds.py."""
import msgspec


class ScheduledRequestMetrics(msgspec.Struct):
    num_prefill_requests: int = 0
    sum_prefill_tokens: int = 0
    var_prefill_length: float = 0.0
    sum_prefill_kv_tokens: int = 0
    num_decode_requests: int = 0
    sum_decode_kv_tokens: int = 0
    var_decode_kv_tokens: float = 0.0


class QueuedRequestMetrics(msgspec.Struct):
    num_prefill_requests: int = 0
    sum_prefill_tokens: int = 0
    var_prefill_length: float = 0.0
    num_decode_requests: int = 0
    sum_decode_kv_tokens: int = 0
    var_decode_kv_tokens: float = 0.0


class ForwardPassMetrics(msgspec.Struct):
    version: int = 1
    worker_id: str = ""
    dp_rank: int = 0
    counter_id: int = 0
    wall_time: float = 0.0
    scheduled_requests: ScheduledRequestMetrics = msgspec.field(default_factory=ScheduledRequestMetrics)
    queued_requests: QueuedRequestMetrics = msgspec.field(default_factory=QueuedRequestMetrics)
