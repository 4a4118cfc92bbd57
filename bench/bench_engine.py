"""The post's example (50 trials, Bayesian, 3 in parallel) through the local engine, against a plain
Optuna + XGBoost loop over the same space on the same data and the same XGBoost release (the 1.5-1
image's environment), in the same run. Prints both times and their ratio (goal: <= 0.65 with 2 workers).

    .venv/bin/python bench/bench_engine.py [--trials 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engine.conftest import TRAIN_URI, VALIDATION_URI, _csv, tuning_request


def digits() -> tuple[bytes, bytes]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return _csv(d.data[:1257], d.target[:1257]), _csv(d.data[1257:], d.target[1257:])


def engine_run(train: bytes, validation: bytes, trials: int, workers: int) -> tuple[float, float]:
    from amt.local.engine import InMemoryUriStore, LocalSageMaker

    store = InMemoryUriStore(
        {TRAIN_URI + "train.csv": train, VALIDATION_URI + "validation.csv": validation}
    )
    with tempfile.TemporaryDirectory() as state:
        engine = LocalSageMaker(storage=store, state_dir=Path(state), workers=workers)
        request = tuning_request("amt-bench", max_jobs=trials, parallel=3, seed=1)
        request["TrainingJobDefinition"]["StaticHyperParameters"]["num_round"] = "200"
        t0 = time.perf_counter()
        engine.create_hyper_parameter_tuning_job(**request)
        engine.wait()
        elapsed = time.perf_counter() - t0
        desc = engine.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="amt-bench")
        engine.close()
    return elapsed, desc["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]


def plain_run(train: bytes, validation: bytes, trials: int, version: str = "1.5-1") -> tuple[float, float]:
    """Optuna TPE + one training process of the same image environment (the same XGBoost release as
    the engine's), trials one after another: the floor the engine is measured against."""
    import optuna

    from amt.local.engine.pools import write_channels
    from amt.local.engine.storage import Channel
    from amt.local.images import image_spec, prepare_image
    from amt.local.images.workers import WorkerProcess

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    env = prepare_image(image_spec(version))
    t0 = time.perf_counter()
    worker = WorkerProcess(env)
    with tempfile.TemporaryDirectory() as scratch:
        channels = {name: Channel("text/csv", ((f"{name}.csv", body),))
                    for name, body in (("train", train), ("validation", validation))}
        worker.load(write_channels(channels, Path(scratch)))
        static = {"num_class": 10, "objective": "multi:softmax", "eval_metric": ["accuracy"], "num_round": 200,
                  "early_stopping_rounds": 5, "_tuning_objective_metric": "validation:accuracy"}

        def objective(trial: optuna.Trial) -> float:
            hyperparameters = {
                **static,
                "alpha": trial.suggest_float("alpha", 0.01, 0.5),
                "eta": trial.suggest_float("eta", 0.1, 0.5),
                "min_child_weight": trial.suggest_float("min_child_weight", 0, 2),
                "max_depth": trial.suggest_int("max_depth", 1, 10),
            }
            result = worker.request("train", {"hyperparameters": hyperparameters,
                                              "objective_metric": "validation:accuracy", "maximize": True})
            return float(result.final_metrics["validation:accuracy"])

        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=1, multivariate=True)
        )
        study.optimize(objective, n_trials=trials)
    worker.close()
    return time.perf_counter() - t0, study.best_value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    train, validation = digits()
    e_time, e_best = engine_run(train, validation, args.trials, args.workers)
    p_time, p_best = plain_run(train, validation, args.trials)
    print(
        f"engine : {args.trials} trials, 3 parallel, {args.workers} workers: "
        f"{e_time:6.1f} s  best {e_best:.5f}"
    )
    print(
        f"plain  : {args.trials} trials, sequential optuna+xgboost (same release): {p_time:6.1f} s  best {p_best:.5f}"
    )
    print(f"ratio engine/plain: {e_time / p_time:.2f}")


if __name__ == "__main__":
    main()
