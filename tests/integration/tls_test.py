#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HTTPS with listen.tls_cert and tls_key, and bearer tokens over it.

Makes a self-signed certificate for 127.0.0.1 with openssl, starts aquad
with it, and checks that a client trusting that certificate can post and
query, that plain HTTP on the same port gets nowhere, and that TLS 1.1 is
refused.

Usage: tls_test.py PATH_TO_AQUAD
"""

import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, now_us  # noqa: E402

BINARY = None
TOKEN = "tls-test-token-0123456789"


class TlsTest(unittest.TestCase):

    def test_https_with_a_token(self):
        if not shutil.which("openssl"):
            self.skipTest("openssl not installed")
        tmp = __import__("tempfile").mkdtemp(prefix="aquad-tls-")
        cert = os.path.join(tmp, "cert.pem")
        key = os.path.join(tmp, "key.pem")
        r = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
             "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = Daemon(BINARY, "auth: {tokens: [{token: %s, scope: both}]}\n"
                   % TOKEN, listen_options="tls_cert: %s, tls_key: %s"
                   % (cert, key))
        try:
            d.spawn()
            ctx = ssl.create_default_context(cafile=cert)
            conn = None
            for _ in range(100):
                try:
                    conn = http.client.HTTPSConnection(
                        "127.0.0.1", d.port, context=ctx, timeout=5)
                    conn.request("GET", "/health")
                    break
                except OSError:
                    conn = None
                    import time
                    time.sleep(0.1)
            self.assertIsNotNone(conn, d.log_text())
            self.assertEqual(conn.getresponse().read()[:15],
                             b'{"status":"ok",')
            headers = {"Content-Type": "application/json",
                       "Authorization": "Bearer " + TOKEN}
            body = json.dumps({"sensor_id": "tls", "timestamp":
                               fmt(now_us() - 1000), "temperature": 20,
                               "conductivity": 1})
            conn.request("POST", "/measurements", body, headers)
            resp = conn.getresponse()
            resp.read()
            self.assertEqual(resp.status, 201)
            conn.request("GET", "/sensors/tls", headers=headers)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(json.loads(resp.read())["count"], 1)
            conn.close()

            # Plain HTTP on the TLS port: no HTTP answer comes back.
            s = socket.create_connection(("127.0.0.1", d.port), timeout=3)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                self.assertFalse(s.recv(100).startswith(b"HTTP/1.1 200"))
            except (ConnectionResetError, socket.timeout):
                pass
            s.close()

            # Failed handshakes (plain HTTP above, bare connects, untrusted
            # clients) must not lock trusted clients out: each frees its
            # connection slot.
            for _ in range(30):
                socket.create_connection(("127.0.0.1", d.port)).close()
            for _ in range(5):
                bad = http.client.HTTPSConnection(
                    "127.0.0.1", d.port, timeout=5,
                    context=ssl.create_default_context())
                with self.assertRaises((ssl.SSLError, OSError)):
                    bad.request("GET", "/health")
                bad.close()
            for _ in range(20):
                ok = http.client.HTTPSConnection("127.0.0.1", d.port,
                                                 context=ctx, timeout=5)
                ok.request("GET", "/health")
                self.assertEqual(ok.getresponse().status, 200)
                ok.close()

            old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            old.load_verify_locations(cert)
            try:
                old.minimum_version = ssl.TLSVersion.TLSv1_1
                old.maximum_version = ssl.TLSVersion.TLSv1_1
            except (ValueError, AttributeError):
                old = None
            if old is not None:
                weak = http.client.HTTPSConnection("127.0.0.1", d.port,
                                                   context=old, timeout=5)
                with self.assertRaises((ssl.SSLError, OSError)):
                    weak.request("GET", "/health")
                    weak.getresponse()
                weak.close()
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
