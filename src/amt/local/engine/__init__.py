"""The local SageMaker engine: plays SageMaker's part when the pipeline runs with no AWS account.

``LocalSageMaker`` answers the SageMaker calls the pipeline makes (boto3-shaped requests and
responses), trains real XGBoost models with the semantics of the built-in XGBoost 1.5-1 container
(algorithm.py), searches with optuna (search.py), records every job under ``state_dir`` and emits
SageMaker's EventBridge events. See engine.py for the map of its modules.
"""

from amt.local.engine.engine import LocalSageMaker, import_job_modules_in_background
from amt.local.engine.errors import LocalSageMakerError
from amt.local.engine.storage import InMemoryUriStore, UriStore
from amt.local.engine.tuning_job import TuningProgress

__all__ = [
    "InMemoryUriStore",
    "LocalSageMaker",
    "LocalSageMakerError",
    "UriStore",
    "TuningProgress",
    "import_job_modules_in_background",
]
