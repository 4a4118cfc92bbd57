"""The process side of SageMaker's built-in XGBoost container, run inside each image's environment.

Every module here imports only the standard library, numpy, scikit-learn and xgboost: it runs in
the pinned environment of one image version (see ``amt.local.images``), whose XGBoost release is
the one that image ships, so a local trial gives the figures SageMaker gives. Nothing here may
import ``amt`` or ``amt_pipeline``: the engine parses and validates hyperparameters before a trial
reaches this side.
"""
