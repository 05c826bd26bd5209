#!/usr/bin/env python3
"""`saturn fit FILE` as a whole Python script: read the CSV, filter, fit, print the result.

The strongest honest SciPy version of the same job, for ops/bench_fit_command.py: numpy's C CSV reader
(`np.loadtxt`, only the B, S, T_ms columns), the row filter 0.1 < T < 500 ms, B > 0, S > 0 (non-finite values are
an error, as in `saturn fit`), Saturn's own fit algorithm with SciPy as the local solver (ops/saturn_algorithm.py:
same starts, schedule, tolerances and analytic Jacobian; relative loss by default, as `saturn fit`), then the same
report: parameters, R^2, RMSE, MAE, relative errors (mean, p50, p95, p99), Shapiro-Wilk on the residuals.

Usage: python3 ops/fit_scipy.py FILE.csv [--loss relative|sse] [--timings]
(--timings prints import, read, fit and report times to stderr; --no-shapiro skips the Shapiro-Wilk test and with
it the import of scipy.stats, the slowest import, to show the floor of the Python side.)
"""
import time

_t0 = time.perf_counter()
import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import saturn_algorithm as sa  # noqa: E402

_t_import = time.perf_counter()


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = [h.strip().strip('"') for h in f.readline().split(",")]
        missing = [c for c in ("B", "S", "T_ms") if c not in header]
        if missing:
            sys.exit(f"Error: {path}: line 1: missing column '{missing[0]}'")
        cols = [header.index("B"), header.index("S"), header.index("T_ms")]
        data = np.loadtxt(f, delimiter=",", usecols=cols, quotechar='"', ndmin=2)
    return data[:, 0].copy(), data[:, 1].copy(), data[:, 2].copy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--loss", choices=["relative", "sse"], default="relative")
    ap.add_argument("--timings", action="store_true")
    ap.add_argument("--no-shapiro", action="store_true",
                    help="skip the Shapiro-Wilk test, and so the import of scipy.stats (the largest import)")
    args = ap.parse_args()
    t_read0 = time.perf_counter()
    B, S, T = read(args.csv)
    if not (np.isfinite(B).all() and np.isfinite(S).all() and np.isfinite(T).all()):
        sys.exit(f"Error: {args.csv}: non-finite value")
    t_fit0 = time.perf_counter()
    res = sa.fit(B, S, T, loss=args.loss)
    t_fit1 = time.perf_counter()
    p, Bk, Sk, Tk = res["parameters"], res["B"], res["S"], res["T"]
    pred = sa.predict(p, Bk, Sk)
    resid = Tk - pred
    rel = np.abs(resid) / Tk
    sse = float(resid @ resid)
    r2 = 1 - sse / float(((Tk - Tk.mean()) ** 2).sum())
    shapiro = None
    t_shapiro0 = time.perf_counter()
    if not args.no_shapiro:
        from scipy import stats
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "p-value may not be accurate for N > 5000"
            shapiro = stats.shapiro(resid)
    t_shapiro1 = time.perf_counter()
    lines = [f"fit {args.csv}  (loss: {args.loss}, SciPy)",
             f"rows: {len(Tk)} used, {len(T) - len(Tk)} dropped", "", "parameter        value"]
    lines += [f"{name:8s} {value:15.8g}" for name, value in zip(sa.NAMES, p)]
    q = lambda x: float(np.quantile(rel, x)) * 100  # noqa: E731
    lines += ["", f"R^2 {r2:.5f}   RMSE {np.sqrt(sse / len(Tk)):.3f} ms   MAE {np.abs(resid).mean():.3f} ms",
              f"relative error: mean {rel.mean() * 100:.2f}%   p50 {q(0.5):.2f}%   p95 {q(0.95):.2f}%   "
              f"p99 {q(0.99):.2f}%",
              f"residuals: Shapiro-Wilk W {shapiro[0]:.5g}, p {shapiro[1]:.4g}" if shapiro else "residuals: (skipped)",
              f"fit: {res['nfev']} evaluations over {res['starts']} starts (best: {res['best_start']}), "
              f"{(t_fit1 - t_fit0) * 1000:.1f} ms"]
    print("\n".join(lines))
    t_end = time.perf_counter()
    if args.timings:
        print(f"timings ms: imports {(_t_import - _t0) * 1000:.1f}, read {(t_fit0 - t_read0) * 1000:.1f}, "
              f"fit {(t_fit1 - t_fit0) * 1000:.1f}, report {(t_end - t_fit1) * 1000:.1f} (of which importing scipy.stats "
              f"and Shapiro-Wilk {(t_shapiro1 - t_shapiro0) * 1000:.1f})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
