"""STUB, replaced by the jobs work."""


def outbox_enqueue(*, job, payload, idempotency_key=None):
    from django.db import transaction

    from .registry import HANDLERS

    transaction.on_commit(lambda: HANDLERS[job](**payload))
