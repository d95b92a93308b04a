#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile input: whatever reaches the port, aquad keeps serving.

Malformed HTTP, truncated bodies and wrong lengths, invalid UTF-8, deep
nesting, out-of-range numbers, huge arrays and bodies, thousands of
sensor ids, pipelined requests, slow clients and a flood of connections
from one process. Each gets a JSON 4xx or a closed connection; /health
answers between and during them; anonymous RSS stays bounded.

Usage: hostile_test.py PATH_TO_AQUAD
"""

import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, now_us  # noqa: E402

BINARY = None
SEC = 1_000_000


def rss_anon_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def raw_exchange(port, data, timeout=5.0, shut=False):
    """Sends bytes, returns everything read until close or timeout."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may close before taking it all
        out = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(reply):
    if not reply.startswith(b"HTTP/1.1 "):
        return None
    return int(reply[9:12])


def body_of(reply):
    return reply.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in reply else b""


class HostileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon(
            BINARY, "http: {read_timeout: 2s, max_connections: 1500}\n"
            "ingest: {max_body: 1MiB, max_batch: 5000}\n").start()
        cls.port = cls.daemon.port
        cls.pid = cls.daemon.proc.pid
        cls.rss_start = rss_anon_kib(cls.pid)

    @classmethod
    def tearDownClass(cls):
        print("RssAnon: start %d KiB, end %d KiB" % (
            cls.rss_start, rss_anon_kib(cls.pid)), file=sys.stderr)
        assert cls.daemon.stop() == 0
        cls.daemon.cleanup()

    def health_ok(self, within=3.0):
        c = self.daemon.client()
        c.conn.timeout = within
        started = time.time()
        self.assertEqual(c.get("/health").status, 200)
        c.close()
        return time.time() - started

    def post_raw(self, body, ctype=b"application/json", length=None):
        length = len(body) if length is None else length
        return raw_exchange(self.port, b"POST /measurements HTTP/1.1\r\n"
                            b"Host: x\r\nContent-Type: " + ctype
                            + b"\r\nContent-Length: " + str(length).encode()
                            + b"\r\nConnection: close\r\n\r\n" + body)

    def assert_json_4xx(self, reply, status=None):
        code = status_of(reply)
        self.assertIsNotNone(code, reply[:200])
        self.assertTrue(400 <= code < 500, reply[:200])
        if status:
            self.assertEqual(code, status, reply[:300])
        self.assertIn("error", json.loads(body_of(reply)))

    def test_malformed_http_is_closed_or_refused(self):
        for junk in (b"HELLO\r\n\r\n", b"GET\r\n\r\n", b"\x00\xff\x10" * 50,
                     b"GET /sensors?a=b c HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"POST /measurements HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                     b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
                     b"GET /health HTTP/1.1\r\n" + b"X: y\r\n" * 500 + b"\r\n"):
            reply = raw_exchange(self.port, junk, timeout=3, shut=True)
            code = status_of(reply)
            self.assertTrue(code is None or 400 <= code < 500,
                            (junk[:40], reply[:100]))
            self.health_ok()

    def test_an_unknown_http_version_is_answered_or_closed(self):
        # http_parser takes any one-digit version, so HTTP/9.9 is served
        # like HTTP/1.1, or the connection closes first when the client's
        # EOF arrives before the answer leaves: either way, no crash.
        reply = raw_exchange(self.port, b"GET /health HTTP/9.9\r\n\r\n",
                             timeout=3, shut=True)
        self.assertIn(status_of(reply), (200, None), reply[:100])
        self.health_ok()

    def test_truncated_and_wrong_lengths(self):
        body = json.dumps({"sensor_id": "t", "timestamp": fmt(now_us()),
                           "temperature": 1, "conductivity": 1}).encode()
        # Shorter than announced, then the client stops: closed.
        reply = self.post_raw(body[:10], length=len(body))
        self.assertIsNone(status_of(reply))
        # Longer than announced: the extra bytes are a broken next request,
        # which closes the connection (the first one's answer may be lost
        # with it; its point is stored, and a retry is a duplicate).
        reply = self.post_raw(body + b"garbage", length=len(body))
        self.assertIn(status_of(reply), (201, None))
        self.health_ok()

    def test_bad_documents_get_json_400s(self):
        now = now_us()
        cases = [
            b'{"sensor_id":"s\xff\xfe","timestamp":"' + fmt(now).encode()
            + b'","temperature":1,"conductivity":1}',
            b"[" * 100000 + b"]" * 100000,
            b'{"sensor_id":"n","timestamp":"' + fmt(now).encode()
            + b'","temperature":1e400,"conductivity":1}',
            b'{"sensor_id":"n","timestamp":"' + fmt(now).encode()
            + b'","temperature":-1e999999999,"conductivity":1}',
            b'{"a":' * 5000 + b'1' + b'}' * 5000,
            b'"just a string"', b'null', b'', b'{"sensor_id":',
        ]
        for body in cases:
            self.assert_json_4xx(self.post_raw(body), 400)
        self.health_ok()

    def test_negative_zero_is_stored_as_zero(self):
        c = self.daemon.client()
        t = fmt(now_us() - 5 * SEC)
        reply = c.post('{"sensor_id":"z","timestamp":"%s","temperature":-0,'
                       '"conductivity":-0.0}' % t)
        self.assertEqual(reply.status, 201)
        self.assertEqual(reply.text.count('"temperature":0,'), 1)
        c.close()

    def test_huge_arrays_and_bodies(self):
        one = {"sensor_id": "h", "timestamp": fmt(now_us()),
               "temperature": 1, "conductivity": 1}
        big = json.dumps([one] * 5001).encode()
        self.assertLess(len(big), 1 << 20)
        self.assert_json_4xx(self.post_raw(big), 413)
        over = b" " * ((1 << 20) + 10) + b"{}"
        self.assert_json_4xx(self.post_raw(over), 413)
        far_over = b" " * (5 << 20)
        reply = self.post_raw(far_over)
        self.assertIsNone(status_of(reply))  # closed without reading it
        self.health_ok()

    def test_thousands_of_sensor_ids(self):
        c = self.daemon.client()
        t = now_us() - 60 * SEC
        for k in range(4):
            batch = [{"sensor_id": "many_%05d" % (k * 1000 + i),
                      "timestamp": fmt(t), "temperature": 20,
                      "conductivity": 1000} for i in range(1000)]
            self.assertEqual(c.post(batch).status, 201)
        sensors = c.get("/sensors").json["sensors"]
        self.assertGreaterEqual(
            len([s for s in sensors if s["sensor_id"].startswith("many_")]),
            4000)
        c.close()

    def test_pipelined_requests_are_answered_in_order(self):
        reqs = b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % p
                        for p in (b"/sensors/nope1", b"/health",
                                  b"/sensors/nope2", b"/nope"))
        reply = raw_exchange(self.port, reqs, timeout=2)
        codes = [int(part[:3]) for part in reply.split(b"HTTP/1.1 ")[1:]]
        self.assertEqual(codes, [404, 200, 404, 404])
        self.assertLess(reply.find(b"nope1"), reply.find(b"nope2"))

    def test_slow_clients_and_a_connection_flood(self):
        stop = threading.Event()
        socks = []
        # 1,000 connections: some idle, some dribbling a request slowly.
        for i in range(1000):
            s = socket.create_connection(("127.0.0.1", self.port))
            if i % 2:
                s.sendall(b"POST /measurements HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)

        def dribble():
            while not stop.is_set():
                for s in socks[1:200:2]:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass
                time.sleep(0.2)
        t = threading.Thread(target=dribble)
        t.start()
        try:
            slowest = max(self.health_ok() for _ in range(5))
            self.assertLess(slowest, 2.0)
            rss = rss_anon_kib(self.pid)
            print("RssAnon with 1000 open connections: %d KiB" % rss,
                  file=sys.stderr)
            self.assertLess(rss, 64 * 1024)
            time.sleep(3)  # past read_timeout: the server drops them
            closed = 0
            for s in socks[:50]:
                s.settimeout(1)
                try:
                    if s.recv(10) == b"":
                        closed += 1
                except (ConnectionResetError, socket.timeout):
                    closed += 1
            self.assertGreaterEqual(closed, 45)
        finally:
            stop.set()
            t.join()
            for s in socks:
                s.close()
        self.health_ok()


class OverloadTest(unittest.TestCase):

    def test_past_max_connections_new_ones_are_closed(self):
        d = Daemon(BINARY, "http: {max_connections: 20}\n").start()
        try:
            held = [socket.create_connection(("127.0.0.1", d.port))
                    for _ in range(20)]
            time.sleep(0.3)
            extra = socket.create_connection(("127.0.0.1", d.port),
                                             timeout=3)
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                self.assertEqual(extra.recv(100), b"")
            except ConnectionResetError:
                pass
            extra.close()
            for s in held:
                s.close()
            time.sleep(0.3)
            c = d.client()
            self.assertEqual(c.get("/health").status, 200)
            c.close()
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_past_max_in_flight_quick_503_with_retry_after(self):
        d = Daemon(BINARY, "http: {max_in_flight: 2}\n").start()
        try:
            statuses, lock = [], threading.Lock()

            def poster(k):
                c = d.client()
                t = now_us() - 7200 * SEC + k * 100 * SEC
                for i in range(30):
                    batch = [{"sensor_id": "o%d" % k,
                              "timestamp": fmt(t + i * 1000 + j),
                              "temperature": 1, "conductivity": 1}
                             for j in range(500)]
                    r = c.post(batch)
                    with lock:
                        statuses.append((r.status, r.headers, r.json))
                c.close()
            threads = [threading.Thread(target=poster, args=(k,))
                       for k in range(12)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
            refused = [x for x in statuses if x[0] == 503]
            self.assertTrue(refused, "no request was refused")
            for status, headers, body in refused:
                self.assertEqual(headers.get("Retry-After"), "1")
                self.assertEqual(body["error"]["code"], "overloaded")
            self.assertTrue(all(s in (201, 503) for s, _, _ in statuses))
            print("overload: %d of %d refused" % (len(refused),
                                                  len(statuses)),
                  file=sys.stderr)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
