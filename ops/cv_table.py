#!/usr/bin/env python3
"""The README's "Out-of-sample accuracy" tables, from `saturn eval --cv --json` on every step table.

Default: every table with the default latency window (no upper end) and, for the Splitwise tables, with the agent's
window (--max-ms 500); cross-validated MAPE of each member, the chosen one, the noise floor (mean leave-one-out
error of the repeats of each setting) and the chosen one's ratio to it, the rows rejected, the base model without the
robust gate, and the two settings that carry most of the chosen model's error.

--windows: does training on every row cost accuracy on the short steps? For each Splitwise table the chosen model's
cross-validated error over the rows below 500 ms that both runs score (--max-ms 500 and no upper end), and the
no-upper-end run's error over the rows at or above 500 ms.

--gate: is the robust gate worth its rejections? For each table and window, the base model's cross-validated error
with and without the gate over the rows both runs score (the gated run's rejected rows left out of both).

Usage: python3 ops/cv_table.py [--saturn .build/debug/saturn] [--windows | --gate] data/steps_*.csv
"""
import argparse
import csv
import json
import os
import subprocess


def cv(saturn, path, max_ms, where, gate=True):
    args = [saturn, "eval", "--cv", "--json", path, "--max-ms", max_ms] + where + ([] if gate else ["--no-reject"])
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def short_name(path):
    name = os.path.basename(path).removeprefix("steps_").removesuffix(".csv")
    return name.replace("llama2-70b_", "").replace("llama2-7b_", "")


def out_of_fold(d, model=None):
    m = {x["name"]: x for x in d["models"]}[model or d["chosen"]]
    return dict(zip(d["scored_indices"], m["out_of_fold_errors"]))


def pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}%"


def windows(saturn, tables):
    print("| table | chosen, < 500 ms | chosen, all rows | MAPE on the common rows < 500 ms (rows) | "
          "all rows: MAPE on rows >= 500 ms (rows) |")
    print("|---|---|---|---|---|")
    for path in tables:
        if "vidur" in path:
            continue
        latency = [float(r["T_ms"]) for r in csv.DictReader(open(path, newline=""))]
        short, every = cv(saturn, path, "500", []), cv(saturn, path, "inf", [])
        a, b = out_of_fold(short), out_of_fold(every)
        common = [i for i in a if i in b]
        long = [i for i in b if latency[i] >= 500]
        mean = lambda e, rows: sum(e[i] for i in rows) / len(rows)
        print(f"| {short_name(path)} | {short['chosen']} | {every['chosen']} | {pct(mean(a, common))} -> "
              f"{pct(mean(b, common))} ({len(common)}) | {pct(mean(b, long))} ({len(long)}) |")


def gate(saturn, tables):
    print("| table | window | rejected | base with gate | base without gate | rows |")
    print("|---|---|---|---|---|---|")
    for path in tables:
        vidur = "vidur" in path
        where = ["--where", "fits_kv_capacity=1"] if vidur else []
        for max_ms in ["inf"] if vidur else ["inf", "500"]:
            gated, plain = cv(saturn, path, max_ms, where), cv(saturn, path, max_ms, where, gate=False)
            a, b = out_of_fold(gated, "base"), out_of_fold(plain, "base")
            common = [i for i in a if i in b]
            mean = lambda e: sum(e[i] for i in common) / len(common)
            window = "all rows" if max_ms == "inf" else "< 500 ms"
            print(f"| {short_name(path)} | {window} | {len(gated['rejected'])} | {pct(mean(a))} | {pct(mean(b))} | "
                  f"{len(common)} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saturn", default=".build/debug/saturn")
    ap.add_argument("--windows", action="store_true", help="the 500 ms window against none, on the same rows")
    ap.add_argument("--gate", action="store_true", help="base with and without the gate, on the same rows")
    ap.add_argument("tables", nargs="+")
    a = ap.parse_args()
    if a.gate:
        gate(a.saturn, a.tables)
        return
    if a.windows:
        windows(a.saturn, a.tables)
        return
    print("| table | window | base | kv | kvq | chosen | noise floor | x floor | rejected | base, no gate | "
          "largest error (setting: share, its CV MAPE / floor) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for path in a.tables:
        vidur = "vidur" in path
        where = ["--where", "fits_kv_capacity=1"] if vidur else []
        for max_ms in ["inf"] if vidur else ["inf", "500"]:
            d = cv(a.saturn, path, max_ms, where)
            plain = {m["name"]: m["cv_mape"] for m in cv(a.saturn, path, max_ms, where, gate=False)["models"]}
            models = {m["name"]: m for m in d["models"]}
            window = "all rows" if max_ms == "inf" else "< 500 ms"
            cells = " | ".join(pct(models[k]["cv_mape"]) for k in ["base", "kv", "kvq"])
            total = d["rows_scored"] + len(d["rejected"])
            ratio = models[d["chosen"]].get("floor_ratio")
            settings = "; ".join(f"B={s['B']:g} S={s['S']:g}: {100 * s['share']:.0f}%, {pct(s['cv_mape'])} / "
                                 f"{pct(s.get('noise_floor'))}" for s in d["largest_error_settings"][:2])
            print(f"| {short_name(path)} | {window} | {cells} | {d['chosen']} {pct(d['cv_mape'])} | "
                  f"{pct(d.get('noise_floor'))} | {'n/a' if ratio is None else f'{ratio:.1f}'} | "
                  f"{len(d['rejected'])} of {total} | {pct(plain['base'])} | {settings} |")


if __name__ == "__main__":
    main()
