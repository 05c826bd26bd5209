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
UPDATE_TRIGGER_FAMILY: UpdateTrigger
UPDATE_TRIGGER_INTERVAL: UpdateTrigger
UPDATE_TRIGGER_OBSERVATIONS: UpdateTrigger
UPDATE_TRIGGER_UNSPECIFIED: UpdateTrigger
UPDATE_TRIGGER_UPDATER_FAILING: UpdateTrigger

class AdmissionOptions(_message.Message):
    __slots__ = ["margin", "maximum_batch_size", "minimum_chunk_tokens", "rule", "scan_past_misfit"]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_CHUNK_TOKENS_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    SCAN_PAST_MISFIT_FIELD_NUMBER: _ClassVar[int]
    margin: SafetyMargin
    maximum_batch_size: int
    minimum_chunk_tokens: float
    rule: str
    scan_past_misfit: bool
    def __init__(self, rule: _Optional[str] = ..., scan_past_misfit: bool = ..., minimum_chunk_tokens: _Optional[float] = ..., margin: _Optional[_Union[SafetyMargin, _Mapping]] = ..., maximum_batch_size: _Optional[int] = ...) -> None: ...

class AdmissionReply(_message.Message):
    __slots__ = ["admitted_ids", "admitted_indices", "admitted_tokens", "basis", "current_latency_ms", "effective_sla_ms", "predicted_latency_ms", "safety_margin", "stop_reason"]
    ADMITTED_IDS_FIELD_NUMBER: _ClassVar[int]
    ADMITTED_INDICES_FIELD_NUMBER: _ClassVar[int]
    ADMITTED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_SLA_MS_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    SAFETY_MARGIN_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    admitted_ids: _containers.RepeatedScalarFieldContainer[int]
    admitted_indices: _containers.RepeatedScalarFieldContainer[int]
    admitted_tokens: _containers.RepeatedScalarFieldContainer[float]
    basis: DecisionBasis
    current_latency_ms: float
    effective_sla_ms: float
    predicted_latency_ms: float
    safety_margin: float
    stop_reason: str
    def __init__(self, basis: _Optional[_Union[DecisionBasis, _Mapping]] = ..., admitted_indices: _Optional[_Iterable[int]] = ..., admitted_ids: _Optional[_Iterable[int]] = ..., admitted_tokens: _Optional[_Iterable[float]] = ..., current_latency_ms: _Optional[float] = ..., predicted_latency_ms: _Optional[float] = ..., effective_sla_ms: _Optional[float] = ..., safety_margin: _Optional[float] = ..., stop_reason: _Optional[str] = ...) -> None: ...

class AdmissionRequest(_message.Message):
    __slots__ = ["hardware", "model", "options", "running_tokens", "sla_ms", "waiting_ids", "waiting_priorities", "waiting_tokens"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SLA_MS_FIELD_NUMBER: _ClassVar[int]
    WAITING_IDS_FIELD_NUMBER: _ClassVar[int]
    WAITING_PRIORITIES_FIELD_NUMBER: _ClassVar[int]
    WAITING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    model: str
    options: AdmissionOptions
    running_tokens: _containers.RepeatedScalarFieldContainer[float]
    sla_ms: float
    waiting_ids: _containers.RepeatedScalarFieldContainer[int]
    waiting_priorities: _containers.RepeatedScalarFieldContainer[float]
    waiting_tokens: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., sla_ms: _Optional[float] = ..., running_tokens: _Optional[_Iterable[float]] = ..., waiting_ids: _Optional[_Iterable[int]] = ..., waiting_priorities: _Optional[_Iterable[float]] = ..., waiting_tokens: _Optional[_Iterable[float]] = ..., options: _Optional[_Union[AdmissionOptions, _Mapping]] = ...) -> None: ...

class AllocationReply(_message.Message):
    __slots__ = ["admission_order", "basis", "current_latency_ms", "effective_sla_ms", "jain_index", "predicted_latency_ms", "safety_margin", "stop_reason", "tenants"]
    ADMISSION_ORDER_FIELD_NUMBER: _ClassVar[int]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_SLA_MS_FIELD_NUMBER: _ClassVar[int]
    JAIN_INDEX_FIELD_NUMBER: _ClassVar[int]
    PREDICTED_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    SAFETY_MARGIN_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    admission_order: _containers.RepeatedScalarFieldContainer[int]
    basis: DecisionBasis
    current_latency_ms: float
    effective_sla_ms: float
    jain_index: float
    predicted_latency_ms: float
    safety_margin: float
    stop_reason: str
    tenants: _containers.RepeatedCompositeFieldContainer[TenantAdmissions]
    def __init__(self, basis: _Optional[_Union[DecisionBasis, _Mapping]] = ..., tenants: _Optional[_Iterable[_Union[TenantAdmissions, _Mapping]]] = ..., admission_order: _Optional[_Iterable[int]] = ..., current_latency_ms: _Optional[float] = ..., predicted_latency_ms: _Optional[float] = ..., effective_sla_ms: _Optional[float] = ..., safety_margin: _Optional[float] = ..., stop_reason: _Optional[str] = ..., jain_index: _Optional[float] = ...) -> None: ...

class AllocationRequest(_message.Message):
    __slots__ = ["hardware", "margin", "maximum_batch_size", "model", "running_tokens", "sla_ms", "tenants"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    RUNNING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SLA_MS_FIELD_NUMBER: _ClassVar[int]
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    margin: SafetyMargin
    maximum_batch_size: int
    model: str
    running_tokens: _containers.RepeatedScalarFieldContainer[float]
    sla_ms: float
    tenants: _containers.RepeatedCompositeFieldContainer[AllocationTenant]
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., sla_ms: _Optional[float] = ..., running_tokens: _Optional[_Iterable[float]] = ..., tenants: _Optional[_Iterable[_Union[AllocationTenant, _Mapping]]] = ..., margin: _Optional[_Union[SafetyMargin, _Mapping]] = ..., maximum_batch_size: _Optional[int] = ...) -> None: ...

class AllocationTenant(_message.Message):
    __slots__ = ["ids", "name", "priorities", "quota", "tokens", "weight"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITIES_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    name: str
    priorities: _containers.RepeatedScalarFieldContainer[float]
    quota: int
    tokens: _containers.RepeatedScalarFieldContainer[float]
    weight: float
    def __init__(self, name: _Optional[str] = ..., quota: _Optional[int] = ..., weight: _Optional[float] = ..., ids: _Optional[_Iterable[int]] = ..., priorities: _Optional[_Iterable[float]] = ..., tokens: _Optional[_Iterable[float]] = ...) -> None: ...

class CapacityReply(_message.Message):
    __slots__ = ["basis", "batch_size", "feasible", "latency_bound", "latency_ms", "tokens", "tokens_per_ms"]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_BOUND_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_MS_FIELD_NUMBER: _ClassVar[int]
    basis: DecisionBasis
    batch_size: int
    feasible: bool
    latency_bound: bool
    latency_ms: float
    tokens: float
    tokens_per_ms: float
    def __init__(self, basis: _Optional[_Union[DecisionBasis, _Mapping]] = ..., feasible: bool = ..., batch_size: _Optional[int] = ..., tokens: _Optional[float] = ..., latency_ms: _Optional[float] = ..., tokens_per_ms: _Optional[float] = ..., latency_bound: bool = ...) -> None: ...

class CapacityRequest(_message.Message):
    __slots__ = ["hardware", "integer_tokens", "latency_limit_ms", "max_batch_size", "max_tokens", "min_batch_size", "min_tokens", "model"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    INTEGER_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_LIMIT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MIN_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    integer_tokens: bool
    latency_limit_ms: float
    max_batch_size: int
    max_tokens: float
    min_batch_size: int
    min_tokens: float
    model: str
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., latency_limit_ms: _Optional[float] = ..., min_batch_size: _Optional[int] = ..., max_batch_size: _Optional[int] = ..., min_tokens: _Optional[float] = ..., max_tokens: _Optional[float] = ..., integer_tokens: bool = ...) -> None: ...

class DecisionBasis(_message.Message):
    __slots__ = ["family", "origin_node", "parameters", "recent_mean_relative_error", "recent_observations", "recent_p95_relative_error", "source", "term_coefficients", "version"]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    RECENT_P95_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TERM_COEFFICIENTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    family: str
    origin_node: str
    parameters: Parameters
    recent_mean_relative_error: float
    recent_observations: int
    recent_p95_relative_error: float
    source: ParameterSource
    term_coefficients: _containers.RepeatedScalarFieldContainer[float]
    version: int
    def __init__(self, version: _Optional[int] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., recent_mean_relative_error: _Optional[float] = ..., recent_p95_relative_error: _Optional[float] = ..., recent_observations: _Optional[int] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., origin_node: _Optional[str] = ..., family: _Optional[str] = ..., term_coefficients: _Optional[_Iterable[float]] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ["code", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: ErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[ErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class FamilyCandidate(_message.Message):
    __slots__ = ["cv_mean_relative_error", "family"]
    CV_MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    cv_mean_relative_error: float
    family: str
    def __init__(self, family: _Optional[str] = ..., cv_mean_relative_error: _Optional[float] = ...) -> None: ...

class FamilySelection(_message.Message):
    __slots__ = ["at_observation", "candidates", "chosen", "duration_ms", "rejected_rows", "rows"]
    AT_OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_ROWS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    at_observation: int
    candidates: _containers.RepeatedCompositeFieldContainer[FamilyCandidate]
    chosen: str
    duration_ms: float
    rejected_rows: int
    rows: int
    def __init__(self, chosen: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[FamilyCandidate, _Mapping]]] = ..., rows: _Optional[int] = ..., rejected_rows: _Optional[int] = ..., at_observation: _Optional[int] = ..., duration_ms: _Optional[float] = ...) -> None: ...

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

class FpmSourceHealth(_message.Message):
    __slots__ = ["dp_rank", "drops", "endpoint", "heartbeats", "key", "last_sequence", "messages", "missed_messages", "seconds_since_heartbeat", "seconds_since_message", "seconds_since_step", "sequence_gaps", "sequence_restarts", "steps", "unknown_keys", "worker_id"]
    class DropsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DP_RANK_FIELD_NUMBER: _ClassVar[int]
    DROPS_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEATS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MISSED_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    SECONDS_SINCE_HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_SINCE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_SINCE_STEP_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_GAPS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_RESTARTS_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    UNKNOWN_KEYS_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    dp_rank: int
    drops: _containers.ScalarMap[str, int]
    endpoint: str
    heartbeats: int
    key: ModelKey
    last_sequence: int
    messages: int
    missed_messages: int
    seconds_since_heartbeat: float
    seconds_since_message: float
    seconds_since_step: float
    sequence_gaps: int
    sequence_restarts: int
    steps: int
    unknown_keys: int
    worker_id: str
    def __init__(self, endpoint: _Optional[str] = ..., key: _Optional[_Union[ModelKey, _Mapping]] = ..., messages: _Optional[int] = ..., steps: _Optional[int] = ..., heartbeats: _Optional[int] = ..., drops: _Optional[_Mapping[str, int]] = ..., sequence_gaps: _Optional[int] = ..., missed_messages: _Optional[int] = ..., sequence_restarts: _Optional[int] = ..., unknown_keys: _Optional[int] = ..., last_sequence: _Optional[int] = ..., seconds_since_message: _Optional[float] = ..., seconds_since_step: _Optional[float] = ..., seconds_since_heartbeat: _Optional[float] = ..., worker_id: _Optional[str] = ..., dp_rank: _Optional[int] = ...) -> None: ...

class HealthReply(_message.Message):
    __slots__ = ["drops", "fpm_sources", "keys", "node_id", "peer_liveness", "queries_answered", "snapshots_requested", "state", "status", "telemetry_accepted", "updates_adopted", "updates_published", "uptime_seconds"]
    class DropsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    DROPS_FIELD_NUMBER: _ClassVar[int]
    FPM_SOURCES_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PEER_LIVENESS_FIELD_NUMBER: _ClassVar[int]
    QUERIES_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    UPDATES_ADOPTED_FIELD_NUMBER: _ClassVar[int]
    UPDATES_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    UPTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    drops: _containers.ScalarMap[str, int]
    fpm_sources: _containers.RepeatedCompositeFieldContainer[FpmSourceHealth]
    keys: _containers.RepeatedCompositeFieldContainer[KeyHealth]
    node_id: str
    peer_liveness: PeerLiveness
    queries_answered: int
    snapshots_requested: int
    state: StateHealth
    status: str
    telemetry_accepted: int
    updates_adopted: int
    updates_published: int
    uptime_seconds: float
    def __init__(self, node_id: _Optional[str] = ..., uptime_seconds: _Optional[float] = ..., telemetry_accepted: _Optional[int] = ..., queries_answered: _Optional[int] = ..., updates_published: _Optional[int] = ..., updates_adopted: _Optional[int] = ..., snapshots_requested: _Optional[int] = ..., drops: _Optional[_Mapping[str, int]] = ..., keys: _Optional[_Iterable[_Union[KeyHealth, _Mapping]]] = ..., status: _Optional[str] = ..., fpm_sources: _Optional[_Iterable[_Union[FpmSourceHealth, _Mapping]]] = ..., state: _Optional[_Union[StateHealth, _Mapping]] = ..., peer_liveness: _Optional[_Union[PeerLiveness, _Mapping]] = ...) -> None: ...

class HealthRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class KeyHealth(_message.Message):
    __slots__ = ["degradation_alert", "degradation_p_value", "drift", "drift_p_value", "family", "family_selection", "fits_accepted", "fits_rejected", "fitted_observations", "key", "observations", "parameter_drift_rate", "recent_mean_relative_error", "recent_p95_relative_error", "recent_p99_relative_error", "recent_rejections", "rejected_observations", "source", "status", "update_failure_rate", "version"]
    DEGRADATION_ALERT_FIELD_NUMBER: _ClassVar[int]
    DEGRADATION_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIELD_NUMBER: _ClassVar[int]
    DRIFT_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    FAMILY_SELECTION_FIELD_NUMBER: _ClassVar[int]
    FITS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FITS_REJECTED_FIELD_NUMBER: _ClassVar[int]
    FITTED_OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_DRIFT_RATE_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_P95_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_P99_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FAILURE_RATE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    degradation_alert: bool
    degradation_p_value: float
    drift: bool
    drift_p_value: float
    family: str
    family_selection: FamilySelection
    fits_accepted: int
    fits_rejected: int
    fitted_observations: int
    key: ModelKey
    observations: int
    parameter_drift_rate: float
    recent_mean_relative_error: float
    recent_p95_relative_error: float
    recent_p99_relative_error: float
    recent_rejections: _containers.RepeatedCompositeFieldContainer[RejectedObservation]
    rejected_observations: int
    source: ParameterSource
    status: str
    update_failure_rate: float
    version: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., observations: _Optional[int] = ..., fits_accepted: _Optional[int] = ..., fits_rejected: _Optional[int] = ..., recent_mean_relative_error: _Optional[float] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., version: _Optional[int] = ..., fitted_observations: _Optional[int] = ..., recent_p95_relative_error: _Optional[float] = ..., recent_p99_relative_error: _Optional[float] = ..., degradation_alert: bool = ..., degradation_p_value: _Optional[float] = ..., drift: bool = ..., drift_p_value: _Optional[float] = ..., parameter_drift_rate: _Optional[float] = ..., update_failure_rate: _Optional[float] = ..., status: _Optional[str] = ..., family: _Optional[str] = ..., family_selection: _Optional[_Union[FamilySelection, _Mapping]] = ..., rejected_observations: _Optional[int] = ..., recent_rejections: _Optional[_Iterable[_Union[RejectedObservation, _Mapping]]] = ...) -> None: ...

class ModelKey(_message.Message):
    __slots__ = ["hardware", "model"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    model: str
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ...) -> None: ...

class OwnVersion(_message.Message):
    __slots__ = ["key", "version"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    key: ModelKey
    version: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class ParameterHeartbeat(_message.Message):
    __slots__ = ["interval_ms", "last_sequence", "origin_epoch", "origin_node", "protocol_version", "query_endpoint"]
    INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    QUERY_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    interval_ms: int
    last_sequence: int
    origin_epoch: int
    origin_node: str
    protocol_version: int
    query_endpoint: str
    def __init__(self, protocol_version: _Optional[int] = ..., origin_node: _Optional[str] = ..., origin_epoch: _Optional[int] = ..., last_sequence: _Optional[int] = ..., query_endpoint: _Optional[str] = ..., interval_ms: _Optional[int] = ...) -> None: ...

class ParameterSet(_message.Message):
    __slots__ = ["family", "key", "origin_epoch", "origin_node", "parameters", "quality", "sample_count", "source", "source_detail", "term_coefficients", "term_defaults", "version"]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_EPOCH_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DETAIL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TERM_COEFFICIENTS_FIELD_NUMBER: _ClassVar[int]
    TERM_DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    family: str
    key: ModelKey
    origin_epoch: int
    origin_node: str
    parameters: Parameters
    quality: FitQuality
    sample_count: int
    source: ParameterSource
    source_detail: str
    term_coefficients: _containers.RepeatedScalarFieldContainer[float]
    term_defaults: _containers.RepeatedScalarFieldContainer[float]
    version: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., version: _Optional[int] = ..., origin_node: _Optional[str] = ..., origin_epoch: _Optional[int] = ..., sample_count: _Optional[int] = ..., quality: _Optional[_Union[FitQuality, _Mapping]] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., source_detail: _Optional[str] = ..., family: _Optional[str] = ..., term_coefficients: _Optional[_Iterable[float]] = ..., term_defaults: _Optional[_Iterable[float]] = ...) -> None: ...

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

class PeerLiveness(_message.Message):
    __slots__ = ["heartbeat_gaps", "heartbeats_published", "heartbeats_received", "silences", "silent_origins"]
    HEARTBEATS_PUBLISHED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEATS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_GAPS_FIELD_NUMBER: _ClassVar[int]
    SILENCES_FIELD_NUMBER: _ClassVar[int]
    SILENT_ORIGINS_FIELD_NUMBER: _ClassVar[int]
    heartbeat_gaps: int
    heartbeats_published: int
    heartbeats_received: int
    silences: int
    silent_origins: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, heartbeats_published: _Optional[int] = ..., heartbeats_received: _Optional[int] = ..., heartbeat_gaps: _Optional[int] = ..., silences: _Optional[int] = ..., silent_origins: _Optional[_Iterable[str]] = ...) -> None: ...

class PlanReply(_message.Message):
    __slots__ = ["basis", "feasible", "infeasibility", "per_replica_requests_per_second", "replicas", "safety_margin", "saturation_batch_size", "saturation_requests_per_second", "saturation_step_ms", "saturation_tokens", "static_budget", "step_limit_ms", "ttft_ms"]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    INFEASIBILITY_FIELD_NUMBER: _ClassVar[int]
    PER_REPLICA_REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    SAFETY_MARGIN_FIELD_NUMBER: _ClassVar[int]
    SATURATION_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    SATURATION_REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    SATURATION_STEP_MS_FIELD_NUMBER: _ClassVar[int]
    SATURATION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    STATIC_BUDGET_FIELD_NUMBER: _ClassVar[int]
    STEP_LIMIT_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    basis: DecisionBasis
    feasible: bool
    infeasibility: str
    per_replica_requests_per_second: float
    replicas: int
    safety_margin: float
    saturation_batch_size: float
    saturation_requests_per_second: float
    saturation_step_ms: float
    saturation_tokens: float
    static_budget: StaticBudgetAnswer
    step_limit_ms: float
    ttft_ms: float
    def __init__(self, basis: _Optional[_Union[DecisionBasis, _Mapping]] = ..., feasible: bool = ..., replicas: _Optional[int] = ..., per_replica_requests_per_second: _Optional[float] = ..., saturation_requests_per_second: _Optional[float] = ..., saturation_step_ms: _Optional[float] = ..., saturation_tokens: _Optional[float] = ..., saturation_batch_size: _Optional[float] = ..., ttft_ms: _Optional[float] = ..., infeasibility: _Optional[str] = ..., step_limit_ms: _Optional[float] = ..., safety_margin: _Optional[float] = ..., static_budget: _Optional[_Union[StaticBudgetAnswer, _Mapping]] = ...) -> None: ...

class PlanRequest(_message.Message):
    __slots__ = ["hardware", "margin", "mean_output_tokens", "mean_prompt_tokens", "model", "prompt_tokens_at_quantile", "prompt_tokens_sd", "quantile", "rate", "sequence_caps", "sla_ms", "token_granularity", "ttft_ms", "utilisation_cap"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MARGIN_FIELD_NUMBER: _ClassVar[int]
    MEAN_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MEAN_PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_AT_QUANTILE_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_SD_FIELD_NUMBER: _ClassVar[int]
    QUANTILE_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_CAPS_FIELD_NUMBER: _ClassVar[int]
    SLA_MS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_CAP_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    margin: SafetyMargin
    mean_output_tokens: float
    mean_prompt_tokens: float
    model: str
    prompt_tokens_at_quantile: float
    prompt_tokens_sd: float
    quantile: float
    rate: float
    sequence_caps: _containers.RepeatedScalarFieldContainer[int]
    sla_ms: float
    token_granularity: int
    ttft_ms: float
    utilisation_cap: float
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., sla_ms: _Optional[float] = ..., ttft_ms: _Optional[float] = ..., rate: _Optional[float] = ..., mean_prompt_tokens: _Optional[float] = ..., prompt_tokens_sd: _Optional[float] = ..., prompt_tokens_at_quantile: _Optional[float] = ..., quantile: _Optional[float] = ..., mean_output_tokens: _Optional[float] = ..., margin: _Optional[_Union[SafetyMargin, _Mapping]] = ..., utilisation_cap: _Optional[float] = ..., sequence_caps: _Optional[_Iterable[int]] = ..., token_granularity: _Optional[int] = ...) -> None: ...

class PredictReply(_message.Message):
    __slots__ = ["family", "latency_ms", "origin_node", "parameters", "recent_mean_relative_error", "recent_observations", "source", "term_coefficients", "term_defaults", "version"]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_NODE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    RECENT_MEAN_RELATIVE_ERROR_FIELD_NUMBER: _ClassVar[int]
    RECENT_OBSERVATIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TERM_COEFFICIENTS_FIELD_NUMBER: _ClassVar[int]
    TERM_DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    family: str
    latency_ms: float
    origin_node: str
    parameters: Parameters
    recent_mean_relative_error: float
    recent_observations: int
    source: ParameterSource
    term_coefficients: _containers.RepeatedScalarFieldContainer[float]
    term_defaults: _containers.RepeatedScalarFieldContainer[float]
    version: int
    def __init__(self, latency_ms: _Optional[float] = ..., version: _Optional[int] = ..., source: _Optional[_Union[ParameterSource, str]] = ..., recent_mean_relative_error: _Optional[float] = ..., recent_observations: _Optional[int] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., origin_node: _Optional[str] = ..., family: _Optional[str] = ..., term_coefficients: _Optional[_Iterable[float]] = ..., term_defaults: _Optional[_Iterable[float]] = ...) -> None: ...

class PredictRequest(_message.Message):
    __slots__ = ["batch_size", "hardware", "kv_context_tokens", "model", "prefill_attention_tokens", "tokens"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    KV_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PREFILL_ATTENTION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    batch_size: float
    hardware: str
    kv_context_tokens: float
    model: str
    prefill_attention_tokens: float
    tokens: float
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., batch_size: _Optional[float] = ..., tokens: _Optional[float] = ..., kv_context_tokens: _Optional[float] = ..., prefill_attention_tokens: _Optional[float] = ...) -> None: ...

class RejectedObservation(_message.Message):
    __slots__ = ["batch_size", "kv_context_tokens", "latency_ms", "observation", "prefill_attention_tokens", "relative_residual", "tokens"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    KV_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    PREFILL_ATTENTION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_RESIDUAL_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    batch_size: float
    kv_context_tokens: float
    latency_ms: float
    observation: int
    prefill_attention_tokens: float
    relative_residual: float
    tokens: float
    def __init__(self, batch_size: _Optional[float] = ..., tokens: _Optional[float] = ..., kv_context_tokens: _Optional[float] = ..., prefill_attention_tokens: _Optional[float] = ..., latency_ms: _Optional[float] = ..., relative_residual: _Optional[float] = ..., observation: _Optional[int] = ...) -> None: ...

class Reply(_message.Message):
    __slots__ = ["admission", "allocation", "capacity", "error", "health", "parameters", "plan", "predict", "protocol_version", "request_id", "sla_inverse", "update_history"]
    ADMISSION_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PREDICT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SLA_INVERSE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    admission: AdmissionReply
    allocation: AllocationReply
    capacity: CapacityReply
    error: Error
    health: HealthReply
    parameters: ParametersReply
    plan: PlanReply
    predict: PredictReply
    protocol_version: int
    request_id: int
    sla_inverse: SlaInverseReply
    update_history: UpdateHistoryReply
    def __init__(self, protocol_version: _Optional[int] = ..., request_id: _Optional[int] = ..., error: _Optional[_Union[Error, _Mapping]] = ..., predict: _Optional[_Union[PredictReply, _Mapping]] = ..., parameters: _Optional[_Union[ParametersReply, _Mapping]] = ..., health: _Optional[_Union[HealthReply, _Mapping]] = ..., update_history: _Optional[_Union[UpdateHistoryReply, _Mapping]] = ..., sla_inverse: _Optional[_Union[SlaInverseReply, _Mapping]] = ..., capacity: _Optional[_Union[CapacityReply, _Mapping]] = ..., admission: _Optional[_Union[AdmissionReply, _Mapping]] = ..., allocation: _Optional[_Union[AllocationReply, _Mapping]] = ..., plan: _Optional[_Union[PlanReply, _Mapping]] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ["admission", "allocation", "capacity", "health", "parameters", "plan", "predict", "protocol_version", "request_id", "sla_inverse", "update_history"]
    ADMISSION_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    PREDICT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SLA_INVERSE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    admission: AdmissionRequest
    allocation: AllocationRequest
    capacity: CapacityRequest
    health: HealthRequest
    parameters: ParametersRequest
    plan: PlanRequest
    predict: PredictRequest
    protocol_version: int
    request_id: int
    sla_inverse: SlaInverseRequest
    update_history: UpdateHistoryRequest
    def __init__(self, protocol_version: _Optional[int] = ..., request_id: _Optional[int] = ..., predict: _Optional[_Union[PredictRequest, _Mapping]] = ..., parameters: _Optional[_Union[ParametersRequest, _Mapping]] = ..., health: _Optional[_Union[HealthRequest, _Mapping]] = ..., update_history: _Optional[_Union[UpdateHistoryRequest, _Mapping]] = ..., sla_inverse: _Optional[_Union[SlaInverseRequest, _Mapping]] = ..., capacity: _Optional[_Union[CapacityRequest, _Mapping]] = ..., admission: _Optional[_Union[AdmissionRequest, _Mapping]] = ..., allocation: _Optional[_Union[AllocationRequest, _Mapping]] = ..., plan: _Optional[_Union[PlanRequest, _Mapping]] = ...) -> None: ...

class SafetyMargin(_message.Message):
    __slots__ = ["auto_safety_margin", "margin_multiplier", "safety_margin"]
    AUTO_SAFETY_MARGIN_FIELD_NUMBER: _ClassVar[int]
    MARGIN_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    SAFETY_MARGIN_FIELD_NUMBER: _ClassVar[int]
    auto_safety_margin: bool
    margin_multiplier: float
    safety_margin: float
    def __init__(self, safety_margin: _Optional[float] = ..., auto_safety_margin: bool = ..., margin_multiplier: _Optional[float] = ...) -> None: ...

class SlaInverseReply(_message.Message):
    __slots__ = ["basis", "rows"]
    BASIS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    basis: DecisionBasis
    rows: _containers.RepeatedCompositeFieldContainer[SlaInverseRow]
    def __init__(self, basis: _Optional[_Union[DecisionBasis, _Mapping]] = ..., rows: _Optional[_Iterable[_Union[SlaInverseRow, _Mapping]]] = ...) -> None: ...

class SlaInverseRequest(_message.Message):
    __slots__ = ["hardware", "max_batch_size", "max_tokens", "min_batch_size", "min_tokens", "model", "target_ms"]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MIN_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TARGET_MS_FIELD_NUMBER: _ClassVar[int]
    hardware: str
    max_batch_size: int
    max_tokens: float
    min_batch_size: int
    min_tokens: float
    model: str
    target_ms: float
    def __init__(self, model: _Optional[str] = ..., hardware: _Optional[str] = ..., target_ms: _Optional[float] = ..., min_batch_size: _Optional[int] = ..., max_batch_size: _Optional[int] = ..., min_tokens: _Optional[float] = ..., max_tokens: _Optional[float] = ...) -> None: ...

class SlaInverseRow(_message.Message):
    __slots__ = ["batch_size", "feasible", "max_feasible_tokens", "min_feasible_tokens", "minimum_latency_ms", "tokens_at_minimum_latency"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    FEASIBLE_FIELD_NUMBER: _ClassVar[int]
    MAX_FEASIBLE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MINIMUM_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    MIN_FEASIBLE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_AT_MINIMUM_LATENCY_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    feasible: bool
    max_feasible_tokens: float
    min_feasible_tokens: float
    minimum_latency_ms: float
    tokens_at_minimum_latency: float
    def __init__(self, batch_size: _Optional[int] = ..., feasible: bool = ..., min_feasible_tokens: _Optional[float] = ..., max_feasible_tokens: _Optional[float] = ..., tokens_at_minimum_latency: _Optional[float] = ..., minimum_latency_ms: _Optional[float] = ...) -> None: ...

class StateHeader(_message.Message):
    __slots__ = ["format_version", "node_epoch", "node_id", "own_versions", "sets", "updates", "written_unix_ns"]
    FORMAT_VERSION_FIELD_NUMBER: _ClassVar[int]
    NODE_EPOCH_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    OWN_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    SETS_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    WRITTEN_UNIX_NS_FIELD_NUMBER: _ClassVar[int]
    format_version: int
    node_epoch: int
    node_id: str
    own_versions: int
    sets: int
    updates: int
    written_unix_ns: int
    def __init__(self, format_version: _Optional[int] = ..., node_id: _Optional[str] = ..., node_epoch: _Optional[int] = ..., written_unix_ns: _Optional[int] = ..., sets: _Optional[int] = ..., updates: _Optional[int] = ..., own_versions: _Optional[int] = ...) -> None: ...

class StateHealth(_message.Message):
    __slots__ = ["damaged_records", "file_bytes", "last_write_ms", "load_problem", "path", "sets_loaded", "truncated_bytes", "updates_loaded", "write_failures", "writes"]
    DAMAGED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    FILE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LAST_WRITE_MS_FIELD_NUMBER: _ClassVar[int]
    LOAD_PROBLEM_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    SETS_LOADED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_BYTES_FIELD_NUMBER: _ClassVar[int]
    UPDATES_LOADED_FIELD_NUMBER: _ClassVar[int]
    WRITES_FIELD_NUMBER: _ClassVar[int]
    WRITE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    damaged_records: int
    file_bytes: int
    last_write_ms: float
    load_problem: str
    path: str
    sets_loaded: int
    truncated_bytes: int
    updates_loaded: int
    write_failures: int
    writes: int
    def __init__(self, path: _Optional[str] = ..., sets_loaded: _Optional[int] = ..., updates_loaded: _Optional[int] = ..., damaged_records: _Optional[int] = ..., truncated_bytes: _Optional[int] = ..., load_problem: _Optional[str] = ..., writes: _Optional[int] = ..., write_failures: _Optional[int] = ..., file_bytes: _Optional[int] = ..., last_write_ms: _Optional[float] = ...) -> None: ...

class StateRecord(_message.Message):
    __slots__ = ["header", "own_version", "set", "update"]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    OWN_VERSION_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    header: StateHeader
    own_version: OwnVersion
    set: ParameterSet
    update: UpdateRecord
    def __init__(self, header: _Optional[_Union[StateHeader, _Mapping]] = ..., set: _Optional[_Union[ParameterSet, _Mapping]] = ..., update: _Optional[_Union[UpdateRecord, _Mapping]] = ..., own_version: _Optional[_Union[OwnVersion, _Mapping]] = ...) -> None: ...

class StaticBudgetAnswer(_message.Message):
    __slots__ = ["found", "max_num_batched_tokens", "max_num_seqs", "saturation_requests_per_second", "ttft_ms", "ttft_target_missed", "worst_step_ms"]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    MAX_NUM_BATCHED_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_NUM_SEQS_FIELD_NUMBER: _ClassVar[int]
    SATURATION_REQUESTS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    TTFT_MS_FIELD_NUMBER: _ClassVar[int]
    TTFT_TARGET_MISSED_FIELD_NUMBER: _ClassVar[int]
    WORST_STEP_MS_FIELD_NUMBER: _ClassVar[int]
    found: bool
    max_num_batched_tokens: int
    max_num_seqs: int
    saturation_requests_per_second: float
    ttft_ms: float
    ttft_target_missed: bool
    worst_step_ms: float
    def __init__(self, found: bool = ..., max_num_batched_tokens: _Optional[int] = ..., max_num_seqs: _Optional[int] = ..., worst_step_ms: _Optional[float] = ..., saturation_requests_per_second: _Optional[float] = ..., ttft_ms: _Optional[float] = ..., ttft_target_missed: bool = ...) -> None: ...

class StepTelemetry(_message.Message):
    __slots__ = ["batch_size", "decode_requests", "decode_tokens", "hardware", "kv_context_tokens", "latency_ms", "model", "prefill_attention_tokens", "prefill_requests", "prefill_tokens", "protocol_version", "sequence", "timestamp_ns", "tokens", "worker_id"]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    DECODE_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    DECODE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    KV_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PREFILL_ATTENTION_TOKENS_FIELD_NUMBER: _ClassVar[int]
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
    prefill_attention_tokens: int
    prefill_requests: int
    prefill_tokens: int
    protocol_version: int
    sequence: int
    timestamp_ns: int
    tokens: int
    worker_id: str
    def __init__(self, protocol_version: _Optional[int] = ..., worker_id: _Optional[str] = ..., model: _Optional[str] = ..., hardware: _Optional[str] = ..., batch_size: _Optional[int] = ..., tokens: _Optional[int] = ..., latency_ms: _Optional[float] = ..., timestamp_ns: _Optional[int] = ..., sequence: _Optional[int] = ..., prefill_tokens: _Optional[int] = ..., decode_tokens: _Optional[int] = ..., prefill_requests: _Optional[int] = ..., decode_requests: _Optional[int] = ..., kv_context_tokens: _Optional[int] = ..., prefill_attention_tokens: _Optional[int] = ...) -> None: ...

class TenantAdmissions(_message.Message):
    __slots__ = ["ids", "indices", "name"]
    IDS_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[int]
    indices: _containers.RepeatedScalarFieldContainer[int]
    name: str
    def __init__(self, name: _Optional[str] = ..., indices: _Optional[_Iterable[int]] = ..., ids: _Optional[_Iterable[int]] = ...) -> None: ...

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
    __slots__ = ["accepted", "cpu_ms", "duration_ms", "family", "gated_rows", "key", "parameters", "path", "reason", "term_coefficients", "time_unix_ns", "training_loss_after", "training_loss_before", "training_rows", "trigger", "validation_loss_candidate", "validation_loss_current", "validation_rows", "version", "window_rows"]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CPU_MS_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    GATED_ROWS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TERM_COEFFICIENTS_FIELD_NUMBER: _ClassVar[int]
    TIME_UNIX_NS_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOSS_AFTER_FIELD_NUMBER: _ClassVar[int]
    TRAINING_LOSS_BEFORE_FIELD_NUMBER: _ClassVar[int]
    TRAINING_ROWS_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_LOSS_CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_LOSS_CURRENT_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_ROWS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_ROWS_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    cpu_ms: float
    duration_ms: float
    family: str
    gated_rows: int
    key: ModelKey
    parameters: Parameters
    path: UpdatePath
    reason: str
    term_coefficients: _containers.RepeatedScalarFieldContainer[float]
    time_unix_ns: int
    training_loss_after: float
    training_loss_before: float
    training_rows: int
    trigger: UpdateTrigger
    validation_loss_candidate: float
    validation_loss_current: float
    validation_rows: int
    version: int
    window_rows: int
    def __init__(self, key: _Optional[_Union[ModelKey, _Mapping]] = ..., time_unix_ns: _Optional[int] = ..., path: _Optional[_Union[UpdatePath, str]] = ..., trigger: _Optional[_Union[UpdateTrigger, str]] = ..., accepted: bool = ..., reason: _Optional[str] = ..., validation_loss_current: _Optional[float] = ..., validation_loss_candidate: _Optional[float] = ..., training_loss_before: _Optional[float] = ..., training_loss_after: _Optional[float] = ..., parameters: _Optional[_Union[Parameters, _Mapping]] = ..., version: _Optional[int] = ..., training_rows: _Optional[int] = ..., validation_rows: _Optional[int] = ..., duration_ms: _Optional[float] = ..., cpu_ms: _Optional[float] = ..., window_rows: _Optional[int] = ..., family: _Optional[str] = ..., term_coefficients: _Optional[_Iterable[float]] = ..., gated_rows: _Optional[int] = ...) -> None: ...

class ParameterSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UpdatePath(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UpdateTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
