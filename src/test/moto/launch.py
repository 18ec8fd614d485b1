"""Starts moto's server (DynamoDB and DynamoDB Streams) for the tests, the local run and the benchmarks.

    python3 launch.py --host 127.0.0.1 --port PORT [--profile FILE]

Why a launcher and not `moto_server`: it binds the address it is given (127.0.0.1 only), keeps werkzeug's
per-request log lines out of the log (they cost time under load), prints one line per interval with the
calls per operation and their mean service time (so a test's log shows what the emulator was busy with),
and with --profile runs every request under cProfile (werkzeug serves each connection on its own thread,
which `python -m cProfile` would not see) and writes the combined profile to FILE when it is stopped.

It also answers these calls as AWS documents them, where moto 5.2.1 does not (the README's testing
section lists every difference and what covers it):
- DescribeStream honours ExclusiveStartShardId and Limit (moto returns every shard each time, so a consumer
  that pages through the shards sees the same shard as new on every discovery round, and reads it again);
- GetShardIterator for a shard the stream does not have is a ResourceNotFoundException (HTTP 400), not an
  assertion error (HTTP 500);
- GetRecords gives ApproximateCreationDateTime rounded down to the second, as DynamoDB Streams does (moto
  gives milliseconds); --creation-time=exact keeps moto's;
- Scan's ConsumedCapacity is computed from the items read (4 KB units, half for eventually consistent
  reads) instead of moto's constant 1 per call, so a read-capacity limit paces as it would on AWS.

And two changes of speed, not behaviour (the answers are the same JSON):
- moto sorts a table's items for every Scan call, comparing its key objects (each comparison converts both
  values again): 1.8 s a call on a 20,000-item table, whatever the page size. The same order is computed
  here from each item's key values once (0.4 s);
- moto renders every answer through a generic, model-driven serializer, about 4 ms per item read (a 1 MB
  Scan page of 6,500 items took 26 s). The answers that carry items (Scan, Query, GetItem, BatchGetItem,
  GetRecords) are plain DynamoDB JSON already: they are written with json.dumps (binary as base64,
  times as epoch seconds, as the serializer does).
"""
import argparse
import cProfile
import io
import json
import logging
import math
import pstats
import re
import signal
import sys
import threading
import time
import zlib

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


class Stats:
    """Calls and service time per operation (X-Amz-Target), and an optional combined cProfile."""

    def __init__(self, app, profile_file, interval):
        self.app = app
        self.profile_file = profile_file
        self.lock = threading.Lock()
        self.window = {}
        self.total = {}
        self.profiles = []
        self.local = threading.local()
        if interval > 0:
            threading.Thread(target=self._report, args=(interval,), daemon=True).start()

    def __call__(self, environ, start_response):
        op = environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1] or environ.get("PATH_INFO", "?")
        started = time.perf_counter()
        try:
            if self.profile_file:
                prof = getattr(self.local, "profile", None)
                if prof is None:
                    prof = self.local.profile = cProfile.Profile()
                    with self.lock:
                        self.profiles.append(prof)
                # the body is produced inside the call for moto's responses
                return prof.runcall(lambda: list(self.app(environ, start_response)))
            return self.app(environ, start_response)
        finally:
            spent = time.perf_counter() - started
            with self.lock:
                for table in (self.window, self.total):
                    calls, seconds = table.get(op, (0, 0.0))
                    table[op] = (calls + 1, seconds + spent)

    def _report(self, interval):
        while True:
            time.sleep(interval)
            with self.lock:
                window, self.window = self.window, {}
            if window:
                print("moto last %ds: %s threads=%d" % (interval, format_table(window), threading.active_count()), flush=True)

    def finish(self):
        with self.lock:
            print("moto total: %s" % format_table(self.total), flush=True)
            if self.profile_file and self.profiles:
                stats = pstats.Stats(self.profiles[0])
                for p in self.profiles[1:]:
                    stats.add(p)
                stats.dump_stats(self.profile_file)
                stats.sort_stats("cumulative").print_stats(40)
                sys.stdout.flush()


def faster_scans():
    """Table.all_items (moto 5.2.1) with the same order, sorting on the key values instead of DynamoType."""
    from moto.dynamodb.models.table import Table

    def all_items(self):
        items = []
        for hash_set in self.items.values():
            if self.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        return sorted(items, key=lambda i: (i.hash_key.cast_value, i.range_key.cast_value) if i.range_key
                      else (i.hash_key.cast_value,))

    Table.all_items = all_items


FAST_OPERATIONS = {"Scan", "Query", "GetItem", "BatchGetItem", "GetRecords"}


def faster_answers():
    """ActionResult.execute_result (moto 5.2.1) with json.dumps for the item-carrying JSON answers."""
    import base64
    import datetime
    from moto.core.responses import ActionResult

    generic = ActionResult.execute_result

    def default(value):
        if isinstance(value, (bytes, bytearray)):
            return base64.b64encode(value).decode("ascii")
        if isinstance(value, datetime.datetime):
            return value.timestamp()
        raise TypeError(type(value).__name__)

    def execute_result(self, context):
        if context.operation_model.name in FAST_OPERATIONS and isinstance(self.result, dict) \
                and context.serializer_class.__name__ == "JSONSerializer":
            try:
                body = json.dumps({k: v for k, v in self.result.items() if v is not None}, default=default,
                                  separators=(",", ":"))
            except TypeError:
                return generic(self, context)
            return 200, {"Content-Type": "application/x-amz-json-1.0"}, body
        return generic(self, context)

    ActionResult.execute_result = execute_result


class StreamsAsAws:
    """WSGI middleware: DescribeStream paging and unknown shards as on AWS (see the module's doc)."""

    DESCRIBE = "DynamoDBStreams_20120810.DescribeStream"
    ITERATOR = "DynamoDBStreams_20120810.GetShardIterator"
    RECORDS = "DynamoDBStreams_20120810.GetRecords"
    SCAN = "DynamoDB_20120810.Scan"
    CREATION = re.compile(rb'("ApproximateCreationDateTime": ?)(\d+)\.\d+')

    def __init__(self, app, exact_creation_time):
        self.app = app
        self.shaped = {self.DESCRIBE, self.ITERATOR, self.SCAN}
        if not exact_creation_time:
            self.shaped.add(self.RECORDS)

    def __call__(self, environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target not in self.shaped:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        request = json.loads(body or b"{}")
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        try:
            payload = b"".join(self.app(environ, capture))
        except AssertionError:
            captured["status"], payload = "500 INTERNAL SERVER ERROR", b""
        status = captured.get("status", "500 INTERNAL SERVER ERROR")
        if target == self.ITERATOR and status.startswith("500"):
            return self.reply(start_response, "400 Bad Request", {
                "__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                "message": "Requested resource not found: Shard does not exist: %s" % request.get("ShardId")})
        if target == self.DESCRIBE and status.startswith("200"):
            payload = self.page(json.loads(payload), request.get("ExclusiveStartShardId"), request.get("Limit") or 100)
        if target == self.RECORDS and status.startswith("200"):
            payload = self.CREATION.sub(rb"\1\2", payload)
        if target == self.SCAN and status.startswith("200") and request.get("ReturnConsumedCapacity", "NONE") != "NONE":
            payload = self.scan_capacity(json.loads(payload), bool(request.get("ConsistentRead")))
        # the SDKs check DynamoDB's x-amz-crc32 of the body: give the one of the body as sent
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in ("content-length", "x-amz-crc32")]
        headers.append(("Content-Length", str(len(payload))))
        headers.append(("x-amz-crc32", str(zlib.crc32(payload) & 0xFFFFFFFF)))
        start_response(status, headers)
        return [payload]

    @staticmethod
    def page(response, exclusive_start, limit):
        description = response["StreamDescription"]
        shards = description.get("Shards", [])
        if exclusive_start:
            ids = [s["ShardId"] for s in shards]
            if exclusive_start in ids:
                shards = shards[ids.index(exclusive_start) + 1:]
            else:
                shards = [s for s in shards if s["ShardId"] > exclusive_start]
        description.pop("LastEvaluatedShardId", None)
        if len(shards) > limit:
            shards = shards[:limit]
            description["LastEvaluatedShardId"] = shards[-1]["ShardId"]
        description["Shards"] = shards
        return json.dumps(response, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def scan_capacity(response, consistent):
        """DynamoDB charges a Scan by the size of the items it read, in 4 KB units; half as much when eventually
        consistent. Without a filter the items read are the items returned."""
        size = sum(item_size(item) for item in response.get("Items", []))
        units = max(1, math.ceil(size / 4096.0)) * (1.0 if consistent else 0.5)
        capacity = response.setdefault("ConsumedCapacity", {})
        capacity["CapacityUnits"] = units
        if "Table" in capacity:
            capacity["Table"] = {"CapacityUnits": units}
        return json.dumps(response, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def reply(start_response, status, error):
        payload = json.dumps(error).encode("utf-8")
        start_response(status, [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(payload)))])
        return [payload]


class CompleteMultipartUploadAsAws:
    """S3 CompleteMultipartUpload answers with the root element AWS documents, CompleteMultipartUploadResult
    (moto 5.2.1 writes CompleteMultipartUploadResponse): the AWS SDK for Java v1 in Flink's S3 file system
    plugin (hadoop-aws) finds neither a result nor an error in moto's answer and throws a NullPointerException,
    so no checkpoint, savepoint or FileSink file could be committed to moto's S3."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or "uploadId=" not in environ.get("QUERY_STRING", ""):
            return self.app(environ, start_response)
        answer = {}

        def keep(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, keep))
        body = body.replace(b"CompleteMultipartUploadResponse", b"CompleteMultipartUploadResult")
        headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in answer["headers"]]
        start_response(answer["status"], headers)
        return [body]


def item_size(item):
    """An item's size as DynamoDB counts it: attribute names plus values (UTF-8 strings, raw binary, numbers
    about one byte per two digits plus one, 1 byte for BOOL and NULL, 3 bytes plus contents for L and M)."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def value_size(value):
    kind, v = next(iter(value.items()))
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        return (len(v.lstrip("-").replace(".", "")) + 1) // 2 + 1
    if kind == "B":
        return len(v) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(e.encode("utf-8")) for e in v)
    if kind == "NS":
        return sum(value_size({"N": e}) for e in v)
    if kind == "BS":
        return sum(len(e) * 3 // 4 for e in v)
    if kind == "L":
        return 3 + sum(1 + value_size(e) for e in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + value_size(e) for k, e in v.items())
    return 0


def format_table(table):
    return ", ".join("%s %d x %.1f ms" % (op, calls, 1000.0 * seconds / calls)
                     for op, (calls, seconds) in sorted(table.items(), key=lambda kv: -kv[1][1]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--profile", default="")
    parser.add_argument("--report-seconds", type=int, default=10)
    parser.add_argument("--creation-time", choices=["second", "exact"], default="second")
    parser.add_argument("--generic-serializer", action="store_true", help="moto's own serializer for every answer")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    faster_scans()
    if not args.generic_serializer:
        faster_answers()
    app = Stats(CompleteMultipartUploadAsAws(StreamsAsAws(DomainDispatcherApplication(create_backend_app),
                                                         args.creation_time == "exact")), args.profile, args.report_seconds)

    def stop(signum, frame):
        app.finish()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("moto on %s:%d" % (args.host, args.port), flush=True)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
