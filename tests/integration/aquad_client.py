# SPDX-License-Identifier: MIT
"""A small HTTP client and daemon runner for aquad's integration tests.

Standard library only, so the tests run on a bare Debian 12 Python.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import http.client
from datetime import datetime, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def fmt(us):
    """Microseconds since the epoch as aquad writes them."""
    secs, frac = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + \
        ".%06dZ" % frac


def parse(text):
    """aquad's output timestamps back to microseconds."""
    dt = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    dt = dt.replace(tzinfo=timezone.utc)
    delta = dt - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + \
        delta.microseconds


def now_us():
    return time.time_ns() // 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")
        ctype = headers.get("Content-Type", "")
        self.json = json.loads(self.text) if "json" in ctype else None


class Client:
    """One keep-alive connection to the daemon."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port,
                                               timeout=timeout)

    def request(self, method, target, body=None, ctype="application/json"):
        headers = {}
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            headers["Content-Type"] = ctype
        try:
            self.conn.request(method, target, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        return Reply(resp.status, dict(resp.getheaders()), resp.read())

    def post(self, body):
        return self.request("POST", "/measurements", body)

    def get(self, target):
        return self.request("GET", target)

    def close(self):
        self.conn.close()


class Daemon:
    """The aquad binary on a free port with a scratch data directory."""

    def __init__(self, binary, extra_config="", data_dir=None,
                 storage_options="", listen_options=""):
        self.binary = binary
        self.storage_options = storage_options
        self.listen_options = listen_options
        self.tmp = tempfile.TemporaryDirectory(prefix="aquad-it-")
        self.data_dir = data_dir or os.path.join(self.tmp.name, "data")
        self.port = free_port()
        self.config_path = os.path.join(self.tmp.name, "aquad.yaml")
        self.write_config(extra_config)
        self.proc = None

    def write_config(self, extra):
        with open(self.config_path, "w") as f:
            f.write("listen: {address: 127.0.0.1, port: %d%s}\n" % (
                self.port, ", " + self.listen_options
                if self.listen_options else ""))
            f.write("storage: {path: %s%s}\n" % (
                self.data_dir, ", " + self.storage_options
                if self.storage_options else ""))
            f.write(extra)

    def spawn(self):
        """Starts the process without waiting for it to serve."""
        self.log = open(os.path.join(self.tmp.name, "aquad.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--config", self.config_path],
            stdout=self.log, stderr=self.log)

    def start(self, timeout=20):
        self.spawn()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("aquad exited early: " + self.log_text())
            try:
                c = Client(self.port, timeout=2)
                if c.get("/health").status == 200:
                    c.close()
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("aquad did not answer /health in time")

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stops the daemon it started; returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self.log.close()
        if code != 0:
            # The log says why (a sanitizer report, say); show its end.
            sys.stderr.write("aquad exited %s; log tail:\n%s\n" % (
                code, self.log_text()[-6000:]))
        return code

    def log_text(self):
        with open(os.path.join(self.tmp.name, "aquad.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def client(self):
        return Client(self.port)

    def cleanup(self):
        if self.proc is not None:
            self.stop(signal.SIGKILL)
        self.tmp.cleanup()


def metric(text, name):
    """The value of one sample line of Prometheus text, or None."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None
