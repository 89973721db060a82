"""Service `beta` of the golden wire fixtures: the target of alpha's nested call, and a listener
for alpha's event with each handler type (run by capture_fixtures.py on Nameko 2.14)."""
from nameko.events import BROADCAST, SINGLETON, event_handler
from nameko.rpc import rpc

from worker_context import WorkerContextProvider


class Beta:
    name = "beta"

    worker_ctx = WorkerContextProvider()

    @rpc
    def echo(self, x):
        # The stack and context beta saw, so the reply shows what alpha forwarded.
        return {"x": x, "call_id_stack": self.worker_ctx.call_id_stack, "data": self.worker_ctx.data}

    @event_handler("alpha", "thing_happened")
    def on_thing_pool(self, payload):
        pass

    # The default broadcast identifier is a fresh uuid, which Nameko only accepts without
    # reliable delivery.
    @event_handler("alpha", "thing_happened", handler_type=BROADCAST, reliable_delivery=False)
    def on_thing_broadcast(self, payload):
        pass

    @event_handler("alpha", "thing_happened", handler_type=SINGLETON)
    def on_thing_singleton(self, payload):
        pass
