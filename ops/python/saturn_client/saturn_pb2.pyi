from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ERROR_CODE_INTERNAL: ErrorCode
ERROR_CODE_INVALID_ARGUMENT: ErrorCode
ERROR_CODE_MALFORMED: ErrorCode
ERROR_CODE_MALFORMED_ENVELOPE: ErrorCode
ERROR_CODE_MISSING_BODY: ErrorCode
ERROR_CODE_TOO_LARGE: ErrorCode
ERROR_CODE_UNKNOWN_KEY: ErrorCode
ERROR_CODE_UNSPECIFIED: ErrorCode
ERROR_CODE_UNSUPPORTED_VERSION: ErrorCode
PARAMETER_SOURCE_DEFAULT: ParameterSource
PARAMETER_SOURCE_LOCAL_FIT: ParameterSource
PARAMETER_SOURCE_NEAREST_KEY: ParameterSource
PARAMETER_SOURCE_PEER: ParameterSource
PARAMETER_SOURCE_SHIPPED_PRIOR: ParameterSource
PARAMETER_SOURCE_UNSPECIFIED: ParameterSource
UPDATE_PATH_REFIT: UpdatePath
UPDATE_PATH_UNSPECIFIED: UpdatePath
UPDATE_PATH_UPDATER: UpdatePath
UPDATE_TRIGGER_COLD_START: UpdateTrigger
UPDATE_TRIGGER_DRIFT: UpdateTrigger
UPDATE_TRIGGER_ERROR: UpdateTrigger
UPDATE_TRIGGER_INTERVAL: UpdateTrigger
UPDATE_TRIGGER_OBSERVATIONS: UpdateTrigger
UPDATE_TRIGGER_UNSPECIFIED: UpdateTrigger
UPDATE_TRIGGER_UPDATER_FAILING: UpdateTrigger

class Error(_message.Message):
    __slots__ = ["code", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: ErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[ErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class FitQuality(_message.Message):
    __slots__ = ["mean_relative_error", "p95_relative_error", "r2", "rows"]
    MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    P95_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    R2_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    mean_relative_error: float
    p95_relative_error: float
    r2: float
    rows: int
    def __init__(self, mean_relative_error: _Optional[float] = ..., p95_relative_error: _Optional[float] = ..., r2: _Optional[float] = ..., rows: _Optional[int] = ...) -> None: ...

class HealthReply(_message.Message):
    __slots__ = ["drops", "keys", "node_id", "queries_answered", "snapshots_requested", "status", "telemetry_accepted", "updates_adopted", "updates_published", "uptime_seconds"]
    class DropsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DROPS_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    QUERIES_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    UPDATES_ADOPTED_FIELD_NUMBER: _ClassVar[int]
    UPDATES_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    drops: _containers.ScalarMap[str, int]
    keys: _containers.RepeatedCompositeFieldContainer[KeyHealth]
    node_id: str
    queries_answered: int
    snapshots_requested: int
    status: str
    telemetry_accepted: int
    updates_adopted: int
    updates_published: int
    uptime_seconds: float
    def __init__(self, node_id: _Optional[str] = ..., uptime_seconds: _Optional[float] = ..., telemetry_accepted: _Optional[int] = ..., queries_answered: _Optional[int] = ..., updates_published: _Optional[int] = ..., updates_adopted: _Optional[int] = ..., snapshots_requested: _Optional[int] = ..., drops: _Optional[_Mapping[str, int]] = ..., keys: _Optional[_Iterable[_Union[KeyHealth, _Mapping]]] = ..., status: _Optional[str] = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class KeyHealth(_message.Message):
    __slots__ = ["degradation_alert", "degradation_p_value", "drift", "drift_p_value", "fits_accepted", "fits_rejected", "fitted_observations", "key", "observations", "parameter_drift_rate", "recent_mean_relative_error", "recent_p95_relative_error", "recent_p99_relative_error", "source", "status", "update_failure_rate", "version"]
    DEGRADATION_ALERT_FIELD_NUMBER: _ClassVar[int]
    DEGRADATION_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    DRIFT_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    FITS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FITS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    FITTED_OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_DRIFT_RATE_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_P95_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_P99_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FAILURE_RATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    degradation_alert: bool
    degradation_p_value: float
    drift: bool
    drift_p_value: float
    fits_accepted: int
    fits_rejected: int
    fitted_observations: int
    key: ModelKey
    observations: int
    parameter_drift_rate: float
    recent_mean_relative_error: float
    recent_p95_relative_error: float
    recent_p99_relative_error: float
    source: ParameterSource
    status: str
    update_failure_rate: float
    version: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., observations: _Optional[int] = ..., fits_accepted: _Optional[int] = ..., fits_rejected: _Optional[int] = ..., recent_mean_relative_error: _Optional[float] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., version: _Optional[int] = ..., fitted_observations: _Optional[int] = ..., recent_p95_relative_error: _Optional[float] = ..., recent_p99_relative_error: _Optional[float] = ..., degradation_alert: bool = ..., degradation_p_value: _Optional[float] = ..., drift: bool = ..., drift_p_value: _Optional[float] = ..., parameter_drift_rate: _Optional[float] = ..., update_failure_rate: _Optional[float] = ..., status: _Optional[str] = ...) -> None: ...

class ModelKey(_message.Message):
    __slots__ = ["hardware", "model"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    model: str
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ...) -> None: ...

class ParameterSet(_message.Message):
    __slots__ = ["key", "origin_epoch", "origin_node", "parameters", "quality", "sample_count", "source", "source_detail", "version"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DETAIL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    key: ModelKey
    origin_epoch: int
    origin_node: str
    parameters: Parameters
    quality: FitQuality
    sample_count: int
    source: ParameterSource
    source_detail: str
    version: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., version: _Optional[int] = ..., origin_node: _Optional[str] = ..., origin_epoch: _Optional[int] = ..., sample_count: _Optional[int] = ..., quality: _Optional[_Union[FitQuality, _Mapping]] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., source_detail: _Optional[str] = ...) -> None: ...

class ParameterUpdate(_message.Message):
    __slots__ = ["origin_epoch", "origin_node", "protocol_version", "query_endpoint", "sequence", "set"]
    ORIGIN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    QUERY_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    origin_epoch: int
    origin_node: str
    protocol_version: int
    query_endpoint: str
    sequence: int
    set: ParameterSet
    def __init__(self, protocol_version: _Optional[int] = ..., origin_node: _Optional[str] = ..., origin_epoch: _Optional[int] = ..., sequence: _Optional[int] = ..., set: _Optional[_Union[ParameterSet, _Mapping]] = ..., query_endpoint: _Optional[str] = ...) -> None: ...

class Parameters(_message.Message):
    __slots__ = ["k_b", "k_s", "p_max", "tau_0", "tau_b", "tau_s", "w_0", "w_1"]
    K_B_FIELD_NUMBER: _ClassVar[int]
    K_S_FIELD_NUMBER: _ClassVar[int]
    P_MAX_FIELD_NUMBER: _ClassVar[int]
    TAU_0_FIELD_NUMBER: _ClassVar[int]
    TAU_B_FIELD_NUMBER: _ClassVar[int]
    TAU_S_FIELD_NUMBER: _ClassVar[int]
    W_0_FIELD_NUMBER: _ClassVar[int]
    W_1_FIELD_NUMBER: _ClassVar[int]
    k_b: float
    k_s: float
    p_max: float
    tau_0: float
    tau_b: float
    tau_s: float
    w_0: float
    w_1: float
    def __init__(self, p_max: _Optional[float] = ..., k_b: _Optional[float] = ..., k_s: _Optional[float] = ..., w_0: _Optional[float] = ..., w_1: _Optional[float] = ..., tau_0: _Optional[float] = ..., tau_b: _Optional[float] = ..., tau_s: _Optional[float] = ...) -> None: ...

class ParametersReply(_message.Message):
    __slots__ = ["last_sequence", "node_epoch", "node_id", "sets"]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    NODE_EPOCH_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    SETS_FIELD_NUMBER: _ClassVar[int]
    last_sequence: int
    node_epoch: int
    node_id: str
    sets: _containers.RepeatedCompositeFieldContainer[ParameterSet]
    def __init__(self, node_id: _Optional[str] = ..., node_epoch: _Optional[int] = ..., last_sequence: _Optional[int] = ..., sets: _Optional[_Iterable[_Union[ParameterSet, _Mapping]]] = ...) -> None: ...

class ParametersRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PredictReply(_message.Message):
    __slots__ = ["latency_ms", "origin_node", "parameters", "recent_mean_relative_error", "recent_observations", "source", "version"]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    latency_ms: float
    origin_node: str
    parameters: Parameters
    recent_mean_relative_error: float
    recent_observations: int
    source: ParameterSource
    version: int
    def __init__(self, latency_ms: _Optional[float] = ..., version: _Optional[int] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., recent_mean_relative_error: _Optional[float] = ..., recent_observations: _Optional[int] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., origin_node: _Optional[str] = ...) -> None: ...

class PredictRequest(_message.Message):
    __slots__ = ["batch_size", "hardware", "model", "tokens"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    batch_size: float
    hardware: str
    model: str
    tokens: float
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., batch_size: _Optional[float] = ..., tokens: _Optional[float] = ...) -> None: ...

class Reply(_message.Message):
    __slots__ = ["error", "health", "parameters", "predict", "protocol_version", "request_id", "update_history"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PREDICT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    error: Error
    health: HealthReply
    parameters: ParametersReply
    predict: PredictReply
    protocol_version: int
    request_id: int
    update_history: UpdateHistoryReply
    def __init__(self, protocol_version: _Optional[int] = ..., request_id: _Optional[int] = ..., error: _Optional[_Union[Error, _Mapping]] = ..., predict: _Optional[_Union[PredictReply, _Mapping]] = ..., parameters: _Optional[_Union[ParametersReply, _Mapping]] = ..., health: _Optional[_Union[HealthReply, _Mapping]] = ..., update_history: _Optional[_Union[UpdateHistoryReply, _Mapping]] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ["health", "parameters", "predict", "protocol_version", "request_id", "update_history"]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PREDICT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    UPDATE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    health: HealthRequest
    parameters: ParametersRequest
    predict: PredictRequest
    protocol_version: int
    request_id: int
    update_history: UpdateHistoryRequest
    def __init__(self, protocol_version: _Optional[int] = ..., request_id: _Optional[int] = ..., predict: _Optional[_Union[PredictRequest, _Mapping]] = ..., parameters: _Optional[_Union[ParametersRequest, _Mapping]] = ..., health: _Optional[_Union[HealthRequest, _Mapping]] = ..., update_history: _Optional[_Union[UpdateHistoryRequest, _Mapping]] = ...) -> None: ...

class StepTelemetry(_message.Message):
    __slots__ = ["batch_size", "decode_requests", "decode_tokens", "hardware", "kv_context_tokens", "latency_ms", "model", "prefill_requests", "prefill_tokens", "protocol_version", "sequence", "timestamp_ns", "tokens", "worker_id"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    DECODE_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    DECODE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    KV_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PREFILL_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PREFILL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_NS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    decode_requests: int
    decode_tokens: int
    hardware: str
    kv_context_tokens: int
    latency_ms: float
    model: str
    prefill_requests: int
    prefill_tokens: int
    protocol_version: int
    sequence: int
    timestamp_ns: int
    tokens: int
    worker_id: str
    def __init__(self, protocol_version: _Optional[int] = ..., worker_id: _Optional[str] = ..., model: _Optional[str] = ..., hardware: _Optional[str] = ..., batch_size: _Optional[int] = ..., tokens: _Optional[int] = ..., latency_ms: _Optional[float] = ..., timestamp_ns: _Optional[int] = ..., sequence: _Optional[int] = ..., prefill_tokens: _Optional[int] = ..., decode_tokens: _Optional[int] = ..., prefill_requests: _Optional[int] = ..., decode_requests: _Optional[int] = ..., kv_context_tokens: _Optional[int] = ...) -> None: ...

class UpdateHistoryReply(_message.Message):
    __slots__ = ["records"]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[UpdateRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[UpdateRecord, _Mapping]]] = ...) -> None: ...

class UpdateHistoryRequest(_message.Message):
    __slots__ = ["hardware", "limit", "model"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    limit: int
    model: str
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class UpdateRecord(_message.Message):
    __slots__ = ["accepted", "duration_ms", "key", "parameters", "path", "reason", "time_unix_ns", "training_loss_after", "training_loss_before", "training_rows", "trigger", "validation_loss_candidate", "validation_loss_current", "validation_rows", "version"]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TIME_UNIX_NS_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOSS_AFTER_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOSS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TRAINING_ROWS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_LOSS_CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_LOSS_CURRENT_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_ROWS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    duration_ms: float
    key: ModelKey
    parameters: Parameters
    path: UpdatePath
    reason: str
    time_unix_ns: int
    training_loss_after: float
    training_loss_before: float
    training_rows: int
    trigger: UpdateTrigger
    validation_loss_candidate: float
    validation_loss_current: float
    validation_rows: int
    version: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., time_unix_ns: _Optional[int] = ..., path: _Optional[_Union[UpdatePath, str]] = ..., trigger: _Optional[_Union[UpdateTrigger, str]] = ..., accepted: bool = ..., reason: _Optional[str] = ..., validation_loss_current: _Optional[float] = ..., validation_loss_candidate: _Optional[float] = ..., training_loss_before: _Optional[float] = ..., training_loss_after: _Optional[float] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., version: _Optional[int] = ..., training_rows: _Optional[int] = ..., validation_rows: _Optional[int] = ..., duration_ms: _Optional[float] = ...) -> None: ...

class ParameterSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UpdatePath(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UpdateTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
