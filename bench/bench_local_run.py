"""The post's example (50 trials, Bayesian, 3 in parallel, plus the baseline) end to end through
`LocalPipeline`, as `make demo` runs it: template resources in the emulator, the state machine, the
handlers, real XGBoost training, the report and the notification. In the same run, a plain Optuna +
XGBoost loop (bench_engine.plain_run) over the same space on the same data. Prints both wall times,
the ratio, the best accuracy and the baseline's.

    .venv/bin/python bench/bench_local_run.py [--trials 50] [--workers 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_engine import plain_run


def main() -> None:
    from amt.local.runtime import LocalPipeline

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=50, help="max_jobs (default: the post's 50)")
    ap.add_argument("--workers", type=int, default=2, help="parallel training processes (as amt local run)")
    ap.add_argument("--seed", type=int, default=1, help="random_seed of the search (same seed, same trials)")
    args = ap.parse_args()

    execution_input = {"random_seed": args.seed}  # {} is the post's example
    if args.trials != 50:
        execution_input["max_jobs"] = args.trials
    with tempfile.TemporaryDirectory() as out:
        started_at = datetime.now(UTC)
        t0 = time.perf_counter()
        result = LocalPipeline(Path(out), workers=args.workers).run(execution_input)
        e2e = time.perf_counter() - t0
        if not result.succeeded or result.tuning_job is None:
            sys.exit(f"local run {result.execution_status}: {result.error} {result.cause} {result.dead_letters}")
        run_dir = result.bucket_dir / "runs" / str(result.run_id)
        summary = json.loads((run_dir / "reports" / "summary.json").read_text())
        # the plain loop reads the very files the pipeline prepared
        train = (run_dir / "data" / "train" / "train.csv").read_bytes()
        validation = (run_dir / "data" / "validation" / "validation.csv").read_bytes()
    job = result.tuning_job
    tuning_s = (job["HyperParameterTuningEndTime"] - job["CreationTime"]).total_seconds()
    before_s = (job["CreationTime"] - started_at).total_seconds()  # provisioning, the state machine's steps
    best = job["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    baseline = summary["baseline"]["objective"]

    p_time, p_best = plain_run(train, validation, args.trials)

    print(
        f"local run: {args.trials} trials, 3 parallel, {args.workers} workers, end to end: {e2e:6.1f} s "
        f"(before the job {before_s:.1f} s, tuning job {tuning_s:.1f} s, after it {e2e - before_s - tuning_s:.1f} s)  "
        f"best {best:.5f}  baseline {baseline:.5f}  "
        f"notifications {len(result.notifications)}"
    )
    print(f"plain    : {args.trials} trials, sequential optuna+xgboost:        {p_time:6.1f} s  best {p_best:.5f}")
    print(f"ratio end-to-end/plain: {e2e / p_time:.2f}")


if __name__ == "__main__":
    main()
