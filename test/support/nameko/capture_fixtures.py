"""Regenerates the message fixtures of test/fixtures/nameko-wire from real Nameko 2.14 traffic.

    NAMEKO_PATH=/tmp/nameko-2.14 /usr/bin/python3 test/support/nameko/capture_fixtures.py [OUT_DIR]
    NAMEKO_PATH=/tmp/nameko-2.14 /usr/bin/python3 test/support/nameko/capture_fixtures.py --check

It makes a vhost of its own on the local broker (rabbitmqctl; deleted at the end), runs the
services `alpha` and `beta` (capture_services/) in this process on real Nameko, binds a tap queue
with "#" to every exchange they use, makes the calls the fixtures README lists, and writes one
JSON file per message fixture (rpc_request_*, rpc_reply_*, event_*, messaging_publisher) into
OUT_DIR (default: the committed fixtures). Files it does not produce (frames_*, bindings*, v3_*,
rpc_unknown_service_return) are left alone.

With --check it writes into a temporary directory instead and compares each file with the
committed one (compare_fixtures.py), ignoring the values placeholders stand for.

Nameko, its services and the standalone callers connect through publish_log.py, a proxy that
records each publish's flags and the broker's answers for the `publish` blocks. The tap and the
raw py-amqp client connect to the broker directly.

Needs Debian's python3 with python3-amqp, python3-kombu (5.2.4 for rpc_reply_json_types),
python3-eventlet, python3-werkzeug, python3-yaml, python3-mock, python3-path, python3-packaging,
and NAMEKO_PATH: a directory holding the `nameko` package (a checkout of nameko v2.14.1).
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
import uuid  # noqa: E402
import warnings  # noqa: E402
from urllib.parse import quote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures", "nameko-wire"))

# Nameko comes from a source checkout: there is no installed distribution to import it from.
if os.environ.get("NAMEKO_PATH"):
    sys.path.insert(0, os.environ["NAMEKO_PATH"])
sys.path.insert(0, os.path.join(HERE, "capture_services"))

try:
    import nameko  # noqa: E402, F401
except ImportError:
    sys.exit(
        "no `nameko` package: set NAMEKO_PATH to a checkout of nameko v2.14.1 "
        "(test/fixtures/nameko-wire/README.md, Regenerating)"
    )

import amqp  # noqa: E402
import kombu  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.events import event_dispatcher  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from alpha import Alpha  # noqa: E402
from beta import Beta  # noqa: E402
from capture_cases import CAPTURED_BY, CASES  # noqa: E402
from compare_fixtures import compare_dirs  # noqa: E402
from publish_log import PublishLog  # noqa: E402

RPC_EXCHANGE = "nameko-rpc"
TAPPED_EXCHANGES = [RPC_EXCHANGE, "alpha.events", "capture-custom"]

# The caller's context data of the "with context" cases; Nameko drops the None value.
CONTEXT_DATA = {
    "language": "en-gb",
    "user_id": "u-42",
    "auth_token": "tok-abc",
    "user_agent": "capture/1.0",
    "custom_key": "custom-value",
    "num": 7,
    "nested": {"a": [1, 2]},
    "none_val": None,
}

# Basic properties in AMQP order (application_headers is written apart, as `headers`).
PROPERTY_ORDER = [
    "content_type", "content_encoding", "delivery_mode", "priority", "correlation_id", "reply_to",
    "expiration", "message_id", "timestamp", "type", "user_id", "app_id", "cluster_id",
]
# `properties_not_set` lists the absent ones among these, the properties Nameko never sets.
# correlation_id and reply_to, which it sets on some messages only, are left out, as in the hand
# capture: `properties` already shows whether they are there.
NEVER_SET = PROPERTY_ORDER[PROPERTY_ORDER.index("expiration"):]

UUID_REGEX = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
ADDRESS_REGEX = "^0x[0-9a-f]+$"
UUID_PATTERN = UUID_REGEX[1:-1]
# Volatile values inside headers and bodies: the uuid of a call id "<service>.<method>.<uuid>",
# and the address in a Python repr "<... at 0x...>".
VOLATILE_IN_TEXT = re.compile(
    r"(?P<service>[a-z_]+)\.(?P<method>[a-z_]+)\.(?P<uuid>{})|at (?P<address>0x[0-9a-f]+)>".format(
        UUID_PATTERN
    )
)
REPLY_QUEUE = re.compile("(?:raw-)?({})".format(UUID_PATTERN))

# The versions the committed fixtures were captured with.
EXPECTED_VERSIONS = {"kombu": ("5.2.4", kombu), "amqp": ("5.1.1", amqp)}
LINE_WIDTH = 110  # biome.json: the fixtures are formatted as `biome format` writes JSON
SETTLE_SECONDS = 0.3  # quiet time after each call, so a late message is not taken for the next


def main():
    args = parse_args()
    quiet_expected_failures()
    warn_about_versions()
    vhost = "enoki-capture-{}-{}".format(int(time.time()), uuid.uuid4().hex[:6])
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        fixtures = capture(args.broker, vhost)
    finally:
        rabbitmqctl("delete_vhost", vhost)

    out_dir = tempfile.mkdtemp(prefix="nameko-wire-") if args.check else args.out_dir
    os.makedirs(out_dir, exist_ok=True)
    for name, fixture in fixtures.items():
        with open(os.path.join(out_dir, name + ".json"), "w", encoding="utf-8") as f:
            f.write(format_json(fixture))
    print("wrote {} fixtures to {}".format(len(fixtures), out_dir))
    if args.check:
        return 0 if compare_dirs(out_dir, args.out_dir) else 1
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "out_dir", nargs="?", default=DEFAULT_OUT_DIR,
        help="where to write the fixtures; with --check, the fixtures to compare with "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write into a temporary directory and compare with OUT_DIR instead",
    )
    parser.add_argument(
        "--broker", default="localhost:5672", type=host_port,
        help="RabbitMQ host:port, guest account (default: %(default)s)",
    )
    return parser.parse_args()


def host_port(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def warn_about_versions():
    for name, (expected, module) in EXPECTED_VERSIONS.items():
        if module.__version__ != expected:
            print(
                "warning: {} {} (the fixtures come from {}): some files may differ".format(
                    name, module.__version__, expected
                ),
                file=sys.stderr,
            )


def quiet_expected_failures():
    """The calls fail on purpose and drop a None context value: Nameko's tracebacks and warning
    about them would bury real problems."""
    logging.getLogger("nameko.containers").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="Attempted to publish unserialisable header value")


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, stdout=subprocess.DEVNULL)


# --- capture ------------------------------------------------------------------------------------


def capture(broker, vhost):
    """Runs the services and the calls; returns {fixture name: fixture}."""
    publish_log = PublishLog(broker)
    config = {
        "AMQP_URI": "amqp://guest:guest@127.0.0.1:{}/{}".format(publish_log.port, quote(vhost, safe=""))
    }
    runner = ServiceRunner(config)
    runner.add_service(Alpha)
    runner.add_service(Beta)
    runner.start()
    tap = None
    try:
        # The services declared every tapped exchange while starting.
        tap = Tap(broker, vhost, TAPPED_EXCHANGES)
        captured = {}
        captured.update(calls_without_context(config, tap))
        captured.update(calls_with_context(config, tap))
        captured.update(standalone_event(config, tap))
        captured.update(raw_requests(broker, vhost, tap))
        missing = set(CASES) - set(captured)
        if missing:
            raise RuntimeError("no capture for {}".format(sorted(missing)))
        return {name: build_fixture(name, *captured[name], publish_log) for name in CASES}
    finally:
        if tap is not None:
            tap.close()
        runner.stop()
        publish_log.close()


class Tap:
    """An exclusive queue bound with "#" to the given exchanges; keeps every message it gets."""

    def __init__(self, broker, vhost, exchanges):
        self.messages = []
        self._connection = amqp.Connection(
            "{}:{}".format(*broker), userid="guest", password="guest", virtual_host=vhost
        )
        self._connection.connect()
        channel = self._connection.channel()
        queue, _, _ = channel.queue_declare("", exclusive=True, auto_delete=True)
        for exchange in exchanges:
            channel.queue_bind(queue, exchange=exchange, routing_key="#")
        channel.basic_consume(queue, callback=self.messages.append, no_ack=True)
        self._running = True
        self._drainer = eventlet.spawn(self._drain)

    def _drain(self):
        while self._running:
            try:
                self._connection.drain_events(timeout=0.1)
            except socket.timeout:
                pass

    def during(self, action, count, timeout=10):
        """Runs `action` and returns the `count` messages it caused, in arrival order."""
        start = len(self.messages)
        action()
        deadline = time.monotonic() + timeout
        while len(self.messages) < start + count:
            if time.monotonic() > deadline:
                raise RuntimeError("expected {} messages, got {}".format(count, len(self.messages) - start))
            eventlet.sleep(0.02)
        eventlet.sleep(SETTLE_SECONDS)
        caused = self.messages[start:]
        if len(caused) != count:
            raise RuntimeError("expected {} messages, got {}".format(count, len(caused)))
        return caused

    def close(self):
        self._running = False
        self._drainer.wait()
        self._connection.close()


def attempt(call, *args, **kwargs):
    """A call whose failure is part of the capture: the reply holds the error, the caller's
    exception is not needed."""

    def run():
        try:
            call(*args, **kwargs)
        except Exception:
            pass

    return run


def sent_to(messages, exchange, routing_key):
    for message in messages:
        info = message.delivery_info
        if (info["exchange"], info["routing_key"]) == (exchange, routing_key):
            return message
    raise LookupError("no message to {} {}".format(exchange, routing_key))


def reply_to(messages, request):
    """The reply to `request`: its routing key is the request's reply_to, with the same
    correlation id."""
    for message in messages:
        if (
            message.delivery_info["routing_key"] == request.properties["reply_to"]
            and message.properties.get("correlation_id") == request.properties["correlation_id"]
        ):
            return message
    raise LookupError("no reply to {}".format(request.delivery_info["routing_key"]))


# Replies to one call each through the proxy without context: (fixture, method, args, kwargs).
SINGLE_REPLIES = [
    ("rpc_reply_error_valueerror", "fail", (), {}),
    ("rpc_reply_custom_error", "custom_err", (), {}),
    ("rpc_reply_expected_exception", "expected", (), {}),
    ("rpc_reply_method_not_found", "nope", (), {}),
    ("rpc_reply_incorrect_signature", "echo", (), {}),
    ("rpc_reply_incorrect_signature_kwarg", "echo", (1,), {"c": 3}),
    ("rpc_reply_unserializable", "unserializable", (), {}),
    ("rpc_reply_json_types", "types", (), {}),
]


def calls_without_context(config, tap):
    """One ClusterRpcProxy without context data for all these calls: in 2.14 its call id uuid is
    fixed for the proxy's lifetime, as the fixtures' notes say."""
    captured = {}
    with ClusterRpcProxy(config, timeout=10) as rpc:
        messages = tap.during(attempt(rpc.alpha.echo, "hello", b=2), 2)
        request = sent_to(messages, RPC_EXCHANGE, "alpha.echo")
        captured["rpc_request_no_context"] = (request, None)
        captured["rpc_reply_success"] = (reply_to(messages, request), request)

        # alpha.nested request, beta.echo request, beta's reply, alpha's reply
        messages = tap.during(attempt(rpc.alpha.nested, "x"), 4)
        request = sent_to(messages, RPC_EXCHANGE, "beta.echo")
        captured["rpc_request_nested"] = (request, None)
        captured["rpc_reply_nested"] = (reply_to(messages, request), request)

        for name, method, args, kwargs in SINGLE_REPLIES:
            messages = tap.during(attempt(getattr(rpc.alpha, method), *args, **kwargs), 2)
            request = sent_to(messages, RPC_EXCHANGE, "alpha." + method)
            captured[name] = (reply_to(messages, request), request)

        # request, event, reply
        messages = tap.during(attempt(rpc.alpha.emit, {"id": 1, "msg": "from-dispatcher"}), 3)
        captured["event_service_dispatcher"] = (sent_to(messages, "alpha.events", "thing_happened"), None)

        messages = tap.during(attempt(rpc.alpha.pub), 3)
        captured["messaging_publisher"] = (sent_to(messages, "capture-custom", "custom.key"), None)
    return captured


def calls_with_context(config, tap):
    captured = {}
    with ClusterRpcProxy(config, context_data=CONTEXT_DATA, timeout=10) as rpc:
        messages = tap.during(attempt(rpc.alpha.whoami), 2)
        request = sent_to(messages, RPC_EXCHANGE, "alpha.whoami")
        captured["rpc_request_with_context"] = (request, None)
        captured["rpc_reply_with_context"] = (reply_to(messages, request), request)

        messages = tap.during(attempt(rpc.alpha.nested, "y"), 4)
        captured["rpc_request_nested_with_context"] = (sent_to(messages, RPC_EXCHANGE, "beta.echo"), None)

        messages = tap.during(attempt(rpc.alpha.emit, {"id": 2, "msg": "with-context"}), 3)
        captured["event_service_dispatcher_with_context"] = (
            sent_to(messages, "alpha.events", "thing_happened"),
            None,
        )
    return captured


def standalone_event(config, tap):
    dispatch = event_dispatcher(config)
    messages = tap.during(lambda: dispatch("alpha", "thing_happened", {"id": 3, "msg": "standalone"}), 1)
    return {"event_standalone_dispatcher": (messages[0], None)}


def raw_requests(broker, vhost, tap):
    """Requests no Nameko caller would send, published with py-amqp. Replies go to the routing key
    "raw-<uuid>", which no queue but the tap's receives."""
    connection = amqp.Connection(
        "{}:{}".format(*broker), userid="guest", password="guest", virtual_host=vhost
    )
    connection.connect()
    channel = connection.channel()
    reply_routing_key = "raw-" + str(uuid.uuid4())

    def publish(body):
        message = amqp.Message(
            json.dumps(body),
            content_type="application/json",
            content_encoding="utf-8",
            reply_to=reply_routing_key,
            correlation_id=str(uuid.uuid4()),
        )
        return lambda: channel.basic_publish(message, exchange=RPC_EXCHANGE, routing_key="alpha.echo")

    captured = {}
    try:
        for name, body in [
            ("rpc_reply_malformed_request", {"foo": 1}),
            ("rpc_reply_non_ascii", {"args": ["h\u00e9llo \u2603"], "kwargs": {}}),
        ]:
            messages = tap.during(publish(body), 2)
            request = sent_to(messages, RPC_EXCHANGE, "alpha.echo")
            captured[name] = (reply_to(messages, request), request)
    finally:
        connection.close()
    return captured


# --- fixtures -----------------------------------------------------------------------------------


def build_fixture(name, message, request, publish_log):
    """The fixture of one tapped message, in the field order of the committed files."""
    case = CASES[name]
    properties = dict(message.properties)
    headers = properties.pop("application_headers", None)
    unknown = set(properties) - set(PROPERTY_ORDER)
    if unknown:
        raise ValueError("{}: unexpected properties {}".format(name, sorted(unknown)))
    body_raw = body_text(message)

    fixture = {
        "case": name,
        "description": case["description"],
        "producer": case["producer"],
        "captured_by": CAPTURED_BY,
        "exchange": message.delivery_info["exchange"],
        "routing_key": message.delivery_info["routing_key"],
        "redelivered": message.delivery_info["redelivered"],
    }
    if case.get("publish", True):
        fixture["publish"] = publish_block(name, message, publish_log)
    fixture["properties"] = {key: properties[key] for key in PROPERTY_ORDER if key in properties}
    fixture["properties_not_set"] = [key for key in NEVER_SET if key not in properties]
    fixture["headers"] = headers
    fixture["body"] = json.loads(body_raw)
    fixture["body_raw"] = body_raw
    fixture["placeholders"] = {}
    for key in ("related", "notes"):
        if key in case:
            fixture[key] = case[key]
    if case.get("with_request"):
        fixture["request_body"] = json.loads(body_text(request))
        fixture["request_routing_key"] = request.delivery_info["routing_key"]
    return with_placeholders(fixture)


def body_text(message):
    body = message.body
    return body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body


def publish_block(name, message, publish_log, timeout=5):
    """How the publisher sent this message, from the proxy's log. Finding it also proves that the
    properties the publisher sent are the ones the tap received."""
    body = message.body if isinstance(message.body, bytes) else message.body.encode("utf-8")
    info = message.delivery_info
    publish = publish_log.find(info["exchange"], info["routing_key"], body, message.properties)
    if publish is None:
        raise LookupError("{}: the proxy saw no publish of this message with these properties".format(name))
    # The broker's confirm may still be on its way.
    deadline = time.monotonic() + timeout
    while publish.confirm_mode and not publish.responses and time.monotonic() < deadline:
        eventlet.sleep(0.02)
    return {
        "mandatory": publish.mandatory,
        "immediate": publish.immediate,
        "channel_in_confirm_mode": publish.confirm_mode,
        "broker_responses": list(publish.responses),
    }


def with_placeholders(fixture):
    """Replaces each volatile value in the wire fields by its {{TOKEN}} and lists the tokens."""
    tokens = volatile_values(fixture)
    for key in ("exchange", "routing_key", "properties", "headers", "body", "body_raw"):
        fixture[key] = replace_values(fixture[key], tokens)
    fixture["placeholders"] = {
        token: {"regex": regex_for(token), "example": value} for value, token in tokens.items()
    }
    return fixture


def volatile_values(fixture):
    """{value: token}, in the order the fixtures list placeholders: correlation id, reply queue
    uuid, then call id uuids and object addresses as they appear in headers and body."""
    tokens = {}
    properties = fixture["properties"]
    if "correlation_id" in properties:
        tokens[properties["correlation_id"]] = "{{CORRELATION_ID}}"
    # A request names the reply queue in reply_to; a reply is routed with it.
    reply_key = properties.get("reply_to") or fixture["routing_key"]
    match = REPLY_QUEUE.fullmatch(reply_key) if fixture["exchange"] == RPC_EXCHANGE else None
    if match:
        tokens[match.group(1)] = "{{REPLY_QUEUE_UUID}}"
    text = json.dumps(fixture["headers"], ensure_ascii=False) + fixture["body_raw"]
    for found in VOLATILE_IN_TEXT.finditer(text):
        if found.group("uuid"):
            token = "{{{{{}_{}_UUID}}}}".format(found.group("service").upper(), found.group("method").upper())
            tokens.setdefault(found.group("uuid"), token)
        else:
            tokens.setdefault(found.group("address"), "{{PYTHON_OBJECT_ADDRESS}}")
    for value, token in tokens.items():
        if not re.match(regex_for(token), value):
            raise ValueError("{} = {!r} does not match {}".format(token, value, regex_for(token)))
    return tokens


def regex_for(token):
    return ADDRESS_REGEX if token == "{{PYTHON_OBJECT_ADDRESS}}" else UUID_REGEX


def replace_values(value, tokens):
    if isinstance(value, str):
        for volatile, token in tokens.items():
            value = value.replace(volatile, token)
        return value
    if isinstance(value, list):
        return [replace_values(item, tokens) for item in value]
    if isinstance(value, dict):
        return {key: replace_values(item, tokens) for key, item in value.items()}
    return value


# --- JSON as `biome format` writes it -----------------------------------------------------------


def format_json(value):
    """JSON text as `biome format` (biome.json) leaves the committed fixtures, so regenerated files
    diff cleanly and `npm run lint` accepts them: non-empty objects one member a line; arrays on
    one line when they hold no non-empty object and fit in LINE_WIDTH, else one item a line."""
    return _format(value, 0, 0, 0) + "\n"


def _format(value, indent, column, trailing):
    """`column`: where the value starts on its line; `trailing`: characters after it (a comma)."""
    inner = " " * (indent + 2)
    if isinstance(value, dict) and value:
        lines = []
        for i, (key, item) in enumerate(value.items()):
            comma = "," if i < len(value) - 1 else ""
            prefix = inner + _scalar(key) + ": "
            lines.append(prefix + _format(item, indent + 2, _width(prefix), len(comma)) + comma)
        return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
    if isinstance(value, list) and value:
        flat = _flat(value)
        if flat is not None and column + _width(flat) + trailing <= LINE_WIDTH:
            return flat
        lines = []
        for i, item in enumerate(value):
            comma = "," if i < len(value) - 1 else ""
            lines.append(inner + _format(item, indent + 2, indent + 2, len(comma)) + comma)
        return "[\n" + "\n".join(lines) + "\n" + " " * indent + "]"
    return _flat(value)


def _flat(value):
    """The one-line form, or None when the value must span lines (a non-empty object)."""
    if isinstance(value, dict):
        return None if value else "{}"
    if isinstance(value, list):
        items = [_flat(item) for item in value]
        return None if None in items else "[" + ", ".join(items) + "]"
    return _scalar(value)


def _scalar(value):
    return json.dumps(value, ensure_ascii=False)


def _width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


if __name__ == "__main__":
    sys.exit(main())
