"""Create, once, the pinned virtualenv of an image, and find it again: the local "image pull".

Environments live under ``$AMT_IMAGE_CACHE`` (default ``~/.cache/amt-pipeline/images``), one folder
per image version, Python version and set of pins, so that a change of pins makes a new one.
Creation happens in a temporary folder renamed into place when complete, under a file lock, so
two runs that start together build it once and an interrupted build leaves nothing half-made.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from amt.local.images.catalog import ImageSpec

log = logging.getLogger(__name__)
READY = "amt-image.json"


class ImagePullError(RuntimeError):
    """The image's environment could not be created (no network to PyPI, no wheel for this Python...)."""


@dataclass(frozen=True)
class ImageEnvironment:
    spec: ImageSpec
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def code_root(self) -> Path:
        """A folder holding only ``amt_container``: the worker's code, and nothing of the engine's. One per
        checkout of that code: two checkouts sharing the image cache (a worktree each) never run each
        other's worker code."""
        import amt_container

        source = str(Path(amt_container.__file__).resolve().parent)
        return self.root / f"amt-code-{hashlib.sha256(source.encode()).hexdigest()[:8]}"


def cache_root() -> Path:
    configured = os.environ.get("AMT_IMAGE_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "amt-pipeline" / "images"


def environment_path(spec: ImageSpec, root: Path | None = None) -> Path:
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    digest = hashlib.sha256("\n".join(spec.requirements).encode()).hexdigest()[:8]
    return (root or cache_root()) / f"sagemaker-xgboost-{spec.version}-{python}-{digest}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _link_code(env: ImageEnvironment) -> None:
    import amt_container

    package = Path(amt_container.__file__).resolve().parent
    env.code_root.mkdir(exist_ok=True)
    link = env.code_root / "amt_container"
    if link.is_symlink() and link.resolve() == package:
        return
    temporary = env.code_root / f".amt_container.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    temporary.symlink_to(package, target_is_directory=True)
    os.replace(temporary, link)


def _run(command: list[str], log_file: Path) -> None:
    with open(log_file, "a") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log_file.read_text(errors="replace").strip().splitlines()[-5:]
        raise ImagePullError(f"{' '.join(command[:4])}... failed ({done.returncode}):\n  " + "\n  ".join(tail))


def _create(spec: ImageSpec, target: Path) -> None:
    building = target.with_name(target.name + f".building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    log_file = target.with_name(target.name + ".log")
    try:
        _run([sys.executable, "-m", "venv", str(building)], log_file)
        pip = [str(building / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-input"]
        _run([*pip, "install", "--quiet", "--only-binary=:all:", *spec.requirements], log_file)
        (building / READY).write_text(json.dumps({"image": spec.version, "requirements": spec.requirements}))
        os.replace(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def prepare_image(spec: ImageSpec, say: Callable[[str], None] | None = None) -> ImageEnvironment:
    """The image's environment, created on first use (minutes the first time, then instant)."""
    target = environment_path(spec)
    env = ImageEnvironment(spec, target)
    if not (target / READY).exists():
        with _locked(target.with_name(target.name + ".lock")):
            if not (target / READY).exists():
                report = say or log.info
                report(
                    f"Preparing the local environment of sagemaker-xgboost:{spec.version} "
                    f"(XGBoost {spec.xgboost}) in {target}: first use only, like pulling the image..."
                )
                started = time.monotonic()
                _create(spec, target)
                report(f"sagemaker-xgboost:{spec.version} ready in {time.monotonic() - started:.0f} s")
    _link_code(env)
    return env
