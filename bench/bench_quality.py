"""Best validation:accuracy of the post's tuning job over several seeds, Bayesian and Random,
on the post's unshuffled 70/30 Digits split (the post's best: 0.89815; a rerun got 0.89074).
``--tpe`` adds a line for the engine's former Bayesian strategy, optuna's TPE (multivariate,
constant liar, 10 random startup trials), run through the same engine for comparison.

    .venv/bin/python bench/bench_quality.py [--seeds 5] [--trials 50] [--workers 2] [--tpe]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optuna

from amt.local.engine import search
from tests.engine.conftest import TRAIN_URI, VALIDATION_URI, _csv, tuning_request

POST_BEST = 0.89815
# The post's best trial (#48) and its baseline estimator, to score on this machine's XGBoost.
POST_BEST_HYPERPARAMETERS = {"alpha": "0.05246", "eta": "0.4335", "max_depth": "3", "min_child_weight": "0.21881"}
POST_BASELINE_HYPERPARAMETERS = {"alpha": "0.2", "eta": "0.2", "max_depth": "5"}
STATIC = {"num_class": "10", "objective": "multi:softmax", "eval_metric": "accuracy", "num_round": "200",
          "early_stopping_rounds": "5", "_tuning_objective_metric": "validation:accuracy"}


def score_here(hyperparameters: dict[str, str], train: bytes, validation: bytes) -> float:
    """validation:accuracy of one training job with these hyperparameters, as the engine trains it
    (in the 1.5-1 image's environment: XGBoost 1.5.2)."""
    from amt.local.engine.pools import PoolRequest, image_pool
    from amt.local.engine.storage import Channel
    from tests.engine.conftest import IMAGE

    channels = {"train": Channel("text/csv", (("train.csv", train),)),
                "validation": Channel("text/csv", (("validation.csv", validation),))}
    pool = image_pool(PoolRequest(IMAGE, channels, size=1, slots=1))
    try:
        spec = {"hyperparameters": {**STATIC, **hyperparameters}, "objective_metric": "validation:accuracy",
                "maximize": True}
        return pool.submit("reference", spec).result().final_metrics["validation:accuracy"]
    finally:
        pool.shutdown()


def _tpe(strategy: str, seed: int | None, ranges: list, n_startup: int = 10) -> optuna.samplers.BaseSampler:
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=n_startup, constant_liar=True)


def main() -> None:
    from sklearn.datasets import load_digits

    from amt.local.engine import InMemoryUriStore, LocalSageMaker

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--tpe", action="store_true", help="also run TPE as the Bayesian strategy")
    args = ap.parse_args()
    d = load_digits()
    store = InMemoryUriStore(
        {
            TRAIN_URI + "train.csv": _csv(d.data[:1257], d.target[:1257]),
            VALIDATION_URI + "validation.csv": _csv(d.data[1257:], d.target[1257:]),
        }
    )
    train, validation = _csv(d.data[:1257], d.target[:1257]), _csv(d.data[1257:], d.target[1257:])
    print(
        "reference: the post's best hyperparameters score "
        f"{score_here(POST_BEST_HYPERPARAMETERS, train, validation):.5f} on XGBoost 1.5.2 (post {POST_BEST}); "
        f"its baseline {score_here(POST_BASELINE_HYPERPARAMETERS, train, validation):.5f} (post ~0.848)"
    )
    for label in ("Bayesian", "Random", *(("TPE",) if args.tpe else ())):
        strategy = "Bayesian" if label == "TPE" else label
        if label == "TPE":  # the sampler lives in this process (the coordinator), workers only train
            search.make_sampler = _tpe
        bests, t0 = [], time.perf_counter()
        with tempfile.TemporaryDirectory() as state:
            engine = LocalSageMaker(storage=store, state_dir=Path(state), workers=args.workers)
            for seed in range(1, args.seeds + 1):
                name = f"amt-q-{label.lower()}-{seed}"
                request = tuning_request(name, strategy=strategy, max_jobs=args.trials, parallel=3, seed=seed)
                request["TrainingJobDefinition"]["StaticHyperParameters"]["num_round"] = "200"
                engine.create_hyper_parameter_tuning_job(**request)
                engine.wait()
                desc = engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
                bests.append(desc["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
            engine.close()
        print(
            f"{label:8s} best validation:accuracy over {args.seeds} seeds x {args.trials} trials: "
            f"median {statistics.median(bests):.5f}  range {min(bests):.5f}-{max(bests):.5f}  "
            f"(post {POST_BEST})  {time.perf_counter() - t0:.0f} s  {bests}"
        )


if __name__ == "__main__":
    main()
