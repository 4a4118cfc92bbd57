"""A tuning job while it runs: its progress (counts, best so far, estimated end), the per-run
progress record kept from SageMaker's training-job events, and the in-progress report."""
