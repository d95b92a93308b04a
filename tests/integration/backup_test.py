#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`aquad backup` of a running store under load, then a daemon on the copy.

Every measurement acknowledged before the backup began must be in the
copy, the copy must verify clean, and a second daemon must serve it.

Usage: backup_test.py PATH_TO_AQUAD
"""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, now_us  # noqa: E402

SEC = 1_000_000


def main():
    binary = os.path.abspath(sys.argv[1])
    live = Daemon(binary).start()
    copy = None
    try:
        acked = []
        stop = threading.Event()

        def load():
            c = live.client()
            t = now_us() - 3 * 3600 * SEC
            while not stop.is_set():
                batch = [{"sensor_id": "b%d" % (k % 3), "timestamp": fmt(t + k),
                          "temperature": 20 + k % 10,
                          "conductivity": 1000 + k} for k in range(200)]
                t += 200
                if c.post(batch).status == 201:
                    acked.append((time.monotonic(), batch))
            c.close()

        worker = threading.Thread(target=load)
        worker.start()
        time.sleep(1.0)
        dest = os.path.join(live.tmp.name, "copy")
        began = time.monotonic()
        run = subprocess.run([binary, "backup", "--config", live.config_path,
                              dest], capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        time.sleep(0.5)
        stop.set()
        worker.join(timeout=60)
        before = [b for when, b in acked if when < began]
        assert before, "no load before the backup"

        copy = Daemon(binary, data_dir=dest).start()
        c = copy.client()
        stored = {}
        for s in ("b0", "b1", "b2"):
            reply = c.get("/sensors/%s" % s)
            assert reply.status == 200, reply.text
            stored[s] = reply.json["count"]
        c.close()
        need = {}
        for batch in before:
            for m in batch:
                need[m["sensor_id"]] = need.get(m["sensor_id"], 0) + 1
        for s, n in need.items():
            assert stored[s] >= n, "copy lost points of %s: %d < %d" % (
                s, stored[s], n)
        assert copy.stop() == 0
        check = subprocess.run([binary, "verify", "--config",
                                copy.config_path], capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        again = subprocess.run([binary, "backup", "--config",
                                live.config_path, dest],
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == 2, "overwrote an existing copy"
        mode = os.stat(os.path.join(dest, "data.mdb")).st_mode & 0o777
        assert mode == 0o640, "copy is mode %o" % mode
        # Tools on a path without a store fail; they do not make one.
        empty = Daemon(binary, data_dir=os.path.join(live.tmp.name, "none"))
        for tool in (["verify"], ["backup"]):
            args = [binary] + tool + ["--config", empty.config_path]
            if tool == ["backup"]:
                args.append(os.path.join(live.tmp.name, "nothing"))
            r = subprocess.run(args, capture_output=True, text=True,
                               timeout=60)
            assert r.returncode == 3, (tool, r.returncode, r.stderr)
            assert "no store" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(live.tmp.name, "none"))
        empty.cleanup()
        print("backup under load: %d batches acknowledged before it, copy "
              "holds %s, %s" % (len(before), stored, check.stdout.strip()))
    finally:
        live.cleanup()
        if copy:
            copy.cleanup()


if __name__ == "__main__":
    main()
