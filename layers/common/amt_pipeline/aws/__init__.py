"""The AWS edges: boto3 clients, the small adapters the domain talks to, idempotency.

Nothing outside this package creates a boto3 client; the domain modules type
the clients they are given with the protocols in ``ports``.
"""
