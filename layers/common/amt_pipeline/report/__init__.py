"""How a finished tuning job is told: the HTML report (``render``) and the SNS message (``notification``).

Import ``amt_pipeline.report.render`` for the page: this package itself imports
nothing, so the notify step does not pay pandas' and Altair's import time.
"""
