#!/usr/bin/env python3
"""Compare `saturn eval` with the best SciPy least_squares fit on every step table in ../shared/data.

For each table this runs, on the same rows (filter 0.1 < T < 500 ms, B > 0, S > 0; for the Vidur table also
fits_kv_capacity == 1, as its PROVENANCE asks), both:

* `saturn eval --json FILE` (the Swift fit, relative and SSE losses, and the linear/polynomial baselines), and
* SciPy: `least_squares(method='trf')` on the relative-error loss from many starts (the design's initial values,
  the best cells of a 25 x 25 (k_B, k_S) grid solved by NNLS, and 24 seeded random starts), analytic Jacobian,
  tight tolerances; the best mean relative error over all starts is "the best SciPy reaches".

It prints both and exits non-zero when, on any table, the Swift relative fit's mean relative error is more than
0.5 percentage points worse than SciPy's best, or worse than the linear or polynomial baseline.

Usage: python3 ops/compare_scipy.py [--saturn .build/debug/saturn] [--data ../shared/data]
"""
import argparse
import csv
import json
import os
import subprocess
import sys

import numpy as np
from scipy.optimize import least_squares, nnls

# Tables where the saturation model (at SciPy's own global optimum, so not a fit problem) is known to lose to a
# baseline on mean relative error, and why. The script checks the reason still holds: if the model starts to win
# there, it says the exception can be removed.
KNOWN_BASELINE_EXCEPTIONS = {
    "steps_splitwise_llama2-70b_a100-80gb_tp2.csv":
        "source anomaly at B=64 (decode 67.3 ms < 72.2 ms at B=32; prefill 64x512 tokens 796 ms vs 6607 ms for "
        "32x512): a quadratic bends towards it, a saturating model cannot; without the B=64 rows the model wins",
}

LOWER = np.array([1e-4, 1e-4, 0.0, 1e-10, 0.0, 0.0, 0.0])
UPPER = np.array([10.0, 1.0, np.inf, np.inf, np.inf, np.inf, np.inf])


def load(path, where):
    B, S, T = [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if any(row.get(k) != v for k, v in where):
                continue
            b, s, t = float(row["B"]), float(row["S"]), float(row["T_ms"])
            if 0.1 < t < 500 and b > 0 and s > 0:
                B.append(b), S.append(s), T.append(t)
    return np.array(B), np.array(S), np.array(T)


def model(x, B, S):
    kB, kS, r0, r1, t0, tB, tS = x
    a = -np.expm1(-kB * B)
    b = -np.expm1(-kS * S)
    return t0 + (r0 + r1 * S) / (a * b) + tB * B + tS * S


def jac(x, B, S, T):
    kB, kS, r0, r1, t0, tB, tS = x
    a = -np.expm1(-kB * B)
    b = -np.expm1(-kS * S)
    q = (r0 + r1 * S) / (a * b)
    J = np.column_stack([-q * B * np.exp(-kB * B) / a, -q * S * np.exp(-kS * S) / b, 1 / (a * b), S / (a * b),
                         np.ones_like(B), B, S])
    return J / T[:, None]


def scipy_best(B, S, T):
    """Best relative-loss fit SciPy's least_squares reaches over many starts (identifiable 7-parameter form)."""
    res = lambda x: (model(x, B, S) - T) / T
    starts = []
    # The design's initial values (P_max held at p95 of S/T, so the ratios are w/P).
    P = np.percentile(S / T, 95)
    slope = max(np.polyfit(S, T, 1)[0], 1e-6)
    starts.append(np.clip([0.1, 0.01, 1 / P, slope / P, T.min() / 2, 0.01, 1e-4], LOWER, UPPER))
    # Grid over (k_B, k_S) with the linear parameters by NNLS.
    cells = []
    for kB in np.logspace(-4, 1, 25):
        for kS in np.logspace(-4, 0, 25):
            u = 1 / ((-np.expm1(-kB * B)) * (-np.expm1(-kS * S)))
            C = np.column_stack([u, u * S, np.ones_like(B), B, S]) / T[:, None]
            q, rnorm = nnls(C, np.ones_like(T), maxiter=200)
            cells.append((rnorm, [kB, kS, q[0], max(q[1], 1e-10), q[2], q[3], q[4]]))
    cells.sort(key=lambda c: c[0])
    starts += [np.array(c[1]) for c in cells[:8]]
    rng = np.random.default_rng(0)
    for _ in range(24):
        starts.append(np.array([10 ** rng.uniform(-4, 1), 10 ** rng.uniform(-4, 0), rng.uniform(0, 1),
                                10 ** rng.uniform(-4, 0), rng.uniform(0, T.min()), rng.uniform(0, 0.5),
                                10 ** rng.uniform(-5, -2)]))
    best = None
    for x0 in starts:
        x0 = np.clip(x0, LOWER, UPPER)
        try:
            r = least_squares(res, x0, jac=lambda x: jac(x, B, S, T), bounds=(LOWER, UPPER), method="trf",
                              x_scale="jac", ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=2000)
        except ValueError:
            continue
        mre = float(np.mean(np.abs(model(r.x, B, S) - T) / T))
        if best is None or mre < best[0]:
            best = (mre, r)
    return best[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/debug/saturn")
    ap.add_argument("--data", default=os.path.join("..", "shared", "data"))
    ap.add_argument("--tolerance-pp", type=float, default=0.5)
    args = ap.parse_args()
    tables = sorted(f for f in os.listdir(args.data) if f.startswith("steps_") and f.endswith(".csv"))
    if not tables:
        print(f"no steps_*.csv tables in {args.data}", file=sys.stderr)
        return 2
    failures = 0
    print(f"{'table':55s} {'rows':>5s} {'swift rel':>10s} {'scipy best':>10s} {'gap pp':>7s} "
          f"{'swift sse':>10s} {'linear':>8s} {'poly':>8s}  verdict")
    for name in tables:
        path = os.path.join(args.data, name)
        where = [("fits_kv_capacity", "1")] if "vidur" in name else []
        cmd = [args.saturn, "eval", "--json", path] + sum((["--where", f"{k}={v}"] for k, v in where), [])
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{name}: saturn eval failed: {out.stderr.strip()}")
            failures += 1
            continue
        doc = json.loads(out.stdout)[0]
        models = {m["name"]: m for m in doc["models"]}
        B, S, T = load(path, where)
        if len(T) != doc["rows_used"]:
            print(f"{name}: row mismatch: python {len(T)} vs saturn {doc['rows_used']}")
            failures += 1
            continue
        swift = models["saturation_relative"]["mape"]
        sci = scipy_best(B, S, T)
        gap = (swift - sci) * 100
        lin, poly = models["linear"]["mape"], models["polynomial"]["mape"]
        beats_baselines = swift <= lin and swift <= poly
        verdict = "ok"
        if gap > args.tolerance_pp:
            verdict = f"FAIL: {gap:.3f} pp above SciPy's best"
        elif not beats_baselines:
            if name in KNOWN_BASELINE_EXCEPTIONS:
                verdict = "ok (known exception: " + KNOWN_BASELINE_EXCEPTIONS[name] + ")"
            else:
                verdict = "FAIL: worse than a baseline"
        elif name in KNOWN_BASELINE_EXCEPTIONS:
            verdict = "ok (listed exception no longer needed: remove it from KNOWN_BASELINE_EXCEPTIONS)"
        failures += 0 if verdict.startswith("ok") else 1
        print(f"{name:55s} {len(T):5d} {swift*100:9.3f}% {sci*100:9.3f}% {gap:+7.3f} "
              f"{models['saturation_sse']['mape']*100:9.3f}% {lin*100:7.2f}% {poly*100:7.2f}%  {verdict}")
    passed = len(tables) - failures
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
