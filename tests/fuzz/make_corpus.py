#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/): a few valid inputs
per target, small on purpose. The files are committed; run this again after changing it.
No msgpack library needed: the tiny encoder below covers what the seeds use."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def mp(v):
    """msgpack encoding of None, bool, int, float, str, bytes, list and dict (smallest forms)."""
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack("b", v)
        if 0 <= v < 2**32:
            return b"\xce" + struct.pack(">I", v)
        if 0 <= v < 2**64:
            return b"\xcf" + struct.pack(">Q", v)
        return b"\xd3" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"\xcb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xA0 | len(b)]) + b
        if len(b) < 256:
            return b"\xd9" + bytes([len(b)]) + b
        return b"\xda" + struct.pack(">H", len(b)) + b
    if isinstance(v, bytes):
        return b"\xc4" + bytes([len(v)]) + v
    if isinstance(v, list):
        assert len(v) < 16
        return bytes([0x90 | len(v)]) + b"".join(mp(x) for x in v)
    if isinstance(v, dict):
        assert len(v) < 16
        return bytes([0x80 | len(v)]) + b"".join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(type(v))


def frames(*parts):
    """fuzz_support.hpp's split rule: byte 0 = frame count, then 2-byte LE length + bytes."""
    out = bytes([len(parts)])
    for p in parts:
        p = p.encode() if isinstance(p, str) else p
        out += struct.pack("<H", len(p)) + p
    return out


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


T = 1767225600000  # 2026-01-01T00:00:00Z
loc = {"lat": 29.71, "lon": 120.24}
bodies = {
    "register": {"name": "gw-110", "role": "gateway", "heartbeat_ms": 1000, "software": "liandong 0.1.0"},
    "error": {"code": 103, "name": "UNROUTABLE", "message": "no peer named 'x'", "reply_to": "m1", "command": "STATS"},
    "stats_reply": {"service": "broker", "uptime_ms": 5, "counters": {"peers": 2}, "errors": {},
                    "peers": [{"name": "router", "role": "router", "idle_ms": 3}]},
    "incident_report": {"report_id": "110-2026-1", "source": "110", "category": "fire.building", "priority": 1,
                        "location": loc, "address": "Jiyang Rd 1", "caller": {"phone": "13800000000", "name": "Li"},
                        "text": "smoke", "reported_at_ms": T, "unverified": False},
    "dispatch_order": {"order_id": "o1", "incident_id": "i1", "unit": "police.ps03", "source": "110",
                       "category": "fire.building", "priority": 2, "location": {"lat": 29, "lon": 120},
                       "ack_deadline_ms": T, "rung": 0, "reason": "rule fire"},
    "order_ack": {"order_id": "o1", "unit": "police.ps03", "accepted": False, "reason": "busy"},
    "status_update": {"update_id": "u1", "incident_id": "i1", "unit": "police.ps03", "state": "on_scene",
                      "note": "arrived", "at_ms": T},
    "transfer": {"transfer_id": "t1", "incident_id": "i1", "to": "96345", "reason": "not urgent"},
    "audit_event": {"event_id": "e1", "incident_id": "i1", "type": "order.accepted", "actor": "router", "at_ms": T,
                    "body": {"order_id": "o1", "n": [1, -2, 3.5, None, True, b"\x00\x01"]}},
    "audit_events": {"query_id": "q1", "complete": False, "next_seq": 2, "last_seq": 9,
                     "events": [{"seq": 1, "event_id": "e1", "type": "x", "actor": "router", "at_ms": T,
                                 "body": None, "prev_hash": "0" * 64, "hash": "a" * 64}]},
    "audit_query": {"query_id": "q1", "from_seq": 1, "to_seq": 10, "limit": 100},
    "audit_subscribe": {"subscription_id": "s1", "from_seq": 1, "window": 100},
    "neighbour_ack": {"ack_id": "k1", "incident_id": "i1", "household": "H00001", "at_ms": T, "relay": "relay-7"},
    "incident_info": {"query_id": "q1", "incident": {
        "incident_id": "i1", "state": "open", "source": "110", "category": "fire.building", "priority": 1,
        "location": loc, "linked": ["i2"], "report_ids": ["r1"], "reported_at_ms": T,
        "orders": [{"order_id": "o1", "unit": "u", "state": "dispatched", "rung": 0, "ack_deadline_ms": T,
                    "reason": "r"}],
        "timeline": [{"at_ms": T, "type": "incident.reported", "text": "reported"}]}},
    "incidents_query": {"query_id": "q1", "state": "open", "limit": 10},
    "empty": {},
}
for name, body in bodies.items():
    write("fuzz_bodies", name, mp(body))

reg = mp(bodies["register"])
write("fuzz_envelope", "register", frames("LDP1", "REGISTER", "", "01J0000000000000000000000A", reg))
write("fuzz_envelope", "report", frames("LDP1", "INCIDENT_REPORT", "router", "m-1", mp(bodies["incident_report"])))
write("fuzz_envelope", "heartbeat", frames("LDP1", "HEARTBEAT", "", "m:2", b"\x80"))
write("fuzz_envelope", "ldp2", frames("LDP2", "HEARTBEAT", "", "m3", b"\x80"))
write("fuzz_envelope", "three_frames", frames("LDP1", "STATS", ""))

relay = {
    "hello": ("HELLO", {"relay_id": "relay-7", "area": "G00017", "software": "acme-relay 2.1"}),
    "alarm": ("ALARM", {"alarm_id": "a-1", "caller_number": "+86 150-0575-2171", "household": "H00001",
                        "pressed_at_ms": T}),
    "alert_delivered": ("ALERT_DELIVERED", {"alert_id": "i1-H00002"}),
    "neighbour_ack": ("NEIGHBOUR_ACK", {"ack_id": "k-1", "incident_id": "i1", "household": "H00002", "at_ms": T}),
    "ping": ("PING", {}),
}
for name, (cmd, body) in relay.items():
    write("fuzz_relay", name, frames("LDR1", cmd, "m1", mp(body)))
write("fuzz_relay", "ldr2", frames("LDR2", "PING", "m2", b"\x80"))

form = "application/x-www-form-urlencoded\n"
write("fuzz_open311", "form", form + "service_code=road_damage&lat=29.71&long=120.24&description=pot+hole%21"
      "&first_name=Wei&last_name=Li&phone=13800000000")
write("fuzz_open311", "form_address", form + "service_code=street_light&address_string=Jiyang+Rd+1&inspector_id=insp-7")
write("fuzz_open311", "json", 'application/json\n{"service_code": "manhole_cover", "lat": 29.7, "long": 120.2, '
      '"description": "missing cover", "email": null, "device_id": 42}')
write("fuzz_open311", "time", "2026-05-01T10:20:30.250+08:00")
write("fuzz_open311", "time_zulu", "2026-05-01 10:20Z")
