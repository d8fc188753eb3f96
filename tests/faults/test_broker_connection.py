"""The worker's consumer when the broker goes away while it waits: it must go on to reconnect.

With Celery 5.7.0 the worker can stop with "Unrecoverable error" there, by two paths
(portal/jobs/worker.py). These tests put a real consumer, on a real broker connection, into the state
the worker is in when that happens (waiting on its queue, with the remote-control fanout binding every
worker has, and one message delivered and not yet acknowledged) and then kill the broker. They need a
redis-server binary, so they run with the real-worker tests.
"""

import logging
import types

import pytest
from celery.concurrency.solo import TaskPool
from celery.utils.imports import symbol_by_name
from celery.worker.consumer import Consumer as CeleryConsumer
from kombu import Connection, Exchange, Queue

from portal.celery import app
from portal.jobs.worker import Consumer, close_even_if_taken_apart

from .conftest import RedisServer

pytestmark = [pytest.mark.needs_worker]


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _consumer_waiting_when_the_broker_dies(consumer_class, broker):
    """A consumer whose connection is waiting on its queue at the moment the broker is killed."""
    consumer = consumer_class(
        lambda *args: None, app=app, pool=TaskPool(), timer=None, hub=None,
        controller=types.SimpleNamespace(use_eventloop=False),
    )
    consumer.connection = Connection(broker.url, transport_options=app.conf.broker_transport_options)
    channel = consumer.connection.default_channel
    jobs = Queue("faults-jobs", Exchange("faults-jobs"), "faults-jobs")
    consumer.connection.Producer(channel).publish({"n": 1}, exchange=jobs.exchange, routing_key="faults-jobs",
                                                  declare=[jobs])
    delivered = []
    consumer.connection.Consumer(jobs, callbacks=[lambda body, message: delivered.append(message)],
                                 channel=channel).consume()
    remote_control = Queue("faults.pidbox", Exchange("faults.pidbox", type="fanout", auto_delete=True),
                           auto_delete=True, durable=False)
    consumer.connection.Consumer(remote_control, callbacks=[], channel=channel, no_ack=True).consume()
    consumer.connection.drain_events(timeout=5)
    assert len(delivered) == 1, "the job was not delivered: the test would prove nothing"
    channel._brpop_start()  # waiting for the next message, as an idle worker always is
    broker.kill()
    return consumer, delivered[0]


def test_celerys_own_consumer_still_ends_the_worker_so_the_guard_is_still_needed(broker):
    """If this fails after an upgrade, Celery no longer crashes here: remove portal/jobs/worker.py."""
    consumer, _ = _consumer_waiting_when_the_broker_dies(CeleryConsumer, broker)
    with pytest.raises(AttributeError, match="hostname"):
        consumer.on_connection_error_after_connected(ConnectionError("the broker went away"))


def test_a_late_acknowledgement_after_the_connection_is_taken_apart_would_still_end_the_worker(broker):
    """What Celery does on losing the broker (collect, then close: here the tolerant close), then the
    running job finishes: its acknowledgement raises AttributeError, not a connection error.

    If this fails after an upgrade, refuse_acknowledgements_on() in portal/jobs/worker.py can go.
    """
    consumer, message = _consumer_waiting_when_the_broker_dies(CeleryConsumer, broker)
    consumer.connection.collect()
    close_even_if_taken_apart(consumer.connection)
    with pytest.raises(AttributeError, match="hostname"):
        message.ack_log_error(logging.getLogger("tests"), consumer.connection_errors)


def test_the_portals_consumer_lets_go_of_the_dead_connection_and_goes_on(broker, caplog):
    consumer, message = _consumer_waiting_when_the_broker_dies(Consumer, broker)
    with caplog.at_level(logging.WARNING, logger="portal.jobs.worker"):
        consumer.on_connection_error_after_connected(ConnectionError("the broker went away"))
    assert consumer.connection is None  # Celery's restart makes a new one from here
    assert "nothing was left to close" in caplog.text

    # The job that was running finishes now: its acknowledgement fails as a lost connection, which
    # Celery logs and lives with, and the message is not marked as acknowledged.
    caplog.clear()
    with caplog.at_level(logging.CRITICAL, logger="tests"):
        message.ack_log_error(logging.getLogger("tests"), consumer.connection_errors)
    assert "Couldn't ack" in caplog.text and "was lost" in caplog.text
    assert not message.acknowledged


def test_the_worker_is_configured_with_the_portals_consumer():
    assert symbol_by_name(app.conf.worker_consumer) is Consumer


def test_the_guard_does_not_hide_an_attribute_error_on_a_live_connection():
    class Broken(Connection):
        def close(self):
            raise AttributeError("a real bug")

    connection = Broken("memory://")
    connection.connect()
    with pytest.raises(AttributeError, match="a real bug"):
        close_even_if_taken_apart(connection)
    Connection.close(connection)
