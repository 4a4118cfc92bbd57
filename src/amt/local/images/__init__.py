"""Each built-in XGBoost image, played locally by a pinned Python environment of its own.

SageMaker pulls ``sagemaker-xgboost:<version>`` and trains with the XGBoost release baked into it.
Locally, each image version is a virtualenv holding that release (``catalog.py`` says which, and
where the pin comes from), created on first use and cached like a pulled image
(``environment.py``); trials run in long-lived worker processes of that environment
(``workers.py``), so no trial pays the start-up cost again.
"""

from amt.local.images.catalog import IMAGES, ImageSpec, UnsupportedImage, image_for_uri, image_spec
from amt.local.images.environment import ImageEnvironment, prepare_image
from amt.local.images.workers import TrainerPool, WorkerFarm

__all__ = [
    "IMAGES",
    "ImageEnvironment",
    "ImageSpec",
    "TrainerPool",
    "UnsupportedImage",
    "WorkerFarm",
    "image_for_uri",
    "image_spec",
    "prepare_image",
]
