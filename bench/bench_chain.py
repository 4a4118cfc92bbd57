"""The tuning conversation (issue 21) on the post's problem: a chain of follow-up rounds against one
job of the same total number of trials, through the whole local pipeline (state machine, handlers,
rules, the DecideFollowUp function, real XGBoost 1.5.2 training on the post's unshuffled split).

Three runs per seed:
  * chain-narrow: the narrow start (eta 0.1-0.25, max_depth 5-10, alpha and min_child_weight as the
    post: it misses the post's optimum, eta 0.43 and max_depth 3), follow_up with --max-rounds rounds
    of --round-jobs trials;
  * single-narrow: one job over the same narrow ranges with as many trials as that chain ran;
  * chain-post: the post's own ranges (where alpha and eta crowd edges), the same follow_up.

    .venv/bin/python bench/bench_chain.py [--seeds 5] [--first-seed 0] [--round-jobs 20] [--max-rounds 4]
        [--workers 2] [--runs chain-narrow,single-narrow,chain-post] [--json results.jsonl]

Prints, per seed and run, each round's ranges, best, decision and reason, then the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from amt.local.runtime import LocalPipeline

NARROW = {
    "alpha": {"type": "Continuous", "min_value": 0.01, "max_value": 0.5},
    "eta": {"type": "Continuous", "min_value": 0.1, "max_value": 0.25},
    "min_child_weight": {"type": "Continuous", "min_value": 0, "max_value": 2},
    "max_depth": {"type": "Integer", "min_value": 5, "max_value": 10},
}
RUNS = ("chain-narrow", "single-narrow", "chain-post")


def _best_of_job(job: dict) -> float | None:
    return job.get("BestTrainingJob", {}).get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")


def run(out: Path, execution_input: dict, workers: int) -> dict:
    started = time.perf_counter()
    result = LocalPipeline(out, workers=workers).run(execution_input, timeout_seconds=7200)
    seconds = round(time.perf_counter() - started)
    rounds = (result.chain or {}).get("rounds") or []
    # An execution that did not succeed (a round the decision started but that never reported) is said.
    failed = [f"{r.execution_name} {r.execution_status}: {r.error} {(r.cause or '')[:300]}"
              for r in result.rounds if r.execution_status != "SUCCEEDED"]
    if result.execution_status != "SUCCEEDED" or result.dead_letters:
        failed.append(f"first execution {result.execution_status}: {result.error}; dead letters "
                      f"{len(result.dead_letters)}")
    if failed:
        print("  FAILED: " + "; ".join(failed), flush=True)
    if not rounds:
        job = result.tuning_job or {}
        limits = job.get("HyperParameterTuningJobConfig", {}).get("ResourceLimits", {})
        return {"best": _best_of_job(job), "trials": int(limits.get("MaxNumberOfTrainingJobs", 0)),
                "rounds": [], "seconds": seconds}
    return {
        "best": rounds[-1].get("best_so_far"),
        "trials": sum(int(r.get("training_jobs") or 0) for r in rounds),
        "rounds": [{"round": r["round"], "best": r.get("best_objective"), "trials": r.get("training_jobs"),
                    "decision": r["decision"], "reason": r["reason"],
                    "ranges": {n: [s.get("min_value"), s.get("max_value")] for n, s in r["ranges"].items()
                               if "min_value" in s},
                    "best_hyperparameters": r.get("best_hyperparameters") or {}}
                   for r in rounds],
        "seconds": seconds,
        "failed": failed,
    }


def _describe(name: str, outcome: dict) -> str:
    lines = [f"  {name}: best {outcome['best']:.5f}, {outcome['trials']} trials, {outcome['seconds']} s"]
    for r in outcome["rounds"]:
        ranges = " ".join(f"{n}=[{lo:g},{hi:g}]" for n, (lo, hi) in r["ranges"].items())
        lines.append(f"    round {r['round']}: best {r['best']:.5f} ({r['trials']} trials) {ranges} "
                     f"-> {r['decision']} {r['reason']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--round-jobs", type=int, default=20)
    ap.add_argument("--max-rounds", type=int, default=4)
    ap.add_argument("--min-improvement", type=float, default=0.001)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", default=",".join(RUNS), help="which of " + ", ".join(RUNS))
    ap.add_argument("--json", type=Path, help="append one JSON line per seed to this file")
    args = ap.parse_args()
    wanted = set(args.runs.split(","))
    follow_up = {"max_rounds": args.max_rounds, "min_improvement": args.min_improvement}
    common = {"max_jobs": args.round_jobs, "max_parallel_jobs": 2, "baseline": False}
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            base, row = Path(tmp) / f"seed-{seed}", {"seed": seed}
            narrow = {**common, "random_seed": seed, "hyperparameter_ranges": NARROW}
            if "chain-narrow" in wanted:
                row["chain-narrow"] = run(base / "chain-narrow", {**narrow, "follow_up": follow_up}, args.workers)
            if "single-narrow" in wanted:
                total = row["chain-narrow"]["trials"] if "chain-narrow" in row else args.round_jobs * args.max_rounds
                row["single-narrow"] = run(base / "single-narrow", {**narrow, "max_jobs": total}, args.workers)
            if "chain-post" in wanted:
                row["chain-post"] = run(base / "chain-post", {**common, "random_seed": seed, "follow_up": follow_up},
                                        args.workers)
            rows.append(row)
            print(f"seed {seed}:\n" + "\n".join(_describe(n, row[n]) for n in RUNS if n in row), flush=True)
            if args.json:
                with args.json.open("a") as out:
                    out.write(json.dumps(row) + "\n")
    for name in (n for n in RUNS if n in wanted):
        bests = [r[name]["best"] for r in rows]
        print(f"{name}: median {statistics.median(bests):.5f}  mean {statistics.mean(bests):.5f}  "
              f"min {min(bests):.5f}  max {max(bests):.5f}")
    if {"chain-narrow", "single-narrow"} <= wanted:
        wins = sum(r["chain-narrow"]["best"] > r["single-narrow"]["best"] for r in rows)
        ties = sum(r["chain-narrow"]["best"] == r["single-narrow"]["best"] for r in rows)
        print(f"chain-narrow beats single-narrow on {wins}/{len(rows)} seeds ({ties} ties)")
    print(f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
