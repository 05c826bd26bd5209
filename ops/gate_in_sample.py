#!/usr/bin/env python3
"""Does the robust gate cost in-sample accuracy on clean data? For each table: `saturn fit --json` (base model,
relative loss) with and without `--no-reject`, and the mean relative error of each fit recomputed over every row
the filter keeps (0.1 < T_ms < 500), rejected rows included.

Usage: python3 ops/gate_in_sample.py [--saturn .build/debug/saturn] data/steps_splitwise*.csv
"""
import argparse
import csv
import json
import math
import os
import subprocess


def mape(saturn, path, extra):
    out = subprocess.run([saturn, "fit", path, "--json"] + extra, capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    p = d["parameters"]

    def latency(b, s):
        thr = p["P_max"] * -math.expm1(-p["k_B"] * b) * -math.expm1(-p["k_S"] * s)
        return p["tau_0"] + (p["w_0"] + p["w_1"] * s) / thr + p["tau_B"] * b + p["tau_S"] * s

    rows = [r for r in csv.DictReader(open(path, newline="")) if 0.1 < float(r["T_ms"]) < 500]
    errors = [abs(latency(float(r["B"]), float(r["S"])) - float(r["T_ms"])) / float(r["T_ms"]) for r in rows]
    return sum(errors) / len(errors), d["rows"]["rejected"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/debug/saturn")
    ap.add_argument("tables", nargs="+")
    a = ap.parse_args()
    for path in a.tables:
        plain, _ = mape(a.saturn, path, ["--no-reject"])
        gated, rejected = mape(a.saturn, path, [])
        print(f"{os.path.basename(path)}: no gate {100 * plain:.2f}%, gate {100 * gated:.2f}% over all filtered rows "
              f"({rejected} rejected), {100 * (gated - plain):+.2f} pt")


if __name__ == "__main__":
    main()
