"""A TCP proxy in front of the broker that records every Basic.Publish passing through it, with
what only the wire shows: the mandatory/immediate flags, whether the channel was in confirm mode,
and what the broker answered (Basic.Ack, Basic.Nack, Basic.Return <code> <text>).

capture_fixtures.py points Nameko at this proxy to fill the fixtures' `publish` blocks. The proxy
forwards bytes unchanged and only reads them. It runs in green threads: the capture process is
monkey-patched by eventlet, as Nameko needs.
"""
import socket
import struct
import threading

from amqp.serialization import decode_properties_basic, loads

FRAME_METHOD, FRAME_HEADER, FRAME_BODY = 1, 2, 3
PROTOCOL_HEADER_SIZE = 8  # b"AMQP\x00\x00\x09\x01", sent once by the client before any frame

CHANNEL_OPEN = (20, 10)
CONFIRM_SELECT = (85, 10)
BASIC_PUBLISH = (60, 40)
BASIC_RETURN = (60, 50)
BASIC_ACK = (60, 80)
BASIC_NACK = (60, 120)


class Publish:
    """One message as its publisher sent it, and the broker's answers to it."""

    def __init__(self, channel, exchange, routing_key, mandatory, immediate, confirm_mode):
        self.channel = channel
        self.exchange = exchange
        self.routing_key = routing_key
        self.mandatory = mandatory
        self.immediate = immediate
        self.confirm_mode = confirm_mode
        self.properties = None
        self.body_size = None
        self.body = b""
        self.responses = []

    @property
    def complete(self):
        return self.body_size is not None and len(self.body) >= self.body_size


class PublishLog:
    """Listens on 127.0.0.1:<port>, forwards each connection to `upstream` (host, port), and
    appends every publish to `publishes` in the order the broker receives them."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.publishes = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self._server.close()

    def find(self, exchange, routing_key, body, properties):
        """The first logged publish of exactly this message."""
        for publish in self.publishes:
            if (publish.exchange, publish.routing_key, publish.body, publish.properties) == (
                exchange, routing_key, body, properties,
            ):
                return publish
        return None

    def _accept(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.upstream)
            connection = _Connection(self.publishes)
            threading.Thread(
                target=_pump, args=(client, upstream, connection.from_client, PROTOCOL_HEADER_SIZE),
                daemon=True,
            ).start()
            threading.Thread(
                target=_pump, args=(upstream, client, connection.from_broker, 0), daemon=True,
            ).start()


def _pump(source, destination, on_frame, skip):
    """Copies bytes one way, showing each complete frame to `on_frame` before forwarding it, so a
    publish is logged before the broker can route it."""
    buffer = bytearray()
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            buffer += data
            if skip:
                dropped = min(skip, len(buffer))
                del buffer[:dropped]
                skip -= dropped
            while len(buffer) >= 7:
                frame_type, channel, size = struct.unpack_from(">BHI", buffer)
                if len(buffer) < 7 + size + 1:  # header, payload, frame-end octet
                    break
                on_frame(frame_type, channel, bytes(buffer[7:7 + size]))
                del buffer[:7 + size + 1]
            destination.sendall(data)
    except (OSError, EOFError):
        pass  # the other direction closed the sockets (eventlet raises EOFError then)
    finally:
        # Either side closing ends the proxied connection.
        for sock in (source, destination):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class _Channel:
    def __init__(self):
        self.confirm_mode = False
        self.next_delivery_tag = 1  # confirms number the channel's publishes from 1
        self.unconfirmed = {}
        self.receiving = None  # the publish whose header and body frames are still coming
        self.sent = []


class _Connection:
    """The AMQP state of one proxied connection, per channel."""

    def __init__(self, log):
        self.log = log
        self.channels = {}

    def from_client(self, frame_type, channel_id, payload):
        channel = self.channels.setdefault(channel_id, _Channel())
        if frame_type == FRAME_METHOD:
            method = struct.unpack_from(">HH", payload)
            if method == CHANNEL_OPEN:
                # A reopened channel number starts without confirms and with tag 1.
                self.channels[channel_id] = _Channel()
            elif method == CONFIRM_SELECT:
                channel.confirm_mode = True
            elif method == BASIC_PUBLISH:
                self._publish(channel_id, channel, payload)
        elif frame_type == FRAME_HEADER and channel.receiving is not None:
            publish = channel.receiving
            (publish.body_size,) = struct.unpack_from(">Q", payload, 4)
            publish.properties, _ = decode_properties_basic(payload, 12)
            if publish.complete:
                channel.receiving = None
        elif frame_type == FRAME_BODY and channel.receiving is not None:
            channel.receiving.body += payload
            if channel.receiving.complete:
                channel.receiving = None

    def _publish(self, channel_id, channel, payload):
        (_, exchange, routing_key, mandatory, immediate), _ = loads("Bssbb", payload, 4)
        publish = Publish(channel_id, exchange, routing_key, mandatory, immediate, channel.confirm_mode)
        if channel.confirm_mode:
            channel.unconfirmed[channel.next_delivery_tag] = publish
            channel.next_delivery_tag += 1
        channel.receiving = publish
        channel.sent.append(publish)
        self.log.append(publish)

    def from_broker(self, frame_type, channel_id, payload):
        channel = self.channels.get(channel_id)
        if frame_type != FRAME_METHOD or channel is None:
            return
        method = struct.unpack_from(">HH", payload)
        if method == BASIC_ACK:
            (tag, multiple), _ = loads("Lb", payload, 4)
            self._confirm(channel, tag, multiple, "Basic.Ack")
        elif method == BASIC_NACK:
            (tag, multiple, _requeue), _ = loads("Lbb", payload, 4)
            self._confirm(channel, tag, multiple, "Basic.Nack")
        elif method == BASIC_RETURN:
            (code, text, exchange, routing_key), _ = loads("Bsss", payload, 4)
            # A return names no delivery tag. In confirm mode it comes before the publish's ack,
            # so it belongs to the oldest unconfirmed publish with that exchange and routing key;
            # without confirms, to the latest one.
            if channel.confirm_mode:
                candidates = list(channel.unconfirmed.values())
            else:
                candidates = list(reversed(channel.sent))
            for publish in candidates:
                returned = any(r.startswith("Basic.Return") for r in publish.responses)
                if (publish.exchange, publish.routing_key) == (exchange, routing_key) and not returned:
                    publish.responses.append("Basic.Return {} {}".format(code, text))
                    break

    @staticmethod
    def _confirm(channel, tag, multiple, response):
        tags = [t for t in channel.unconfirmed if t <= tag] if multiple else [tag]
        for t in tags:
            publish = channel.unconfirmed.pop(t, None)
            if publish is not None:
                publish.responses.append(response)
