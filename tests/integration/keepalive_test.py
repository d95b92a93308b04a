#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Large bodies on keep-alive connections, several at once.

RESTinio 0.6.16 on a multi-thread pool was seen to break about one
request in 6,000 of this shape: the connection's next request failed to
parse (HPE_INVALID_METHOD) and the connection closed. aquad runs its
server on one I/O thread; this test fails if the hazard comes back: every
request of 8 connections posting 8-80 KB bodies must get its 201 with the
right count, and no connection may be closed under it.

Usage: keepalive_test.py PATH_TO_AQUAD [REQUESTS]
"""

import json
import os
import random
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, now_us  # noqa: E402

SEC = 1_000_000


def main():
    binary = os.path.abspath(sys.argv[1])
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
    daemon = Daemon(binary, "storage: {sync: none}\n").start()
    failures = []
    lock = threading.Lock()
    start = now_us() - 6 * 24 * 3600 * SEC

    def worker(k):
        rng = random.Random(k)
        c = daemon.client()
        t = start + k * SEC // 100
        for _ in range(total // 8):
            n = rng.randint(80, 800)  # 8-80 KB of JSON
            batch = []
            for _ in range(n):
                t += 8 * SEC // 100
                batch.append({"sensor_id": "ka%d" % k, "timestamp": fmt(t),
                              "temperature": rng.randint(200, 300) / 10,
                              "conductivity": rng.randint(1000, 3000)})
            body = json.dumps(batch)
            try:
                reply = c.post(body)
                ok = reply.status == 201 and reply.json["accepted"] == n
                if not ok:
                    with lock:
                        failures.append("%d: %s" % (reply.status,
                                                    reply.text[:200]))
            except Exception as e:  # a closed connection is the failure
                with lock:
                    failures.append("connection %d: %r" % (k, e))
                c.close()
                c = daemon.client()
        c.close()

    try:
        threads = [threading.Thread(target=worker, args=(k,))
                   for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not failures, "%d broken of %d: %s" % (
            len(failures), total, failures[:5])
        assert daemon.stop() == 0
        print("keep-alive: %d requests of 8-80 KB on 8 connections, "
              "none broken" % total)
    finally:
        daemon.cleanup()


if __name__ == "__main__":
    main()
