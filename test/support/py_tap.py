"""Interop tap: consume one message with py-amqp (the stack under Python Nameko) and print what
Python sees: properties, and headers annotated with their Python types.

usage: python3 py_tap.py HOST VHOST EXCHANGE ROUTING_KEY
Prints READY once bound, then one JSON line per message (exits after the first).
"""
import json
import sys

import amqp


def typed(value):
    if isinstance(value, dict):
        return {"t": "dict", "v": {k: typed(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"t": "list", "v": [typed(v) for v in value]}
    if isinstance(value, bytes):
        return {"t": "bytes", "v": value.decode("latin-1")}
    return {"t": type(value).__name__, "v": value if isinstance(value, (str, int, float, bool, type(None))) else str(value)}


def main():
    host, vhost, exchange, routing_key = sys.argv[1:5]
    conn = amqp.Connection(host, userid="guest", password="guest", virtual_host=vhost)
    conn.connect()
    ch = conn.channel()
    queue, _, _ = ch.queue_declare("", exclusive=True, auto_delete=True)
    ch.queue_bind(queue, exchange=exchange, routing_key=routing_key)
    done = []

    def on_message(msg):
        props = {k: v for k, v in msg.properties.items() if k != "application_headers"}
        headers = msg.properties.get("application_headers")
        print(json.dumps({"properties": props, "headers": typed(headers) if headers is not None else None,
                          "body": msg.body.decode("utf-8") if isinstance(msg.body, bytes) else msg.body}), flush=True)
        done.append(True)

    ch.basic_consume(queue, callback=on_message, no_ack=True)
    print("READY", flush=True)
    while not done:
        conn.drain_events(timeout=20)
    conn.close()


if __name__ == "__main__":
    main()
