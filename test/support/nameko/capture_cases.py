"""The text of every message fixture capture_fixtures.py writes, and how each is built.

The captured traffic supplies the wire fields (exchange, routing key, properties, headers, body,
publish block, placeholders). Everything a person wrote about a case lives here, keyed by fixture
name, so a regenerated file reads like the one it replaces:

- `description`, `producer`: what was sent, and by which Nameko component;
- `related`, `notes`: written after `placeholders`, in this order, when present;
- `with_request`: the fixture also records the request's body and routing key (`request_body`,
  `request_routing_key`), for replies whose request is not a fixture of its own;
- `publish: False`: no `publish` block. These replies answer requests of the raw py-amqp client,
  which talks to the broker directly, not through the frame log; the hand capture recorded no
  block for them either.

Keep the texts true to what capture_fixtures.py does when you change a call.
"""

CAPTURED_BY = (
    'private exclusive queue bound with routing key "#" to the exchange; '
    "message as delivered by RabbitMQ 3.10"
)

CASES = {
    "rpc_request_no_context": {
        "description": (
            'RPC request alpha.echo("hello", b=2) from a standalone ClusterRpcProxy created '
            "without context_data."
        ),
        "producer": "nameko 2.14.1 standalone ClusterRpcProxy (no context_data)",
        "related": ["rpc_reply_success"],
        "notes": [
            (
                "reply_to is only the UUID routing key of the caller reply queue, not the queue "
                "name; the queue itself is named rpc.reply-standalone_rpc_proxy-<same uuid>."
            ),
            (
                "Even without context_data the caller sends nameko.call_id_stack with one entry: "
                '"standalone_rpc_proxy.call.<uuid>"; in 2.14 that uuid is fixed for the lifetime '
                "of the proxy object (every call through the same proxy repeats it)."
            ),
            (
                "mandatory=true plus publisher confirms is how the caller detects an unknown "
                "service (see rpc_unknown_service_return)."
            ),
        ],
    },
    "rpc_reply_success": {
        "description": (
            "Successful reply to rpc_request_no_context, published by the service to the RPC "
            "exchange with routing_key = request reply_to."
        ),
        "producer": 'nameko 2.14.1 service "alpha" (Responder)',
        "related": ["rpc_request_no_context"],
        "notes": [
            "correlation_id is copied from the request; reply_to is not set on replies.",
            "headers is an empty table ({}), not absent.",
            "Body always has both keys: result and error (error is null on success).",
        ],
    },
    "rpc_request_with_context": {
        "description": (
            "RPC request alpha.whoami() from ClusterRpcProxy(config, context_data={language, "
            "user_id, auth_token, user_agent, custom_key, num, nested, none_val=None})."
        ),
        "producer": "nameko 2.14.1 standalone ClusterRpcProxy(context_data=...)",
        "related": ["rpc_reply_with_context"],
        "notes": [
            (
                'Every context_data key is sent as an AMQP header named "nameko.<key>"; values '
                "keep their AMQP table type (string -> longstr S, int -> I, dict -> nested table "
                "F, list -> array A)."
            ),
            "The key none_val=None was dropped (Nameko warns and omits None values).",
            "Header order on the wire: context keys in dict order, nameko.call_id_stack last.",
        ],
    },
    "rpc_reply_with_context": {
        "description": (
            "Reply of alpha.whoami showing how the service saw the context: worker data has the "
            '"nameko." prefix stripped; call_id_stack gains the worker own id.'
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "related": ["rpc_request_with_context"],
    },
    "rpc_request_nested": {
        "description": (
            'RPC request beta.echo("x") made from inside service alpha (RpcProxy dependency) '
            "while handling alpha.nested called by a standalone proxy. call_id_stack has 2 "
            "entries."
        ),
        "producer": 'nameko 2.14.1 service "alpha" RpcProxy("beta")',
        "related": ["rpc_reply_nested"],
        "notes": [
            (
                "call_id_stack = [caller call id, id of the alpha.nested worker that makes this "
                'call]. beta will append its own "beta.echo.<uuid>" when it handles the message.'
            ),
            (
                "reply_to is the UUID of the service-side reply queue rpc.reply-alpha-<uuid> (one "
                "per service container, shared by all its RpcProxy dependencies)."
            ),
        ],
    },
    "rpc_reply_nested": {
        "description": (
            "Reply from beta to the nested call made by alpha; shows the call_id_stack beta saw "
            "(3 entries including its own worker)."
        ),
        "producer": 'nameko 2.14.1 service "beta"',
        "related": ["rpc_request_nested"],
    },
    "rpc_request_nested_with_context": {
        "description": (
            'Nested RPC request beta.echo("y") made by alpha while serving a call that carried '
            "custom context data: all context headers are forwarded unchanged and call_id_stack "
            "grows to 2."
        ),
        "producer": 'nameko 2.14.1 service "alpha" RpcProxy("beta")',
    },
    "rpc_reply_error_valueerror": {
        "description": 'Error reply when the method raises ValueError("boom", 42).',
        "producer": 'nameko 2.14.1 service "alpha"',
        "notes": [
            (
                'exc_args: every non-string positional arg is converted with str() (42 -> "42"); '
                "dicts keep their shape but keys/values are stringified; other iterables become "
                "lists."
            ),
            "value: str(exception) (for multi-arg exceptions this is the Python tuple repr).",
            'exc_path: "<module>.<ClassName>" of the exception class (builtins.ValueError).',
            (
                "A Nameko caller raises RemoteError(exc_type, value) unless exc_path is "
                "registered with deserialize_to_instance."
            ),
        ],
        "with_request": True,
    },
    "rpc_reply_custom_error": {
        "description": (
            'Error reply for a user exception class CustomError("custom", {"k": 1}) defined in '
            'the service module "alpha".'
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "notes": [
            (
                'exc_path uses the Python module path of the class ("alpha.CustomError" because '
                "the service module is alpha.py)."
            ),
            'Nested dict arg: value 1 was stringified to "1".',
        ],
        "with_request": True,
    },
    "rpc_reply_expected_exception": {
        "description": (
            "Error reply for a method declared with expected_exceptions=ValueError that raises "
            "ValueError. Identical wire format to any other error (expected_exceptions only "
            "changes logging)."
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "with_request": True,
    },
    "rpc_reply_method_not_found": {
        "description": (
            "Error reply for a call to a method the service does not expose (alpha.nope). Sent by "
            "the service without spawning a worker."
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "notes": [
            (
                "Nameko callers re-raise this as nameko.exceptions.MethodNotFound (registered for "
                "deserialize_to_instance); exc_args[0] is the method name."
            ),
        ],
        "with_request": True,
    },
    "rpc_reply_incorrect_signature": {
        "description": (
            "Error reply when the arguments do not fit the method signature (alpha.echo() called "
            "without its required positional argument)."
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "notes": [
            (
                "The message text is the Python TypeError text from binding the arguments; it "
                "varies with the Python version of the service."
            ),
            "Re-raised by Nameko callers as nameko.exceptions.IncorrectSignature.",
        ],
        "with_request": True,
    },
    "rpc_reply_incorrect_signature_kwarg": {
        "description": "Error reply for an unexpected keyword argument (alpha.echo(1, c=3)).",
        "producer": 'nameko 2.14.1 service "alpha"',
        "with_request": True,
    },
    "rpc_reply_unserializable": {
        "description": (
            "Error reply when the method returns a value the JSON serializer cannot encode (a "
            "bare object())."
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "notes": [
            (
                "result is null; error is UnserializableValueError with empty exc_args and value "
                '"Unserializable value: `<repr>`".'
            ),
        ],
        "with_request": True,
    },
    "rpc_reply_json_types": {
        "description": (
            "Reply whose result contains datetime/date/time/Decimal/UUID/tuple values, encoded by "
            "kombu 5.2.4 JSON encoder."
        ),
        "producer": 'nameko 2.14.1 service "alpha" with kombu 5.2.4',
        "notes": [
            (
                'kombu <= 5.2: datetime -> ISO string (UTC +00:00 rendered as "Z"), date -> ISO '
                "datetime at midnight, time -> ISO, Decimal/UUID -> str, tuple -> list, bytes and "
                "set -> not serializable."
            ),
            (
                'kombu >= 5.3 instead emits {"__type__": "datetime", "__value__": "..."} style '
                "markers for these types (from kombu source, not captured here). A peer must "
                "accept both."
            ),
        ],
    },
    "rpc_reply_malformed_request": {
        "description": (
            'Error reply for a request body without "args"/"kwargs" ({"foo": 1}), request sent by '
            "a raw AMQP client (py-amqp) with correct content_type/reply_to/correlation_id."
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "publish": False,
        "notes": [
            (
                "Request was published directly to the broker (not through the frame proxy), so "
                "no publish-frame data for the request; the reply was captured by the tap."
            ),
            (
                "MalformedRequest is only raised when a key is missing; a body that is not a JSON "
                "object (e.g. a list) yields a TypeError error reply instead."
            ),
        ],
        "with_request": True,
    },
    "rpc_reply_non_ascii": {
        "description": (
            "Reply carrying non-ASCII text: Nameko/kombu JSON escapes non-ASCII characters as "
            '\\uXXXX (ensure_ascii) and uses ", " / ": " separators.'
        ),
        "producer": 'nameko 2.14.1 service "alpha"',
        "publish": False,
    },
    "event_service_dispatcher": {
        "description": (
            'Event "thing_happened" dispatched by EventDispatcher inside service alpha (worker '
            "alpha.emit called by a standalone proxy without context)."
        ),
        "producer": 'nameko 2.14.1 service "alpha" EventDispatcher',
        "notes": [
            (
                'Exchange "<source service>.events" (topic, durable); routing key = event type; '
                "body = the event payload itself (no envelope)."
            ),
            "Headers carry the worker context: call_id_stack ends with the dispatching worker id.",
            "mandatory=false: an event nobody listens to is silently dropped.",
        ],
    },
    "event_service_dispatcher_with_context": {
        "description": (
            "Same as event_service_dispatcher, but the RPC call that triggered the dispatch "
            "carried custom context data, which the event forwards as nameko.* headers."
        ),
        "producer": 'nameko 2.14.1 service "alpha" EventDispatcher',
    },
    "event_standalone_dispatcher": {
        "description": (
            'Event dispatched with nameko.standalone.events.event_dispatcher(config)("alpha", '
            '"thing_happened", payload).'
        ),
        "producer": "nameko 2.14.1 standalone event_dispatcher",
        "notes": [
            (
                "headers is an empty table: the standalone dispatcher sends no call_id_stack and "
                "no context."
            ),
            (
                "The standalone dispatcher does NOT declare the exchange; publishing to a "
                'non-existent "<service>.events" exchange fails with channel error 404 NOT_FOUND.'
            ),
        ],
    },
    "messaging_publisher": {
        "description": (
            'Message sent by a nameko.messaging.Publisher(exchange=Exchange("capture-custom", '
            'type="topic")) dependency: self.publish({"k": "v"}, routing_key="custom.key").'
        ),
        "producer": 'nameko 2.14.1 service "alpha" messaging.Publisher',
        "notes": [
            (
                "Same property defaults as RPC/events (json, utf-8, delivery_mode 2, priority 0) "
                "and the worker context as nameko.* headers."
            ),
        ],
    },
}
