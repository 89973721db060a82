"""The Python peer of test/interop/retry.test.ts: a Nameko service using nameko-amqp-retry,
sharing its `backoff` exchange and delay queues with Enoki, plus a plain Nameko handler.

Run by run_retry_service.py; needs `nameko` (NAMEKO_PATH) and `nameko_amqp_retry`
(NAMEKO_AMQP_RETRY_PATH) on PYTHONPATH.
"""
import json
import sys

from nameko.events import EventDispatcher, event_handler
from nameko.rpc import RpcProxy, rpc
from nameko_amqp_retry import entrypoint_retry
from nameko_amqp_retry.events import event_handler as retry_event_handler

runs = {}


def say(prefix, payload):
    sys.stdout.write("{} {}\n".format(prefix, json.dumps(payload)))
    sys.stdout.flush()


class PyRetry:
    name = "py_retry"

    ts = RpcProxy("ts_retry")
    dispatch = EventDispatcher()

    # nameko-amqp-retry's handler: fails once, then succeeds after 500 ms in backoff--500ms.
    @retry_event_handler("ts_retry", "flaky")
    @entrypoint_retry(retry_for=ValueError, limit=3, schedule=(500,), random_sigma=0)
    def on_flaky(self, payload):
        runs[payload["id"]] = runs.get(payload["id"], 0) + 1
        say("PY_FLAKY_RUN", payload)
        if runs[payload["id"]] == 1:
            raise ValueError("first run fails")
        say("PY_FLAKY_DONE", payload)

    # Plain Nameko: a failure is logged and the event acknowledged, as ever.
    @event_handler("ts_retry", "plain")
    def on_plain(self, payload):
        say("PY_PLAIN", payload)
        raise ValueError("plain Nameko drops it")

    @rpc
    def call_ts(self, method):
        try:
            return {"result": getattr(self.ts, method)()}
        except Exception as exc:
            return {
                "error": {
                    "class": type(exc).__name__,
                    "exc_type": getattr(exc, "exc_type", None),
                    "value": getattr(exc, "value", None) or str(exc),
                }
            }

    @rpc
    def fire(self, payload):
        self.dispatch("py_flaky", payload)
