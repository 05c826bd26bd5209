"""Saturn's fit (Sources/SaturnModel/LatencyFitter.swift) reproduced with numpy and scipy.optimize.least_squares.

Used by ops/bench_scipy.py, ops/fit_scipy.py and ops/compare_scipy.py to separate what is the algorithm from what
is the language: the same filter, the same normalisation and 7-parameter identifiable form, the same starts (the
design's initial values and the best local minima of the 12 x 24 (k_B, k_S) grid scored by NNLS on at most 1000
strided rows), the same schedule above 1000 rows (explore every start on a strided subsample at tolerance 1e-8,
polish at most 2 distinct end points on all rows at 1e-12), the same evaluation budget (400 per solve) and an
analytic Jacobian. Only the local solver differs: SciPy's trust-region reflective (`method='trf'`, `x_scale='jac'`)
instead of Saturn's bounded Levenberg-Marquardt.

Keep in step with LatencyFitter.swift, FitConfiguration.swift and SaturationProblem.swift; `--check-starts` of
ops/bench_scipy.py compares the starts with `saturn bench --print-starts`.
"""
import numpy as np
from scipy.optimize import least_squares, nnls

# Physical bounds, LatencyParameters order [P_max, k_B, k_S, w_0, w_1, tau_0, tau_B, tau_S].
PHYSICAL_LOWER = np.array([0.1, 1e-4, 1e-4, 0.0, 1e-6, 0.0, 0.0, 0.0])
PHYSICAL_UPPER = np.array([1e4, 10.0, 1.0, np.inf, np.inf, np.inf, np.inf, np.inf])
NAMES = ["P_max", "k_B", "k_S", "w_0", "w_1", "tau_0", "tau_B", "tau_S"]

# FitConfiguration defaults.
GRID_B, GRID_S, GRID_ROWS, GRID_STARTS = 12, 24, 1000, 4
MAX_NFEV, TOLERANCE, EXPLORE_ROWS, POLISHED = 400, 1e-12, 1000, 2


def filter_rows(B, S, T, lo=0.1, hi=500.0):
    """RowFilter: keep finite rows with lo < T < hi, B > 0, S > 0."""
    keep = np.isfinite(B) & np.isfinite(S) & np.isfinite(T) & (B > 0) & (S > 0) & (T > lo) & (T < hi)
    return B[keep], S[keep], T[keep]


def quantile(x, q):
    """Descriptive.quantile: linear interpolation between order statistics (numpy's default)."""
    return float(np.quantile(x, q))


def design_initial_values(B, S, T):
    """LatencyFitter.designInitialValues: raw parameters, projected onto the physical bounds."""
    p95 = quantile(S / T, 0.95)
    dx = S - S.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ (T - T.mean())) / sxx if sxx > 0 else 0.0
    raw = np.array([p95, 0.1, 0.01, 1.0, slope, 0.5 * T.min(), 0.01, 1e-4])
    raw = np.where(np.isfinite(raw), raw, PHYSICAL_LOWER)
    return np.clip(raw, PHYSICAL_LOWER, PHYSICAL_UPPER)


def saturation(x):
    """(1 - e^-x, e^-x) with full relative accuracy, as SaturationProblem's `saturation`."""
    e = np.exp(-x)
    a = np.where(x > 0.5, 1 - e, -np.expm1(-x))
    return a, np.where(x > 0.5, e, 1 - a)


class Problem:
    """The weighted 7-parameter problem: residual_i = sw_i (T_hat_i - T_i), T_hat in normalised form.

    `exp` is evaluated once per distinct B' and S' (as Saturn does) and the last evaluation is cached for the
    Jacobian at the same point (SciPy calls fun then jac at each accepted point).
    """

    def __init__(self, bn, sn, t, sw):
        self.bn, self.sn, self.t, self.sw = bn, sn, t, sw
        self.ub, self.ib = np.unique(bn, return_inverse=True)
        self.us, self.is_ = np.unique(sn, return_inverse=True)
        self._x = None

    def subset(self, rows):
        return Problem(self.bn[rows], self.sn[rows], self.t[rows], self.sw[rows])

    def _eval(self, x):
        if self._x is None or not np.array_equal(x, self._x):
            aB, eB = saturation(x[0] * self.ub)
            aS, eS = saturation(x[1] * self.us)
            a, b = aB[self.ib], aS[self.is_]
            u = 1 / (a * b)
            q = (x[2] + x[3] * self.sn) * u
            r = self.sw * (x[4] + q + x[5] * self.bn + x[6] * self.sn - self.t)
            self._x = np.array(x, copy=True)
            self._cache = (a, b, eB[self.ib], eS[self.is_], u, q, r)
        return self._cache

    def residuals(self, x):
        return self._eval(x)[6]

    def jacobian(self, x):
        a, b, eB, eS, u, q, _ = self._eval(x)
        sw, bn, sn = self.sw, self.bn, self.sn
        J = np.empty((len(sw), 7))
        J[:, 0] = -q * bn * eB / a
        J[:, 1] = -q * sn * eS / b
        J[:, 2] = u
        J[:, 3] = sn * u
        J[:, 4] = 1.0
        J[:, 5] = bn
        J[:, 6] = sn
        J *= sw[:, None]
        return J

    def objective(self, x):
        r = self.residuals(np.asarray(x, dtype=float))
        v = float(r @ r)
        return v if np.isfinite(v) else np.inf


def logspace(lo, hi, count):
    k = np.arange(count)
    return np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * k / (count - 1))


def grid_starts(bn, sn, t, sw, lower, upper):
    """LatencyFitter.gridStarts: the best local minima of the (k_B, k_S) grid, each cell solved by NNLS."""
    n = len(t)
    stride = max(1, (n + GRID_ROWS - 1) // GRID_ROWS)
    rows = np.arange(0, n, stride)
    b, s, y, sq = bn[rows], sn[rows], t[rows], sw[rows]
    kbs = logspace(lower[0], upper[0], GRID_B)
    kss = logspace(lower[1], upper[1], GRID_S)
    aB = saturation(np.outer(kbs, b))[0]
    aS = saturation(np.outer(kss, s))[0]
    # Per cell, the normal equations of the 5 linear parameters [tau_0, w_0/P, w_1/P, tau_B, tau_S] (columns
    # 1, u, u S', B', S' with u = 1/(a_B a_S)), all cells at once; then NNLS per cell on the equivalent 5 x 5
    # problem ||R q - z||^2 with R^T R = G (column-scaled), R^T z = h, as Saturn's NNLS works from G and h.
    w = sq * sq
    U = 1 / (aB[:, None, :] * aS[None, :, :])  # GRID_B x GRID_S x m
    cols = [np.broadcast_to(np.ones_like(b), U.shape), U, U * s, np.broadcast_to(b, U.shape),
            np.broadcast_to(s, U.shape)]
    G = np.empty((GRID_B, GRID_S, 5, 5))
    h = np.empty((GRID_B, GRID_S, 5))
    for i in range(5):
        wi = cols[i] * w
        h[..., i] = wi @ y
        for j in range(i, 5):
            G[..., i, j] = G[..., j, i] = np.einsum("abm,abm->ab", wi, cols[j]) if i in (1, 2) or j in (1, 2) \
                else (wi[0, 0] @ cols[j][0, 0])
    yy = float(w @ (y * y))
    score = np.full((GRID_B, GRID_S), np.inf)
    solutions = {}
    # Column scaling and Cholesky factors of all cells at once; NNLS only where the unconstrained solution has a
    # negative entry (elsewhere it is the NNLS solution).
    with np.errstate(all="ignore"):
        d = 1 / np.sqrt(np.einsum("abii->abi", G))
        Gs = G * d[..., :, None] * d[..., None, :]
        try:
            L = np.linalg.cholesky(Gs)
            z = np.linalg.solve(L, (h * d)[..., None])[..., 0]
            qs = np.linalg.solve(np.swapaxes(L, -1, -2), z[..., None])[..., 0]
            factored = np.isfinite(qs).all(axis=-1)
        except np.linalg.LinAlgError:
            factored = np.zeros((GRID_B, GRID_S), dtype=bool)
    for ib in range(GRID_B):
        for js in range(GRID_S):
            if factored[ib, js]:
                zz = z[ib, js]
                if (qs[ib, js] >= 0).all():
                    q, rr = qs[ib, js], 0.0
                else:
                    q, rnorm = nnls(np.swapaxes(L[ib, js], 0, 1), zz)
                    rr = rnorm * rnorm
                q = q * d[ib, js]
                sse = max(rr + yy - zz @ zz, 0.0)
            else:
                C = np.column_stack([c[ib, js] for c in cols]) * sq[:, None]
                try:
                    q, rnorm = nnls(C, y * sq)
                except RuntimeError:
                    continue
                sse = rnorm * rnorm
            if np.isfinite(sse):
                score[ib, js] = sse
                solutions[(ib, js)] = [kbs[ib], kss[js], q[1], q[2], q[0], q[3], q[4]]
    minima = []
    for ib in range(GRID_B):
        for js in range(GRID_S):
            c = score[ib, js]
            if not np.isfinite(c):
                continue
            nb = score[max(ib - 1, 0):ib + 2, max(js - 1, 0):js + 2]
            if not (nb < c).any():
                minima.append((ib, js))
    minima.sort(key=lambda c: score[c])
    chosen = minima[:GRID_STARTS]
    if len(chosen) < GRID_STARTS:
        rest = sorted((c for c in solutions if c not in chosen), key=lambda c: score[c])
        chosen += rest[:GRID_STARTS - len(chosen)]
    return [np.clip(solutions[c], lower, upper) for c in chosen], GRID_B * GRID_S


def prepare(B, S, T, loss):
    """Medians, normalised columns, weights, bounds and starts (labels as in FitReport.bestStart)."""
    mB, mS = float(np.median(B)), float(np.median(S))
    bn, sn = B / mB, S / mS
    sw = np.ones_like(T) if loss == "sse" else 1 / T
    design = design_initial_values(B, S, T)
    ratio1_min = PHYSICAL_LOWER[4] / PHYSICAL_UPPER[0]
    lower = np.array([PHYSICAL_LOWER[1] * mB, PHYSICAL_LOWER[2] * mS, 0, ratio1_min * mS, 0, 0, 0])
    upper = np.array([PHYSICAL_UPPER[1] * mB, PHYSICAL_UPPER[2] * mS, np.inf, np.inf, np.inf, np.inf, np.inf])
    P = design[0]
    starts = [("design_init", np.array([design[1] * mB, design[2] * mS, design[3] / P, design[4] / P * mS,
                                        design[5], design[6] * mB, design[7] * mS]))]
    grid, _ = grid_starts(bn, sn, T, sw, lower, upper)
    starts += [(f"grid_{k}", x) for k, x in enumerate(grid)]
    return dict(mB=mB, mS=mS, design=design, problem=Problem(bn, sn, T, sw), lower=lower, upper=upper,
                starts=starts)


def solve(problem, x0, lower, upper, tol):
    x0 = np.clip(x0, lower, upper)
    return least_squares(problem.residuals, x0, jac=problem.jacobian, bounds=(lower, upper), method="trf",
                         x_scale="jac", ftol=tol, xtol=tol, gtol=tol, max_nfev=MAX_NFEV)


def fit(B, S, T, loss="relative", schedule="saturn"):
    """Saturn's algorithm with SciPy as the local solver. `schedule='all'` solves every start on all rows.

    Returns a dict: raw parameters (Saturn's P_max convention), objective (sum of squared weighted residuals),
    nfev, njev, starts, best start label.
    """
    B, S, T = filter_rows(B, S, T)
    prep = prepare(B, S, T, loss)
    problem, lower, upper = prep["problem"], prep["lower"], prep["upper"]
    n = len(T)
    nfev = njev = 0
    best = None

    def consider(label, r):
        nonlocal best
        obj = problem.objective(r.x)
        if np.isfinite(obj) and (best is None or obj < best[1]):
            best = (label, obj, r.x)

    if schedule == "saturn" and n > EXPLORE_ROWS:
        stride = (n + EXPLORE_ROWS - 1) // EXPLORE_ROWS
        sub = problem.subset(np.arange(0, n, stride))
        ends = []
        for label, x0 in prep["starts"]:
            r = solve(sub, x0, lower, upper, max(TOLERANCE, 1e-8))
            nfev += r.nfev
            njev += r.njev or 0
            obj = sub.objective(r.x)
            if np.isfinite(obj):
                ends.append((obj, label, r.x))
        ends.sort(key=lambda e: e[0])
        polished = []
        for obj, label, x in ends:
            if len(polished) >= POLISHED:
                break
            if polished and obj > ends[0][0] * 1.01:
                break
            if any(np.all(np.abs(p - x) <= 1e-3 * np.maximum(np.maximum(np.abs(p), np.abs(x)), 1e-9))
                   for p in polished):
                continue
            polished.append(x)
            r = solve(problem, x, lower, upper, TOLERANCE)
            nfev += r.nfev
            njev += r.njev or 0
            consider(label, r)
    else:
        for label, x0 in prep["starts"]:
            r = solve(problem, x0, lower, upper, TOLERANCE)
            nfev += r.nfev
            njev += r.njev or 0
            consider(label, r)
    label, obj, x = best
    mB, mS = prep["mB"], prep["mS"]
    ratio1 = x[3] / mS
    P = min(max(prep["design"][0], PHYSICAL_LOWER[4] / ratio1, PHYSICAL_LOWER[0]), PHYSICAL_UPPER[0])
    raw = np.clip([P, x[0] / mB, x[1] / mS, x[2] * P, ratio1 * P, x[4], x[5] / mB, x[6] / mS],
                  PHYSICAL_LOWER, PHYSICAL_UPPER)
    return dict(parameters=raw, objective=obj, nfev=nfev, njev=njev, starts=len(prep["starts"]), best_start=label,
                rows=n, B=B, S=S, T=T)


def predict(raw, B, S):
    P, kB, kS, w0, w1, t0, tB, tS = raw
    thr = P * (-np.expm1(-kB * B)) * (-np.expm1(-kS * S))
    return t0 + (w0 + w1 * S) / thr + tB * B + tS * S
