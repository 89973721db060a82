"""Publish one message with py-amqp, exactly as a Python Nameko peer would write it.

usage: python3 py_publish.py VHOST EXCHANGE ROUTING_KEY BODY PROPERTIES_JSON
PROPERTIES_JSON holds AMQP basic properties; its "application_headers" are written with
py-amqp's own types (ints beyond 32 bits as 'L').
"""
import json
import sys

import amqp


def main():
    vhost, exchange, routing_key, body, props = sys.argv[1:6]
    conn = amqp.Connection("localhost:5672", userid="guest", password="guest", virtual_host=vhost)
    conn.connect()
    ch = conn.channel()
    ch.basic_publish(amqp.Message(body.encode("utf-8"), **json.loads(props)), exchange=exchange, routing_key=routing_key)
    conn.close()


if __name__ == "__main__":
    main()
