"""AMT Pipeline's domain package: shipped to every Lambda in the shared layer.

Only boto3, pydantic, pandas, altair and aws-lambda-powertools may be imported
here: scikit-learn, xgboost and optuna belong to the local engine (``amt``).
"""

__version__ = "0.1.0"
