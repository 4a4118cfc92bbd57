"""Which XGBoost release each built-in image ships, and the pins of its local environment.

Sources (read from the container repositories, not from memory):

- ``aws/sagemaker-xgboost-container``, one branch per image: ``docker/<version>/base/Dockerfile.cpu``
  sets ``ARG XGBOOST_VERSION``. 1.2-1 and 1.2-2: 1.2.0; 1.3-1: 1.3.3; 1.5-1: 1.5.2;
  1.7-1: 1.7.4; master's ``docker/3.0-5``: 3.0.5.
- ``aws/deep-learning-containers`` ``docker/xgboost/pyproject.toml`` (the image repository since
  April 2026, per the container repository's README): ``xgboost==3.2.0`` for 3.2-0.

The containers pin numpy, scipy and scikit-learn releases that have no wheels for Python 3.13
(1.x images: numpy 1.24, scikit-learn 0.24); the local environments take the nearest releases
that do. Those only read the data and compute the container's own metrics (accuracy, f1, ...),
which do not change between them; the training itself is the pinned XGBoost's.
The 3.x releases come from PyPI's ``xgboost-cpu``: the same code without the CUDA libraries.
"""

from __future__ import annotations

from dataclasses import dataclass

# numpy 2 with XGBoost 1.x needs pkg_resources (setuptools < 81) and C-contiguous float64 labels.
_PINS_1X = ("numpy==2.2.6", "scipy==1.15.3", "scikit-learn==1.6.1", "setuptools==80.9.0")
# The 3.x images' own pins (requirements.txt of 3.0-5; the DLC pyproject of 3.2-0).
_PINS_3X = ("numpy==2.1.0", "scipy==1.15.0", "scikit-learn==1.8.0")


@dataclass(frozen=True)
class ImageSpec:
    version: str  # the image tag: "1.5-1"
    xgboost: str  # the release it ships: "1.5.2"
    requirement: str  # what pip installs for it
    pins: tuple[str, ...]
    source: str

    @property
    def requirements(self) -> tuple[str, ...]:
        return (self.requirement, *self.pins)


def _spec(version: str, xgboost: str, source: str) -> ImageSpec:
    major = int(xgboost.split(".")[0])
    requirement = f"xgboost-cpu=={xgboost}" if major >= 3 else f"xgboost=={xgboost}"
    return ImageSpec(version, xgboost, requirement, _PINS_3X if major >= 3 else _PINS_1X, source)


_CONTAINER = "aws/sagemaker-xgboost-container"
IMAGES: dict[str, ImageSpec] = {
    s.version: s
    for s in (
        _spec("1.5-1", "1.5.2", f"{_CONTAINER} branch 1.5-1, docker/1.5-1/base/Dockerfile.cpu"),
        _spec("1.7-1", "1.7.4", f"{_CONTAINER} branch 1.7-1, docker/1.7-1/base/Dockerfile.cpu"),
        _spec("3.0-5", "3.0.5", f"{_CONTAINER} branch master, docker/3.0-5/base/Dockerfile.cpu"),
        _spec("3.2-0", "3.2.0", "aws/deep-learning-containers docker/xgboost/pyproject.toml"),
    )
}


# Images SageMaker still serves that no local environment can reproduce, and why.
_NUMPY_1 = "needs numpy 1 (it calls np.cfloat), which has no build for Python 3.13"
UNPLAYABLE: dict[str, str] = {
    "1.2-1": f"XGBoost 1.2.0 {_NUMPY_1}",  # branch 1.2-1, docker/1.2-1/base/Dockerfile.cpu
    "1.2-2": f"XGBoost 1.2.0 {_NUMPY_1}",  # branch 1.2-2
    "1.3-1": f"XGBoost 1.3.3 {_NUMPY_1}",  # branch 1.3-1
}


class UnsupportedImage(ValueError):
    """The training image is not a built-in XGBoost image this engine can play."""


def image_spec(version: str) -> ImageSpec:
    if version in IMAGES:
        return IMAGES[version]
    why = UNPLAYABLE.get(version, "not a built-in XGBoost image version")
    raise UnsupportedImage(
        f"the local engine cannot play sagemaker-xgboost:{version} ({why}); "
        f"locally: {', '.join(IMAGES)}; on AWS every version SageMaker serves works"
    )


def image_for_uri(uri: str) -> ImageSpec:
    """'683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1' -> the 1.5-1 spec."""
    repository, _, tag = uri.rpartition("/")[2].partition(":")
    if repository != "sagemaker-xgboost" or not tag:
        raise UnsupportedImage(f"not a built-in XGBoost image: {uri!r}")
    return image_spec(tag)
