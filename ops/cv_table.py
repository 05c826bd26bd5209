#!/usr/bin/env python3
"""The README's "Out-of-sample accuracy" table: `saturn eval --cv --json` on every step table, with the default
latency window (0.1 < T_ms < 500) and with all rows (--max-ms 100000), beside the base model without the robust gate.

Usage: python3 ops/cv_table.py [--saturn .build/debug/saturn] data/steps_*.csv
"""
import argparse
import json
import os
import subprocess


def cv(saturn, path, max_ms, where, gate=True):
    args = [saturn, "eval", "--cv", "--json", path, "--max-ms", max_ms] + where + ([] if gate else ["--no-reject"])
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/debug/saturn")
    ap.add_argument("tables", nargs="+")
    a = ap.parse_args()
    print("| table | window | base | kv | kvq | chosen | rejected | base, no gate |")
    print("|---|---|---|---|---|---|---|---|")
    for path in a.tables:
        vidur = "vidur" in path
        where = ["--where", "fits_kv_capacity=1"] if vidur else []
        for max_ms in ["500"] if vidur else ["500", "100000"]:
            d = cv(a.saturn, path, max_ms, where)
            plain = {m["name"]: m["cv_mape"] for m in cv(a.saturn, path, max_ms, where, gate=False)["models"]}
            mape = {m["name"]: m["cv_mape"] for m in d["models"]}
            name = os.path.basename(path).removeprefix("steps_").removesuffix(".csv")
            name = name.replace("llama2-70b_", "").replace("llama2-7b_", "")
            window = "< 500 ms" if max_ms == "500" else "all rows"
            cells = " | ".join(f"{100 * mape[k]:.2f}%" for k in ["base", "kv", "kvq"])
            total = d["rows_scored"] + len(d["rejected"])
            print(f"| {name} | {window} | {cells} | {d['chosen']} {100 * d['cv_mape']:.2f}% | "
                  f"{len(d['rejected'])} of {total} | {100 * plain['base']:.2f}% |")


if __name__ == "__main__":
    main()
