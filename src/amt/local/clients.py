"""Forget the layer's cached boto3 clients: a hook for the local runtime and the tests.

The layer makes each client once per process (``amt_pipeline.aws.clients``), as a
Lambda should; whoever enters a new moto mock in the same process must drop them,
and the idempotency table's client with them. Lambdas never need this, so it does
not ship in the layer.
"""

from __future__ import annotations

from amt_pipeline.aws.clients import client
from amt_pipeline.aws.idempotency import forget_persistence


def reset_clients() -> None:
    """Forget cached clients (after entering a new moto mock)."""
    client.cache_clear()
    forget_persistence()
