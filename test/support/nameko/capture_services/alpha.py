"""Service `alpha` of the golden wire fixtures (test/fixtures/nameko-wire), run by
capture_fixtures.py on Nameko 2.14.

The module is named alpha.py on purpose: Nameko writes an error's `exc_path` from the class's
module, and rpc_reply_custom_error.json records "alpha.CustomError".
"""
import datetime
import decimal
import uuid

import eventlet
from kombu import Exchange
from nameko.events import EventDispatcher
from nameko.messaging import Publisher
from nameko.rpc import RpcProxy, rpc

from worker_context import WorkerContextProvider


class CustomError(Exception):
    pass


class Alpha:
    name = "alpha"

    beta = RpcProxy("beta")
    dispatch = EventDispatcher()
    publish = Publisher(exchange=Exchange("capture-custom", type="topic"))
    worker_ctx = WorkerContextProvider()

    @rpc
    def echo(self, a, b=None):
        return {"a": a, "b": b}

    @rpc
    def fail(self):
        # Two args, one not a string: the reply shows how exc_args are stringified.
        raise ValueError("boom", 42)

    @rpc
    def custom_err(self):
        raise CustomError("custom", {"k": 1})

    @rpc(expected_exceptions=ValueError)
    def expected(self):
        raise ValueError("expected failure")

    @rpc
    def nested(self, x):
        return self.beta.echo(x)

    @rpc
    def whoami(self):
        ctx = self.worker_ctx
        return {
            "call_id": ctx.call_id,
            "call_id_stack": ctx.call_id_stack,
            "data": ctx.data,
            "context_data": ctx.context_data,
        }

    @rpc
    def emit(self, payload):
        self.dispatch("thing_happened", payload)

    @rpc
    def pub(self):
        self.publish({"k": "v"}, routing_key="custom.key")

    @rpc
    def unserializable(self):
        return object()

    @rpc
    def types(self):
        # Values the JSON serializer converts: kombu 5.2 and 5.3 encode them differently.
        return {
            "datetime": datetime.datetime(2024, 1, 2, 3, 4, 5, 600000),
            "datetime_utc": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            "date": datetime.date(2024, 1, 2),
            "time": datetime.time(3, 4, 5),
            "decimal": decimal.Decimal("1.50"),
            "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "tuple": (1, 2),
        }

    @rpc
    def slow(self, seconds):
        # For captures of a call in flight (frames_redelivery_after_kill.json).
        eventlet.sleep(seconds)
        return seconds
