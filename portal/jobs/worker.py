"""The Celery worker's consumer: Celery's own, with guards so losing the broker never ends the worker.

When the broker goes away, Celery 5.7.0 collects the broker connection (`connection.collect()`, which
drops its transport) and then closes it again (`Consumer.on_connection_error_after_connected`). With
the Redis transport two things can then reach the dropped transport and raise AttributeError, which
Celery does not count as a connection error, so the worker stops with "Unrecoverable error" instead of
reconnecting:

1. The second close. When the broker dies while the worker waits on it (the usual case), the first
   pass cannot finish closing the channel: removing the remote-control fanout binding and reading the
   pending wait both fail on the dead connection. The second pass then tries to put the channel's
   unacknowledged messages back through the transport that is gone.
2. A late acknowledgement. A job that was running when the connection went (acks_late) finishes after
   it; its acknowledgement, queued on the worker's event loop, runs on the old channel.

Seen in CI's fault tests (tests/faults) and locally in 4 of 6 runs of the broker test; with only the
first guard, in 1 run of 6 by the second path.

The guards: the second close ends quietly when the connection is already taken apart (and only then),
and acknowledgements on the lost connection's channel fail as the connection error they are, which
Celery logs ("Couldn't ack") and lives with. Nothing is lost by either: the broker is unreachable, so
there is nowhere to put messages back or acknowledge them; Redis keeps unacknowledged messages in its
unacked set (restored after the visibility timeout), the outbox hands any job that did not finish to
the broker again (portal/jobs/services.py), and a job that did finish is not run twice (its row is
claimed and marked done). The worker then reconnects as Celery intends.
tests/faults/test_broker_connection.py shows both crashes with Celery's own consumer, so the guards
can go when those tests say they are fixed upstream.
"""

import logging

from celery.worker.consumer import Consumer as CeleryConsumer

logger = logging.getLogger(__name__)


class BrokerConnectionLost(ConnectionError):
    """An acknowledgement for a message whose broker connection has been lost and taken apart."""


def close_even_if_taken_apart(connection) -> None:
    """Close `connection`, tolerating the AttributeError of a channel whose transport was collected."""
    close = type(connection).close
    try:
        close(connection)
    except AttributeError:
        if connection.connected:  # still live, so this is some other fault: let Celery see it
            raise
        logger.warning(
            "The broker connection had already been taken apart when the worker closed it; "
            "nothing was left to close. The worker goes on to reconnect."
        )


def refuse_acknowledgements_on(connection) -> None:
    """Make acknowledging or rejecting a message from `connection`'s channel fail as a lost connection."""
    channel = connection._default_channel  # the channel the worker's task messages arrived on (or None)
    if channel is None:
        return

    def lost(*args, **kwargs):
        raise BrokerConnectionLost("the broker connection this message came on was lost")

    channel.basic_ack = lost
    channel.basic_reject = lost


class Consumer(CeleryConsumer):
    """Celery's consumer; see the module's docstring for what it changes and why."""

    def on_connection_error_after_connected(self, exc):
        connection = self.connection
        if connection is not None:
            refuse_acknowledgements_on(connection)
            # Celery calls `connection.close` once the connection has been collected; this instance's
            # close is the tolerant one (looked up at the call, so it takes the place of the method).
            connection.close = lambda: close_even_if_taken_apart(connection)
        return super().on_connection_error_after_connected(exc)
