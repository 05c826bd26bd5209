"""Python peers of the Saturn agent (protocol saturn.v1).

    from saturn_client import Worker, Router

    worker = Worker("tcp://127.0.0.1:5555", worker_id="gpu0-w1", model="llama-2-7b", hardware="H100-80GB")
    worker.wait_connected()
    worker.publish_step(batch_size=32, tokens=512, latency_ms=41.7)

    router = Router("tcp://127.0.0.1:5556", timeout_ms=1000)
    p = router.predict("llama-2-7b", "H100-80GB", batch_size=32, tokens=512)
    print(p.latency_ms, p.version)
"""
from .client import (
    ERROR_CODES,
    CurveCredentials,
    PeerSubscriber,
    Prediction,
    Router,
    SaturnError,
    SaturnTimeout,
    Worker,
)

__all__ = ["Worker", "Router", "PeerSubscriber", "CurveCredentials", "Prediction", "SaturnError", "SaturnTimeout", "ERROR_CODES"]
