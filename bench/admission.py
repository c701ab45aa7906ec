"""Admission webhook load test (issue 10 acceptance): bounded load over HTTPS on loopback.

What it does, in one run:

1. fills a store with N signed attestations (default 100,000: per subject, a check result and
   a VSA; a mix of PASSED, FAILED and expired verdicts), through the real ``Store.push`` path;
2. times the store's verdict query on its own (the query the server makes on a cache miss);
3. starts the real ``gatecheck serve`` in a separate process, over TLS with a certificate made
   here, and sends AdmissionReview v1 requests at a fixed rate (default 200/s for 30 s),
   open-loop (each request leaves at its scheduled time, whether or not earlier ones answered);
   90% of the images come from a working set of stored subjects (``--working-set``, default
   1,000, so each is a cache miss the first time and a hit afterwards), 5% are digests the
   store has never seen (always a miss) and 5% are tags (denied without a lookup);
4. runs the anchor side by side: GET /healthz on the same server at the same rate (the cost of
   HTTPS, uvicorn and this client alone on this machine, right now);
5. prints p50/p95/p99 latency, errors, wrong decisions, the ratio of p99 to the 20 ms budget and
   to the anchor's p99, the share of requests the server itself answered within 20 ms (its own
   histogram), and the store's query time (measured here, and as the server saw it).

Exit status 1 when there is an error or a wrong decision, or p99 is over the budget.

Usage: python bench/admission.py [--attestations 100000] [--rate 200] [--duration 30]
                                 [--working-set 1000] [--store URL] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "helpers"))

from attestation_factory import digest_of, make_bundle, new_key  # noqa: E402
from tls_server import make_pki  # noqa: E402

from gatecheck.attest.verify import VerifyOptions  # noqa: E402
from gatecheck.store import Store  # noqa: E402

BUDGET_MS = 20.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def fill(store: Store, attestations: int, key: Any) -> dict[str, bool]:
    """Push ``attestations`` envelopes (2 per subject); return the expected decision per digest."""
    subjects = attestations // 2
    expected: dict[str, bool] = {}
    opts = VerifyOptions(keys=[key.public])
    now = datetime.now(UTC)
    batch: list[tuple[str, bytes]] = []
    started = time.perf_counter()
    for i in range(subjects):
        digest = digest_of(f"bench-{i}")
        kind = i % 8
        if kind < 5:
            lines = make_bundle(key, digest, checks=("sast",), when=now - timedelta(minutes=i % 600))
            expected[digest] = True
        elif kind < 7:
            lines = make_bundle(key, digest, checks=("sast",), passed=False)
            expected[digest] = False
        else:
            lines = make_bundle(key, digest, checks=("sast",), when=now - timedelta(days=3))
            expected[digest] = False
        batch += [(f"bench:{i}:{n}", line) for n, line in enumerate(lines, 1)]
        if len(batch) >= 4000:
            store.push(batch, opts)
            batch = []
            done = i + 1
            rate = done * 2 / (time.perf_counter() - started)
            print(f"\r  stored {done * 2:,} attestations ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    if batch:
        store.push(batch, opts)
    print(file=sys.stderr)
    return expected


def review(image: str) -> dict[str, Any]:
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()), "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "shop", "name": "p",
            "operation": "CREATE",
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
                       "spec": {"containers": [{"name": "app", "image": image}]}},
        },
    }


async def _connection(host: str, port: int, context: ssl.SSLContext) -> tuple[asyncio.StreamReader,
                                                                          asyncio.StreamWriter]:
    return await asyncio.open_connection(host, port, ssl=context, server_hostname="localhost")


async def load(host: str, port: int, context: ssl.SSLContext, plan: list[tuple[str, bool]], rate: float,
               connections: int = 16, *, anchor: bool = False) -> tuple[list[float], int, int, float]:
    """Send the plan open-loop on keep-alive HTTPS connections; return latencies (ms), errors, wrong, max lateness.

    A deliberately small HTTP/1.1 client: requests are serialised before the clock starts, so
    the load generator's own cost (which shares the machine with the server) stays small.
    """
    requests: list[tuple[bytes, str, bool]] = []
    for image, allow in plan:
        if anchor:  # the same HTTPS round trip to a route that decides nothing
            requests.append((b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", "", True))
            continue
        doc = review(image)
        body = json.dumps(doc).encode()
        head = (f"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        requests.append((head + body, doc["request"]["uid"], allow))
    latencies: list[float] = []
    errors = wrong = 0
    lateness = 0.0
    queue: asyncio.Queue[int] = asyncio.Queue()
    start = time.perf_counter() + 0.5

    async def worker() -> None:
        nonlocal errors, wrong, lateness
        reader, writer = await _connection(host, port, context)
        try:
            while True:
                i = await queue.get()
                if i < 0:
                    return
                payload, uid, allow = requests[i]
                t0 = time.perf_counter()
                lateness = max(lateness, t0 - (start + i / rate))
                try:
                    writer.write(payload)
                    status_line = await reader.readline()
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    body = await reader.readexactly(length)
                    latencies.append((time.perf_counter() - t0) * 1000)
                    if anchor:
                        errors += 0 if status_line.startswith(b"HTTP/1.1 200") else 1
                        continue
                    response = json.loads(body)["response"]
                    if not status_line.startswith(b"HTTP/1.1 200") or response["uid"] != uid:
                        errors += 1
                    elif response["allowed"] is not allow:
                        wrong += 1
                except (OSError, ValueError, KeyError, asyncio.IncompleteReadError):
                    errors += 1
                    writer.close()
                    reader, writer = await _connection(host, port, context)
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    for i in range(len(requests)):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(i)
    for _ in workers:
        queue.put_nowait(-1)
    await asyncio.gather(*workers)
    return latencies, errors, wrong, lateness * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attestations", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    parser.add_argument("--working-set", type=int, default=1000,
                        help="distinct stored images the cluster runs (requests repeat them, as controllers and "
                             "replicas do); 0 draws from every stored subject, so nearly every request misses the cache")
    parser.add_argument("--store", help="use this store URL (must be empty) instead of a temporary SQLite file")
    parser.add_argument("--keep", type=Path, help="keep the temporary directory here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="gatecheck-bench-"))
    url = args.store or f"sqlite:///{tmp / 'store.sqlite'}"
    key = new_key()
    (tmp / "ci.pub").write_bytes(key.public.pem())
    print(f"filling {url} with {args.attestations:,} attestations ...", file=sys.stderr)
    t0 = time.perf_counter()
    with Store.open(url) as store:
        if store.count():
            print("the store must be empty", file=sys.stderr)
            return 2
        expected = fill(store, args.attestations, key)
        fill_s = time.perf_counter() - t0
        digests = list(expected)
        rng = random.Random(10)
        query_ms = []
        for digest in rng.sample(digests, 2000):
            q0 = time.perf_counter()
            store.verdict_entries({"sha256": digest})
            query_ms.append((time.perf_counter() - q0) * 1000)
        stored = store.count()

    pki = make_pki(tmp)
    # /metrics needs the API token; /validate, what is measured, is open as the API server calls it.
    token = os.urandom(32).hex()  # not `secrets`: bench/secrets.py shadows it when this script runs
    token_file = tmp / "api-token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = subprocess.Popen(
        [sys.executable, "-c", "from gatecheck.cli import run; run()", "serve", "--store", url,
         "--key", str(tmp / "ci.pub"), "--host", "127.0.0.1", "--port", str(port), "--tls-cert", str(pki.server_cert),
         "--tls-key", str(pki.server_key), "--token-file", str(token_file), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", verify=context, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                print("server did not start:", server.stderr.read().decode() if server.stderr else "", file=sys.stderr)
                return 2
            time.sleep(0.2)

        total = int(args.rate * args.duration)
        in_use = rng.sample(digests, min(args.working_set, len(digests))) if args.working_set else digests
        plan: list[tuple[str, bool]] = []
        for _ in range(total):
            roll = rng.random()
            if roll < 0.9:
                digest = rng.choice(in_use)
                plan.append((f"registry.example/app@sha256:{digest}", expected[digest]))
            elif roll < 0.95:
                plan.append((f"registry.example/app@sha256:{digest_of(str(rng.random()))}", False))  # unknown
            else:
                plan.append(("registry.example/app:latest", False))  # a tag, not a digest
        print(f"sending {total:,} AdmissionReviews at {args.rate:.0f}/s for {args.duration:.0f} s ...", file=sys.stderr)
        latencies, errors, wrong, late_ms = asyncio.run(load("127.0.0.1", port, context, plan, args.rate))
        # The anchor, run right after on the same server and connections: GET /healthz at the same
        # rate measures what HTTPS, uvicorn and this client cost on this machine right now.
        anchor_plan = plan[: int(args.rate * min(args.duration, 10))]
        print(f"anchor: {len(anchor_plan):,} GET /healthz at the same rate ...", file=sys.stderr)
        anchor_ms, anchor_errors, _, _ = asyncio.run(load("127.0.0.1", port, context, anchor_plan, args.rate,
                                                          anchor=True))
        metrics = httpx.get(f"{base}/metrics", verify=context, headers={"Authorization": f"Bearer {token}"}).text
    finally:
        server.terminate()
        server.wait(timeout=20)

    def metric(name: str) -> float:
        m = re.search(rf"^{name} ([0-9.e+-]+)$", metrics, re.M)
        return float(m.group(1)) if m else float("nan")

    # The server's own view: its latency histogram (time inside the app, without the client or
    # the TLS/HTTP layers), as the share answered within each bucket bound.
    buckets = [(float(le), float(v)) for le, v in re.findall(
        r'^gatecheck_request_duration_seconds_bucket\{le="([0-9.e+-]+)",route="validate"\} ([0-9.e+-]+)$', metrics, re.M)]
    answered_total = metric('gatecheck_request_duration_seconds_count{route="validate"}')
    server_within = {f"<= {le * 1000:g} ms": round(v / answered_total, 4) for le, v in buckets if le <= 0.05}
    q_sum, q_count = metric("gatecheck_store_query_seconds_sum"), metric("gatecheck_store_query_seconds_count")
    hits = metric('gatecheck_verdict_cache_total{outcome="hit"}')
    misses = metric('gatecheck_verdict_cache_total{outcome="miss"}')
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    result = {
        "store": re.sub(r"//[^@/]*@", "//***@", url), "attestations": stored, "fill_seconds": round(fill_s, 1),
        "requests": total, "answered": len(latencies), "errors": errors, "wrong_decisions": wrong,
        "latency_ms": {"p50": round(p50, 2), "p95": round(p95, 2), "p99": round(p99, 2),
                       "max": round(max(latencies), 2), "mean": round(statistics.fmean(latencies), 2)},
        "p99_vs_budget": round(p99 / BUDGET_MS, 3),
        "anchor_healthz_ms": {"p50": round(percentile(anchor_ms, 50), 2), "p99": round(percentile(anchor_ms, 99), 2),
                              "errors": anchor_errors},
        "p99_vs_anchor_p99": round(p99 / percentile(anchor_ms, 99), 2),
        "max_send_lateness_ms": round(late_ms, 1),
        "store_query_ms": {"p50": round(percentile(query_ms, 50), 3), "p99": round(percentile(query_ms, 99), 3),
                           "server_mean": round(q_sum / q_count * 1000, 3) if q_count else None},
        "cache": {"hits": hits, "misses": misses},
        "server_side_share_answered_within": server_within,
    }
    print(json.dumps(result, indent=2))
    print(f"p50 {p50:.2f} ms  p95 {p95:.2f} ms  p99 {p99:.2f} ms  (p99 / {BUDGET_MS:.0f} ms budget = {p99 / BUDGET_MS:.2f}); "
          f"errors {errors}, wrong decisions {wrong}; healthz anchor p99 {percentile(anchor_ms, 99):.2f} ms "
          f"(ratio {p99 / percentile(anchor_ms, 99):.2f}); store query p50 {percentile(query_ms, 50):.3f} ms, "
          f"p99 {percentile(query_ms, 99):.3f} ms")
    if args.keep:
        shutil.copytree(tmp, args.keep, dirs_exist_ok=True)
    shutil.rmtree(tmp, ignore_errors=True)
    ok = errors == 0 and wrong == 0 and p99 < BUDGET_MS and len(latencies) == total
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
