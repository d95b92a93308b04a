#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The install layout, the systemd unit, the .deb and readiness notices.

- `cmake --install` into a staging root puts the binary, unit, sysusers
  snippet, configuration and docs where the README says; the staged
  binary runs and accepts the staged configuration.
- The unit passes `systemd-analyze verify` (when systemd-analyze exists).
- `cpack -G DEB` builds a package with those files, /etc/aquad/aquad.yaml
  as a conffile, and maintainer scripts that create the user but enable
  and start nothing.
- Started with NOTIFY_SOCKET, aquad sends READY=1 once it serves HTTP and
  STOPPING=1 on SIGTERM (what Type=notify relies on).

Usage: packaging_test.py BUILD_DIR
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from aquad_client import Daemon  # noqa: E402

BUILD = None
LAYOUT = ["usr/bin/aquad",
          "usr/lib/systemd/system/aquad.service",
          "usr/lib/sysusers.d/aquad.conf",
          "etc/aquad/aquad.yaml",
          "usr/share/doc/aquad/README.md",
          "usr/share/doc/aquad/configuration.md",
          "usr/share/doc/aquad/openapi.yaml",
          "usr/share/doc/aquad/copyright"]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          **kw)


class PackagingTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="aquad-pkg-")
        cls.stage = os.path.join(cls.tmp, "stage")
        r = run(["cmake", "--install", BUILD],
                env=dict(os.environ, DESTDIR=cls.stage))
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_install_layout(self):
        for path in LAYOUT:
            self.assertTrue(os.path.isfile(os.path.join(self.stage, path)),
                            path)
        binary = os.path.join(self.stage, "usr/bin/aquad")
        self.assertEqual(run([binary, "--version"]).returncode, 0)
        conf = os.path.join(self.stage, "etc/aquad/aquad.yaml")
        self.assertEqual(os.stat(conf).st_mode & 0o777, 0o640)
        r = run([binary, "--check-config", conf])
        self.assertEqual(r.returncode, 0, r.stderr)
        printed = run([binary, "--print-config", "--config", conf]).stdout
        self.assertIn("path: /var/lib/aquad", printed)

    def test_unit_verifies(self):
        unit = os.path.join(self.stage, "usr/lib/systemd/system/aquad.service")
        text = open(unit).read()
        for want in ("Type=notify", "User=aquad", "StateDirectory=aquad",
                     "ConfigurationDirectory=aquad", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "MemoryDenyWriteExecute=yes",
                     "SystemCallFilter=@system-service",
                     "Restart=on-failure",
                     "ExecStart=/usr/bin/aquad --config /etc/aquad/aquad.yaml"):
            self.assertIn(want, text)
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze not installed")
        # verify checks that ExecStart exists: point it at the staged one.
        local = os.path.join(self.tmp, "aquad.service")
        with open(local, "w") as f:
            f.write(text.replace("ExecStart=/usr/bin/aquad",
                                 "ExecStart=%s/usr/bin/aquad" % self.stage))
        r = run(["systemd-analyze", "verify", local])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("aquad.service:", r.stderr)

    def test_deb_package(self):
        out = os.path.join(self.tmp, "deb")
        r = run(["cpack", "-G", "DEB", "-B", out, "--config",
                 os.path.join(BUILD, "CPackConfig.cmake")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        self.assertEqual(len(debs), 1)
        deb = os.path.join(out, debs[0])
        listing = run(["dpkg-deb", "-c", deb]).stdout
        for path in LAYOUT:
            self.assertIn("./" + path, listing)
        control = os.path.join(self.tmp, "control")
        run(["dpkg-deb", "-e", deb, control])
        self.assertEqual(open(os.path.join(control, "conffiles")).read()
                         .split(), ["/etc/aquad/aquad.yaml"])
        postinst = open(os.path.join(control, "postinst")).read()
        self.assertIn("sysusers", postinst)
        self.assertIn("chmod 0640 /etc/aquad/aquad.yaml", postinst)
        prerm = open(os.path.join(control, "prerm")).read()
        self.assertIn("systemctl stop aquad.service", prerm)
        for surprise in ("systemctl enable", "systemctl start",
                         "systemctl restart", "deb-systemd-invoke"):
            self.assertNotIn(surprise, postinst)

    def test_notify_ready_and_stopping(self):
        sock_path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(30)
        os.environ["NOTIFY_SOCKET"] = sock_path
        daemon = Daemon(os.path.join(BUILD, "daemon", "aquad"))
        try:
            daemon.start()
            message = sock.recv(4096).decode()
            self.assertIn("READY=1", message)
            c = daemon.client()
            self.assertEqual(c.get("/health").status, 200)
            c.close()
            daemon.proc.send_signal(signal.SIGTERM)
            self.assertIn("STOPPING=1", sock.recv(4096).decode())
            self.assertEqual(daemon.proc.wait(timeout=30), 0)
            daemon.proc = None
            daemon.log.close()
        finally:
            del os.environ["NOTIFY_SOCKET"]
            sock.close()
            daemon.cleanup()


if __name__ == "__main__":
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
