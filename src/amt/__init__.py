"""The `amt` command, the local runtime and the local SageMaker engine.

Never shipped in a Lambda: this package may import xgboost, optuna,
scikit-learn and moto; the domain code it drives lives in ``amt_pipeline``.
"""
