#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Large bodies on keep-alive connections, several at once.

RESTinio 0.6.16 breaks keep-alive connections when a response is
completed inside the request handler: it then starts reading the next
request twice (when the handler returns, and when the write completes),
and the second start can reset the parser over a request already
arriving; that request fails with HPE_INVALID_METHOD and the connection
closes. A thread pool widens the window (seen: 2 requests in 100,000 on a
bare 2-thread server). aquad hands every answer to its I/O loop instead.

Here 8 connections post 40 KB batches as fast as they can for SECONDS,
every third one refused (422, answered right away) and the others stored
(201): every answer must be the expected one and no connection may close.

Usage: keepalive_test.py PATH_TO_AQUAD PATH_TO_LOADGEN [SECONDS]
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon  # noqa: E402


def main():
    binary, loadgen = map(os.path.abspath, sys.argv[1:3])
    seconds = sys.argv[3] if len(sys.argv) > 3 else "10"
    daemon = Daemon(binary, storage_options="sync: none").start()
    try:
        run = subprocess.run(
            [loadgen, "--port", str(daemon.port), "--mode", "json-batch",
             "--batch", "400", "--connections", "8", "--seconds", seconds,
             "--refuse-every", "3"],
            capture_output=True, text=True, timeout=300, check=True)
        result = json.loads(run.stdout)
        print("keep-alive:", run.stdout.strip())
        assert result["errors"] == 0, "%d answers wrong or connections " \
            "closed" % result["errors"]
        assert result["requests"] > 1000, "too few requests to tell"
        assert daemon.stop() == 0
    finally:
        daemon.cleanup()


if __name__ == "__main__":
    main()
