"""Stand-ins with the shape of vLLM v1's stats objects (vllm/v1/metrics/stats.py: SchedulerIterationDetails,
SchedulerStats), for the plugin's test and ops/bench_vllm_plugin.py (vLLM itself is too large to install here)."""
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class IterationDetails:
    iteration_index: int
    num_ctx_requests: int
    num_ctx_tokens: int
    num_generation_requests: int
    num_generation_tokens: int
    elapsed_ms: float
    num_encoder_inputs: int = 0
    num_encoder_output_tokens: int = 0
    is_dummy: bool = False


@dataclass
class SchedulerStats:
    num_running_reqs: int = 0
    num_waiting_reqs: int = 0
    step_counter: int = 0
    current_wave: int = 0
    kv_cache_usage: float = 0.0
    iteration_details: Optional[IterationDetails] = None
    waiting_lora_adapters: dict = field(default_factory=dict)
