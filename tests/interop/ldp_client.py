"""A small LDP/1 client, written from schemas/README.md (the wire spec) alone.

Usage:

    with LdpClient("tcp://127.0.0.1:5570", "cli-1", role="cli") as c:
        registered = c.register()                      # REGISTERED body (dict)
        mid = c.send("INCIDENT_REPORT", "router", {...})
        msg = c.recv(timeout=2.0)                      # Message or raises RecvTimeout

Everything here follows the spec section named in the comments:
- one DEALER socket, no identity option (§1), five frames per message (§2);
- bodies are one msgpack map with string keys, no trailing bytes (§5);
- message ids are ULIDs: 26 Crockford base32 characters, time-ordered (§6);
- broker HEARTBEATs are consumed inside recv(), and the client sends its own
  HEARTBEAT whenever it has sent nothing for heartbeat_ms (§3.2);
- every receive is bounded by a timeout; the socket has linger 0.
"""

import os
import re
import threading
import time
from collections import namedtuple

import msgpack
import zmq

PROTOCOL = b"LDP1"

# §2 frame syntax.
COMMAND_RE = re.compile(rb"\A[A-Z][A-Z0-9_]{0,31}\Z")
ID_RE = re.compile(rb"\A[a-zA-Z0-9._\-:]{1,64}\Z")  # message ids and peer names (§2, §3.1)

ROLES = ("gateway", "router", "audit", "unit", "supervisor", "relay", "cli", "console")

# §4 error codes.
ERROR_CODES = {
    "MALFORMED": 100,
    "UNSUPPORTED_VERSION": 101,
    "NOT_REGISTERED": 102,
    "UNROUTABLE": 103,
    "TOO_LARGE": 104,
    "INVALID_REGISTRATION": 105,
    "UNKNOWN_COMMAND": 106,
    "BUSY": 107,
    "FORBIDDEN": 108,
    "INVALID_BODY": 200,
    "MISSING_FIELD": 201,
    "WRONG_TYPE": 202,
    "INVALID_VALUE": 203,
    "UNKNOWN_ID": 204,
    "INVALID_TRANSITION": 205,
    "UNAVAILABLE": 300,
    "INTERNAL": 301,
}

DEFAULT_HEARTBEAT_MS = 1000  # §3.2, used until REGISTERED tells us the real interval
DEFAULT_LIVENESS = 3

EMPTY_MAP = b"\x80"


class LdpError(Exception):
    """Base class of this module's exceptions."""


class RecvTimeout(LdpError):
    """No (non-heartbeat) message arrived within the timeout."""


class ProtocolViolation(LdpError):
    """The other side sent something the spec does not allow."""


class ConnectionLost(LdpError):
    """Nothing heard from the broker for liveness x heartbeat_ms (§3.2)."""


class RegistrationFailed(LdpError):
    def __init__(self, message):
        super().__init__("registration refused: %r" % (message.body,))
        self.message = message


# A received message. `source` is frame 2 as text ("" = the broker), `body` the
# decoded map, `raw_body` the exact bytes of frame 4, `frames` all raw frames.
Message = namedtuple("Message", "command source msg_id body raw_body frames")


def _error_field(self, key):
    return self.body.get(key) if isinstance(self.body, dict) else None


Message.is_error = property(lambda self: self.command == "ERROR")
Message.error_code = property(lambda self: _error_field(self, "code"))
Message.error_name = property(lambda self: _error_field(self, "name"))


# ---------------------------------------------------------------- message ids (§6)

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class UlidGenerator:
    """Monotonic ULIDs: 48-bit millisecond time + 80 random bits, 26 characters.

    Within one millisecond the random part is incremented, so ids from one
    generator are unique and strictly increasing."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_rand = 0

    def new(self):
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms <= self._last_ms:
                ms = self._last_ms
                rand = (self._last_rand + 1) & ((1 << 80) - 1)
                if rand == 0:  # random part overflowed: borrow the next millisecond
                    ms += 1
                    rand = int.from_bytes(os.urandom(10), "big")
            else:
                rand = int.from_bytes(os.urandom(10), "big")
            self._last_ms, self._last_rand = ms, rand
        value = ((ms & ((1 << 48) - 1)) << 80) | rand
        chars = []
        for _ in range(26):
            chars.append(_CROCKFORD[value & 31])
            value >>= 5
        return "".join(reversed(chars))


_ids = UlidGenerator()


def new_id():
    return _ids.new()


# ---------------------------------------------------------------- bodies (§5)

def encode_body(body):
    """Encode a dict as one msgpack map (str keys, str as msgpack str)."""
    if not isinstance(body, dict):
        raise TypeError("an LDP body must be a map, got %s" % type(body).__name__)
    for key in body:
        if not isinstance(key, str):
            raise TypeError("LDP body keys must be strings, got %r" % (key,))
    return msgpack.packb(body, use_bin_type=True)


def decode_body(raw):
    """Decode frame 4: exactly one msgpack map with string keys, no trailing bytes."""
    try:
        value = msgpack.unpackb(
            raw,
            raw=False,
            strict_map_key=True,
            max_str_len=1 << 20,
            max_bin_len=1 << 20,
            max_array_len=100_000,
            max_map_len=10_000,
        )
    except (msgpack.ExtraData, ValueError, msgpack.UnpackException) as exc:
        raise ProtocolViolation("body is not one msgpack value: %s (%r)" % (exc, raw[:64]))
    if not isinstance(value, dict):
        raise ProtocolViolation("body is not a map: %r" % (value,))
    for key in value:
        if not isinstance(key, str):
            raise ProtocolViolation("body key is not a string: %r" % (key,))
    return value


def _text(frame):
    return frame.decode("utf-8") if isinstance(frame, (bytes, bytearray)) else str(frame)


def _bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8")


# ---------------------------------------------------------------- the client

class LdpClient:
    """One LDP/1 peer: a DEALER socket connected to the broker."""

    def __init__(self, endpoint, name, role="cli", software="ldp_client.py 0.1",
                 context=None, heartbeat_ms=None):
        self.endpoint = endpoint
        self.name = name
        self.role = role
        self.software = software
        self.requested_heartbeat_ms = heartbeat_ms
        self.heartbeat_ms = heartbeat_ms or DEFAULT_HEARTBEAT_MS
        self.liveness = DEFAULT_LIVENESS
        self.registered = False
        self.registered_body = None
        self.heartbeats_received = 0
        self.heartbeats_sent = 0
        self._own_context = context is None
        self._context = context or zmq.Context()
        self._socket = None
        self._last_sent = time.monotonic()
        self._last_heard = time.monotonic()
        self.connect()

    # -- socket lifecycle

    def connect(self):
        """(Re)open the DEALER socket. A new socket is a new connection: not registered."""
        self._close_socket()
        sock = self._context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.endpoint)
        self._socket = sock
        self.registered = False
        now = time.monotonic()
        self._last_sent = now
        self._last_heard = now

    def _close_socket(self):
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def close(self, disconnect=True):
        """Close the socket; when registered, tell the broker first (§3.3)."""
        try:
            if disconnect and self.registered and self._socket is not None:
                try:
                    self.send("DISCONNECT", "", {"reason": "client closing"})
                except zmq.ZMQError:
                    pass
        finally:
            self.registered = False
            self._close_socket()
            if self._own_context:
                self._context.term()
                self._own_context = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- sending

    def send_frames(self, frames):
        """Send arbitrary raw frames (for malformed-message tests)."""
        self._socket.send_multipart([_bytes(f) for f in frames], copy=True)
        self._last_sent = time.monotonic()

    def send(self, command, destination, body=None, msg_id=None, protocol=PROTOCOL):
        """Send one five-frame message; returns the message id used.

        `body` is a dict (encoded as a msgpack map) or raw bytes (sent as-is)."""
        if msg_id is None:
            msg_id = new_id()
        if body is None:
            raw = EMPTY_MAP
        elif isinstance(body, (bytes, bytearray)):
            raw = bytes(body)
        else:
            raw = encode_body(body)
        self.send_frames([protocol, command, destination or b"", msg_id, raw])
        return msg_id

    def heartbeat(self):
        self.send("HEARTBEAT", "", {})
        self.heartbeats_sent += 1

    # -- receiving

    def _parse(self, frames):
        if len(frames) != 5:
            raise ProtocolViolation("expected 5 frames, got %d: %r" % (len(frames), frames))
        proto, command, source, msg_id, raw = frames
        if proto != PROTOCOL:
            raise ProtocolViolation("frame 0 is %r, not %r" % (proto, PROTOCOL))
        if not COMMAND_RE.match(command):
            raise ProtocolViolation("bad command frame %r" % (command,))
        if source and not ID_RE.match(source):
            raise ProtocolViolation("bad source frame %r" % (source,))
        if not ID_RE.match(msg_id):
            raise ProtocolViolation("bad message id frame %r" % (msg_id,))
        return Message(_text(command), _text(source), _text(msg_id), decode_body(raw), raw,
                       frames)

    def recv(self, timeout, keep_heartbeats=False, check_liveness=True):
        """Return the next message, waiting at most `timeout` seconds.

        Broker HEARTBEATs are consumed (unless keep_heartbeats), and while waiting the
        client sends its own HEARTBEAT whenever it has been silent for heartbeat_ms.
        Raises RecvTimeout, ProtocolViolation or ConnectionLost."""
        deadline = time.monotonic() + timeout
        poller = zmq.Poller()
        poller.register(self._socket, zmq.POLLIN)
        while True:
            now = time.monotonic()
            interval = self.heartbeat_ms / 1000.0
            if self.registered and now - self._last_sent >= interval:
                self.heartbeat()
                now = time.monotonic()
            wait = max(0.0, deadline - now)
            if self.registered:
                wait = min(wait, max(0.0, self._last_sent + interval - now))
            wait = min(wait, 0.1)
            events = dict(poller.poll(int(wait * 1000) + 1))
            if self._socket in events:
                frames = self._socket.recv_multipart(zmq.NOBLOCK)
                self._last_heard = time.monotonic()
                msg = self._parse(frames)
                if msg.command == "HEARTBEAT" and msg.source == "":
                    self.heartbeats_received += 1
                    if keep_heartbeats:
                        return msg
                    continue
                if msg.command == "DISCONNECT" and msg.source == "":
                    # §3.1: our name passed to a newer registration; do not re-register.
                    self.registered = False
                return msg
            # Nothing queued: only now judge the timeout and the broker's silence, so
            # messages that arrived while we were not receiving are never overlooked.
            now = time.monotonic()
            if (check_liveness and self.registered
                    and now - self._last_heard > self.liveness * interval):
                raise ConnectionLost("nothing from the broker for %.1f s"
                                     % (now - self._last_heard))
            if now >= deadline:
                raise RecvTimeout("no message within %.2f s" % timeout)

    def recv_until(self, predicate, timeout):
        """Receive until predicate(msg) is true; returns (match, skipped messages)."""
        deadline = time.monotonic() + timeout
        skipped = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RecvTimeout("no matching message within %.2f s; skipped %r"
                                  % (timeout, [(m.command, m.source, m.body) for m in skipped]))
            msg = self.recv(remaining)
            if predicate(msg):
                return msg, skipped
            skipped.append(msg)

    def request(self, command, destination, body=None, timeout=5.0, reply_commands=None):
        """Send, then wait for the reply: a message of `reply_commands` from the
        destination, or an ERROR about this message id. Returns (msg_id, reply)."""
        msg_id = self.send(command, destination, body)
        source = destination or ""

        def matches(m):
            if m.is_error:
                reply_to = m.body.get("reply_to")
                return reply_to == msg_id or (reply_to is None and m.source in ("", source))
            if m.source != source:
                return False
            return reply_commands is None or m.command in reply_commands

        reply, _ = self.recv_until(matches, timeout)
        return msg_id, reply

    # -- registration (§3.1)

    def register(self, timeout=5.0):
        body = {"name": self.name, "role": self.role}
        if self.requested_heartbeat_ms:
            body["heartbeat_ms"] = int(self.requested_heartbeat_ms)
        if self.software:
            body["software"] = self.software
        _, reply = self.request("REGISTER", "", body, timeout=timeout,
                                reply_commands=("REGISTERED",))
        if reply.is_error:
            raise RegistrationFailed(reply)
        hb = reply.body.get("heartbeat_ms")
        if isinstance(hb, int) and not isinstance(hb, bool) and hb > 0:
            self.heartbeat_ms = hb
        liveness = reply.body.get("liveness")
        if isinstance(liveness, int) and not isinstance(liveness, bool) and liveness > 0:
            self.liveness = liveness
        self.registered = True
        self.registered_body = reply.body
        return reply.body
