#!/usr/bin/env python3
"""In-sample checks of the offline fit (`saturn fit --json`, base model, relative loss).

Default: does the robust gate cost in-sample accuracy on clean data? For each table, the fit with and without
`--no-reject` (latency window 0.1 < T_ms < 500), and the mean relative error of each fit recomputed over every row
that window keeps, rejected rows included.

--windows: which latency window should the fit use? For each table, the gated fit on the rows below 500 ms
(`--max-ms 500`) and on every row (`--max-ms inf`), each scored on the rows below 500 ms and on the rows at or above
it (0.1 < T_ms always), over the rows neither of the two fits rejects and, in brackets, over all of them (rejected
rows included).

Usage: python3 ops/gate_in_sample.py [--saturn .build/debug/saturn] [--windows] data/steps_splitwise*.csv
"""
import argparse
import csv
import json
import math
import os
import subprocess


def fit(saturn, path, extra):
    out = subprocess.run([saturn, "fit", path, "--json"] + extra, capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    p = d["parameters"]

    def latency(b, s):
        thr = p["P_max"] * -math.expm1(-p["k_B"] * b) * -math.expm1(-p["k_S"] * s)
        return p["tau_0"] + (p["w_0"] + p["w_1"] * s) / thr + p["tau_B"] * b + p["tau_S"] * s

    return latency, d["rows"]["rejected"], {r["index"] for r in d["rejected"]}


def mape(latency, rows):
    errors = [abs(latency(float(r["B"]), float(r["S"])) - float(r["T_ms"])) / float(r["T_ms"]) for r in rows]
    return sum(errors) / len(errors) if errors else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/debug/saturn")
    ap.add_argument("--windows", action="store_true", help="compare the 500 ms window with no upper end")
    ap.add_argument("tables", nargs="+")
    a = ap.parse_args()
    if a.windows:
        print("| table | fit window | rejected | MAPE, rows < 500 ms | MAPE, rows >= 500 ms |")
        print("|---|---|---|---|---|")
    for path in a.tables:
        rows = [(i, r) for i, r in enumerate(csv.DictReader(open(path, newline=""))) if 0.1 < float(r["T_ms"])]
        short = [r for _, r in rows if float(r["T_ms"]) < 500]
        name = os.path.basename(path)
        if a.windows:
            fits = {label: fit(a.saturn, path, ["--max-ms", max_ms])
                    for label, max_ms in [("< 500 ms", "500"), ("all rows", "inf")]}
            either = set().union(*(f[2] for f in fits.values()))
            for label, (latency, rejected, _) in fits.items():
                cells = []
                for part in [lambda t: t < 500, lambda t: t >= 500]:
                    every = [r for _, r in rows if part(float(r["T_ms"]))]
                    valid = [r for i, r in rows if part(float(r["T_ms"])) and i not in either]
                    cells.append(f"{100 * mape(latency, valid):.2f}% of {len(valid)} ({100 * mape(latency, every):.2f}%"
                                 f" of {len(every)})")
                print(f"| {name} | {label} | {rejected} | {cells[0]} | {cells[1]} |")
            continue
        plain_fit, _, _ = fit(a.saturn, path, ["--no-reject", "--max-ms", "500"])
        gated_fit, rejected, _ = fit(a.saturn, path, ["--max-ms", "500"])
        plain, gated = mape(plain_fit, short), mape(gated_fit, short)
        print(f"{name}: no gate {100 * plain:.2f}%, gate {100 * gated:.2f}% over all filtered rows "
              f"({rejected} rejected), {100 * (gated - plain):+.2f} pt")


if __name__ == "__main__":
    main()
