"""What a finished tuning job did: every trial, and what the trials say.

``table`` turns SageMaker's list calls into rows (as the SDK's analytics do),
``report_input`` gathers everything a report needs into one JSON document,
``learning_curves`` adds the best trials' curves from CloudWatch, ``analysis``
and ``summary`` read the search (importance, range boundaries, the best trial).
"""
