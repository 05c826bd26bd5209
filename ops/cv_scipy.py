#!/usr/bin/env python3
"""SciPy cross-check of `saturn eval --cv` (grouped cross-validation of the model family), without the robust gate.

Reads a step table, keeps the rows 0.1 < T_ms < 500 (--max-ms moves the upper end; `saturn eval --cv` has none by
default, so pass it the same --max-ms) and --where,
derives K (kv_tokens) and Q (sum of prefill chunk^2, the rule of StepTable+Terms.swift), splits the rows into 5
folds grouped by distinct (B, S, step_type, kv_tokens) with GroupKFold's rule (largest group first, to the fold
with the fewest rows; ties by first appearance and lowest fold, as GroupedKFold in CrossValidation.swift), and
for base, kv and kvq fits each training set with scipy.optimize.least_squares (trf, relative loss, analytic
Jacobian, bounds tau_K, tau_Q >= 0) from many starts: a 12 x 24 log grid over (k_B, k_S) with the linear
parameters solved by NNLS, the 8 best cells refined. Prints the pooled cross-validated MAPE of each model.

Compare with `saturn eval FILE --cv --no-reject --json` (same folds, no gate): the numbers should agree to a few
hundredths of a point (both find the same optimum; the starts differ).

Usage: python3 ops/cv_scipy.py data/steps_vidur_llama2-7b_a100_tp1.csv --where fits_kv_capacity=1
"""
import argparse
import csv

import numpy as np
from scipy.optimize import least_squares, nnls

FAMILIES = {"base": [], "kv": ["K"], "kvq": ["K", "Q"]}


def read(path, where, max_ms):
    rows = [r for r in csv.DictReader(open(path, newline="", encoding="utf-8-sig"))
            if all(r[k] == v for k, v in where)]
    rows = [r for r in rows if 0.1 < float(r["T_ms"]) < max_ms and float(r["B"]) > 0 and float(r["S"]) > 0]
    B = np.array([float(r["B"]) for r in rows])
    S = np.array([float(r["S"]) for r in rows])
    T = np.array([float(r["T_ms"]) for r in rows])
    K = np.array([float(r.get("kv_tokens") or 0) for r in rows])
    Q = np.zeros(len(rows))
    for i, r in enumerate(rows):
        if "prefill_chunk" in r:
            c = float(r["prefill_chunk"])
            Q[i] = float(r.get("n_prefill_reqs") or (1 if c > 0 else 0)) * c * c
        elif "step_type" in r:
            p = float(r.get("prefill_tokens") or r["S"])
            Q[i] = p * p / B[i] if r["step_type"] == "prefill" else (p * p if r["step_type"] == "mixed" else 0)
    kind = [r.get("step_type", "") for r in rows]
    keys = [(B[i], S[i]) + ((kind[i],) if "step_type" in rows[0] else ()) + ((K[i],) if "kv_tokens" in rows[0] else ())
            for i in range(len(rows))]
    return B, S, T, K, Q, keys


def grouped_folds(keys, k=5):
    order, size = [], {}
    for g in keys:
        if g not in size:
            order.append(g)
        size[g] = size.get(g, 0) + 1
    position = {g: i for i, g in enumerate(order)}
    load, fold_of = [0] * k, {}
    for g in sorted(order, key=lambda g: (-size[g], position[g])):
        f = min(range(k), key=lambda j: (load[j], j))
        fold_of[g] = f
        load[f] += size[g]
    return [np.array([fold_of[g] == f for g in keys]) for f in range(k)]


def fit(B, S, T, X):
    """Relative-loss fit of T = tau0 + (a0 + a1 S)/(sat(kB B) sat(kS S)) + tB B + tS S + sum c_j X_j."""
    w = 1 / T
    m = X.shape[1]

    def design(kb, ks):
        u = 1 / (-np.expm1(-kb * B) * -np.expm1(-ks * S))
        return np.column_stack([u, S * u, np.ones_like(B), B, S] + [X[:, j] for j in range(m)])

    cells = []
    for kb in np.logspace(-4, 1, 12):
        for ks in np.logspace(-4, 0, 24):
            A = design(kb, ks) * w[:, None]
            q, rn = nnls(A, T * w)
            cells.append((rn, kb, ks, q))
    cells.sort(key=lambda c: c[0])

    def residual(x):
        return (design(x[0], x[1]) @ x[2:] - T) * w

    def jacobian(x):
        kb, ks = x[0], x[1]
        ab, as_ = -np.expm1(-kb * B), -np.expm1(-ks * S)
        num = x[2] + x[3] * S
        d_kb = -num / (ab * ab * as_) * B * np.exp(-kb * B)
        d_ks = -num / (ab * as_ * as_) * S * np.exp(-ks * S)
        return np.column_stack([d_kb, d_ks, design(kb, ks)]) * w[:, None]

    lower = np.array([1e-4, 1e-4] + [0.0] * (5 + m))
    upper = np.array([10.0, 1.0] + [np.inf] * (5 + m))
    best = None
    for _, kb, ks, q in cells[:8]:
        x0 = np.clip(np.concatenate([[kb, ks], q]), lower, np.where(np.isfinite(upper), upper, np.inf))
        x0 = np.minimum(np.maximum(x0, lower + 1e-12 * (lower > 0)), upper)
        r = least_squares(residual, x0, jac=jacobian, bounds=(lower, upper), method="trf", x_scale="jac",
                          ftol=1e-12, xtol=1e-12, gtol=1e-12, max_nfev=400)
        if best is None or r.cost < best.cost:
            best = r
    x = best.x
    return lambda b, s, xs: (x[4] + (x[2] + x[3] * s) / (-np.expm1(-x[0] * b) * -np.expm1(-x[1] * s))
                             + x[5] * b + x[6] * s + (xs @ x[7:] if m else 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--where", action="append", default=[], help="COLUMN=VALUE")
    ap.add_argument("--max-ms", type=float, default=500.0)
    a = ap.parse_args()
    B, S, T, K, Q, keys = read(a.csv, [tuple(w.split("=", 1)) for w in a.where], a.max_ms)
    folds = grouped_folds(keys)
    columns = {"K": K, "Q": Q}
    for name, terms in FAMILIES.items():
        X = np.column_stack([columns[t] for t in terms]) if terms else np.zeros((len(T), 0))
        errors = []
        for test in folds:
            train = ~test
            model = fit(B[train], S[train], T[train], X[train])
            errors.append(np.abs(model(B[test], S[test], X[test]) - T[test]) / T[test])
        print(f"{name:5s} cv_mape {100 * np.concatenate(errors).mean():.2f}%  "
              f"({len(T)} rows, {len(set(keys))} groups, 5 folds)")


if __name__ == "__main__":
    main()
