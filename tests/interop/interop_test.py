#!/usr/bin/python3
"""Interop test: a Python LDP/1 client (written from schemas/README.md alone) talks
through the real C++ broker to the real C++ echo peer.

    interop_test.py --broker PATH/liandong-broker --echo PATH/liandong-test-echo

Starts its own broker (port 0, ready file) and echo peer in a fresh temp dir, runs the
checks with unittest, then stops both children with SIGTERM (SIGKILL after 5 s, which
fails the run). Exits non-zero on any failure.
"""

import argparse
import ctypes
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import msgpack  # noqa: E402
import zmq  # noqa: E402

from ldp_client import (  # noqa: E402
    ERROR_CODES, ID_RE, LdpClient, RecvTimeout, new_id, encode_body,
)

HEARTBEAT_MS = 300           # short, so heartbeat handling is exercised within the run
READY_POLL_S = 0.02
READY_MAX_POLLS = 750        # 750 x 20 ms: at most ~15 s, also bounded by READY_DEADLINE_S
READY_DEADLINE_S = 15.0      # generous for a loaded CI machine; normally well under a second
STOP_GRACE_S = 5.0
REPLY_TIMEOUT_S = 5.0
ECHO_NAME = "echo-cpp"

CLUSTER = None  # set by main()


# ---------------------------------------------------------------- child processes

def _die_with_parent():
    """preexec_fn: the child gets SIGKILL if this test process dies (e.g. ctest timeout),
    and writes no core file if it crashes."""
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Child:
    def __init__(self, label, argv, log_path, must_exit_zero):
        self.label = label
        self.must_exit_zero = must_exit_zero
        self.warnings = []
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

    def stop(self):
        """SIGTERM, wait up to STOP_GRACE_S, then SIGKILL. Returns a problem text or None."""
        problem = None
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=STOP_GRACE_S)
                    problem = "%s did not stop within %.0f s of SIGTERM; SIGKILL was needed" % (
                        self.label, STOP_GRACE_S)
                if problem is None and self.proc.returncode != 0:
                    text = "%s exited with status %s after SIGTERM" % (
                        self.label, self.proc.returncode)
                    if self.must_exit_zero:
                        problem = text
                    else:
                        self.warnings.append(text)
            else:
                problem = "%s had already exited (status %s) before teardown" % (
                    self.label, self.proc.returncode)
        finally:
            self._log.close()
        return problem

    def log_text(self, limit=20000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError as exc:
            return "(no log: %s)" % exc
        return data[-limit:].decode("utf-8", "replace")


def wait_ready_file(path, child):
    """Wait for `path` to hold one complete line; bounded in polls and in time."""
    deadline = time.monotonic() + READY_DEADLINE_S
    for _ in range(READY_MAX_POLLS):
        if child.proc.poll() is not None:
            raise RuntimeError("%s exited with status %s before it was ready:\n%s" % (
                child.label, child.proc.returncode, child.log_text()))
        try:
            with open(path, "r", encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        if text.endswith("\n"):
            return text.splitlines()[0].strip()
        if time.monotonic() >= deadline:
            break
        time.sleep(READY_POLL_S)
    raise RuntimeError("%s did not write %s in time:\n%s" % (child.label, path, child.log_text()))


class Cluster:
    """A broker and an echo peer in their own temp dir."""

    def __init__(self, broker_bin, echo_bin):
        self.broker_bin = broker_bin
        self.echo_bin = echo_bin
        self.tmp = tempfile.TemporaryDirectory(prefix="liandong-interop-")
        self.children = []
        self.endpoint = None

    def start(self):
        d = self.tmp.name
        broker_ready = os.path.join(d, "broker.ready")
        broker = Child("broker", [
            self.broker_bin, "--endpoint", "tcp://127.0.0.1:0", "--ready-file", broker_ready,
            "--insecure-plain",
            "--heartbeat-ms", str(HEARTBEAT_MS), "--log-level", "debug",
        ], os.path.join(d, "broker.log"), must_exit_zero=True)
        self.children.append(broker)
        self.endpoint = wait_ready_file(broker_ready, broker)
        if not re.match(r"\Atcp://127\.0\.0\.1:[1-9][0-9]*\Z", self.endpoint):
            raise RuntimeError("broker ready file holds %r" % self.endpoint)

        echo_ready = os.path.join(d, "echo.ready")
        echo = Child("echo", [
            self.echo_bin, "--endpoint", self.endpoint, "--name", ECHO_NAME,
            "--ready-file", echo_ready,
        ], os.path.join(d, "echo.log"), must_exit_zero=True)
        self.children.append(echo)
        wait_ready_file(echo_ready, echo)

    def stop(self):
        """Stop children (echo first, then broker). Returns a list of problems."""
        problems = []
        for child in reversed(self.children):
            try:
                problem = child.stop()
            except Exception as exc:  # keep stopping the others
                problem = "%s: error while stopping: %r" % (child.label, exc)
                try:
                    child.proc.kill()
                except OSError:
                    pass
            if problem:
                problems.append(problem)
        return problems

    def logs(self):
        return "\n".join("----- %s log -----\n%s" % (c.label, c.log_text()) for c in self.children)

    def cleanup(self):
        self.tmp.cleanup()


# ---------------------------------------------------------------- tests

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


class InteropTest(unittest.TestCase):
    def setUp(self):
        self.ctx = zmq.Context()
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.close()
        self.ctx.term()

    def client(self, suffix, register=True, role="cli"):
        name = "py-%s-%d-%s" % (suffix, os.getpid(), new_id()[-6:].lower())
        c = LdpClient(CLUSTER.endpoint, name, role=role, context=self.ctx,
                      heartbeat_ms=HEARTBEAT_MS)
        self.clients.append(c)
        if register:
            c.register(timeout=REPLY_TIMEOUT_S)
        return c

    def assert_error(self, msg, name, source="", reply_to=None, command=None):
        self.assertEqual(msg.command, "ERROR", "expected ERROR %s, got %r" % (name, msg))
        body = msg.body
        for field in ("code", "name", "message"):
            self.assertIn(field, body, "ERROR lacks required field %r: %r" % (field, body))
        self.assertTrue(is_int(body["code"]), body)
        self.assertIsInstance(body["name"], str, body)
        self.assertIsInstance(body["message"], str, body)
        self.assertTrue(body["message"], "ERROR message is empty: %r" % (body,))
        self.assertEqual(body["name"], name, body)
        self.assertEqual(body["code"], ERROR_CODES[name], body)
        self.assertEqual(msg.source, source, "ERROR frame 2: %r" % (msg,))
        if reply_to is not None:
            self.assertEqual(body.get("reply_to"), reply_to, body)
        elif body.get("reply_to") is not None:
            self.assertIsInstance(body["reply_to"], str, body)
        if command is not None and body.get("command") is not None:
            self.assertEqual(body["command"], command, body)
        return body

    def report(self, **overrides):
        report_id = "py-%s" % new_id()
        body = {
            "report_id": report_id,
            "source": "110",
            "category": "fire.building",
            "priority": 1,
            "location": {"lat": 31.2304, "lon": 121.4737},
            "address": "1 Renmin Road",
            "caller": {"phone": "13800000000", "name": "Zhang San"},
            "text": "smoke from the third floor",
            "grid": None,  # optional + nil = not given (§5)
            "reported_at_ms": int(time.time() * 1000),
            "x_future_field": {"ignored": True},  # unknown keys are ignored (§5)
        }
        body.update(overrides)
        return body

    # a. registration -------------------------------------------------------

    def test_a_registration(self):
        c = self.client("reg", register=False)
        body = c.register(timeout=REPLY_TIMEOUT_S)
        for field in ("name", "heartbeat_ms", "liveness", "broker"):
            self.assertIn(field, body, "REGISTERED lacks %r: %r" % (field, body))
        self.assertEqual(body["name"], c.name)
        self.assertTrue(is_int(body["heartbeat_ms"]) and body["heartbeat_ms"] > 0, body)
        self.assertEqual(body["heartbeat_ms"], HEARTBEAT_MS, body)
        self.assertTrue(is_int(body["liveness"]), body)
        self.assertEqual(body["liveness"], 3, body)
        self.assertIsInstance(body["broker"], str)
        self.assertTrue(body["broker"], body)

    def test_a2_bad_role_is_invalid_registration(self):
        c = self.client("badrole", register=False)
        mid, reply = c.request("REGISTER", "", {"name": c.name, "role": "wizard"},
                               timeout=REPLY_TIMEOUT_S, reply_commands=("REGISTERED",))
        self.assert_error(reply, "INVALID_REGISTRATION", reply_to=mid, command="REGISTER")

    def test_a3_name_passes_to_newest_registration(self):
        old = self.client("take")
        new = LdpClient(CLUSTER.endpoint, old.name, context=self.ctx, heartbeat_ms=HEARTBEAT_MS)
        self.clients.append(new)
        new.register(timeout=REPLY_TIMEOUT_S)
        msg, _ = old.recv_until(lambda m: m.command == "DISCONNECT", REPLY_TIMEOUT_S)
        self.assertEqual(msg.source, "")
        self.assertIsInstance(msg.body.get("reason"), str, msg.body)
        # Messages for the name now reach the new connection.
        sender = self.client("take-sender")
        mid = sender.send("PROBE", new.name, {"n": 1})
        got, _ = new.recv_until(lambda m: m.msg_id == mid, REPLY_TIMEOUT_S)
        self.assertEqual(got.source, sender.name)

    # b. a report the C++ decoder accepts -----------------------------------

    def test_b_incident_report_acknowledged_by_echo(self):
        c = self.client("report")
        body = self.report()
        mid, reply = c.request("INCIDENT_REPORT", ECHO_NAME, body, timeout=REPLY_TIMEOUT_S,
                               reply_commands=("REPORT_ACK",))
        self.assertEqual(reply.command, "REPORT_ACK", "got %r" % (reply,))
        self.assertEqual(reply.source, ECHO_NAME)
        ack = reply.body
        self.assertEqual(ack.get("report_id"), body["report_id"], ack)
        self.assertEqual(ack.get("incident_id"), "echo-" + body["report_id"], ack)
        self.assertEqual(ack.get("state"), "echoed", ack)
        self.assertIn("duplicate", ack, "REPORT_ACK lacks required field 'duplicate': %r" % ack)
        self.assertIsInstance(ack["duplicate"], bool, ack)

    def test_b2_minimal_report_acknowledged(self):
        c = self.client("report-min")
        body = {"report_id": "py-min-" + new_id(), "source": "watch",
                "category": "traffic.accident", "reported_at_ms": int(time.time() * 1000)}
        _, reply = c.request("INCIDENT_REPORT", ECHO_NAME, body, timeout=REPLY_TIMEOUT_S,
                             reply_commands=("REPORT_ACK",))
        self.assertEqual(reply.command, "REPORT_ACK", "got %r" % (reply,))
        self.assertEqual(reply.body.get("incident_id"), "echo-" + body["report_id"])

    def test_b3_other_commands_are_forwarded_byte_for_byte(self):
        c = self.client("echo")
        raw = encode_body({"update_id": "u-1", "incident_id": "i-1", "state": "en_route",
                           "at_ms": int(time.time() * 1000), "note": "\u4e2d\u6587"})
        mid = c.send("STATUS_UPDATE", ECHO_NAME, raw)
        reply, _ = c.recv_until(lambda m: m.source == ECHO_NAME, REPLY_TIMEOUT_S)
        self.assertEqual(reply.command, "STATUS_UPDATE")
        self.assertEqual(reply.msg_id, mid)
        self.assertEqual(reply.raw_body, raw)

    # c. decode failures reported by the C++ decoder ------------------------

    def test_c_missing_category(self):
        c = self.client("nocat")
        body = self.report()
        del body["category"]
        mid, reply = c.request("INCIDENT_REPORT", ECHO_NAME, body, timeout=REPLY_TIMEOUT_S,
                               reply_commands=("REPORT_ACK",))
        err = self.assert_error(reply, "MISSING_FIELD", source=ECHO_NAME, command="INCIDENT_REPORT")
        self.assertIn("category", err["message"], err)
        if err.get("reply_to") is not None:
            self.assertEqual(err["reply_to"], mid, err)

    def test_c2_priority_as_string(self):
        c = self.client("prio")
        body = self.report(priority="1")
        mid, reply = c.request("INCIDENT_REPORT", ECHO_NAME, body, timeout=REPLY_TIMEOUT_S,
                               reply_commands=("REPORT_ACK",))
        err = self.assert_error(reply, "WRONG_TYPE", source=ECHO_NAME, command="INCIDENT_REPORT")
        self.assertIn("priority", err["message"], err)
        if err.get("reply_to") is not None:
            self.assertEqual(err["reply_to"], mid, err)

    def test_c3_trailing_bytes_invalid_body(self):
        c = self.client("trail")
        raw = encode_body(self.report()) + b"\xc0"
        mid = c.send("INCIDENT_REPORT", ECHO_NAME, raw)
        reply, _ = c.recv_until(lambda m: m.source == ECHO_NAME, REPLY_TIMEOUT_S)
        err = self.assert_error(reply, "INVALID_BODY", source=ECHO_NAME)
        if err.get("reply_to") is not None:
            self.assertEqual(err["reply_to"], mid, err)

    def test_c4_integer_map_key_is_wrong_type(self):
        # Spec §5: map keys must be strings, also keys of fields the receiver does not know.
        c = self.client("intkey")
        body = self.report()
        body[7] = "extra"
        raw = msgpack.packb(body, use_bin_type=True)  # encode_body() refuses such a key itself
        mid = c.send("INCIDENT_REPORT", ECHO_NAME, raw)
        reply, _ = c.recv_until(lambda m: m.source == ECHO_NAME, REPLY_TIMEOUT_S)
        err = self.assert_error(reply, "WRONG_TYPE", source=ECHO_NAME)
        self.assertIn("map keys must be strings", err["message"], err)
        if err.get("reply_to") is not None:
            self.assertEqual(err["reply_to"], mid, err)

    # d. unroutable ---------------------------------------------------------

    def test_d_unroutable(self):
        c = self.client("unr")
        nobody = "nobody-" + new_id().lower()
        mid, reply = c.request("INCIDENT_REPORT", nobody, self.report(), timeout=REPLY_TIMEOUT_S)
        err = self.assert_error(reply, "UNROUTABLE", reply_to=mid, command="INCIDENT_REPORT")
        self.assertEqual(err["code"], 103)
        self.assertEqual(err.get("reply_to"), mid)

    # e. not registered -----------------------------------------------------

    def test_e_not_registered(self):
        c = self.client("fresh", register=False)
        mid = c.send("INCIDENT_REPORT", ECHO_NAME, self.report())
        reply = c.recv(REPLY_TIMEOUT_S)
        self.assert_error(reply, "NOT_REGISTERED", reply_to=mid, command="INCIDENT_REPORT")

    # f. framing ------------------------------------------------------------

    def test_f_unsupported_version(self):
        c = self.client("ldp2")
        mid = c.send("STATS", "", {}, protocol=b"LDP2")
        reply = c.recv(REPLY_TIMEOUT_S)
        self.assert_error(reply, "UNSUPPORTED_VERSION")
        if reply.body.get("reply_to") is not None:
            self.assertEqual(reply.body["reply_to"], mid)

    def test_f2_three_frames_malformed(self):
        c = self.client("3fr")
        c.send_frames([b"LDP1", b"STATS", b""])
        reply = c.recv(REPLY_TIMEOUT_S)
        self.assert_error(reply, "MALFORMED")

    def test_f3_bad_message_id_malformed(self):
        c = self.client("badid")
        c.send_frames([b"LDP1", b"STATS", b"", b"has space", b"\x80"])
        reply = c.recv(REPLY_TIMEOUT_S)
        self.assert_error(reply, "MALFORMED")

    # g. stats --------------------------------------------------------------

    def test_g_stats(self):
        c = self.client("stats")
        _, reply = c.request("STATS", "", {}, timeout=REPLY_TIMEOUT_S,
                             reply_commands=("STATS_REPLY",))
        self.assertEqual(reply.command, "STATS_REPLY", "got %r" % (reply,))
        self.assertEqual(reply.source, "")
        body = reply.body
        self.assertEqual(body.get("service"), "broker", body)
        self.assertTrue(is_int(body.get("uptime_ms")) and body["uptime_ms"] >= 0, body)
        counters = body.get("counters")
        self.assertIsInstance(counters, dict, body)
        for key in ("messages_in", "messages_out", "forwarded", "registrations",
                    "replaced_registrations", "disconnects", "peers_expired",
                    "peers_unreachable", "heartbeats_out", "peers"):
            self.assertIn(key, counters, "counters lack %r: %r" % (key, counters))
        for key, value in counters.items():
            self.assertTrue(isinstance(key, str) and is_int(value), counters)
        errors = body.get("errors")
        self.assertIsInstance(errors, dict, body)
        for key, value in errors.items():
            self.assertTrue(isinstance(key, str) and is_int(value), errors)
        peers = body.get("peers")
        self.assertIsInstance(peers, list, "peers absent (spec: optional): %r" % (body,))
        by_name = {}
        for p in peers:
            self.assertIsInstance(p, dict, peers)
            self.assertIsInstance(p.get("name"), str, p)
            self.assertIsInstance(p.get("role"), str, p)
            self.assertTrue(is_int(p.get("idle_ms")) and p["idle_ms"] >= 0, p)
            by_name[p["name"]] = p
        self.assertIn(c.name, by_name, peers)
        self.assertEqual(by_name[c.name]["role"], "cli")
        self.assertIn(ECHO_NAME, by_name, peers)

    # h. heartbeats keep a quiet client registered --------------------------

    def test_h_heartbeats_keep_idle_client_registered(self):
        c = self.client("idle")
        # Wait well past liveness x heartbeat_ms, sending nothing but heartbeats.
        quiet = 2.5 * c.liveness * c.heartbeat_ms / 1000.0
        with self.assertRaises(RecvTimeout):
            c.recv(quiet)
        self.assertGreater(c.heartbeats_received, 0, "no broker HEARTBEAT in %.1f s" % quiet)
        self.assertGreater(c.heartbeats_sent, 0)
        _, reply = c.request("STATS", "", {}, timeout=REPLY_TIMEOUT_S,
                             reply_commands=("STATS_REPLY",))
        self.assertEqual(reply.command, "STATS_REPLY", "got %r" % (reply,))

    def test_h2_heartbeat_frames(self):
        c = self.client("hbf")
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while True:
            msg = c.recv(max(0.01, deadline - time.monotonic()), keep_heartbeats=True)
            if msg.command == "HEARTBEAT":
                break
        self.assertEqual(msg.source, "")
        self.assertEqual(msg.body, {})
        self.assertTrue(ID_RE.match(msg.msg_id.encode()))


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", required=True)
    parser.add_argument("--echo", required=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    args, rest = parser.parse_known_args()

    # Turn SIGTERM/SIGINT into exceptions so the finally block always stops the children.
    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    global CLUSTER
    cluster = Cluster(os.path.abspath(args.broker), os.path.abspath(args.echo))
    ok = False
    problems = []
    try:
        cluster.start()
        CLUSTER = cluster
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(InteropTest)
        if rest:
            suite = unittest.defaultTestLoader.loadTestsFromNames(
                rest, sys.modules[__name__])
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
        ok = result.wasSuccessful()
    finally:
        problems = cluster.stop()
        for p in problems:
            print("TEARDOWN FAILURE: " + p, flush=True)
        warnings = [w for c in cluster.children for w in c.warnings]
        for w in warnings:
            print("TEARDOWN WARNING: " + w, flush=True)
        if not ok or problems or warnings or args.verbose:
            print(cluster.logs(), flush=True)
        cluster.cleanup()
    return 0 if ok and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
