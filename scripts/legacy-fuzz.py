#!/usr/bin/env python3
"""Fuzzes the PanDA pilot 3 compatibility routes of a running panda server.

The legacy routes are not in docs/api/openapi.yaml (their bodies are
pilot3's form or gzip-JSON, every value text), so schemathesis does not
reach them. This sends getJob and updateJob requests as pilot3 would, with
one or more fields replaced by hostile text (numbers past every bound, nan
and inf, control characters, climbing storage paths, malformed xml file
reports), in both encodings, against live jobs whose leases the pilot token
holds, plus the queuedata, schedconfig and storagedata reads. A finding is
any 5xx, a reply that is not one JSON object with pilot3's StatusCode, or a
server that stops answering. Deterministic for a given --seed.

    scripts/legacy-fuzz.py --url http://127.0.0.1:PORT --pilot-token T --user-token U \
        --queue Q1 --storage /path/of/the/queue/write_to [--requests 2000] [--seed 20261201]

Run by scripts/api-fuzz against the server it starts; exits 1 on any finding.
"""
import argparse
import gzip
import json
import random
import sys
import urllib.error
import urllib.parse
import urllib.request

NUMBERS = ["", "0", "-0", "1", "-1", "1.0", "1.5", "12.0", "4.2e1", "1e308", "-1e308", "1e309", "nan", "NaN", "-nan",
           "inf", "-inf", "Infinity", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
           "9007199254740993", "18446744073709551616", "99999999999999999999999", "2147483648", "-2147483649",
           "0x10", "1_000", " 7 ", "None", "NULL", "True", "1e-320", "00000000001"]
TEXTS = ["", "wn01", "a\nb", "a\r\nforged log line", "\x00", "\x1b[31mred", "\u202eevil", "%0a", "%00", "../../etc/passwd",
         "%2e%2e/%2e%2e", "x" * 5000, "名前", "'\"<>&", "None"]
NUMERIC_UPDATE = ["attemptNr", "maxRSS", "cpuConsumptionTime", "transExitCode", "pilotErrorCode", "exeErrorCode",
                  "startTime", "endTime", "coreCount", "nEvents", "timestamp"]
STATES = ["starting", "running", "holding", "finished", "failed", "sent", "cancelled", "", "RUNNING", "running\n"]


class Finding(Exception):
    pass


class Fuzzer:
    def __init__(self, options):
        self.url = options.url.rstrip("/")
        self.pilot = options.pilot_token
        self.user = options.user_token
        self.queue = options.queue
        self.storage = options.storage.rstrip("/")
        self.random = random.Random(options.seed)
        self.findings = []
        self.job = None     # (id, attempt, output lfns) of a job this pilot token holds

    # -- transport -------------------------------------------------------------------------------------------------

    def send(self, method, path, body=None, token=None, content_type=None):
        request = urllib.request.Request(self.url + path, data=body, method=method)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            raise Finding(f"{method} {path}: no answer ({error}); the server may have died")

    def encode(self, fields):
        """pilot3's two encodings: form (every value text) or gzip(JSON) without Content-Encoding."""
        if self.random.random() < 0.5:
            return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"
        typed = {}
        for key, value in fields.items():
            # The JSON encoding keeps numbers as numbers where they are numbers.
            try:
                typed[key] = int(value) if value.strip().lstrip("-").isdigit() and len(value) < 30 else value
            except ValueError:
                typed[key] = value
        return gzip.compress(json.dumps(typed).encode()), "application/json"

    def legacy(self, call, fields, token=None):
        body, content_type = self.encode(fields)
        status, reply = self.send("POST", "/server/panda/" + call, body, token or self.pilot, content_type)
        self.check(call, fields, status, reply)
        return status, json.loads(reply)

    def check(self, call, fields, status, reply):
        shown = {k: (v[:80] + "…" if len(v) > 80 else v) for k, v in fields.items()}
        if status >= 500:
            raise Finding(f"{call} answered {status} to {shown}: {reply[:300]!r}")
        text = reply.decode("utf-8", "replace")
        if not (text.startswith("{") and text.endswith("}")):
            raise Finding(f"{call} answered {status} with a reply pilot3 cannot read as JSON, to {shown}: {text[:300]!r}")
        try:
            parsed = json.loads(text)
        except ValueError:
            raise Finding(f"{call} answered {status} with malformed JSON, to {shown}: {text[:300]!r}")
        if "StatusCode" not in parsed:
            raise Finding(f"{call} answered {status} without a StatusCode, to {shown}: {text[:300]!r}")
        if status != 200 and parsed["StatusCode"] == 0:
            raise Finding(f"{call} answered {status} with StatusCode 0, to {shown}")

    # -- jobs this token holds -------------------------------------------------------------------------------------

    def submit(self, count):
        jobs = [{"name": f"fuzz-{i}", "queue": self.queue, "max_attempts": 1, "payload": {"executable": "/bin/true"},
                 "outputs": [{"lfn": f"fuzz-{self.random.getrandbits(48):x}.root"}]} for i in range(count)]
        body = json.dumps({"jobs": jobs}).encode()
        status, reply = self.send("POST", "/api/v1/job/submit", body, self.user, "application/json")
        if status != 200:
            raise Finding(f"job/submit for the fuzz's jobs answered {status}: {reply[:300]!r}")

    def base_get_job(self):
        return {"siteName": self.queue, "computingElement": self.queue, "prodSourceLabel": "managed",
                "diskSpace": "20000", "mem": "16000.0", "node": "wn01", "cpu": "2300.0", "workingGroup": ""}

    def take_job(self):
        for _ in range(2):
            _, job = self.legacy("getJob", self.base_get_job())
            if job.get("StatusCode") == 0:
                outputs = [lfn for lfn in job.get("outFiles", "").split(",") if lfn and not lfn.endswith(".log.tgz")]
                self.job = (job["PandaID"], str(job["attemptNr"]), outputs)
                return
            self.submit(50)
        raise Finding("getJob hands out no job after a submission")

    # -- hostile values --------------------------------------------------------------------------------------------

    def number(self):
        return self.random.choice(NUMBERS)

    def text(self):
        return self.random.choice(TEXTS + NUMBERS)

    def timing(self):
        return "|".join(self.number() for _ in range(self.random.randint(0, 9)))

    def surl(self, lfn):
        base = "file://localhost" + self.storage
        return self.random.choice([
            f"{base}/user/{lfn}", f"{base}/../../../../etc/passwd", f"{base}/user/%2e%2e/%2E%2E/etc/passwd",
            f"{base}/./{lfn}", f"{base}/{lfn}?x=1", f"{base}/a%00b/{lfn}", f"{base}//{lfn}", f"{base}/%zz/{lfn}",
            "file://localhost/etc/passwd", "https://evil.example/x", "", "x" * 5000, f"{base}/\n/{lfn}",
        ])

    def xml(self, outputs):
        choice = self.random.random()
        if choice < 0.1:
            return self.random.choice(["{", "[]", "{}", "null", '{"a": ' * 200 + "1" + "}" * 200, '{"a": 1, "a": 2}', "x" * 3000])
        entries = {}
        for lfn in (outputs or ["nothing.root"]) + ([self.text()] if self.random.random() < 0.2 else []):
            entry = {"guid": self.text(), "surl": self.surl(lfn), "adler32": self.random.choice(["0000000a", "zz", "", None, "0" * 9]),
                     "endpoint": self.random.choice([None, "DISK", "NOPE", "\n"])}
            size = self.number()
            entry["fsize"] = int(size) if size.strip().lstrip("-").isdigit() and self.random.random() < 0.5 else size
            for key in list(entry):
                if self.random.random() < 0.1:
                    del entry[key]
            entries[lfn] = entry
        return json.dumps(entries)

    def fuzz_get_job(self):
        fields = self.base_get_job()
        for _ in range(self.random.randint(1, 3)):
            key = self.random.choice(list(fields) + ["computingElement", "node", "mem", "diskSpace"])
            fields[key] = self.number() if key in ("mem", "diskSpace", "cpu") else self.text()
        _, reply = self.legacy("getJob", fields)
        if reply.get("StatusCode") == 0:
            outputs = [lfn for lfn in reply.get("outFiles", "").split(",") if lfn and not lfn.endswith(".log.tgz")]
            self.job = (reply["PandaID"], str(reply["attemptNr"]), outputs)

    def fuzz_update_job(self):
        if self.job is None:
            self.take_job()
        job_id, attempt, outputs = self.job
        fields = {"jobId": job_id, "attemptNr": attempt, "state": self.random.choice(["running", "running", "finished", "failed"]),
                  "timestamp": "2026-12-01T10:00:00+00:00", "node": "wn01"}
        for _ in range(self.random.randint(1, 4)):
            kind = self.random.random()
            if kind < 0.45:
                fields[self.random.choice(NUMERIC_UPDATE)] = self.number()
            elif kind < 0.6:
                fields["pilotTiming"] = self.timing()
            elif kind < 0.75:
                fields["xml"] = self.xml(outputs)
                fields["state"] = "finished"
            elif kind < 0.85:
                fields["state"] = self.random.choice(STATES)
            elif kind < 0.95:
                fields[self.random.choice(["pilotErrorDiag", "exeErrorDiag", "node", "jobId"])] = self.text()
            else:
                fields["jobId"] = self.number()
        status, reply = self.legacy("updateJob", fields)
        if status == 200 and fields["state"] in ("finished", "failed", "holding"):
            self.job = None     # ended, or nearly: the next update takes a new job
        elif status == 409 and fields["jobId"] == job_id:
            self.job = None

    def fuzz_reads(self):
        queue = self.random.choice([self.queue, "", "NOPE", "\n", "x" * 3000, "%00", "../" * 10])
        path = self.random.choice(["queuedata", "schedconfig"])
        status, reply = self.send("GET", f"/server/panda/{path}?queue={urllib.parse.quote(queue)}")
        if status >= 500:
            raise Finding(f"GET {path}?queue={queue[:80]!r} answered {status}: {reply[:300]!r}")
        status, reply = self.send("GET", "/server/panda/storagedata")
        if status != 200:
            raise Finding(f"GET storagedata answered {status}: {reply[:300]!r}")

    def run(self, requests):
        self.submit(100)
        for index in range(requests):
            roll = self.random.random()
            try:
                if roll < 0.25:
                    self.fuzz_get_job()
                elif roll < 0.95:
                    self.fuzz_update_job()
                else:
                    self.fuzz_reads()
            except Finding as finding:
                self.findings.append(str(finding))
                print(f"legacy-fuzz: FINDING (request {index}): {finding}", file=sys.stderr)
                status, _ = self.send("GET", "/healthz")
                if status != 200:
                    break
        return self.findings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pilot-token", required=True)
    parser.add_argument("--user-token", required=True)
    parser.add_argument("--queue", required=True)
    parser.add_argument("--storage", required=True, help="the directory of the queue's write_to endpoint")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261201)
    options = parser.parse_args()
    fuzzer = Fuzzer(options)
    try:
        findings = fuzzer.run(options.requests)
    except Finding as finding:
        findings = fuzzer.findings + [str(finding)]
        print(f"legacy-fuzz: FINDING: {finding}", file=sys.stderr)
    print(f"legacy-fuzz: {options.requests} requests, {len(findings)} findings")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
