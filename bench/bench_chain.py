"""The tuning conversation (issue 21) on the post's problem: a chain of follow-up rounds against one
job of the same total number of trials, through the whole local pipeline (state machine, handlers,
rules, the DecideFollowUp function, real XGBoost 1.5.2 training on the post's unshuffled split).

Three runs per seed:
  * chain-narrow: the narrow start (eta 0.1-0.25, max_depth 5-10, alpha and min_child_weight as the
    post), follow_up with --max-rounds rounds of --round-jobs trials;
  * single-narrow: one job over the same narrow ranges with as many trials as that chain ran;
  * chain-post: the post's own ranges (where alpha and eta crowd edges), the same follow_up.

    .venv/bin/python bench/bench_chain.py [--seeds 5] [--round-jobs 10] [--max-rounds 3] [--workers 2]
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


def run(out: Path, execution_input: dict, workers: int) -> dict:
    result = LocalPipeline(out, workers=workers).run(execution_input, timeout_seconds=3600)
    chain = result.chain or {}
    rounds = chain.get("rounds") or []
    if rounds:
        best = rounds[-1].get("best_so_far")
        trials = sum(int(r.get("training_jobs") or 0) for r in rounds)
    else:
        job = result.tuning_job or {}
        best = job.get("BestTrainingJob", {}).get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")
        trials = int(job.get("HyperParameterTuningJobConfig", {}).get("ResourceLimits", {})
                     .get("MaxNumberOfTrainingJobs", 0))
    return {"best": best, "trials": trials, "rounds": len(rounds) or 1,
            "reasons": [f"{r['round']}:{r['decision']}/{r['reason']}" for r in rounds],
            "ranges": [{n: [s.get("min_value"), s.get("max_value")] for n, s in r["ranges"].items()} for r in rounds]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--round-jobs", type=int, default=10)
    ap.add_argument("--max-rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    follow_up = {"max_rounds": args.max_rounds, "min_improvement": 0.001}
    common = {"max_jobs": args.round_jobs, "max_parallel_jobs": 2, "baseline": False}
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            base = Path(tmp) / f"seed-{seed}"
            chain = run(base / "chain-narrow", {**common, "random_seed": seed, "hyperparameter_ranges": NARROW,
                                                "follow_up": follow_up}, args.workers)
            single = run(base / "single-narrow", {**common, "random_seed": seed, "hyperparameter_ranges": NARROW,
                                                  "max_jobs": chain["trials"]}, args.workers)
            post = run(base / "chain-post", {**common, "random_seed": seed, "follow_up": follow_up}, args.workers)
            rows.append({"seed": seed, "chain_narrow": chain, "single_narrow": single, "chain_post": post})
            print(f"seed {seed}: chain-narrow {chain['best']:.5f} ({chain['trials']} trials, "
                  f"{' '.join(chain['reasons'])}) | single-narrow {single['best']:.5f} ({single['trials']} trials) | "
                  f"chain-post {post['best']:.5f} ({post['trials']} trials, {' '.join(post['reasons'])})", flush=True)
            print(f"    chain-narrow ranges by round: {json.dumps(chain['ranges'])}", flush=True)
    for key in ("chain_narrow", "single_narrow", "chain_post"):
        bests = [r[key]["best"] for r in rows]
        print(f"{key}: median {statistics.median(bests):.5f}  mean {statistics.mean(bests):.5f}  "
              f"min {min(bests):.5f}  max {max(bests):.5f}")
    wins = sum(r["chain_narrow"]["best"] > r["single_narrow"]["best"] for r in rows)
    ties = sum(r["chain_narrow"]["best"] == r["single_narrow"]["best"] for r in rows)
    print(f"chain-narrow beats single-narrow on {wins}/{len(rows)} seeds ({ties} ties); "
          f"{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()
