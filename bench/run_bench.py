#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aquad against InfluxDB 1.6 and VictoriaMetrics on this machine.

One command: installs what it needs from Debian (wrk is not used; the load
comes from bench/loadgen.cpp, built here), starts each server on 127.0.0.1
with a scratch directory, loads the same 7 days of data into each, runs
every row of the table for all three, stops everything it started, and
prints the table with ratios. Each figure is the median of --runs runs.

    bench/run_bench.py [--runs 3] [--seconds 10] [--days 7] [--smoke]
                       [--only aquad] [--json FILE]

--smoke runs each step for one second on two hours of data, once.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEBIAN = ["influxdb", "victoria-metrics", "g++"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_packages(need_peers):
    missing = [p for p in (DEBIAN if need_peers else ["g++"])
               if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                                 capture_output=True, text=True)
               .stdout.find("install ok installed") < 0]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq"] + missing,
                       check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def build(work):
    loadgen = os.path.join(work, "loadgen")
    subprocess.run(["g++", "-O2", "-std=c++17", "-pthread", "-o", loadgen,
                    os.path.join(HERE, "loadgen.cpp")], check=True)
    aquad = os.path.join(ROOT, "build", "daemon", "aquad")
    if not os.path.exists(aquad):
        subprocess.run(["make", "-C", ROOT, "build"], check=True)
    return loadgen, aquad


def http(method, url, body=None, timeout=120):
    req = urllib.request.Request(url, data=body, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


def wait_up(url, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited early: %s" % url)
        try:
            http("GET", url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("server did not come up: %s" % url)


def rss_anon_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def disk_bytes(path):
    out = subprocess.run(["du", "-sb", path], capture_output=True, text=True)
    return int(out.stdout.split()[0])


class Server:
    """One server process on a free port with its own scratch directory."""

    name = ""
    write_path = ""
    fmt = ""

    def __init__(self, work):
        self.dir = os.path.join(work, self.name)
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc = None

    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def settle(self):
        """Whatever makes written data count on disk and visible."""


class Aquad(Server):
    name = "aquad"
    write_path = "/measurements"
    fmt = "json"

    def start(self, binary):
        cfg = os.path.join(self.dir, "aquad.yaml")
        with open(cfg, "w") as f:
            f.write("listen: {address: 127.0.0.1, port: %d}\n" % self.port)
            f.write("storage: {path: %s, sync: full}\n"
                    % os.path.join(self.dir, "data"))
            f.write("log: {level: warning}\n")
        self.proc = subprocess.Popen([binary, "--config", cfg],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_up(self.base() + "/health", self.proc)

    def data_dir(self):
        return os.path.join(self.dir, "data")

    def queries(self):
        return {
            "stats_7d_5m": "/sensors/s1/stats?from=-7d&resolution=5m",
            "stats_1h_1m": "/sensors/s1/stats?from=-1h&resolution=1m",
            "raw_10m": "/sensors/s1/measurements?from=-10m&limit=10000",
        }


class Influx(Server):
    name = "influxdb"
    write_path = "/write?db=bench&precision=u"
    fmt = "line"

    def start(self, _binary):
        cfg = os.path.join(self.dir, "influxdb.conf")
        rpc = free_port()
        with open(cfg, "w") as f:
            f.write('reporting-disabled = true\n')
            f.write('bind-address = "127.0.0.1:%d"\n' % rpc)
            f.write('[meta]\n  dir = "%s/meta"\n' % self.dir)
            f.write('[data]\n  dir = "%s/data"\n  wal-dir = "%s/wal"\n'
                    '  query-log-enabled = false\n' % (self.dir, self.dir))
            f.write('[http]\n  bind-address = "127.0.0.1:%d"\n'
                    '  log-enabled = false\n' % self.port)
            f.write('[monitor]\n  store-enabled = false\n')
            f.write('[continuous_queries]\n  enabled = false\n')
        self.proc = subprocess.Popen(["influxd", "-config", cfg],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_up(self.base() + "/ping", self.proc)
        http("POST", self.base() + "/query?q="
             + urllib.parse.quote("CREATE DATABASE bench"))

    def data_dir(self):
        return self.dir

    def queries(self):
        fields = ("count(temperature),mean(temperature),min(temperature),"
                  "max(temperature),stddev(temperature),mean(conductivity),"
                  "min(conductivity),max(conductivity),stddev(conductivity)")

        def q(text):
            return "/query?db=bench&epoch=u&q=" + urllib.parse.quote(text)
        return {
            "stats_7d_5m": q("SELECT %s FROM water WHERE sensor='s1' AND "
                             "time >= now() - 7d GROUP BY time(5m)" % fields),
            "stats_1h_1m": q("SELECT %s FROM water WHERE sensor='s1' AND "
                             "time >= now() - 1h GROUP BY time(1m)" % fields),
            "raw_10m": q("SELECT temperature,conductivity FROM water WHERE "
                         "sensor='s1' AND time >= now() - 10m"),
        }


class Victoria(Server):
    name = "victoria-metrics"
    write_path = "/write?precision=u"
    fmt = "line"

    def start(self, _binary):
        self.proc = subprocess.Popen(
            ["victoria-metrics",
             "-storageDataPath=%s" % os.path.join(self.dir, "data"),
             "-httpListenAddr=127.0.0.1:%d" % self.port,
             "-retentionPeriod=1y", "-search.latencyOffset=0s",
             "-loggerLevel=ERROR"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(self.base() + "/health", self.proc)

    def data_dir(self):
        return os.path.join(self.dir, "data")

    def settle(self):
        http("GET", self.base() + "/internal/force_flush")
        time.sleep(2)

    def queries(self):
        now = int(time.time())
        sel = 'water_temperature{sensor="s1"}'
        stats = ("union(count_over_time(%s[{w}]),avg_over_time(%s[{w}]),"
                 "min_over_time(%s[{w}]),max_over_time(%s[{w}]),"
                 "stddev_over_time(%s[{w}]))" % ((sel,) * 5))

        def rng(expr, span, step):
            return ("/api/v1/query_range?nocache=1&query="
                    + urllib.parse.quote(expr.replace("{w}", step))
                    + "&start=%d&end=%d&step=%s" % (now - span, now, step))
        return {
            "stats_7d_5m": rng(stats, 7 * 86400, "5m"),
            "stats_1h_1m": rng(stats, 3600, "1m"),
            "raw_10m": "/api/v1/export?match[]=" + urllib.parse.quote(sel)
                       + "&start=%d&end=%d" % (now - 600, now),
        }


def loadgen(binary, server, mode, args):
    cmd = [binary, "--port", str(server.port), "--mode", mode] + args
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def run_rows(lg, server, opt, run):
    """Every row for one server; returns {row: value}."""
    fmt = server.fmt
    prefix = "r%d" % run
    rows = {}
    # RSS is sampled in the middle of the 64-connection run.
    box = {}

    def sample():
        time.sleep(opt.seconds / 2)
        box["rss"] = rss_anon_kib(server.proc.pid)
    import threading
    t = threading.Thread(target=sample)
    t.start()
    r = loadgen(lg, server, fmt + "-single",
                ["--path", server.write_path, "--connections", "64",
                 "--threads", "2", "--seconds", str(opt.seconds),
                 "--prefix", prefix + "m"])
    t.join()
    rows["single_64"] = r["requests_per_s"] if r["errors"] == 0 else 0
    rows["rss_mib"] = box["rss"] / 1024
    r = loadgen(lg, server, fmt + "-single",
                ["--path", server.write_path, "--connections", "1",
                 "--threads", "1", "--seconds", str(opt.seconds),
                 "--prefix", prefix + "o"])
    rows["single_1_p50_ms"] = r["p50_us"] / 1000
    r = loadgen(lg, server, fmt + "-batch",
                ["--path", server.write_path, "--connections", "8",
                 "--threads", "2", "--seconds", str(opt.seconds),
                 "--batch", "1000", "--prefix", prefix + "b"])
    rows["batch_8"] = r["points_per_s"] if r["errors"] == 0 else 0
    for name, path in server.queries().items():
        # Once by hand: the answer must be a success that holds data, not
        # an error with a 200 status (InfluxDB answers errors so).
        status, body = http("GET", server.base() + path)
        if status != 200 or b'"error"' in body[:2000] or len(body) < 1000:
            raise RuntimeError("%s %s answered %d: %r"
                               % (server.name, name, status, body[:300]))
        r = loadgen(lg, server, "get",
                    ["--path", path, "--connections", "1", "--threads", "1",
                     "--seconds", str(max(1.0, opt.seconds / 2))])
        rows[name + "_ms"] = r["p50_us"] / 1000 if r["errors"] == 0 else None
    return rows


ROWS = [
    ("single_64", "one point per request, 64 connections (req/s)", ">=",
     40000),
    ("single_1_p50_ms", "same, 1 connection, p50 latency (ms)", "<=", 0.4),
    ("batch_8", "1000-point batches, 8 connections (points/s)", ">=",
     1.5e6),
    ("stats_7d_5m_ms", "stats, 5m buckets over 7 days, one sensor (ms)",
     "<=", 2),
    ("stats_1h_1m_ms", "stats, 1m buckets over the last hour (ms)", "<=",
     0.5),
    ("raw_10m_ms", "raw, 10 minutes (1200 points) (ms)", "<=", 1),
    ("disk_b_per_point", "disk per raw point, 7 days x 3 sensors x 2 Hz (B)",
     "<=", 12),
    ("rss_mib", "anonymous RSS under the 64-connection load (MiB)", "<=",
     32),
]


def fmt_value(v):
    if v is None:
        return "n/a"
    if v >= 100000:
        return "%.2fM" % (v / 1e6) if v >= 1e6 else "%.1fk" % (v / 1e3)
    if v >= 100:
        return "%.0f" % v
    return "%.3g" % v


def print_table(results, names):
    head = ["test"] + names + ["aquad/" + n for n in names if n != "aquad"] \
        + ["target", "met"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for key, label, op, target in ROWS:
        vals = [results.get(n, {}).get(key) for n in names]
        a = results.get("aquad", {}).get(key)
        ratios = []
        for n in names:
            if n == "aquad":
                continue
            p = results.get(n, {}).get(key)
            ratios.append("%.3g" % (a / p) if a and p else "n/a")
        met = "n/a" if a is None else (
            "yes" if (a >= target if op == ">=" else a <= target) else "NO")
        lines.append("| " + " | ".join(
            [label] + [fmt_value(v) for v in vals] + ratios
            + ["%s %s" % (op, fmt_value(target)), met]) + " |")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--days", type=float, default=7)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--only", action="append")
    ap.add_argument("--json")
    opt = ap.parse_args()
    if opt.smoke:
        opt.runs, opt.seconds, opt.days = 1, 1, 2 / 24
    kinds = [Aquad, Influx, Victoria]
    if opt.only:
        kinds = [k for k in kinds if k.name in opt.only]
    ensure_packages(any(k is not Aquad for k in kinds))
    work = tempfile.mkdtemp(prefix="aquad-bench-")
    servers = []
    try:
        lg, aquad = build(work)
        results = {}
        for kind in kinds:
            s = kind(work)
            servers.append(s)
            s.start(aquad)
            print("loading %s ..." % s.name, file=sys.stderr)
            load = loadgen(lg, s, s.fmt + "-load",
                           ["--path", s.write_path, "--days", str(opt.days),
                            "--batch", "5000", "--connections", "4"])
            s.settle()
            res = {"disk_b_per_point": disk_bytes(s.data_dir())
                   / load["points"], "load_points_per_s":
                   load["points_per_s"]}
            runs = []
            for run in range(opt.runs):
                print("  run %d of %s" % (run + 1, s.name), file=sys.stderr)
                runs.append(run_rows(lg, s, opt, run))
            for key in runs[0]:
                vals = [r[key] for r in runs if r[key] is not None]
                res[key] = statistics.median(vals) if vals else None
            results[s.name] = res
            s.stop()
        print_table(results, [k.name for k in kinds])
        if opt.json:
            with open(opt.json, "w") as f:
                json.dump(results, f, indent=2)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
