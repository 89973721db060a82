"""The Python Nameko peer of test/interop/nameko.test.ts: a real Nameko service.

Run by run_service.py; needs the `nameko` package on PYTHONPATH (NAMEKO_PATH).
"""
import json
import sys

from nameko.events import EventDispatcher, event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy, rpc


class CallIdStack(DependencyProvider):
    """The worker's call id stack, to show what a call carried across languages."""

    def get_dependency(self, worker_ctx):
        return list(worker_ctx.call_id_stack)


class ContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.data)


def remote_error(exc):
    # Nameko rebuilds its own registered errors (MethodNotFound, IncorrectSignature) as
    # themselves, anything else as RemoteError carrying the remote type.
    return {
        "class": type(exc).__name__,
        "exc_type": getattr(exc, "exc_type", None),
        "value": getattr(exc, "value", None) or str(exc),
    }


class PyService:
    name = "py_interop"

    ts = RpcProxy("ts_interop")
    dispatch = EventDispatcher()
    stack = CallIdStack()
    context = ContextData()

    @rpc
    def add(self, a, b=10):
        return a + b

    @rpc
    def fail(self, message):
        raise ValueError(message)

    @rpc
    def whoami(self):
        return {"stack": self.stack, "language": self.context.get("language")}

    @rpc
    def greet_through_ts(self, name):
        return self.ts.hello(name=name)

    @rpc
    def ts_stack(self):
        return self.ts.whoami()

    @rpc
    def ts_deadline(self):
        # Nameko knows no deadlines: it forwards nameko.deadline as context data, unchanged.
        return self.ts.deadline()

    @rpc
    def ts_errors(self):
        errors = []
        for call in (lambda: self.ts.boom(), lambda: self.ts.missing(), lambda: self.ts.hello()):
            try:
                call()
                errors.append(None)
            except Exception as exc:
                errors.append(remote_error(exc))
        return errors

    @rpc
    def fire(self, payload):
        self.dispatch("py_event", payload)

    @event_handler("ts_interop", "ts_event")
    def on_ts_event(self, payload):
        sys.stdout.write("EVENT " + json.dumps(payload) + "\n")
        sys.stdout.flush()


class SharedService:
    """One service, two implementations: Enoki runs the other instance of `shared_interop`."""

    name = "shared_interop"

    @rpc
    def which(self):
        return "python"

    @event_handler("interop_source", "ping")
    def on_ping(self, payload):
        sys.stdout.write("PING " + json.dumps(payload) + "\n")
        sys.stdout.flush()
