"""LocalSageMaker: the SageMaker API surface the pipeline uses, answered by real training.

Requests and responses are boto3-shaped (keyword arguments as in the boto3 request; return values
as boto3's parsed response, times as timezone-aware datetimes). Each tuning job runs in a
coordinator thread of this process, which trains trials in a pool of worker processes
(``min(MaxParallelTrainingJobs, workers)``, 'forkserver' context), asks and tells optuna in trial
order (see search.py), records every job under ``state_dir`` and emits SageMaker's EventBridge
events through ``emit_event``.
"""

from __future__ import annotations

import base64
import concurrent.futures as cf
import contextlib
import json
import logging
import multiprocessing as mp
import re
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna

from amt.local.engine import search, worker
from amt.local.engine.algorithm import unknown_hyperparameters
from amt.local.engine.errors import (
    LocalSageMakerError,
    ResourceInUse,
    ResourceLimitExceeded,
    ResourceNotFound,
    ValidationException,
    not_found,
)
from amt.local.engine.ranges import parse_ranges
from amt.local.engine.records import (
    StateStore,
    drop_none,
    envelope,
    now,
    tags_dict,
    to_datetime,
    to_millis,
)
from amt.local.engine.storage import ObjectStore, split_s3_uri
from amt_pipeline.run.xgboost_algorithm import OBJECTIVE_METRICS

log = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")
TRAINING_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
MAX_TRAINING_JOBS = 500  # default quota per tuning job
MAX_TRAINING_JOBS_RANDOM = 10_000
MAX_PARALLEL = 10  # default quota
TERMINAL = ("Completed", "Failed", "Stopped")
TUNING_EVENT = "SageMaker HyperParameter Tuning Job State Change"
TRAINING_EVENT = "SageMaker Training Job State Change"
CONVERGENCE_MIN_TRIALS = 20
CONVERGENCE_REL_TOL = 1e-3


@dataclass
class TuningProgress:
    job_name: str
    total: int
    completed: int
    failed: int
    stopped: int
    running: int
    best_objective: float | None
    best_training_job: str | None


def _mp_context() -> mp.context.BaseContext:
    try:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["xgboost", "pandas", "amt.local.engine.worker"])
        return ctx
    except ValueError:
        return mp.get_context("spawn")


class _Validator:
    """botocore's own parameter validation against the SageMaker service model."""

    _model: Any = None
    _lock = threading.Lock()

    @classmethod
    def check(cls, operation: str, params: dict) -> None:
        import botocore.session
        from botocore.validate import ParamValidator

        with cls._lock:
            if cls._model is None:
                cls._model = botocore.session.get_session().get_service_model("sagemaker")
        shape = cls._model.operation_model(operation).input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise ValidationException(report.generate_report())


class LocalSageMaker:
    def __init__(
        self,
        *,
        storage: ObjectStore,
        state_dir: Path,
        emit_event: Callable[[dict], None] = lambda event: None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        workers: int = 2,
        on_progress: Callable[[TuningProgress], None] | None = None,
    ):
        self.storage = storage
        self.state = StateStore(Path(state_dir))
        self.emit_event = emit_event
        self.region = region
        self.account_id = account_id
        self.workers = max(1, int(workers))
        self.on_progress = on_progress
        self._lock = threading.RLock()
        self._tuning: dict[str, dict] = {}
        self._training: dict[str, dict] = {}
        self._trials: dict[str, list[str]] = {}
        self._metrics: dict[str, dict[str, list[float]]] = {}
        self._threads: list[threading.Thread] = []
        self._stop_flags: dict[str, tuple[Any, int]] = {}  # training job -> (shared array, slot)
        self._stop_tuning: dict[str, threading.Event] = {}
        self._ctx = _mp_context()

    # --- persistence ---------------------------------------------------------------------------

    def _save_tuning(self, rec: dict) -> None:
        self.state.save("tuning-jobs", rec["HyperParameterTuningJobName"], rec)

    def _save_training(self, rec: dict) -> None:
        self.state.save("training-jobs", rec["TrainingJobName"], rec)

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account_id}:{kind}/{name.lower()}"

    # --- tuning jobs ---------------------------------------------------------------------------

    def create_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        _Validator.check("CreateHyperParameterTuningJob", request)
        name = request["HyperParameterTuningJobName"]
        if not NAME_PATTERN.fullmatch(name):
            raise ValidationException(f"Tuning job name {name!r} must match {NAME_PATTERN.pattern}")
        config = request["HyperParameterTuningJobConfig"]
        definition = request.get("TrainingJobDefinition")
        if request.get("TrainingJobDefinitions"):
            raise ValidationException(
                "TrainingJobDefinitions (several algorithms) is not supported by the local engine"
            )
        if not definition:
            raise ValidationException("TrainingJobDefinition is required")
        plan = self._plan(name, config, definition, request.get("WarmStartConfig"))
        with self._lock:
            if name in self._tuning or self.state.load("tuning-jobs", name) is not None:
                raise ResourceInUse(f"Hyperparameter tuning job {name} already exists")
            t = now()
            rec = {
                "HyperParameterTuningJobName": name,
                "HyperParameterTuningJobArn": self._arn("hyper-parameter-tuning-job", name),
                "Request": request,
                "Status": "InProgress",
                "CreationTime": t,
                "LastModifiedTime": t,
                "EndTime": None,
                "FailureReason": None,
                "CompletionDetails": {},
                "Total": plan["total"],
                "WarmStartTrials": 0,
            }
            self._tuning[name] = rec
            self._trials[name] = []
            self._stop_tuning[name] = threading.Event()
            self._save_tuning(rec)
        self._emit_tuning(name)
        thread = threading.Thread(target=self._run_tuning, args=(name, plan), name=f"amt-tuning-{name}", daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return {"HyperParameterTuningJobArn": rec["HyperParameterTuningJobArn"]}

    def _plan(self, name: str, config: dict, definition: dict, warm_start: dict | None) -> dict:
        """Validate what SageMaker validates at create time; return what the coordinator needs."""
        strategy = config.get("Strategy", "Bayesian")
        if strategy not in ("Bayesian", "Random", "Grid", "Hyperband"):
            raise ValidationException(f"Strategy {strategy!r} is not one of Bayesian, Random, Grid, Hyperband")
        if config.get("TrainingJobEarlyStoppingType", "Off") not in ("Off", "Auto"):
            raise ValidationException("TrainingJobEarlyStoppingType must be Off or Auto")
        objective = config.get("HyperParameterTuningJobObjective")
        if not objective:
            raise ValidationException("HyperParameterTuningJobObjective is required for a built-in algorithm")
        metric = objective["MetricName"]
        if metric not in OBJECTIVE_METRICS:
            raise ValidationException(
                f"The objective metric {metric!r} is not a metric the algorithm emits; "
                f"valid metrics: {', '.join(sorted(OBJECTIVE_METRICS))}"
            )
        direction = objective["Type"]
        image = (definition.get("AlgorithmSpecification") or {}).get("TrainingImage", "")
        if image and "xgboost" not in image:
            raise ValidationException(f"The local engine runs SageMaker's built-in XGBoost only, not {image!r}")
        static = dict(definition.get("StaticHyperParameters") or {})
        ranges = parse_ranges(config.get("ParameterRanges") or {}, strategy)
        bad = unknown_hyperparameters(list(static) + [r.name for r in ranges])
        if bad:
            raise ValidationException(f"Hyperparameters {bad} are not valid hyperparameters for the algorithm")
        both = sorted(set(static) & {r.name for r in ranges})
        if both:
            raise ValidationException(f"Hyperparameters {both} are both static and tunable")
        channels = {c["ChannelName"] for c in definition.get("InputDataConfig") or []}
        if "train" not in channels:
            raise ValidationException("InputDataConfig needs a 'train' channel")
        channel, _ = metric.split(":", 1)
        if channel not in channels:
            raise ValidationException(f"The objective metric {metric!r} needs a {channel!r} channel")
        limits = config.get("ResourceLimits") or {}
        early = config.get("TrainingJobEarlyStoppingType", "Off")
        hyperband = None
        if strategy == "Grid":
            total = search.grid_size(ranges)
            if limits.get("MaxNumberOfTrainingJobs"):
                total = min(total, limits["MaxNumberOfTrainingJobs"])
            if warm_start:
                raise ValidationException("The Grid strategy does not support warm start")
        else:
            if "MaxNumberOfTrainingJobs" not in limits:
                raise ValidationException("ResourceLimits.MaxNumberOfTrainingJobs is required for this strategy")
            total = int(limits["MaxNumberOfTrainingJobs"])
        cap = MAX_TRAINING_JOBS_RANDOM if strategy == "Random" else MAX_TRAINING_JOBS
        if total > cap:
            raise ResourceLimitExceeded(
                f"MaxNumberOfTrainingJobs {total} exceeds the limit of {cap} training jobs per tuning job",
            )
        parallel = int(limits.get("MaxParallelTrainingJobs", 1))
        if parallel > MAX_PARALLEL:
            raise ResourceLimitExceeded(
                f"MaxParallelTrainingJobs {parallel} exceeds the limit of {MAX_PARALLEL}",
            )
        if strategy == "Hyperband":
            if early == "Auto":
                raise ValidationException("TrainingJobEarlyStoppingType must be Off with the Hyperband strategy")
            if any(r.name == "num_round" for r in ranges):
                raise ValidationException("Hyperband uses num_round as its resource: do not tune it")
            hb = (config.get("StrategyConfig") or {}).get("HyperbandStrategyConfig") or {}
            max_res = int(hb.get("MaxResource") or static.get("num_round") or 0)
            if max_res < 1:
                raise ValidationException("Hyperband needs HyperbandStrategyConfig.MaxResource or a static num_round")
            min_res = int(hb.get("MinResource") or 1)
            if min_res > max_res:
                raise ValidationException("HyperbandStrategyConfig.MinResource must not exceed MaxResource")
            hyperband = {"min": min_res, "max": max_res, "rungs": search.hyperband_rungs(min_res, max_res)}
        elif config.get("StrategyConfig", {}).get("HyperbandStrategyConfig"):
            raise ValidationException("HyperbandStrategyConfig applies to the Hyperband strategy only")
        parents = []
        if warm_start:
            parent_list = warm_start.get("ParentHyperParameterTuningJobs") or []
            if not 1 <= len(parent_list) <= 5:
                raise ValidationException("WarmStartConfig needs 1 to 5 parent tuning jobs")
            for p in parent_list:
                pname = p["HyperParameterTuningJobName"]
                with self._lock:
                    prec = self._tuning.get(pname) or self.state.load("tuning-jobs", pname)
                if not prec:
                    raise ResourceNotFound(f"Parent tuning job {pname} does not exist")
                if prec["Status"] not in TERMINAL:
                    raise ValidationException(f"Parent tuning job {pname} has not ended (status {prec['Status']})")
                pmetric = prec["Request"]["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
                if pmetric["MetricName"] != metric:
                    raise ValidationException(
                        f"Parent tuning job {pname} optimised {pmetric['MetricName']}, not {metric}"
                    )
                parents.append(pname)
        return {
            "strategy": strategy,
            "metric": metric,
            "maximize": direction == "Maximize",
            "ranges": ranges,
            "static": static,
            "total": total,
            "parallel": parallel,
            "workers": max(1, min(parallel, self.workers)),
            "early_stopping": early == "Auto",
            "hyperband": hyperband,
            "criteria": config.get("TuningJobCompletionCriteria") or {},
            "seed": config.get("RandomSeed"),
            "max_runtime": limits.get("MaxRuntimeInSeconds"),
            "parents": parents,
            "definition": definition,
        }

    def _read_channels(self, definition: dict) -> dict[str, list[bytes]]:
        out: dict[str, list[bytes]] = {}
        for ch in definition.get("InputDataConfig") or []:
            src = ch["DataSource"].get("S3DataSource")
            if not src:
                raise ValueError(f"channel {ch['ChannelName']!r}: only S3DataSource is supported locally")
            if ch.get("ContentType") and "csv" not in ch["ContentType"]:
                raise ValueError(f"channel {ch['ChannelName']!r}: only text/csv is supported locally")
            uri = src["S3Uri"]
            split_s3_uri(uri)
            if src.get("S3DataType", "S3Prefix") == "S3Prefix":
                uris = [u for u in self.storage.list(uri) if not u.endswith("/")]
            else:
                uris = [uri]
            if not uris:
                raise ValueError(f"No data in channel {ch['ChannelName']!r} at {uri}")
            out[ch["ChannelName"]] = [self.storage.get(u) for u in uris]
        return out

    def _run_tuning(self, name: str, plan: dict) -> None:
        try:
            self._coordinate(name, plan)
        except Exception as e:  # noqa: BLE001 - the job fails, the engine stays up
            log.exception("tuning job %s failed", name)
            self._finish_tuning(name, "Failed", f"InternalServerError: {type(e).__name__}: {e}")

    def _coordinate(self, name: str, plan: dict) -> None:
        try:
            channels = self._read_channels(plan["definition"])
        except (KeyError, ValueError, OSError) as e:
            self._finish_tuning(name, "Failed", f"ClientError: {e}")
            return
        except Exception as e:  # noqa: BLE001 - a storage adapter's own error (botocore ClientError...)
            self._finish_tuning(name, "Failed", f"ClientError: Data download failed: {e}")
            return
        ranges: list[search.Range] = plan["ranges"]
        maximize_ = plan["maximize"]
        sampler = search.make_sampler(plan["strategy"], plan["seed"], ranges)
        study = optuna.create_study(direction="maximize" if maximize_ else "minimize", sampler=sampler)
        warm = 0
        for parent in plan["parents"]:
            for tname in self._trial_names(parent):
                trec = self._training[tname]
                obj = trec.get("Objective")
                if obj is None:
                    continue
                frozen = search.warm_start_trial(ranges, trec.get("TunedHyperParameters") or {}, obj)
                if frozen is not None:
                    study.add_trial(frozen)
                    warm += 1
        with self._lock:
            self._tuning[name]["WarmStartTrials"] = warm
        total, P = plan["total"], plan["workers"]
        stop_event = self._stop_tuning[name]
        flags = self._ctx.Array("b", max(1, total), lock=False)
        started = time.monotonic()
        executor = cf.ProcessPoolExecutor(
            max_workers=P, mp_context=self._ctx, initializer=worker.init_worker, initargs=(channels, flags)
        )
        inflight: dict[cf.Future, int] = {}
        finished: dict[int, dict] = {}
        asked: dict[int, optuna.Trial] = {}
        curves: list[list[float]] = []
        best: float | None = None
        not_improving = 0
        told = launched = 0
        launching = True
        trial_names: list[str] = []
        try:
            while True:
                if launching and (
                    stop_event.is_set() or (plan["max_runtime"] and time.monotonic() - started > plan["max_runtime"])
                ):
                    launching = False
                    if not stop_event.is_set():
                        self._set_completion(name, reason="MaxRuntimeInSeconds")
                    for i in range(launched):
                        flags[i] = 1
                # 1. launch every trial the order allows (trial i once trials 0..i-P are told)
                while launching and launched < total and told >= launched - P + 1:
                    i = launched
                    trial = study.ask()
                    asked[i] = trial
                    tuned = search.suggest(trial, ranges)
                    hps = {**plan["static"], **tuned, "_tuning_objective_metric": plan["metric"]}
                    spec: dict[str, Any] = {
                        "slot": i,
                        "hyperparameters": hps,
                        "objective_metric": plan["metric"],
                        "maximize": maximize_,
                        "median": None,
                        "rungs": None,
                    }
                    if plan["hyperband"]:
                        hps["num_round"] = str(plan["hyperband"]["max"])
                        spec["rungs"] = search.rung_thresholds(curves, plan["hyperband"]["rungs"], maximize_)
                    if plan["early_stopping"]:
                        length = int(hps.get("num_round", "0") or 0)
                        spec["median"] = search.median_curve(curves, length)
                    tname = self._new_trial(name, i, hps, tuned, plan["definition"], flags)
                    trial_names.append(tname)
                    try:
                        fut = executor.submit(worker.run_trial, spec)
                    except BrokenProcessPool:
                        executor = cf.ProcessPoolExecutor(
                            max_workers=P,
                            mp_context=self._ctx,
                            initializer=worker.init_worker,
                            initargs=(channels, flags),
                        )
                        fut = executor.submit(worker.run_trial, spec)
                    inflight[fut] = i
                    launched += 1
                # 2. tell the next trial in order, if it has ended
                if told in finished:
                    result = finished.pop(told)
                    obj = result.get("objective")
                    if result["status"] == "Failed" or obj is None:
                        study.tell(asked.pop(told), state=optuna.trial.TrialState.FAIL)
                    else:
                        study.tell(asked.pop(told), obj)
                        curve = result["history"].get(plan["metric"])
                        if curve:
                            curves.append(curve)
                        if search.improves(obj, best, maximize_):
                            best, not_improving = obj, 0
                        else:
                            not_improving += 1
                        if launching and self._criteria_met(name, plan, best, not_improving, told + 1, curves):
                            launching = False
                    told += 1
                    continue
                if not inflight:
                    if launching and launched < total:
                        continue
                    break
                # 3. wait for a trial to end; record it at once (tell waits for its turn)
                done, _ = cf.wait(list(inflight), timeout=0.25, return_when=cf.FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: inflight[f]):
                    i = inflight.pop(fut)
                    try:
                        result = fut.result()
                    except Exception as e:  # noqa: BLE001 - a dead worker fails its trial only
                        result = {
                            "status": "Failed",
                            "failure_reason": f"InternalServerError: {type(e).__name__}: {e}",
                            "history": {},
                            "final_metrics": {},
                            "model_tar_gz": None,
                            "start": None,
                            "end": now(),
                        }
                        if isinstance(e, BrokenProcessPool):
                            executor.shutdown(wait=False, cancel_futures=False)
                            executor = cf.ProcessPoolExecutor(
                                max_workers=P,
                                mp_context=self._ctx,
                                initializer=worker.init_worker,
                                initargs=(channels, flags),
                            )
                    result["objective"] = self._end_trial(trial_names[i], result, plan["metric"])
                    finished[i] = result
                    self._progress(name)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            with self._lock:
                for tname in trial_names:
                    self._stop_flags.pop(tname, None)
        self._finalize(name)

    def _criteria_met(
        self,
        name: str,
        plan: dict,
        best: float | None,
        not_improving: int,
        n_told: int,
        curves: list[list[float]],
    ) -> bool:
        crit = plan["criteria"]
        if best is None:
            return False
        target = crit.get("TargetObjectiveMetricValue")
        if target is not None and (best >= target if plan["maximize"] else best <= target):
            self._set_completion(name, reason="TargetObjectiveMetricValue")
            return True
        bonimp = (crit.get("BestObjectiveNotImproving") or {}).get("MaxNumberOfTrainingJobsNotImproving")
        if bonimp and not_improving >= bonimp:
            self._set_completion(
                name,
                reason="BestObjectiveNotImproving",
                NumberOfTrainingJobsObjectiveNotImproving=not_improving,
            )
            return True
        if (crit.get("ConvergenceDetected") or {}).get("CompleteOnConvergence") == "Enabled":
            objs = [
                self._training[t]["Objective"]
                for t in self._trial_names(name)[:n_told]
                if self._training[t].get("Objective") is not None
            ]
            if len(objs) >= CONVERGENCE_MIN_TRIALS:
                half = len(objs) // 2
                pick = max if plan["maximize"] else min
                early, late = pick(objs[:half]), pick(objs[half:])
                scale = max(abs(early), 1e-12)
                gain = (late - early) if plan["maximize"] else (early - late)
                if gain <= CONVERGENCE_REL_TOL * scale:
                    self._set_completion(name, reason="ConvergenceDetected", ConvergenceDetectedTime=now())
                    return True
        return False

    def _set_completion(self, name: str, reason: str, **details: Any) -> None:
        with self._lock:
            rec = self._tuning[name]
            rec["CompletionDetails"] = {**rec.get("CompletionDetails", {}), **details, "_Reason": reason}
            self._save_tuning(rec)

    def _new_trial(self, tuning: str, index: int, hps: dict, tuned: dict, definition: dict, flags: Any) -> str:
        tname = f"{tuning}-{index + 1:03d}-{secrets.token_hex(4)}"
        t = now()
        rec = {
            "TrainingJobName": tname,
            "TrainingJobArn": self._arn("training-job", tname),
            "TuningJobName": tuning,
            "TuningJobArn": self._tuning[tuning]["HyperParameterTuningJobArn"],
            "Index": index,
            "Definition": {k: v for k, v in definition.items() if k != "StaticHyperParameters"},
            "HyperParameters": hps,
            "TunedHyperParameters": tuned,
            "Status": "InProgress",
            "SecondaryStatus": "Starting",
            "CreationTime": t,
            "TrainingStartTime": t,
            "TrainingEndTime": None,
            "LastModifiedTime": t,
            "FailureReason": None,
            "FinalMetrics": {},
            "Objective": None,
            "ObjectiveStatus": "Pending",
            "ObjectiveMetricName": self._objective_of(tuning)["MetricName"],
            "ObjectiveType": self._objective_of(tuning)["Type"],
            "StopReason": None,
            "Tags": [],
        }
        with self._lock:
            self._training[tname] = rec
            self._trials[tuning].append(tname)
            self._stop_flags[tname] = (flags, index)
            self._save_training(rec)
        self._emit_training(tname)
        return tname

    def _objective_of(self, tuning: str) -> dict:
        return self._tuning[tuning]["Request"]["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]

    def _end_trial(self, tname: str, result: dict, metric: str | None) -> float | None:
        """Record an ended job (trial or standalone): status, metrics, model artifact, event."""
        with self._lock:
            rec = self._training[tname]
        status = result["status"]
        model_uri = None
        if result.get("model_tar_gz") and status != "Failed":
            output = rec["Definition"]["OutputDataConfig"]["S3OutputPath"]
            model_uri = f"{output.rstrip('/')}/{tname}/output/model.tar.gz"
            try:
                self.storage.put(model_uri, result["model_tar_gz"])
            except Exception as e:  # noqa: BLE001 - SageMaker fails a job whose upload fails
                status, result["failure_reason"], model_uri = (
                    "Failed",
                    f"ClientError: model upload failed: {e}",
                    None,
                )
        history = result.get("history") or {}
        final = result.get("final_metrics") or {}
        objective = final.get(metric) if metric and status != "Failed" else None
        with self._lock:
            t = now()
            rec.update(
                Status=status,
                SecondaryStatus={"Completed": "Completed", "Failed": "Failed"}.get(
                    status, "MaxRuntimeExceeded" if result.get("stop_reason") == "MaxRuntime" else "Stopped"
                ),
                TrainingStartTime=result.get("start") or rec["TrainingStartTime"],
                TrainingEndTime=result.get("end") or t,
                LastModifiedTime=t,
                FailureReason=result.get("failure_reason"),
                FinalMetrics=final,
                Objective=objective,
                ObjectiveStatus=("Succeeded" if objective is not None else "Failed") if metric else None,
                StopReason=result.get("stop_reason"),
                ModelArtifact=model_uri,
                Rounds=result.get("rounds"),
                BestIteration=result.get("best_iteration"),
            )
            self._metrics[tname] = history
            self.state.save("metrics", tname, history)
            self._save_training(rec)
            self._stop_flags.pop(tname, None)
        self._emit_training(tname)
        return objective

    def _finalize(self, name: str) -> None:
        stopped = self._stop_tuning[name].is_set()
        recs = [self._training[t] for t in self._trial_names(name)]
        if stopped:
            self._finish_tuning(name, "Stopped", None)
        elif recs and all(r["Status"] == "Failed" for r in recs):
            reason = recs[0].get("FailureReason") or "unknown"
            self._finish_tuning(name, "Failed", f"All training jobs failed. First failure: {reason}")
        else:
            self._finish_tuning(name, "Completed", None)

    def _finish_tuning(self, name: str, status: str, reason: str | None) -> None:
        with self._lock:
            rec = self._tuning[name]
            t = now()
            rec.update(Status=status, FailureReason=reason, EndTime=t, LastModifiedTime=t)
            self._save_tuning(rec)
        self._emit_tuning(name)
        self._progress(name)

    def _trial_names(self, tuning: str) -> list[str]:
        """The job's trials in launch order; jobs run by another process are (re)read from state_dir
        until they are seen ended."""
        with self._lock:
            owned = tuning in self._stop_tuning
            rec = self._tuning.get(tuning)
            if not owned and (rec is None or rec["Status"] not in TERMINAL or tuning not in self._trials):
                rec = self.state.load("tuning-jobs", tuning)
                if rec is None:
                    return []
                self._tuning[tuning] = rec
                names = []
                for tname in self.state.names("training-jobs"):
                    if tname.startswith(tuning + "-"):
                        trec = self.state.load("training-jobs", tname)
                        if trec and trec.get("TuningJobName") == tuning:
                            self._training[tname] = trec
                            names.append(tname)
                names.sort(key=lambda n: self._training[n].get("Index", 0))
                self._trials[tuning] = names
            return list(self._trials.get(tuning, []))

    def _counters(self, name: str) -> tuple[dict, dict, dict | None]:
        recs = [self._training[t] for t in self._trial_names(name)]
        status = {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
        objective = {"Succeeded": 0, "Pending": 0, "Failed": 0}
        best: dict | None = None
        maximize_ = self._objective_of(name)["Type"] == "Maximize"
        for r in recs:
            key = {"Failed": "NonRetryableError", "Stopping": "InProgress"}.get(r["Status"], r["Status"])
            status[key] += 1
            objective[r.get("ObjectiveStatus") or "Pending"] += 1
            if r.get("Objective") is not None and (
                best is None or search.improves(r["Objective"], best["Objective"], maximize_)
            ):
                best = r
        return status, objective, best

    def _progress(self, name: str) -> None:
        if not self.on_progress:
            return
        with self._lock:
            status, _, best = self._counters(name)
            total = self._tuning[name]["Total"]
        try:
            self.on_progress(
                TuningProgress(
                    job_name=name,
                    total=total,
                    completed=status["Completed"],
                    failed=status["NonRetryableError"],
                    stopped=status["Stopped"],
                    running=status["InProgress"],
                    best_objective=best["Objective"] if best else None,
                    best_training_job=best["TrainingJobName"] if best else None,
                )
            )
        except Exception:  # noqa: BLE001 - a progress bar must not break the job
            log.exception("on_progress callback failed")

    def _summary(self, r: dict) -> dict:
        """HyperParameterTrainingJobSummary."""
        out = {
            "TrainingJobName": r["TrainingJobName"],
            "TrainingJobArn": r["TrainingJobArn"],
            "TuningJobName": r["TuningJobName"],
            "CreationTime": to_datetime(r["CreationTime"]),
            "TrainingStartTime": to_datetime(r.get("TrainingStartTime")),
            "TrainingEndTime": to_datetime(r.get("TrainingEndTime")),
            "TrainingJobStatus": r["Status"],
            "TunedHyperParameters": dict(r.get("TunedHyperParameters") or {}),
            "FailureReason": r.get("FailureReason"),
            "ObjectiveStatus": r.get("ObjectiveStatus"),
        }
        if r.get("Objective") is not None:
            out["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": r["ObjectiveType"],
                "MetricName": r["ObjectiveMetricName"],
                "Value": r["Objective"],
            }
        return drop_none(out)

    def describe_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        _Validator.check("DescribeHyperParameterTuningJob", request)
        name = request["HyperParameterTuningJobName"]
        with self._lock:
            self._trial_names(name)
            rec = self._tuning.get(name)
            if rec is None:
                raise not_found("tuning job", name)
            status, objective, best = self._counters(name)
            req = rec["Request"]
            out = {
                "HyperParameterTuningJobName": name,
                "HyperParameterTuningJobArn": rec["HyperParameterTuningJobArn"],
                "HyperParameterTuningJobConfig": req["HyperParameterTuningJobConfig"],
                "TrainingJobDefinition": req["TrainingJobDefinition"],
                "HyperParameterTuningJobStatus": rec["Status"],
                "CreationTime": to_datetime(rec["CreationTime"]),
                "HyperParameterTuningEndTime": to_datetime(rec.get("EndTime")),
                "LastModifiedTime": to_datetime(rec["LastModifiedTime"]),
                "TrainingJobStatusCounters": status,
                "ObjectiveStatusCounters": objective,
                "BestTrainingJob": self._summary(best) if best else None,
                "WarmStartConfig": req.get("WarmStartConfig"),
                "FailureReason": rec.get("FailureReason"),
            }
            details = {k: v for k, v in (rec.get("CompletionDetails") or {}).items() if not k.startswith("_")}
            if "ConvergenceDetectedTime" in details:
                details["ConvergenceDetectedTime"] = to_datetime(details["ConvergenceDetectedTime"])
            if details:
                out["TuningJobCompletionDetails"] = details
            end = rec.get("EndTime") or now()
            out["ConsumedResources"] = {"RuntimeInSeconds": int(end - rec["CreationTime"])}
            return drop_none(out)

    def list_training_jobs_for_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        _Validator.check("ListTrainingJobsForHyperParameterTuningJob", request)
        name = request["HyperParameterTuningJobName"]
        max_results = request.get("MaxResults", 10)
        if not 1 <= max_results <= 100:
            raise ValidationException("MaxResults must be between 1 and 100")
        with self._lock:
            names = self._trial_names(name)
            if name not in self._tuning:
                raise not_found("tuning job", name)
            recs = [self._training[t] for t in names]
        if request.get("StatusEquals"):
            recs = [r for r in recs if r["Status"] == request["StatusEquals"]]
        sort_by = request.get("SortBy", "Name")
        if sort_by == "FinalObjectiveMetricValue":
            recs = [r for r in recs if r.get("Objective") is not None]
            key: Callable[[dict], Any] = lambda r: (r["Objective"], r["TrainingJobName"])  # noqa: E731
        elif sort_by == "CreationTime":
            key = lambda r: (r["CreationTime"], r.get("Index", 0), r["TrainingJobName"])  # noqa: E731
        elif sort_by == "Status":
            key = lambda r: (r["Status"], r["TrainingJobName"])  # noqa: E731
        else:
            key = lambda r: r["TrainingJobName"]  # noqa: E731
        recs.sort(key=key, reverse=request.get("SortOrder", "Ascending") == "Descending")
        page, token = _paginate(recs, request.get("NextToken"), max_results, context=f"trials/{name}")
        out: dict[str, Any] = {"TrainingJobSummaries": [self._summary(r) for r in page]}
        if token:
            out["NextToken"] = token
        return out

    def stop_hyper_parameter_tuning_job(self, **request: Any) -> dict:
        _Validator.check("StopHyperParameterTuningJob", request)
        name = request["HyperParameterTuningJobName"]
        with self._lock:
            rec = self._tuning.get(name)
            if rec is None:
                raise not_found("tuning job", name)
            if rec["Status"] != "InProgress" or name not in self._stop_tuning:
                raise ValidationException(f"The tuning job {name} is not in progress (status {rec['Status']})")
            rec.update(Status="Stopping", LastModifiedTime=now())
            self._save_tuning(rec)
            self._stop_tuning[name].set()
            for tname in self._trials.get(name, []):
                if tname in self._stop_flags:
                    flags, slot = self._stop_flags[tname]
                    flags[slot] = 1
        self._emit_tuning(name)
        return {}

    def list_hyper_parameter_tuning_jobs(self, **request: Any) -> dict:
        _Validator.check("ListHyperParameterTuningJobs", request)
        max_results = request.get("MaxResults", 10)
        if not 1 <= max_results <= 100:
            raise ValidationException("MaxResults must be between 1 and 100")
        with self._lock:
            for name in self.state.names("tuning-jobs"):
                self._trial_names(name)
            recs = list(self._tuning.values())
        if request.get("NameContains"):
            recs = [r for r in recs if request["NameContains"].lower() in r["HyperParameterTuningJobName"].lower()]
        if request.get("StatusEquals"):
            recs = [r for r in recs if r["Status"] == request["StatusEquals"]]
        for field_, attr, after in (
            ("CreationTimeAfter", "CreationTime", True),
            ("CreationTimeBefore", "CreationTime", False),
            ("LastModifiedTimeAfter", "LastModifiedTime", True),
            ("LastModifiedTimeBefore", "LastModifiedTime", False),
        ):
            if request.get(field_) is not None:
                ts = _as_epoch(request[field_])
                recs = [r for r in recs if (r[attr] > ts if after else r[attr] < ts)]
        sort_by = request.get("SortBy", "Name")
        attr = {"Name": "HyperParameterTuningJobName", "Status": "Status", "CreationTime": "CreationTime"}[sort_by]
        recs.sort(
            key=lambda r: (r[attr], r["HyperParameterTuningJobName"]),
            reverse=request.get("SortOrder", "Ascending") == "Descending",
        )
        page, token = _paginate(recs, request.get("NextToken"), max_results, context="tuning-jobs")
        summaries = []
        with self._lock:
            for r in page:
                status, objective, _ = self._counters(r["HyperParameterTuningJobName"])
                cfg = r["Request"]["HyperParameterTuningJobConfig"]
                summaries.append(
                    drop_none(
                        {
                            "HyperParameterTuningJobName": r["HyperParameterTuningJobName"],
                            "HyperParameterTuningJobArn": r["HyperParameterTuningJobArn"],
                            "HyperParameterTuningJobStatus": r["Status"],
                            "Strategy": cfg.get("Strategy", "Bayesian"),
                            "CreationTime": to_datetime(r["CreationTime"]),
                            "HyperParameterTuningEndTime": to_datetime(r.get("EndTime")),
                            "LastModifiedTime": to_datetime(r["LastModifiedTime"]),
                            "TrainingJobStatusCounters": status,
                            "ObjectiveStatusCounters": objective,
                            "ResourceLimits": cfg.get("ResourceLimits"),
                        }
                    )
                )
        out: dict[str, Any] = {"HyperParameterTuningJobSummaries": summaries}
        if token:
            out["NextToken"] = token
        return out

    # --- standalone training jobs (the baseline) ------------------------------------------------

    def create_training_job(self, **request: Any) -> dict:
        _Validator.check("CreateTrainingJob", request)
        name = request["TrainingJobName"]
        if not TRAINING_NAME_PATTERN.fullmatch(name):
            raise ValidationException(f"Training job name {name!r} must match {TRAINING_NAME_PATTERN.pattern}")
        image = request["AlgorithmSpecification"].get("TrainingImage", "")
        if image and "xgboost" not in image:
            raise ValidationException(f"The local engine runs SageMaker's built-in XGBoost only, not {image!r}")
        hps = dict(request.get("HyperParameters") or {})
        bad = unknown_hyperparameters(hps)
        if bad:
            raise ValidationException(f"Hyperparameters {bad} are not valid hyperparameters for the algorithm")
        if "train" not in {c["ChannelName"] for c in request.get("InputDataConfig") or []}:
            raise ValidationException("InputDataConfig needs a 'train' channel")
        definition = {k: v for k, v in request.items() if k not in ("TrainingJobName", "HyperParameters", "Tags")}
        with self._lock:
            if name in self._training or self.state.load("training-jobs", name):
                raise ResourceInUse(f"Training job {name} already exists")
            t = now()
            flags = self._ctx.Array("b", 1, lock=False)
            rec = {
                "TrainingJobName": name,
                "TrainingJobArn": self._arn("training-job", name),
                "TuningJobName": None,
                "Definition": definition,
                "HyperParameters": hps,
                "TunedHyperParameters": None,
                "Status": "InProgress",
                "SecondaryStatus": "Starting",
                "CreationTime": t,
                "TrainingStartTime": None,
                "TrainingEndTime": None,
                "LastModifiedTime": t,
                "FailureReason": None,
                "FinalMetrics": {},
                "Objective": None,
                "ObjectiveStatus": None,
                "Tags": request.get("Tags") or [],
            }
            self._training[name] = rec
            self._stop_flags[name] = (flags, 0)
            self._save_training(rec)
        self._emit_training(name)
        thread = threading.Thread(
            target=self._run_training,
            args=(name, definition, hps, flags),
            name=f"amt-training-{name}",
            daemon=True,
        )
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return {"TrainingJobArn": rec["TrainingJobArn"]}

    def _run_training(self, name: str, definition: dict, hps: dict, flags: Any) -> None:
        try:
            channels = self._read_channels(definition)
        except Exception as e:  # noqa: BLE001 - any download problem fails the job
            self._end_trial(name, {"status": "Failed", "failure_reason": f"ClientError: {e}", "end": now()}, None)
            return
        with self._lock:
            self._training[name].update(SecondaryStatus="Training", TrainingStartTime=now())
        try:
            with cf.ProcessPoolExecutor(
                max_workers=1,
                mp_context=self._ctx,
                initializer=worker.init_worker,
                initargs=(channels, flags),
            ) as ex:
                result = ex.submit(worker.run_trial, {"slot": 0, "hyperparameters": hps}).result()
        except Exception as e:  # noqa: BLE001
            result = {"status": "Failed", "failure_reason": f"InternalServerError: {e}", "end": now()}
        self._end_trial(name, result, None)

    def describe_training_job(self, **request: Any) -> dict:
        _Validator.check("DescribeTrainingJob", request)
        name = request["TrainingJobName"]
        with self._lock:
            rec = self._training.get(name) or self.state.load("training-jobs", name)
            if rec is None:
                raise not_found("training job", name)
            return self._describe_training(rec)

    def _describe_training(self, r: dict) -> dict:
        d = r["Definition"]
        start, end = r.get("TrainingStartTime"), r.get("TrainingEndTime")
        transitions = [
            {
                "Status": "Starting",
                "StartTime": to_datetime(r["CreationTime"]),
                "EndTime": to_datetime(start),
                "StatusMessage": "Preparing the instances for training",
            }
        ]
        if start is not None:
            transitions.append(
                drop_none(
                    {
                        "Status": "Training",
                        "StartTime": to_datetime(start),
                        "EndTime": to_datetime(end),
                        "StatusMessage": "Training image download completed. Training in progress.",
                    }
                )
            )
        if end is not None:
            transitions.append(
                {
                    "Status": r["SecondaryStatus"],
                    "StartTime": to_datetime(end),
                    "EndTime": to_datetime(end),
                    "StatusMessage": r.get("FailureReason") or f"Training job {r['Status'].lower()}",
                }
            )
        out = {
            "TrainingJobName": r["TrainingJobName"],
            "TrainingJobArn": r["TrainingJobArn"],
            "TuningJobArn": r.get("TuningJobArn"),
            "ModelArtifacts": {"S3ModelArtifacts": r["ModelArtifact"]} if r.get("ModelArtifact") else None,
            "TrainingJobStatus": r["Status"],
            "SecondaryStatus": r["SecondaryStatus"],
            "FailureReason": r.get("FailureReason"),
            "HyperParameters": dict(r["HyperParameters"]),
            "AlgorithmSpecification": d.get("AlgorithmSpecification"),
            "RoleArn": d.get("RoleArn"),
            "InputDataConfig": d.get("InputDataConfig"),
            "OutputDataConfig": d.get("OutputDataConfig"),
            "ResourceConfig": d.get("ResourceConfig"),
            "VpcConfig": d.get("VpcConfig"),
            "StoppingCondition": d.get("StoppingCondition"),
            "CreationTime": to_datetime(r["CreationTime"]),
            "TrainingStartTime": to_datetime(start),
            "TrainingEndTime": to_datetime(end),
            "LastModifiedTime": to_datetime(r["LastModifiedTime"]),
            "SecondaryStatusTransitions": transitions,
            "FinalMetricDataList": [
                {"MetricName": k, "Value": v, "Timestamp": to_datetime(end)}
                for k, v in sorted((r.get("FinalMetrics") or {}).items())
            ]
            if end is not None
            else None,
            "EnableNetworkIsolation": d.get("EnableNetworkIsolation", False),
            "EnableInterContainerTrafficEncryption": d.get("EnableInterContainerTrafficEncryption", False),
            "EnableManagedSpotTraining": d.get("EnableManagedSpotTraining", False),
        }
        if start is not None and end is not None:
            secs = max(1, int(round(end - start)))
            out["TrainingTimeInSeconds"] = secs
            out["BillableTimeInSeconds"] = secs
        return drop_none(out)

    def stop_training_job(self, **request: Any) -> dict:
        _Validator.check("StopTrainingJob", request)
        name = request["TrainingJobName"]
        with self._lock:
            rec = self._training.get(name)
            if rec is None:
                raise not_found("training job", name)
            if rec["Status"] != "InProgress" or name not in self._stop_flags:
                raise ValidationException(f"The training job {name} is not in progress (status {rec['Status']})")
            flags, slot = self._stop_flags[name]
            flags[slot] = 1
            rec.update(Status="Stopping", SecondaryStatus="Stopping", LastModifiedTime=now())
            self._save_training(rec)
        return {}

    def metric_history(self, training_job_name: str) -> dict[str, list[float]]:
        with self._lock:
            if training_job_name in self._metrics:
                return {k: list(v) for k, v in self._metrics[training_job_name].items()}
        stored = self.state.load("metrics", training_job_name)
        if stored is None:
            if self.state.load("training-jobs", training_job_name) is None:
                raise not_found("training job", training_job_name)
            return {}
        return stored

    # --- lifecycle -----------------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> None:
        """Block until every job this engine started has ended (TimeoutError after ``timeout`` s)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                threads = [t for t in self._threads if t.is_alive()]
            if not threads:
                return
            for t in threads:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                t.join(remaining)
                if deadline is not None and time.monotonic() >= deadline and t.is_alive():
                    raise TimeoutError(f"jobs still running after {timeout} s")

    def close(self) -> None:
        """Stop whatever still runs, then wait for it to end."""
        with self._lock:
            running = [n for n, r in self._tuning.items() if r["Status"] == "InProgress" and n in self._stop_tuning]
            for flags, slot in self._stop_flags.values():
                flags[slot] = 1
        for name in running:
            with contextlib.suppress(LocalSageMakerError):
                self.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        self.wait()

    # --- events --------------------------------------------------------------------------------

    def _emit(self, event: dict) -> None:
        try:
            self.emit_event(event)
        except Exception:  # noqa: BLE001 - delivery problems are the bus's, not the job's
            log.exception("emit_event failed")

    def _emit_tuning(self, name: str) -> None:
        with self._lock:
            rec = self._tuning[name]
            status, objective, _ = self._counters(name)
            req = rec["Request"]
            detail = {
                "HyperParameterTuningJobName": name,
                "HyperParameterTuningJobArn": rec["HyperParameterTuningJobArn"],
                "TrainingJobDefinition": req["TrainingJobDefinition"],
                "HyperParameterTuningJobStatus": rec["Status"],
                "CreationTime": to_millis(rec["CreationTime"]),
                "LastModifiedTime": to_millis(rec["LastModifiedTime"]),
                "TrainingJobStatusCounters": status,
                "ObjectiveStatusCounters": objective,
                "Tags": tags_dict(req.get("Tags")),
            }
        self._emit(
            envelope(
                detail_type=TUNING_EVENT,
                arn=rec["HyperParameterTuningJobArn"],
                detail=detail,
                region=self.region,
                account_id=self.account_id,
            )
        )

    def _emit_training(self, name: str) -> None:
        with self._lock:
            r = self._training[name]
            desc = self._describe_training(r)
        detail = {
            k: v
            for k, v in desc.items()
            if k not in ("FinalMetricDataList", "TrainingTimeInSeconds", "BillableTimeInSeconds")
        }
        for k in ("CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime"):
            if k in detail:
                detail[k] = to_millis(detail[k].timestamp())
        detail["SecondaryStatusTransitions"] = [
            {k: (to_millis(v.timestamp()) if hasattr(v, "timestamp") else v) for k, v in tr.items()}
            for tr in detail["SecondaryStatusTransitions"]
        ]
        detail.setdefault("VpcConfig", {})
        detail["Tags"] = tags_dict(r.get("Tags"))
        self._emit(
            envelope(
                detail_type=TRAINING_EVENT,
                arn=r["TrainingJobArn"],
                detail=detail,
                region=self.region,
                account_id=self.account_id,
            )
        )


def _as_epoch(value: Any) -> float:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return float(value)


def _paginate(items: list, token: str | None, max_results: int, context: str) -> tuple[list, str | None]:
    offset = 0
    if token:
        try:
            payload = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            offset = int(payload["o"])
            if payload.get("c") != context or offset < 0:
                raise ValueError
        except (ValueError, KeyError, json.JSONDecodeError):
            raise ValidationException("The NextToken is not valid for this request") from None
    page = items[offset : offset + max_results]
    nxt = offset + max_results
    if nxt < len(items):
        return page, base64.urlsafe_b64encode(json.dumps({"o": nxt, "c": context}).encode()).decode()
    return page, None
