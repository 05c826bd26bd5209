#!/usr/bin/env python3
"""Checks `saturn plan`'s static budget in the simulator against the grid search's best, scenario by scenario.

For each trace, SLA and load: `saturn simulate --saturn none` runs the static grid (max_num_batched_tokens x
max_num_seqs, the issue's grid) and reports its best setting; `saturn plan --table TRUTH --trace TRACE --rate R`
recommends a budget from a fit of the same step table, for the simulated requests and their arrival rate at that
load (what a user who will not run the agent in the loop would do); the simulator then runs that one budget.
Prints a Markdown table (or JSON with --json): goodput of the recommendation, of the grid's best and of vLLM's
default (2048 x 256), and the ratio plan / best.

What the plan is fitted on (`--source`):
- `table`: the measured step table the truth is built from (prefill-only and decode-only rows).
- `observed`: the telemetry a passive agent would have recorded beside the engine running vLLM's defaults
  (2048 x 256) on the same requests at the same load (`saturn simulate --steps-csv`), with `--margin observed` (the
  0.99 quantile of the model's under-prediction on those steps predicted at half the SLA or more). This is the
  workflow the README recommends: watch the deployment as it is, then plan.
`--margin` overrides the margin passed to `saturn plan` (default: `observed` for `observed`, the plan's own default
for `table`).

    python3 ops/evaluate_plan.py --saturn .build/release/saturn \
        --truth data/steps_splitwise_llama2-70b_h100-80gb_tp4.csv --loads 0.1,0.25,0.5,1,2,4
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile


def run_json(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--saturn", default=".build/release/saturn")
    ap.add_argument("--truth", default="data/steps_splitwise_llama2-70b_h100-80gb_tp4.csv")
    ap.add_argument("--traces", default="data/trace_azure_conv_2023.csv,data/trace_azure_code_2023.csv")
    ap.add_argument("--slas", default="80,120")
    ap.add_argument("--loads", default="0.1,0.25,0.5,1,2,4")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--ttft-ms", type=float, default=2000)
    ap.add_argument("--source", choices=["table", "observed"], default="observed")
    ap.add_argument("--margin", default=None, help="--margin passed to saturn plan (default: auto for observed)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for trace in a.traces.split(","):
            # The simulated requests exactly: the first N of the trace.
            with open(trace) as f:
                reader = csv.reader(f)
                header = next(reader)
                body = [r for _, r in zip(range(a.requests), reader)]
            head = os.path.join(tmp, os.path.basename(trace))
            with open(head, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                w.writerows(body)
            arrivals = [float(r[header.index("arrival_s")]) for r in body]
            base_rate = len(body) / (max(arrivals) - min(arrivals))
            for sla in a.slas.split(","):
                common = [a.saturn, "simulate", "--trace", trace, "--truth", a.truth, "--sla-ms", sla,
                          "--ttft-ms", str(a.ttft_ms), "--requests", str(a.requests), "--saturn", "none", "--json"]
                grid = run_json(common + ["--load", a.loads])
                for load in a.loads.split(","):
                    at = [p for p in grid["policies"] if abs(p["load"] - float(load)) < 1e-12]
                    best = next(p for p in at if p["name"] == "static-best")
                    default = next(p for p in at if p["name"] == "static-default")
                    rate = base_rate * float(load)
                    fitted_on = a.truth
                    margin = a.margin
                    if a.source == "observed":
                        fitted_on = os.path.join(tmp, "observed.csv")
                        run_json(common + ["--load", load, "--grid-tokens", "2048", "--grid-seqs", "256",
                                           "--steps-csv", fitted_on])
                        margin = margin or "observed"
                    plan = run_json([a.saturn, "plan", "--table", fitted_on, "--trace", head, "--sla-ms", sla,
                                     "--ttft-ms", str(a.ttft_ms), "--rate", repr(rate), "--json"]
                                    + (["--margin", margin] if margin else []))
                    budget = plan.get("static_budget")
                    if budget is None:
                        rows.append(dict(trace=os.path.basename(trace), sla_ms=float(sla), load=float(load),
                                         rate_per_s=rate, plan=None, plan_goodput=None,
                                         best=best["setting"], best_goodput=best["goodput_tokens_per_s"],
                                         default_goodput=default["goodput_tokens_per_s"], ratio=None))
                        continue
                    m, n = budget["max_num_batched_tokens"], budget["max_num_seqs"]
                    one = run_json(common + ["--load", load, "--grid-tokens", str(m), "--grid-seqs", str(n)])
                    mine = next(p for p in one["policies"] if p["name"] == "static-best")
                    g, b = mine["goodput_tokens_per_s"], best["goodput_tokens_per_s"]
                    rows.append(dict(trace=os.path.basename(trace), sla_ms=float(sla), load=float(load),
                                     rate_per_s=rate, plan=f"{m}x{n}", plan_goodput=g,
                                     plan_margin=budget.get("safety_margin"),
                                     plan_slo_miss_fraction=mine["slo_miss_fraction"], best=best["setting"],
                                     best_goodput=b, default_goodput=default["goodput_tokens_per_s"],
                                     ratio=(g / b) if b and b > 0 else None))
                    print(f"{rows[-1]}", file=sys.stderr)
    if a.json:
        print(json.dumps({"truth": a.truth, "source": a.source, "margin": a.margin, "requests": a.requests,
                          "ttft_ms": a.ttft_ms, "rows": rows}))
        return
    print(f"truth {a.truth}, first {a.requests} requests, TTFT {a.ttft_ms:g} ms, plan fitted on {a.source}"
          + (f", margin {a.margin}" if a.margin else ""))
    print("| trace | SLA ms | load | rate/s | saturn plan | goodput | steps over SLA | grid best | goodput | plan / best | static-default goodput |")
    print("|---|---:|---:|---:|---|---:|---:|---|---:|---:|---:|")
    for r in rows:
        fmt = lambda v, d=1: "-" if v is None else f"{v:.{d}f}"
        miss = r.get("plan_slo_miss_fraction")
        print(f"| {r['trace']} | {r['sla_ms']:g} | {r['load']:g} | {r['rate_per_s']:.3f} | {r['plan'] or 'none'} | "
              f"{fmt(r['plan_goodput'])} | {'-' if miss is None else f'{miss * 100:.2f}%'} | {r['best']} | "
              f"{fmt(r['best_goodput'])} | {fmt(r['ratio'], 2)} | {fmt(r['default_goodput'])} |")


if __name__ == "__main__":
    main()
