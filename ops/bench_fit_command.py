#!/usr/bin/env python3
"""The whole command: `saturn fit FILE` against a whole Python script doing the same job (ops/fit_scipy.py).

Both read the same 10,000-row CSV, `saturn bench`'s own fit table (seeded synthetic table, Laplace noise; written
with `saturn bench --write-table`), filter, fit with the relative loss and print parameters, metrics and the
Shapiro-Wilk test. The Python side is the strongest honest one: numpy's C CSV reader and Saturn's algorithm (same
starts, analytic Jacobian) with SciPy's least_squares. Each round runs every command once, in rotating order;
medians over the rounds are reported, with each side's own fit time and, for reference, each side's start-up
alone (`saturn --help`; `python3 -c "import numpy, scipy.optimize, scipy.stats"`), and the Python script without
its Shapiro-Wilk test (which spares it the scipy.stats import: the floor of the Python side).

The Python processes get OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS=1 (one thread is faster at this size); the
output says which OpenBLAS variables they saw.

Usage: python3 ops/bench_fit_command.py [--saturn .build/release/saturn] [--rows 10000] [--repeats 21]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, env):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip()}")
    return elapsed, out.stdout, out.stderr


def fit_ms(stdout):
    m = re.search(r"fit: .*?, ([0-9.]+) ms\s*$", stdout, re.M)
    return float(m.group(1)) if m else float("nan")


def summary(stdout):
    """The lines both programs print the same way (metrics), to check they did the same job."""
    return [line for line in stdout.splitlines() if line.startswith(("R^2", "relative error", "residuals"))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/release/saturn")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=21)
    ap.add_argument("--csv", help="use this CSV instead of the benchmark's table")
    args = ap.parse_args()

    py_env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    blas = {k: v for k, v in py_env.items() if k.startswith("OPENBLAS_") or k == "OMP_NUM_THREADS"}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.csv
        if path is None:
            path = os.path.join(tmp, f"bench{args.rows}.csv")
            subprocess.run([args.saturn, "bench", "--write-table", path, "--rows", str(args.rows)], check=True)
        commands = {
            # fit_scipy.py has no robust gate and keeps 0.1 < T_ms < 500
            "saturn fit": ([args.saturn, "fit", "--no-reject", "--max-ms", "500", path], os.environ),
            "python fit_scipy.py": ([args.python, os.path.join(HERE, "fit_scipy.py"), path, "--timings"], py_env),
            "python --no-shapiro": ([args.python, os.path.join(HERE, "fit_scipy.py"), path, "--no-shapiro"], py_env),
            "saturn start-up": ([args.saturn, "--help"], os.environ),
            "python start-up": ([args.python, "-c", "import numpy, scipy.optimize, scipy.stats"], py_env),
        }
        # One untimed round (page cache, Python's bytecode cache); check both fits print the same metrics.
        outputs = {name: run(cmd, env) for name, (cmd, env) in commands.items()}
        swift_lines, python_lines = summary(outputs["saturn fit"][1]), summary(outputs["python fit_scipy.py"][1])
        same = swift_lines == python_lines
        times = {name: [] for name in commands}
        inner = {"saturn fit": [], "python fit_scipy.py": [], "python --no-shapiro": []}
        parts = []
        names = list(commands)
        for r in range(args.repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                cmd, env = commands[name]
                elapsed, stdout, stderr = run(cmd, env)
                times[name].append(elapsed)
                if name in inner:
                    inner[name].append(fit_ms(stdout))
                if name == "python fit_scipy.py":
                    parts.append(stderr.strip())

    med = {name: statistics.median(v) * 1000 for name, v in times.items()}
    print(f"whole command on {args.rows if args.csv is None else 'the given'} rows ({path if args.csv else 'saturn bench table'}), "
          f"{args.repeats} alternating rounds, medians (min-max) in ms; Python env: "
          + " ".join(f"{k}={v}" for k, v in sorted(blas.items())))
    for name in names:
        v = [t * 1000 for t in times[name]]
        extra = f"   (fit alone {statistics.median(inner[name]):.1f} ms)" if name in inner else ""
        print(f"  {name:22s} {med[name]:8.1f}  ({min(v):.1f}-{max(v):.1f}){extra}")
    print(f"  ratio: the Python script takes {med['python fit_scipy.py'] / med['saturn fit']:.1f}x as long as "
          f"`saturn fit`; start-up alone {med['python start-up'] / med['saturn start-up']:.1f}x; "
          f"fit alone {statistics.median(inner['python fit_scipy.py']) / statistics.median(inner['saturn fit']):.1f}x; "
          f"without Shapiro-Wilk (no scipy.stats import) {med['python --no-shapiro'] / med['saturn fit']:.1f}x")
    print(f"  Python breakdown (last round): {parts[-1] if parts else 'n/a'}")
    print("  same metrics printed by both: " + ("yes" if same else "NO"))
    if not same:
        print("    saturn: " + " | ".join(swift_lines))
        print("    python: " + " | ".join(python_lines))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
