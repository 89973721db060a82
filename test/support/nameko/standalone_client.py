"""Nameko's standalone client (what `nameko shell` gives as `n.rpc`) calling Enoki, and its
standalone event dispatcher. Prints one JSON object with what came back.

    python3 standalone_client.py <amqp uri>
"""
import json
import sys

import nameko
from nameko.standalone import events, rpc

config = {"AMQP_URI": sys.argv[1]}
context = {"language": "de"}

if hasattr(nameko, "config"):  # Nameko 3: one global config
    nameko.config.update(config)
    client = rpc.ClusterRpcClient(context_data=context, timeout=10)
    dispatch = events.event_dispatcher()
else:
    client = rpc.ClusterRpcProxy(config, context_data=context, timeout=10)
    dispatch = events.event_dispatcher(config)

out = {}
with client as n:
    out["hello"] = n.ts_interop.hello("shell")
    out["whoami"] = n.ts_interop.whoami()
    # A Python caller sends no deadline: the Enoki worker has none, its own calls their RPC_TIMEOUT.
    out["deadline"] = n.ts_interop.deadline()
    try:
        n.ts_interop.boom()
    except Exception as exc:
        out["boom"] = [type(exc).__name__, getattr(exc, "exc_type", None)]
    future = n.ts_interop.hello.call_async(name="async")
    out["async"] = future.result()

dispatch("py_standalone", "standalone_event", {"from": "standalone"})
sys.stdout.write(json.dumps(out) + "\n")
