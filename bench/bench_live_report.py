"""What watching a tuning job live costs: renders and Lambda time of TrackProgress for a synthetic
500-trial job (the default quota's maximum), with its events delivered in time order plus duplicates.

    .venv/bin/python bench/bench_live_report.py [--trials 500] [--duplicates 0.1] [--interval 60]

A script, not a test: it prints figures. The job is tests.simulated_job's (the post's
ranges, 1 trial in 7 failed, 3 in parallel: 500 trials span ~1 h 51 min). Every event goes
through the real step (amt_pipeline.logic.track_progress.track_trial) against moto's DynamoDB and S3, with
the real in-progress render; the store's clock is the simulated one, so the 60 s debounce
applies as it would on AWS. Times are this machine's (x86, shared), not Lambda's arm64.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from amt.local.template import create_table
from amt_pipeline.aws.adapters import ObjectStore
from amt_pipeline.aws.progress_table import ProgressStore
from amt_pipeline.live.trial_event import TrainingJobStateChangeEvent
from amt_pipeline.logic import track_progress as live_step

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds the synthetic jobs
from tests.simulated_job import SimulatedTuningJob, span

BUCKET, TABLE, REGION = "amt-bench", "amt-bench-progress", "us-east-1"
MEMORY_GB = 1.0  # TrackProgressFunction's MemorySize (1024 MB)
PRICE_GB_SECOND = 0.0000133334  # arm64, us-east-1, first tier
PRICE_REQUEST = 0.20 / 1_000_000


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run(trials: int, duplicates: float, interval: float, seed: int = 0) -> dict[str, Any]:
    job = SimulatedTuningJob("amt-bench", trials, bucket=BUCKET, seed=seed)
    timeline = job.events()
    rng = random.Random(seed)
    events = sorted(timeline + rng.sample(timeline, int(len(timeline) * duplicates)), key=lambda pair: pair[0])
    render_seconds: list[float] = []
    real_render = live_step.render_progress

    def timed_render(*args: Any, **kwargs: Any) -> bool:
        started = time.perf_counter()
        try:
            return real_render(*args, **kwargs)
        finally:
            render_seconds.append(time.perf_counter() - started)

    live_step.render_progress = timed_render  # type: ignore[assignment]
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_table(dynamodb, TABLE)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        clock = Clock()
        store = ProgressStore(dynamodb, TABLE, clock=clock)
        handler_seconds = []
        counted = 0
        for when, event in events:
            clock.now = when.timestamp()
            job.at(when)
            change = TrainingJobStateChangeEvent.model_validate(event).detail
            started = time.perf_counter()
            result = live_step.track_trial(change, store=store, sagemaker=job, objects=ObjectStore(s3, BUCKET),
                                           interval_seconds=interval)
            handler_seconds.append(time.perf_counter() - started)
            counted += result.counted
        record = store.read("amt-bench")
    live_step.render_progress = real_render  # type: ignore[assignment]
    total = sum(handler_seconds)
    rendering = sum(render_seconds)
    return {
        "trials": trials, "events": len(events), "counted": counted, "span_minutes": span(job).total_seconds() / 60,
        "renders": int(record.get("renders", 0)), "claims": int(record.get("render_claims", 0)),
        "render_mean": statistics.mean(render_seconds) if render_seconds else 0.0,
        "render_max": max(render_seconds, default=0.0), "render_total": rendering,
        "event_mean_without_render": (total - rendering) / len(events), "total": total,
        "sagemaker_calls": len(job.calls),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--duplicates", type=float, default=0.1, help="share of events delivered twice")
    parser.add_argument("--interval", type=float, default=60, help="debounce window, seconds")
    args = parser.parse_args(argv)
    r = run(args.trials, args.duplicates, args.interval)
    gb_s = r["total"] * MEMORY_GB
    cost = gb_s * PRICE_GB_SECOND + r["events"] * PRICE_REQUEST
    undebounced = r["counted"] * r["render_mean"]
    print(f"synthetic job: {r['trials']} trials over {r['span_minutes']:.0f} min; {r['events']} events "
          f"({r['counted']} changes, the rest duplicates), debounce {args.interval:g} s")
    print(f"renders: {r['renders']} (claims {r['claims']}; at most one per window: "
          f"<= {r['span_minutes'] * 60 / args.interval + 1:.0f})")
    print(f"render time: mean {r['render_mean']:.2f} s, max {r['render_max']:.2f} s, total {r['render_total']:.1f} s")
    print(f"per event without a render: {r['event_mean_without_render'] * 1000:.1f} ms (DynamoDB in moto)")
    print(f"TrackProgress per run: {r['total']:.1f} s = {gb_s:.1f} GB-s at {MEMORY_GB * 1024:.0f} MB "
          f"(~${cost:.4f} with {r['events']} requests); SageMaker calls {r['sagemaker_calls']}")
    print(f"without the debounce (one render per change): ~{undebounced:.0f} s of rendering, "
          f"{undebounced / max(r['render_total'], 1e-9):.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
