# SPDX-License-Identifier: MIT
"""Statistics computed from raw points, the slow obvious way."""

import math
from fractions import Fraction


def metric_stats(values):
    if not values:
        return None
    n = len(values)
    mean = Fraction(sum(Fraction(v) for v in values), n)
    out = {"min": min(values), "max": max(values), "mean": float(mean),
           "stddev": None}
    if n > 1:
        ss = sum((Fraction(v) - mean) ** 2 for v in values)
        out["stddev"] = math.sqrt(float(ss / (n - 1)))
    return out


def stats(points, start, end):
    """points: list of (time_us, temperature, conductivity)."""
    inside = [p for p in points if start <= p[0] < end]
    return {"count": len(inside),
            "temperature": metric_stats([p[1] for p in inside]),
            "conductivity": metric_stats([p[2] for p in inside])}


def close(got, want, rel=1e-9):
    return abs(got - want) <= rel * max(1.0, abs(want))


def compare(bucket, want, where):
    """Raises AssertionError naming the first statistic that differs."""
    assert bucket["count"] == want["count"], \
        "%s: count %s != %s" % (where, bucket["count"], want["count"])
    for metric in ("temperature", "conductivity"):
        got, exp = bucket[metric], want[metric]
        if exp is None:
            assert got["mean"] is None, "%s: %s not null" % (where, metric)
            continue
        for key in ("min", "max"):
            assert got[key] == exp[key], "%s: %s.%s %r != %r" % (
                where, metric, key, got[key], exp[key])
        assert close(got["mean"], exp["mean"]), "%s: %s.mean %r != %r" % (
            where, metric, got["mean"], exp["mean"])
        if exp["stddev"] is None:
            assert got["stddev"] is None, "%s: %s.stddev" % (where, metric)
        else:
            assert close(got["stddev"], exp["stddev"], 1e-7), \
                "%s: %s.stddev %r != %r" % (where, metric, got["stddev"],
                                             exp["stddev"])
