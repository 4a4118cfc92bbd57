"""A job's training slots: its workers are taken from the farm when the job starts (so a cold one
boots while the job reads its channels), reused trial after trial, replaced when one dies, and
handed back to the farm when the job ends, for the next job of the same image."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from amt.local.images import workers
from amt_container.outcome import TrainingOutcome


class FakeProcess:
    crash_once = False  # the next request, on whichever worker, dies

    def __init__(self, env, stderr=None) -> None:
        self.env, self.alive, self.trials = env, True, 0

    def load(self, request) -> None:
        self.channels = request

    def request(self, op, spec):
        if FakeProcess.crash_once:
            FakeProcess.crash_once, self.alive = False, False
            raise workers.WorkerCrashed("the training process exited unexpectedly (exit code -9)")
        self.trials += 1
        return TrainingOutcome("Completed", rounds=spec["slot"])  # (the slot, to tell the trials apart)

    def close(self) -> None:
        self.alive = False


def test_a_jobs_workers_serve_its_trials_and_go_back_to_the_farm(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(workers, "WorkerProcess", FakeProcess)
    env = SimpleNamespace(root=Path("/images/1.5-1"))
    farm = workers.WorkerFarm()
    # Given a job of two slots: both workers exist before its first trial
    taken = [farm.acquire(env) for _ in range(2)]
    pool = workers.TrainerPool(farm, env, {"channels": {"train": str(tmp_path)}}, taken, tmp_path)
    # When six trials run, and the third one's worker dies
    results = [pool.submit(f"t{i}", {"slot": i}).result() for i in range(2)]
    FakeProcess.crash_once = True
    crashed = pool.submit("t2", {"slot": 2}).result()
    results += [pool.submit(f"t{i}", {"slot": i}).result() for i in range(3, 6)]
    pool.shutdown()
    # Then the crash fails that trial only, a fresh process takes its place, the others all complete
    assert crashed.status == "Failed" and "exit code -9" in (crashed.failure_reason or "")
    assert [r.rounds for r in results] == [0, 1, 3, 4, 5]
    # And at the end the job's two live workers wait in the farm for the next job (the dead one does not)
    back = [farm.acquire(env), farm.acquire(env)]
    assert all(w.alive for w in back) and sum(w.trials for w in back) >= 3
    assert not any(w is dead for w in back for dead in taken if not dead.alive)
