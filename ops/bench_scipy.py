#!/usr/bin/env python3
"""SciPy side of `saturn bench`: fit the latency model with scipy.optimize.least_squares(method='trf').

This is the design's own procedure (DESIGN section 2), as the golden reference ran it: filter 0.1 < T < 500,
B > 0, S > 0; normalise B and S by their medians; the design's initial values (P_max = p95 of S/T, k_B = 0.1,
k_S = 0.01, w_1 = polyfit slope, tau_0 = min T / 2, w_0 = 1, tau_B = 0.01, tau_S = 1e-4, clipped); bounds;
2-point finite-difference Jacobian and SciPy's default tolerances. Prints one JSON object:
{"seconds": median wall time of the fit, "sse": ..., "nfev": ..., "rows": ...}.

Usage: python3 ops/bench_scipy.py FILE.csv [--repeats N]
"""
import argparse
import csv
import json
import time

import numpy as np
from scipy.optimize import least_squares


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    B, S, T = [], [], []
    with open(args.csv, newline="") as f:
        for row in csv.DictReader(f):
            b, s, t = float(row["B"]), float(row["S"]), float(row["T_ms"])
            if 0.1 < t < 500 and b > 0 and s > 0:
                B.append(b), S.append(s), T.append(t)
    B, S, T = np.array(B), np.array(S), np.array(T)
    mB, mS = np.median(B), np.median(S)
    Bn, Sn = B / mB, S / mS
    scale = np.array([1, mB, mS, 1, mS, 1, mB, mS])
    lo = np.array([0.1, 1e-4, 1e-4, 0, 1e-6, 0, 0, 0])
    hi = np.array([1e4, 10, 1, np.inf, np.inf, np.inf, np.inf, np.inf])
    slope = np.polyfit(S, T, 1)[0]
    x0 = np.clip([np.percentile(S / T, 95), 0.1, 0.01, 1.0, slope, T.min() / 2, 0.01, 1e-4], lo, hi) * scale

    def residuals(th):
        P, kB, kS, w0, w1, t0, tB, tS = th
        thr = P * (-np.expm1(-kB * Bn)) * (-np.expm1(-kS * Sn))
        return t0 + (w0 + w1 * Sn) / thr + tB * Bn + tS * Sn - T

    times = []
    result = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = least_squares(residuals, x0, bounds=(lo * scale, hi * scale), method="trf")
        times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"seconds": times[len(times) // 2], "sse": float(2 * result.cost), "nfev": int(result.nfev),
                      "rows": int(len(T))}))


if __name__ == "__main__":
    main()
