#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Real answers of the running daemon against docs/openapi.yaml.

Fetches the document from GET /openapi.yaml, drives every route through
its success and error answers, and checks each JSON body against the
schema the document declares for that path, method, status and content
type, with a small validator of the OpenAPI 3.0 schema subset it uses.

Usage: openapi_test.py PATH_TO_AQUAD
"""

import json
import os
import re
import sys
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aquad_client import Daemon, fmt, now_us  # noqa: E402

BINARY = None
SEC = 1_000_000


class Validator:
    def __init__(self, doc):
        self.doc = doc

    def resolve(self, schema):
        while "$ref" in schema:
            node = self.doc
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def check(self, value, schema, where="$"):
        s = self.resolve(schema)
        if value is None:
            assert s.get("nullable"), "%s: null not allowed" % where
            return
        if "oneOf" in s:
            fits = 0
            for option in s["oneOf"]:
                try:
                    self.check(value, option, where)
                    fits += 1
                except AssertionError:
                    pass
            assert fits == 1, "%s: fits %d of oneOf" % (where, fits)
            return
        kind = s.get("type")
        types = {"object": dict, "array": list, "string": str,
                 "boolean": bool}
        if kind in types:
            assert isinstance(value, types[kind]), "%s: not %s: %r" % (
                where, kind, value)
        elif kind == "integer":
            assert isinstance(value, int) and not isinstance(value, bool), \
                "%s: not integer: %r" % (where, value)
        elif kind == "number":
            assert isinstance(value, (int, float)) and \
                not isinstance(value, bool), "%s: not number" % where
        if "enum" in s:
            assert value in s["enum"], "%s: %r not in enum" % (where, value)
        if "pattern" in s:
            assert re.search(s["pattern"], value), "%s: %r !~ %s" % (
                where, value, s["pattern"])
        if "minimum" in s:
            assert value >= s["minimum"], "%s: below minimum" % where
        if "maximum" in s:
            assert value <= s["maximum"], "%s: above maximum" % where
        if kind == "array":
            assert len(value) >= s.get("minItems", 0), where
            for i, item in enumerate(value):
                self.check(item, s["items"], "%s[%d]" % (where, i))
        if kind == "object":
            props = s.get("properties", {})
            for key in s.get("required", []):
                assert key in value, "%s: missing %s" % (where, key)
            for key, item in value.items():
                if key in props:
                    self.check(item, props[key], "%s.%s" % (where, key))
                else:
                    assert s.get("additionalProperties", True) is not False, \
                        "%s: unexpected %s" % (where, key)


class OpenApiTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon(BINARY).start()
        cls.c = cls.daemon.client()
        reply = cls.c.get("/openapi.yaml")
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "application/yaml"
        cls.doc = yaml.safe_load(reply.text)
        # The served document names the server it came from.
        assert cls.doc["servers"] == [
            {"url": "http://127.0.0.1:%d" % cls.daemon.port}], cls.doc["servers"]
        with open(os.path.join(os.path.dirname(__file__), "..", "..",
                               "docs", "openapi.yaml")) as f:
            file_doc = yaml.safe_load(f)
        file_doc["servers"] = cls.doc["servers"]
        assert file_doc == cls.doc, "served != docs/openapi.yaml"
        cls.v = Validator(cls.doc)
        cls.seen = set()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.daemon.cleanup()

    def template_of(self, path):
        path = path.split("?")[0]
        for template in self.doc["paths"]:
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, path):
                return template
        self.fail("no path in the document for %s" % path)

    def call(self, method, target, body=None, ctype="application/json",
             status=None):
        reply = self.c.request(method, target, body, ctype)
        if status is not None:
            self.assertEqual(reply.status, status, reply.text)
        template = self.template_of(target)
        op = self.doc["paths"][template][method.lower()]
        declared = op["responses"].get(str(reply.status))
        self.assertIsNotNone(declared, "%s %s answered undeclared %d" % (
            method, template, reply.status))
        declared = self.v.resolve(declared)
        ctype_got = reply.headers["Content-Type"].split(";")[0]
        content = declared["content"]
        self.assertIn(ctype_got, content)
        if ctype_got == "application/json":
            self.v.check(json.loads(reply.text),
                         content[ctype_got]["schema"],
                         "%s %s %d" % (method, template, reply.status))
        self.seen.add((method, template, reply.status))
        return reply

    def test_every_route(self):
        now = now_us()
        one = {"sensor_id": "s1", "timestamp": fmt(now - 60 * SEC),
               "temperature": 21.3, "conductivity": 1500}
        self.call("POST", "/measurements", one, status=201)
        self.call("POST", "/measurements", one, status=201)  # duplicate
        batch = [dict(one, timestamp=fmt(now - k * SEC), temperature=20 + k)
                 for k in range(2, 40)]
        self.call("POST", "/measurements", batch, status=201)
        self.call("POST", "/measurements", dict(one, temperature=9),
                  status=409)
        self.call("POST", "/measurements", "{", status=400)
        self.call("POST", "/measurements", "[]", status=400)
        self.call("POST", "/measurements", one, "text/plain", status=415)
        self.call("POST", "/measurements", dict(one, temperature=1000),
                  status=422)
        self.call("GET", "/sensors", status=200)
        self.call("GET", "/sensors/s1", status=200)
        self.call("GET", "/sensors/none", status=404)
        page = self.call("GET", "/sensors/s1/measurements?limit=10",
                         status=200)
        self.call("GET", "/sensors/s1/measurements?cursor="
                  + page.json["next"], status=200)
        self.call("GET", "/sensors/s1/measurements?limit=0", status=400)
        self.call("GET", "/sensors/s1/measurements?format=csv", status=200)
        for q in ("", "?resolution=raw", "?fill=null&from=-2h",
                  "?resolution=5m&from=-1d", "?format=csv"):
            self.call("GET", "/sensors/s1/stats" + q, status=200)
        self.call("GET", "/sensors/s1/stats?from=-300d&resolution=1m",
                  status=422)
        self.call("GET", "/sensors/s1/stats?resolution=2m", status=400)
        self.call("GET", "/health", status=200)
        self.call("GET", "/metrics", status=200)
        self.call("GET", "/openapi.yaml", status=200)
        # Every path of the document was exercised.
        self.assertEqual({t for _, t, _ in self.seen},
                         set(self.doc["paths"]))


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
