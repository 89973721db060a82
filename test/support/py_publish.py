"""Publish one message with py-amqp, exactly as a Python Nameko peer would write it.

usage: python3 py_publish.py VHOST EXCHANGE ROUTING_KEY BODY PROPERTIES_JSON
PROPERTIES_JSON holds AMQP basic properties; its "application_headers" are written with
py-amqp's own types (ints beyond 32 bits as 'L').
"""
import datetime
import decimal
import json
import sys

import amqp


def typed(value):
    """{"$decimal": "1.50"}, {"$datetime": epoch seconds} and {"$bytes": text} become Python values."""
    if isinstance(value, dict):
        if set(value) == {"$decimal"}:
            return decimal.Decimal(value["$decimal"])
        if set(value) == {"$datetime"}:
            return datetime.datetime.utcfromtimestamp(value["$datetime"])
        if set(value) == {"$bytes"}:
            return value["$bytes"].encode("utf-8")
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return value


def main():
    vhost, exchange, routing_key, body, props = sys.argv[1:6]
    conn = amqp.Connection("localhost:5672", userid="guest", password="guest", virtual_host=vhost)
    conn.connect()
    ch = conn.channel()
    ch.basic_publish(amqp.Message(body.encode("utf-8"), **typed(json.loads(props))), exchange=exchange, routing_key=routing_key)
    conn.close()


if __name__ == "__main__":
    main()
