"""A run, before and around its tuning job: what the user asked for and what it becomes.

The execution input (``execution_input``) is checked and planned (``plan``):
the run's place in the bucket (``layout``), its SageMaker requests
(``tuning_request``, with ``image_uris`` and ``xgboost_algorithm``), its data
(``datasets`` for the built-in Digits, ``input_data_check`` for the user's
own). ``cleanup`` removes what a run wrote.
"""
