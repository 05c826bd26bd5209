#!/usr/bin/env python3
"""SciPy side of `saturn bench`: fit the latency model to a CSV two ways, timed one fit at a time.

* `seed`: what a seed user runs, the design's own procedure (DESIGN section 2) as the golden reference ran it:
  filter 0.1 < T < 500, B > 0, S > 0; normalise B and S by their medians; the design's initial values (P_max = p95
  of S/T, k_B = 0.1, k_S = 0.01, w_1 = polyfit slope, tau_0 = min T / 2, w_0 = 1, tau_B = 0.01, tau_S = 1e-4,
  clipped); bounds; ONE start, 2-point finite-difference Jacobian, SciPy's default tolerances, all 8 parameters.
* `saturn`: Saturn's own algorithm (ops/saturn_algorithm.py): the same starts (design + best grid minima), the
  same schedule, tolerances and budget, an analytic Jacobian; SciPy's `least_squares(method='trf')` as the
  local solver.

Modes:
  bench_scipy.py FILE.csv [--repeats N] [--loss sse|relative]
      times each variant N times, alternating, and prints one JSON object
      {"seed": {...}, "saturn": {...}} with median seconds, objective, SSE, nfev.
  bench_scipy.py FILE.csv --serve [--loss sse|relative]
      reads `seed` or `saturn` lines on stdin, runs one timed fit each and answers one JSON line (used by
      `saturn bench` to alternate with the Swift fit in the same run).
  bench_scipy.py FILE.csv --starts [--loss ...]
      prints the starts of the `saturn` variant as JSON (for the cross-check with LatencyFitter's).

Thread settings are the caller's: `saturn bench` sets OPENBLAS_NUM_THREADS=1 (faster on this size) in the
environment it gives this script, and the JSON reports what the process saw.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import least_squares

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import saturn_algorithm as sa  # noqa: E402


def read_csv(path):
    with open(path, newline="") as f:
        header = [h.strip() for h in f.readline().lstrip("\ufeff").split(",")]
        cols = [header.index("B"), header.index("S"), header.index("T_ms")]
        data = np.loadtxt(f, delimiter=",", usecols=cols, quotechar='"', ndmin=2)
    return data[:, 0].copy(), data[:, 1].copy(), data[:, 2].copy()


def fit_seed(B, S, T, loss):
    """The seed user's fit (unchanged from the first version of this script); returns (x, SSE, nfev)."""
    B, S, T = sa.filter_rows(B, S, T)
    mB, mS = np.median(B), np.median(S)
    Bn, Sn = B / mB, S / mS
    w = np.ones_like(T) if loss == "sse" else 1 / T
    scale = np.array([1, mB, mS, 1, mS, 1, mB, mS])
    lo = np.array([0.1, 1e-4, 1e-4, 0, 1e-6, 0, 0, 0])
    hi = np.array([1e4, 10, 1, np.inf, np.inf, np.inf, np.inf, np.inf])
    slope = np.polyfit(S, T, 1)[0]
    x0 = np.clip([np.percentile(S / T, 95), 0.1, 0.01, 1.0, slope, T.min() / 2, 0.01, 1e-4], lo, hi) * scale

    def residuals(th):
        P, kB, kS, w0, w1, t0, tB, tS = th
        thr = P * (-np.expm1(-kB * Bn)) * (-np.expm1(-kS * Sn))
        return (t0 + (w0 + w1 * Sn) / thr + tB * Bn + tS * Sn - T) * w

    r = least_squares(residuals, x0, bounds=(lo * scale, hi * scale), method="trf")
    raw = r.x / scale
    return raw, float(2 * r.cost), int(r.nfev), 0


def run(variant, B, S, T, loss):
    start = time.perf_counter()
    if variant == "seed":
        raw, objective, nfev, njev = fit_seed(B, S, T, loss)
        starts, best = 1, "design_init"
    else:
        res = sa.fit(B, S, T, loss=loss, schedule="all" if variant == "all_rows" else "saturn")
        raw, objective, nfev, njev = res["parameters"], res["objective"], res["nfev"], res["njev"]
        starts, best = res["starts"], res["best_start"]
    seconds = time.perf_counter() - start
    Bf, Sf, Tf = sa.filter_rows(B, S, T)
    err = sa.predict(raw, Bf, Sf) - Tf
    return {"seconds": seconds, "objective": objective, "sse": float(err @ err),
            "relative_objective": float(((err / Tf) ** 2).sum()), "nfev": nfev, "njev": njev, "starts": starts,
            "best_start": best, "rows": int(len(Tf))}


def versions():
    import platform
    import scipy
    return f"scipy {scipy.__version__}, numpy {np.__version__}, Python {platform.python_version()}"


def environment():
    keys = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
    return {k: os.environ[k] for k in keys if k in os.environ}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--loss", choices=["sse", "relative"], default="sse")
    ap.add_argument("--variants", default="seed,saturn", help="comma-separated: seed, saturn, all_rows")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--starts", action="store_true")
    args = ap.parse_args()
    B, S, T = read_csv(args.csv)
    if args.starts:
        Bf, Sf, Tf = sa.filter_rows(B, S, T)
        prep = sa.prepare(Bf, Sf, Tf, args.loss)
        print(json.dumps({"medians": [prep["mB"], prep["mS"]],
                          "starts": [[label, list(map(float, x))] for label, x in prep["starts"]]}))
        return 0
    if args.serve:
        run("saturn", B, S, T, args.loss)  # warm-up (imports, caches)
        print(json.dumps({"ready": True, "environment": environment(), "versions": versions()}), flush=True)
        for line in sys.stdin:
            variant = line.strip()
            if not variant:
                continue
            if variant not in ("seed", "saturn", "all_rows"):
                print(json.dumps({"error": f"unknown variant {variant}"}), flush=True)
                continue
            print(json.dumps(run(variant, B, S, T, args.loss)), flush=True)
        return 0
    variants = args.variants.split(",")
    results = {v: [] for v in variants}
    for _ in range(args.repeats):
        for v in variants:
            results[v].append(run(v, B, S, T, args.loss))
    out = {"environment": environment(), "versions": versions()}
    for v, rs in results.items():
        times = sorted(r["seconds"] for r in rs)
        out[v] = dict(rs[-1], seconds=times[len(times) // 2], all_seconds=[r["seconds"] for r in rs])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
