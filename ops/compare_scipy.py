#!/usr/bin/env python3
"""Gate `saturn eval` against SciPy and against the baselines on every step table in the repository's data/.

For each table, on the same rows (filter 0.1 < T < 500 ms, B > 0, S > 0; for the Vidur table also
fits_kv_capacity == 1, as its PROVENANCE asks):

1. Optimum. Saturn's relative-loss fit (`saturn eval --json FILE`, model saturation_relative) is scored by its
   objective, the sum of squared relative residuals sum(((T_hat - T) / T)^2) on those rows, against the best
   objective SciPy's least_squares(method='trf') reaches from many starts (the design's initial values, the best
   cells of a 25 x 25 (k_B, k_S) grid solved by NNLS, and 24 seeded random starts; analytic Jacobian, tolerances
   1e-12). Gate: Saturn's objective within relative 1e-6 of SciPy's best, or its mean relative error within
   0.01 percentage points of that fit's. The gap is printed as it is ("equal" only when the objectives agree to
   1e-9 relative).
2. Baselines. Linear T = a + b1 B + b2 S and polynomial T = a + b1 B + b2 S + b3 B^2 + b4 S^2 are fitted here with
   the SAME loss as Saturn's (weighted least squares, row weights 1/T^2, i.e. numpy lstsq on rows scaled by 1/T),
   not the ordinary least squares `saturn eval` reports. Gate: Saturn's mean relative error <= both baselines'.
   A table may fail this gate only if it is listed in KNOWN_BASELINE_EXCEPTIONS and the listed reason is checked
   to hold: SciPy's own optimum of the saturation model loses to the baseline too (so it is the model, not the
   fit), and without the listed rows Saturn's fit beats both baselines (fitted the same way).
3. Extrapolation (informational, not a gate): train on B <= 32 and S <= 1024, test on the other rows with B <= 64
   and S <= 2048 (DESIGN section 2). Saturn's figure is `saturn eval`'s (relative loss, fitted on the training
   rows); the baselines are the weighted fits on the training rows. The number of test rows is printed: on these
   tables it is small, so the figures are indicative only.

Exits 1 when a gate fails on any table (2 when there is no table). `--no-baseline-gate` keeps the baseline
comparison in the output but only gates on the optimum.

Usage: python3 ops/compare_scipy.py [--saturn .build/debug/saturn] [--data data] [--no-baseline-gate]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.optimize import least_squares, nnls

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OBJECTIVE_TOLERANCE = 1e-6   # relative, Saturn's objective against SciPy's best
MRE_TOLERANCE = 1e-4         # 0.01 percentage points of mean relative error
EQUAL = 1e-9                 # objectives this close (relative) are printed as "equal"

# Tables where the saturation model is known to lose to a baseline, why, and the rows the reason blames. The
# script checks the reason: SciPy's own optimum must lose to that baseline too, and without `drop` rows Saturn's
# fit must beat both baselines; otherwise the table fails. When the model wins anyway it says the entry can go.
KNOWN_BASELINE_EXCEPTIONS = {
    "steps_splitwise_llama2-70b_a100-80gb_tp2.csv": {
        "reason": "source anomaly at B=64 (decode 67.3 ms < 72.2 ms at B=32; prefill 64x512 tokens 796 ms vs "
                  "6607 ms for 32x512): a quadratic bends towards it, a saturating model cannot",
        "drop": ("B", 64.0),
    },
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


def predict_raw(p, B, S):
    """Prediction from Saturn's 8 reported parameters."""
    P, kB, kS, w0, w1, t0, tB, tS = (p[k] for k in ("P_max", "k_B", "k_S", "w_0", "w_1", "tau_0", "tau_B", "tau_S"))
    return t0 + (w0 + w1 * S) / (P * (-np.expm1(-kB * B)) * (-np.expm1(-kS * S))) + tB * B + tS * S


def jac(x, B, S, T):
    kB, kS, r0, r1, t0, tB, tS = x
    a = -np.expm1(-kB * B)
    b = -np.expm1(-kS * S)
    q = (r0 + r1 * S) / (a * b)
    J = np.column_stack([-q * B * np.exp(-kB * B) / a, -q * S * np.exp(-kS * S) / b, 1 / (a * b), S / (a * b),
                         np.ones_like(B), B, S])
    return J / T[:, None]


def objective(pred, T):
    r = (pred - T) / T
    return float(r @ r)


def mre(pred, T):
    return float(np.mean(np.abs(pred - T) / T))


def scipy_best(B, S, T):
    """SciPy's best relative-loss fit over many starts (identifiable 7-parameter form): (objective, MRE, x)."""
    res = lambda x: (model(x, B, S) - T) / T  # noqa: E731
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
        pred = model(r.x, B, S)
        obj = objective(pred, T)
        if np.isfinite(obj) and (best is None or obj < best[0]):
            best = (obj, mre(pred, T), r.x)
    return best


def design(kind, B, S):
    cols = [np.ones_like(B), B, S]
    if kind == "polynomial":
        cols += [B * B, S * S]
    return np.column_stack(cols)


def baseline_fit(kind, B, S, T):
    """Baseline coefficients minimising sum(((T_hat - T) / T)^2): lstsq on rows scaled by 1/T."""
    X = design(kind, B, S)
    coef, *_ = np.linalg.lstsq(X / T[:, None], np.ones_like(T), rcond=None)
    return coef


def baseline_scores(B, S, T):
    """{kind: (objective, MRE)} of the weighted baselines fitted and scored on these rows."""
    out = {}
    for kind in ("linear", "polynomial"):
        pred = design(kind, B, S) @ baseline_fit(kind, B, S, T)
        out[kind] = (objective(pred, T), mre(pred, T))
    return out


def extrapolation_split(B, S):
    train = (B <= 32) & (S <= 1024)
    test = ~train & (B <= 64) & (S <= 2048)
    return train, test


def saturn_eval(saturn, path, where):
    # The window is explicit: these gates are on the rows below 500 ms (eval's own default has no upper end).
    cmd = [saturn, "eval", "--json", "--max-ms", "500", path] + sum((["--where", f"{k}={v}"] for k, v in where), [])
    try:
        out = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise RuntimeError(f"cannot run {saturn}: {e}") from e
    if out.returncode != 0:
        raise RuntimeError(f"saturn eval failed: {out.stderr.strip()}")
    doc = json.loads(out.stdout)[0]
    return doc, {m["name"]: m for m in doc["models"]}


def check_exception(saturn, name, entry, B, S, T, sci_mre, base):
    """Checks the listed reason. Returns (holds, explanation)."""
    column, value = entry["drop"]
    loser = min(base, key=lambda k: base[k][1])
    if not sci_mre > base[loser][1]:
        return False, (f"reason not confirmed: SciPy's optimum ({sci_mre * 100:.3f}%) beats the {loser} baseline "
                       f"({base[loser][1] * 100:.3f}%), so the loss is the fit's, not the model's")
    keep = (B if column == "B" else S) != value
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "without.csv")
        with open(path, "w") as f:
            f.write("B,S,T_ms\n")
            for b, s, t in zip(B[keep], S[keep], T[keep]):
                f.write(f"{float(b)!r},{float(s)!r},{float(t)!r}\n")
        _, models = saturn_eval(saturn, path, [])
    swift = models["saturation_relative"]["mape"]
    base2 = baseline_scores(B[keep], S[keep], T[keep])
    lin, poly = base2["linear"][1], base2["polynomial"][1]
    text = (f"without the {column}={value:g} rows ({int((~keep).sum())} of {len(T)}): Saturn {swift * 100:.3f}%, "
            f"linear {lin * 100:.3f}%, polynomial {poly * 100:.3f}%")
    if swift <= lin and swift <= poly:
        return True, (f"reason holds: SciPy's optimum loses too ({sci_mre * 100:.3f}% vs {loser} "
                      f"{base[loser][1] * 100:.3f}%); " + text)
    return False, "reason not confirmed: " + text


def short(name):
    return name.removeprefix("steps_").removesuffix(".csv").replace("llama2-70b_", "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/debug/saturn")
    ap.add_argument("--data", default=os.path.join(REPOSITORY, "data"))
    ap.add_argument("--no-baseline-gate", action="store_true",
                    help="report the comparison with the baselines without failing on it (the optimum gate stays)")
    args = ap.parse_args()
    tables = sorted(f for f in os.listdir(args.data) if f.startswith("steps_") and f.endswith(".csv"))
    if not tables:
        print(f"no steps_*.csv tables in {args.data}", file=sys.stderr)
        return 2
    failures = 0
    notes = []
    extrapolation = []
    print("In-sample, relative loss for every model (baselines: weighted least squares, weights 1/T^2).")
    print("Gates: Saturn's objective within 1e-6 (relative) of SciPy's best or its mean rel. error within 0.01 pp; "
          + ("(not gated) " if args.no_baseline_gate else "")
          + "Saturn's mean rel. error <= both baselines'. Columns: mean relative error; objective gap = Saturn's "
          "sum of squared relative residuals / SciPy's best - 1; (OLS ...) = saturn eval's least-squares baselines, "
          "for reference.")
    print(f"{'table':34s} {'rows':>4s} {'Saturn':>8s} {'SciPy':>8s} {'objective gap':>21s} {'linear':>8s} "
          f"{'poly':>8s} {'(OLS lin':>8s} {'poly)':>7s}  verdict")
    for name in tables:
        path = os.path.join(args.data, name)
        where = [("fits_kv_capacity", "1")] if "vidur" in name else []
        try:
            doc, models = saturn_eval(args.saturn, path, where)
        except RuntimeError as e:
            print(f"{short(name):34s} {e}")
            failures += 1
            continue
        B, S, T = load(path, where)
        if len(T) != doc["rows_used"]:
            print(f"{short(name):34s} row mismatch: python {len(T)} vs saturn {doc['rows_used']}")
            failures += 1
            continue
        sat = models["saturation_relative"]
        pred = predict_raw(sat["parameters"], B, S)
        swift_obj, swift_mre = objective(pred, T), mre(pred, T)
        sci_obj, sci_mre, _ = scipy_best(B, S, T)
        gap = swift_obj / sci_obj - 1
        if abs(gap) <= EQUAL:
            gap_text = f"{gap:+.1e} equal"
        elif gap < 0:
            gap_text = f"{gap:+.1e} better"
        else:
            gap_text = f"{gap:+.1e} WORSE"
        verdicts = []
        if not (gap <= OBJECTIVE_TOLERANCE or swift_mre <= sci_mre + MRE_TOLERANCE):
            verdicts.append(f"FAIL: objective {gap:+.2e} above SciPy's best, mean rel. error "
                            f"{(swift_mre - sci_mre) * 100:+.3f} pp")
        base = baseline_scores(B, S, T)
        lin, poly = base["linear"][1], base["polynomial"][1]
        beats = swift_mre <= lin and swift_mre <= poly
        if name in KNOWN_BASELINE_EXCEPTIONS:
            if beats:
                verdicts.append("ok; listed exception no longer needed: remove it from KNOWN_BASELINE_EXCEPTIONS")
            else:
                holds, why = check_exception(args.saturn, name, KNOWN_BASELINE_EXCEPTIONS[name], B, S, T, sci_mre,
                                             base)
                failed_text = "listed exception (not gated)" if args.no_baseline_gate else "FAIL: listed exception"
                verdicts.append(("ok (known exception, checked)" if holds else failed_text)
                                + f" [{len(notes) + 1}]")
                notes.append(f"[{len(notes) + 1}] {short(name)}: {KNOWN_BASELINE_EXCEPTIONS[name]['reason']}; {why}")
        elif not beats:
            losers = [k for k, v in (("linear", lin), ("polynomial", poly)) if swift_mre > v]
            verdicts.append(("worse than " if args.no_baseline_gate else "FAIL: worse than ") + " and ".join(losers)
                            + (" (not gated: --no-baseline-gate)" if args.no_baseline_gate else ""))
        verdict = "; ".join(verdicts) if verdicts else "ok"
        failed = any(v.startswith("FAIL") for v in verdicts)
        failures += failed
        ols = (models["linear"]["mape"], models["polynomial"]["mape"])
        print(f"{short(name):34s} {len(T):4d} {swift_mre * 100:7.3f}% {sci_mre * 100:7.3f}% {gap_text:>21s} "
              f"{lin * 100:7.3f}% {poly * 100:7.3f}% {ols[0] * 100:7.2f}% {ols[1] * 100:6.2f}%  {verdict}")

        train, test = extrapolation_split(B, S)
        row = [short(name), int(train.sum()), int(test.sum()), sat.get("extrapolation_mape")]
        for kind in ("linear", "polynomial"):
            if test.any() and train.sum() >= 5:
                coef = baseline_fit(kind, B[train], S[train], T[train])
                row.append(mre(design(kind, B[test], S[test]) @ coef, T[test]))
            else:
                row.append(None)
        if doc["extrapolation_test_rows"] != row[2] or doc["extrapolation_train_rows"] != row[1]:
            row.append("split differs from saturn eval's")
        extrapolation.append(row)
    for n in notes:
        print(n)

    def pct(v):
        return f"{v * 100:7.2f}%" if v is not None else "    n/a "

    print()
    print("Extrapolation (informational, not a gate): train B <= 32 and S <= 1024, test the other rows with B <= 64, "
          "S <= 2048; mean relative error on the test rows; relative loss for every model.")
    print(f"{'table':34s} {'train':>5s} {'test':>4s} {'Saturn':>8s} {'linear':>8s} {'poly':>8s}  best")
    wins = 0
    for row in extrapolation:
        label, ntrain, ntest, sat, lin, poly = row[:6]
        values = {"Saturn": sat, "linear": lin, "polynomial": poly}
        known = {k: v for k, v in values.items() if v is not None}
        best = min(known, key=known.get) if known else "n/a"
        wins += best == "Saturn"
        extra = f"  ({row[6]})" if len(row) > 6 else ""
        print(f"{label:34s} {ntrain:5d} {ntest:4d} {pct(sat)} {pct(lin)} {pct(poly)}  {best}{extra}")
    if extrapolation:
        print(f"Saturn extrapolates best on {wins} of {len(extrapolation)} tables "
              f"(test sets of {min(r[2] for r in extrapolation)}-{max(r[2] for r in extrapolation)} rows).")
    passed = len(tables) - failures
    gates = "optimum" + (" (baselines reported, not gated)" if args.no_baseline_gate else " and baselines")
    print(f"{passed} passed, {failures} failed ({gates})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
