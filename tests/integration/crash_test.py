#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Crash safety: SIGKILL the daemon under concurrent load, restart it on
the same directory, and check that every acknowledged measurement is
there, that nothing unsent appeared, that statistics equal the raw data,
and that `aquad verify` finds the store clean. Several seeds.

Usage: crash_test.py PATH_TO_AQUAD [SEED ...]
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, parse, now_us  # noqa: E402
import oracle  # noqa: E402

SEC = 1_000_000
MIN = 60 * SEC
SENSORS = ["s1", "s2", "s3"]


def load(daemon, rng, stop, acked, attempted, lock):
    """One client: singles and small batches, recent and backfilled."""
    c = daemon.client()
    base = now_us()
    while not stop.is_set():
        n = rng.choice([1, 1, 1, 5, 50])
        batch = []
        for _ in range(n):
            if rng.random() < 0.2:
                t = base - rng.randrange(0, 3 * 3600) * SEC  # backfill
            else:
                t = base - rng.randrange(0, 20 * MIN)
            batch.append({"sensor_id": rng.choice(SENSORS),
                          "timestamp": fmt(t),
                          "temperature": rng.randrange(200, 300) / 10,
                          "conductivity": rng.randrange(1000, 3000)})
        with lock:
            for m in batch:
                attempted.setdefault((m["sensor_id"], m["timestamp"]), m)
        try:
            reply = c.post(batch[0] if n == 1 else batch)
        except OSError:
            return
        if reply.status == 201:
            with lock:
                acked.extend(batch)
        elif reply.status != 409:
            raise AssertionError("unexpected %d: %s" % (reply.status,
                                                      reply.text))


def stored_points(daemon, sensor):
    c = daemon.client()
    out = {}
    target = "/sensors/%s/measurements?from=%s&to=%s&limit=10000" % (
        sensor, fmt(now_us() - 4 * 3600 * SEC), fmt(now_us() + MIN))
    while target:
        reply = c.get(target)
        if reply.status == 404:
            break
        assert reply.status == 200, reply.text
        for m in reply.json["measurements"]:
            out[m["timestamp"]] = (m["temperature"], m["conductivity"])
        nxt = reply.json["next"]
        target = nxt and "/sensors/%s/measurements?cursor=%s" % (sensor, nxt)
    c.close()
    return out


def run(binary, seed):
    rng = random.Random(seed)
    daemon = Daemon(binary, "rollup: {interval: 1s, minute_tier: 5m}\n")
    try:
        daemon.start()
        acked, attempted, lock = [], {}, threading.Lock()
        stop = threading.Event()
        threads = [threading.Thread(
            target=load,
            args=(daemon, random.Random(seed * 10 + k), stop, acked,
                  attempted, lock)) for k in range(4)]
        for t in threads:
            t.start()
        kill_after = rng.uniform(0.5, 3.0)
        time.sleep(kill_after)
        daemon.proc.send_signal(signal.SIGKILL)
        daemon.proc.wait(timeout=20)
        daemon.proc = None
        daemon.log.close()
        stop.set()
        for t in threads:
            t.join(timeout=30)

        daemon.start()
        total = 0
        for s in SENSORS:
            stored = stored_points(daemon, s)
            for m in acked:
                if m["sensor_id"] != s:
                    continue
                ts = m["timestamp"]
                assert ts in stored, "acknowledged point lost: %r" % m
                assert stored[ts] == (m["temperature"], m["conductivity"]), \
                    "acknowledged point changed: %r %r" % (m, stored[ts])
            for ts, values in stored.items():
                assert (s, ts) in attempted, "point never sent: %s %s" % (
                    s, ts)
            total += len(stored)
            pts = [(parse(ts), v[0], v[1]) for ts, v in stored.items()]
            c = daemon.client()
            lo, hi = now_us() - 4 * 3600 * SEC, now_us() + MIN
            reply = c.get("/sensors/%s/stats?from=%s&to=%s" % (
                s, fmt(lo), fmt(hi)))
            c.close()
            if reply.status == 200:
                oracle.compare(reply.json["summary"],
                               oracle.stats(pts, lo, hi), s + " summary")
        assert daemon.stop() == 0
        check = subprocess.run([binary, "verify", "--config",
                                daemon.config_path],
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        print("seed %d: killed after %.2fs, %d acknowledged, %d stored, "
              "verify: %s" % (seed, kill_after, len(acked), total,
                              check.stdout.strip()))
    finally:
        daemon.cleanup()


if __name__ == "__main__":
    binary = os.path.abspath(sys.argv[1])
    seeds = [int(s) for s in sys.argv[2:]] or [1, 2, 3]
    for seed in seeds:
        run(binary, seed)
    print("crash test passed for seeds", seeds)
