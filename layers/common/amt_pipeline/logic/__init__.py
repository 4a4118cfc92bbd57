"""The domain function of each handler, one module per step, named as the step is:
functions/<step>/app.py calls amt_pipeline.logic.<step> (the cookbook's handlers/ -> logic/).

A handler reads its event and settings, builds the adapters (amt_pipeline.aws) and calls its
step's function once; the function holds the step's rules and touches AWS only through the
adapters it is given.
"""
