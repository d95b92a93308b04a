#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End to end: the real aquad binary over HTTP on 127.0.0.1.

Posts simulator-like traffic from several connections plus hours of
backfilled batches, then checks raw pages and every statistics bucket
against values computed here from the posted points; restarts with a
shorter minute tier to see buckets move to the 5-minute tier and stay
exact; stops with SIGTERM. Usage: daemon_test.py PATH_TO_AQUAD
"""

import json
import os
import random
import re
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, parse, now_us, metric  # noqa: E402
import oracle  # noqa: E402

BINARY = None
SEED = int(os.environ.get("AQUAD_TEST_SEED", "20261204"))
SENSORS = ["sensor_001", "sensor_002", "sensor_003"]
SEC = 1_000_000
MIN = 60 * SEC
FIVE = 5 * MIN
HOUR = 60 * MIN


def simulator_reading(rng, sensor, t):
    return {"sensor_id": sensor, "timestamp": fmt(t),
            "temperature": round(rng.uniform(20.0, 30.0), 1),
            "conductivity": rng.randint(1000, 3000)}


class DaemonTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.rng = random.Random(SEED)
        cls.daemon = Daemon(BINARY, "rollup: {interval: 1s}\n").start()
        cls.points = {s: [] for s in SENSORS}
        cls.now = now_us()
        cls.post_recent()
        cls.post_backfill()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()

    @classmethod
    def post_recent(cls):
        """Ten minutes at 2 Hz per sensor, one POST each, 4 connections."""
        readings = []
        start = cls.now - 10 * MIN
        for i in range(1200):
            for s in SENSORS:
                readings.append(simulator_reading(cls.rng, s,
                                                  start + i * SEC // 2))
        failures = []

        def worker(part):
            c = cls.daemon.client()
            for r in part:
                reply = c.post(r)
                if reply.status != 201:
                    failures.append((reply.status, reply.text))
            c.close()

        threads = [threading.Thread(target=worker, args=(readings[k::4],))
                   for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not failures, failures[:3]
        for r in readings:
            cls.points[r["sensor_id"]].append(
                (parse(r["timestamp"]), r["temperature"],
                 r["conductivity"]))

    @classmethod
    def post_backfill(cls):
        """Three hours from 6 h ago, shuffled, in batches of 5000, plus
        late points on both sides of the tier line."""
        readings = []
        start = cls.now - 6 * HOUR
        for i in range(3 * 3600 * 2):
            for s in SENSORS:
                readings.append(simulator_reading(cls.rng, s,
                                                  start + i * SEC // 2 + 7))
        tier_line = (cls.now - HOUR) // FIVE * FIVE
        for s in SENSORS:
            for dt in (-4 * MIN, -1, 0, 90 * SEC, 30 * MIN):
                readings.append(simulator_reading(cls.rng, s,
                                                  tier_line + dt + 3))
        cls.rng.shuffle(readings)
        c = cls.daemon.client()
        for k in range(0, len(readings), 5000):
            batch = readings[k:k + 5000]
            reply = c.post(batch)
            assert reply.status == 201, reply.text
            assert reply.json == {"accepted": len(batch), "duplicates": 0}
        c.close()
        for r in readings:
            cls.points[r["sensor_id"]].append(
                (parse(r["timestamp"]), r["temperature"],
                 r["conductivity"]))

    def check_stats(self, sensor, start, end, extra=""):
        c = self.daemon.client()
        reply = c.get("/sensors/%s/stats?from=%s&to=%s%s"
                      % (sensor, fmt(start), fmt(end), extra))
        c.close()
        self.assertEqual(reply.status, 200, reply.text)
        pts = self.points[sensor]
        for b in reply.json["buckets"]:
            want = oracle.stats(pts, parse(b["start"]), parse(b["end"]))
            oracle.compare(b, want, "%s %s" % (sensor, b["start"]))
        oracle.compare(reply.json["summary"],
                       oracle.stats(pts, start, end), sensor + " summary")
        counted = sum(b["count"] for b in reply.json["buckets"])
        self.assertEqual(counted, reply.json["summary"]["count"])
        return reply.json

    def check_all_stats(self, last_hour_resolution="1m"):
        end = now_us()
        for s in SENSORS:
            body = self.check_stats(s, end - HOUR, end)
            self.assertEqual(body["resolution"], last_hour_resolution)
            self.check_stats(s, end - 7 * HOUR, end, "&resolution=5m")
            self.check_stats(s, end - 7 * HOUR + 1234567, end,
                             "&resolution=15m")
            self.check_stats(s, end - 7 * HOUR, end, "&resolution=1h")
            self.check_stats(s, end - 2 * HOUR - 17, end - 50 * MIN + 3)
            self.check_stats(s, end - 3 * HOUR, end - 2 * HOUR,
                             "&resolution=raw")
            for _ in range(5):
                a = self.rng.randrange(end - 7 * HOUR, end)
                b = self.rng.randrange(a + 1, end + 1)
                self.check_stats(s, a, b)

    def test_1_raw_pages_hold_every_point_once(self):
        c = self.daemon.client()
        for s in SENSORS:
            seen = []
            target = "/sensors/%s/measurements?from=%s&to=%s&limit=10000" % (
                s, fmt(self.now - 7 * HOUR), fmt(self.now + MIN))
            while target:
                reply = c.get(target)
                self.assertEqual(reply.status, 200, reply.text)
                for m in reply.json["measurements"]:
                    seen.append((parse(m["timestamp"]), m["temperature"],
                                 m["conductivity"]))
                nxt = reply.json["next"]
                target = nxt and "/sensors/%s/measurements?cursor=%s" % (
                    s, nxt)
            self.assertEqual(seen, sorted(self.points[s]))
        c.close()

    def test_2_statistics_match_the_raw_points(self):
        self.check_all_stats()

    def test_3_sensors_and_errors(self):
        c = self.daemon.client()
        body = c.get("/sensors").json
        self.assertEqual([x["sensor_id"] for x in body["sensors"]], SENSORS)
        for x in body["sensors"]:
            self.assertEqual(x["count"], len(self.points[x["sensor_id"]]))
        one = c.get("/sensors/sensor_002").json
        latest = max(self.points["sensor_002"])
        self.assertEqual(parse(one["latest"]["timestamp"]), latest[0])
        for target, status in (("/nope", 404), ("/sensors/x/stats", 404),
                               ("/sensors/sensor_001/stats?from=now", 400)):
            reply = c.get(target)
            self.assertEqual(reply.status, status)
            self.assertIn("error", reply.json)
        reply = c.request("POST", "/measurements", "{}", "text/plain")
        self.assertEqual(reply.status, 415)
        self.assertEqual(c.post("[1").status, 400)
        c.close()

    def test_3b_metrics_parse_as_prometheus_text(self):
        c = self.daemon.client()
        reply = c.get("/metrics")
        c.close()
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.headers["Content-Type"].startswith(
            "text/plain; version=0.0.4"))
        families, samples = {}, []
        line_re = re.compile(
            r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|\+Inf)$')
        for line in reply.text.splitlines():
            if line.startswith("# HELP ") or line.startswith("# TYPE "):
                parts = line.split(" ", 3)
                families.setdefault(parts[2], {})[parts[1]] = parts[3]
                continue
            m = line_re.match(line)
            self.assertIsNotNone(m, "unparsable line: %r" % line)
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
        for name, labels, _ in samples:
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            family = families.get(name) or families.get(base)
            self.assertIsNotNone(family, "no HELP/TYPE for " + name)
            self.assertIn("TYPE", family)
            self.assertIn("HELP", family)
        # Histograms: cumulative buckets, +Inf equal to _count.
        for name, family in families.items():
            if family["TYPE"] != "histogram":
                continue
            series = {}
            for n, labels, v in samples:
                if n == name + "_bucket":
                    key = tuple(sorted((k, x) for k, x in labels.items()
                                       if k != "le"))
                    series.setdefault(key, []).append((labels["le"], v))
            for key, buckets in series.items():
                values = [v for _, v in buckets]
                self.assertEqual(values, sorted(values), name)
                self.assertEqual(buckets[-1][0], "+Inf")
                count = [v for n, labels, v in samples
                         if n == name + "_count" and tuple(sorted(
                             labels.items())) == key]
                self.assertEqual(count, [values[-1]], name)
        names = {n for n, _, _ in samples}
        for want in ("aquad_requests_total", "aquad_rejects_total",
                     "aquad_ingest_latency_seconds_bucket",
                     "aquad_commit_latency_seconds_bucket",
                     "aquad_commit_points_bucket",
                     "aquad_request_duration_seconds_bucket",
                     "aquad_rollup_runs_total", "aquad_rollup_lag_seconds",
                     "aquad_buckets", "aquad_minute_tier_oldest_age_seconds",
                     "aquad_backend_size_bytes",
                     "process_resident_memory_bytes"):
            self.assertIn(want, names)
        tiers = {l["tier"] for n, l, _ in samples if n == "aquad_buckets"}
        self.assertEqual(tiers, {"1m", "5m"})
        accepted = [v for n, _, v in samples
                    if n == "aquad_points_accepted_total"]
        self.assertEqual(accepted, [float(sum(
            len(p) for p in self.points.values()))])

    def test_4_buckets_move_to_the_5m_tier_on_restart(self):
        c = self.daemon.client()
        before = c.get("/metrics").text
        c.close()
        minute_before = metric(before, 'aquad_buckets{tier="1m"}')
        five_before = metric(before, 'aquad_buckets{tier="5m"}')
        self.assertGreater(minute_before, 0)
        self.assertGreater(five_before, 0)
        self.assertLessEqual(
            metric(before, "aquad_minute_tier_oldest_age_seconds"),
            HOUR / SEC + 5 * 60 + 5)

        self.assertEqual(self.daemon.stop(), 0)
        self.daemon.write_config(
            "rollup: {interval: 1s, minute_tier: 5m}\n")
        self.daemon.start()
        c = self.daemon.client()
        after = c.get("/metrics").text
        c.close()
        self.assertLess(metric(after, 'aquad_buckets{tier="1m"}'),
                        minute_before)
        self.assertGreater(metric(after, 'aquad_buckets{tier="5m"}'),
                           five_before)
        self.assertLessEqual(
            metric(after, "aquad_minute_tier_oldest_age_seconds"), 600 + 5)
        # The last hour now reaches past the 1-minute tier.
        self.check_all_stats("5m")

    def test_5_sigterm_exits_cleanly(self):
        self.assertEqual(self.daemon.stop(), 0)
        self.assertIn("stopped", self.daemon.log_text())


class JsonLogTest(unittest.TestCase):

    def test_json_lines_with_an_access_line_per_request(self):
        d = Daemon(BINARY, "log: {format: json, access: true}\n").start()
        try:
            c = d.client()
            self.assertEqual(c.get("/sensors").status, 200)
            c.close()
            self.assertEqual(d.stop(), 0)
            lines = [json.loads(x) for x in d.log_text().splitlines()]
            for line in lines:
                self.assertEqual(set(line), {"level", "component", "message"})
            messages = " ".join(x["message"] for x in lines)
            for want in ("version=", "listen=127.0.0.1:%d" % d.port,
                         "backend=lmdb", "stopped"):
                self.assertIn(want, messages)
            access = [x for x in lines if x["message"].startswith("access")]
            self.assertTrue(any("route=/sensors status=200" in x["message"]
                                for x in access), access)
        finally:
            d.cleanup()


class CheckConfigTest(unittest.TestCase):

    def test_bad_file_prints_file_line_key_and_exits_2(self):
        d = Daemon(BINARY, "rollup:\n  minute_tier: 3m\nbogus: 1\n")
        try:
            run = subprocess.run([BINARY, "--check-config", d.config_path],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 2)
            lines = run.stderr.strip().splitlines()
            self.assertIn("%s:4: rollup.minute_tier:" % d.config_path,
                          run.stderr)
            self.assertIn("%s:5: bogus: unknown section" % d.config_path,
                          run.stderr)
            self.assertEqual(len(lines), 2)
            start = subprocess.run([BINARY, "--config", d.config_path],
                                   capture_output=True, text=True,
                                   timeout=30)
            self.assertEqual(start.returncode, 2)
        finally:
            d.cleanup()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    print("seed", SEED)
    unittest.main(verbosity=2)
