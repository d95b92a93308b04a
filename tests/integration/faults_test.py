#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Storage faults as a client and an operator see them.

- A second aquad on the same data directory refuses to start, naming the
  first one's PID.
- A data directory aquad may not write: with no store, a clear start-up
  error; with a store, reads work and writes are 503 (read-only).
- The LMDB map grows on its own: 1 MiB to start, tens of MiB stored.
- A really full disk (a small tmpfs): writes become 503 storage_full,
  reads keep working, /health says writes are failing, and every
  acknowledged measurement is there.

Runs as root (CI does); the permission cases run aquad as `nobody`, the
full-disk case mounts a tmpfs. Cases that cannot run here are skipped.

Usage: faults_test.py PATH_TO_AQUAD
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, now_us  # noqa: E402

BINARY = None
SEC = 1_000_000


def batch(sensor, start, n):
    return [{"sensor_id": sensor, "timestamp": fmt(start + k * SEC // 10),
             "temperature": 20 + (k * 7 % 100) / 10.0,
             "conductivity": 1000 + (k * 13 % 2000) + (k % 7) / 10}
            for k in range(n)]


class FaultsTest(unittest.TestCase):

    def test_second_instance_refuses(self):
        first = Daemon(BINARY).start()
        try:
            second = Daemon(BINARY, data_dir=first.data_dir)
            run = subprocess.run([BINARY, "--config", second.config_path],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 1)
            self.assertIn("another aquad (pid %d)" % first.proc.pid,
                          run.stderr)
            second.cleanup()
            # Tools still share the directory with the serving daemon.
            v = subprocess.run([BINARY, "verify", "--config",
                                first.config_path], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(v.returncode, 0, v.stderr)
        finally:
            first.cleanup()

    def run_as_nobody(self, daemon):
        if os.geteuid() != 0 or not shutil.which("setpriv"):
            self.skipTest("needs root and setpriv")
        os.chmod(daemon.tmp.name, 0o755)
        os.chmod(daemon.config_path, 0o644)
        with open(os.path.join(daemon.tmp.name, "nobody.log"), "wb") as log:
            return subprocess.Popen(
                ["setpriv", "--reuid=nobody", "--regid=nogroup",
                 "--clear-groups", BINARY, "--config", daemon.config_path],
                stdout=log, stderr=log)

    def test_unwritable_empty_directory_is_a_clear_error(self):
        d = Daemon(BINARY)
        try:
            os.makedirs(d.data_dir, mode=0o755)
            proc = self.run_as_nobody(d)
            self.assertEqual(proc.wait(timeout=30), 1)
            with open(os.path.join(d.tmp.name, "nobody.log")) as f:
                text = f.read()
            self.assertIn("is not writable by uid 65534", text)
            self.assertIn(d.data_dir, text)
        finally:
            d.cleanup()

    def test_unwritable_store_serves_reads_and_refuses_writes(self):
        d = Daemon(BINARY).start()
        try:
            c = d.client()
            self.assertEqual(c.post(batch("s", now_us() - 600 * SEC, 50))
                             .status, 201)
            c.close()
            self.assertEqual(d.stop(), 0)
            for f in os.listdir(d.data_dir):
                os.chmod(os.path.join(d.data_dir, f), 0o644)
            os.chmod(d.data_dir, 0o755)
            proc = self.run_as_nobody(d)
            try:
                deadline = time.time() + 20
                while True:
                    try:
                        c = d.client()
                        if c.get("/health").status == 200:
                            break
                    except OSError:
                        self.assertLess(time.time(), deadline)
                        time.sleep(0.1)
                health = c.get("/health").json
                self.assertEqual(health["writes"], "read-only")
                self.assertEqual(c.get("/sensors/s").json["count"], 50)
                self.assertEqual(c.get("/sensors/s/stats?from=-1h").status,
                                 200)
                refused = c.post(batch("s", now_us() - 60 * SEC, 3))
                self.assertEqual(refused.status, 503)
                self.assertIn("read-only", refused.json["error"]["message"])
                c.close()
            finally:
                proc.terminate()
                self.assertEqual(proc.wait(timeout=30), 0)
        finally:
            d.cleanup()

    def test_map_grows_on_its_own(self):
        d = Daemon(BINARY, storage_options="map_size: 1MiB").start()
        try:
            c = d.client()
            start = now_us() - 3 * 86400 * SEC
            for i in range(40):
                reply = c.post(batch("g%d" % (i % 4), start + i * 1000 * SEC,
                                     5000))
                self.assertEqual(reply.status, 201, reply.text)
            self.assertEqual(sum(c.get("/sensors/g%d" % k).json["count"]
                                 for k in range(4)), 200000)
            c.close()
            self.assertEqual(d.stop(), 0)
            self.assertIn("map grown", d.log_text())
        finally:
            d.cleanup()

    def test_full_disk_refuses_writes_and_keeps_reads(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a tmpfs")
        disk = tempfile.mkdtemp(prefix="aquad-full-")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m",
                                  "tmpfs", disk]).returncode == 0
        if not mounted:
            os.rmdir(disk)
            self.skipTest("cannot mount a tmpfs here")
        d = Daemon(BINARY, data_dir=disk, storage_options="map_size: 64MiB")
        try:
            d.start()
            c = d.client()
            acked, refused = 0, None
            start = now_us() - 10 * 86400 * SEC
            for i in range(400):
                reply = c.post(batch("f", start + i * 600 * SEC, 2000))
                if reply.status == 201:
                    acked += 2000
                    continue
                refused = reply
                break
            self.assertIsNotNone(refused, "the disk never filled")
            self.assertEqual(refused.status, 503)
            self.assertEqual(refused.json["error"]["code"], "storage_full",
                             refused.text)
            # Later writes are refused the same way; nothing crashes.
            for k in range(3):
                again = c.post(batch("f", start + (500 + k) * 600 * SEC,
                                     2000))
                self.assertEqual(again.status, 503)
            self.assertEqual(c.get("/health").json["writes"], "failing")
            self.assertEqual(c.get("/sensors/f").json["count"], acked)
            self.assertEqual(c.get("/sensors/f/stats?from=-11d&resolution=1h")
                             .json["summary"]["count"], acked)
            c.close()
            self.assertEqual(d.stop(), 0)
        finally:
            if d.proc:
                d.stop()
            subprocess.run(["umount", disk])
            os.rmdir(disk)
            d.cleanup()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
