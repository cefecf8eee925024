"""A loopback HTTP proxy that makes moto look like a server across a network.

On loopback moto answers in a few milliseconds, so a client that sends its
requests one after another looks as fast as one that overlaps them. Against
real IAM every request costs a round trip (30-150 ms), and what decides the
wall time is how many requests happen in sequence. This proxy sits between a
client and moto, delays every request by a fixed time before forwarding it
(requests in flight at once are delayed at once, not queued), and records
each request's interval so that the sequence can be measured:

    ROUNDS = the length of the longest chain of requests, each starting after
    the previous one ended; equally, the largest number of pairwise
    non-overlapping request intervals (found greedily by end time).

With a delay of D ms a client needs at least ROUNDS x D ms, whatever it does
in between.

    python bench/latency_proxy.py --upstream-port 5000 --port 5050 --delay-ms 50
    python bench/latency_proxy.py --self-test

Point a client at http://127.0.0.1:PORT (e.g. AWS_ENDPOINT_URL). The proxy
itself answers, and does not record, these paths:

    GET /__latency/stats          JSON: requests, actions, mutating, reads,
                                  rounds, chain (the actions of one longest
                                  chain), max_in_flight, span_ms, delay_ms
    POST /__latency/reset         forget the recorded requests
    POST /__latency/delay?ms=N    change the delay

It only ever listens on and connects to 127.0.0.1: the upstream is one
loopback port, and a request naming any other host is refused.
"""

import argparse
import asyncio
import json
import re
import sys
import time
import urllib.parse

LOOPBACK = "127.0.0.1"
CONTROL_PREFIX = "/__latency/"
# Headers that describe one connection, not the message: never forwarded.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "content-length",
}
# IAM's (and CloudFormation's) verbs that change something; the rest read.
MUTATING = re.compile(r"^(Create|Attach|Add|Put|Tag|Untag|Delete|Detach|Remove|Update|Set|Upload)")


def longest_chain(intervals):
    """A largest set of pairwise non-overlapping intervals, in time order.

    Each interval is a tuple that starts with (start, end). Greedy by end
    time: always keeping the interval that ends first leaves the most room
    for the rest, so this is a longest chain of requests each starting at or
    after the previous one's end.
    """
    chain = []
    last_end = float("-inf")
    for interval in sorted(intervals, key=lambda iv: iv[1]):
        if interval[0] >= last_end:
            chain.append(interval)
            last_end = interval[1]
    return chain


def rounds(intervals):
    """ROUNDS: the length of the longest chain of requests in sequence."""
    return len(longest_chain(intervals))


def max_in_flight(intervals):
    """Most intervals open at one instant (an end before a start on a tie)."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    peak = now = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def action_of(target, body):
    """The Query API's Action, from the form body or else from the query."""
    for source in (body.decode("latin-1"), urllib.parse.urlsplit(target).query):
        values = urllib.parse.parse_qs(source).get("Action")
        if values:
            return values[0]
    return "?"


def stats(records, delay_ms):
    """What the control path answers: counts and the sequence of requests."""
    actions = {}
    for _, _, action in records:
        actions[action] = actions.get(action, 0) + 1
    intervals = [(s, e) for s, e, _ in records]
    mutating = sum(n for a, n in actions.items() if MUTATING.match(a))
    span = (max(e for _, e in intervals) - min(s for s, _ in intervals)) if intervals else 0.0
    return {
        "requests": len(records),
        "actions": dict(sorted(actions.items())),
        "mutating": mutating,
        "reads": len(records) - mutating,
        "rounds": rounds(intervals),
        # One longest chain, by action: the requests that had to wait for
        # one another (one of possibly several such chains).
        "chain": [action for _, _, action in longest_chain(records)],
        "max_in_flight": max_in_flight(intervals),
        "span_ms": round(span * 1000, 1),
        "delay_ms": delay_ms,
    }


class BadRequest(Exception):
    """The client sent something this proxy will not forward."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_head(reader):
    """Start line and headers, or None at a clean end of stream."""
    line = await reader.readline()
    if not line:
        return None
    start = line.decode("latin-1").rstrip("\r\n")
    headers = []
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("stream ended inside the headers")
        if line in (b"\r\n", b"\n"):
            return start, headers
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))


def header(headers, name):
    """The last value of a header, or None."""
    found = None
    for key, value in headers:
        if key.lower() == name.lower():
            found = value
    return found


def tokens(headers, name):
    """The comma-separated tokens of every occurrence of a header, lowercased."""
    return {
        t.strip().lower()
        for key, value in headers
        if key.lower() == name.lower()
        for t in value.split(",")
        if t.strip()
    }


async def read_body(reader, headers, until_eof):
    """The whole body: chunked, Content-Length, or (responses) up to EOF."""
    if "chunked" in tokens(headers, "transfer-encoding"):
        parts = []
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise ConnectionError("stream ended inside a chunked body")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                # Trailers, up to the empty line; dropped (the body is resent
                # with a Content-Length).
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = header(headers, "content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    if until_eof:
        return await reader.read()
    return b""


def serialize(start, headers, body, connection):
    """A message with this proxy's own framing: Content-Length, Connection."""
    lines = [start]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    lines.append(f"Content-Length: {len(body)}")
    lines.append(f"Connection: {connection}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Proxy:
    """One listening socket; per client connection one upstream connection."""

    def __init__(self, upstream_port, delay_ms):
        self.upstream_port = upstream_port
        self.delay_ms = delay_ms
        self.records = []
        self.connections = 0
        self.server = None

    async def start(self, port):
        self.server = await asyncio.start_server(self.serve, LOOPBACK, port)
        return self.server.sockets[0].getsockname()[1]

    def allowed_target(self, target):
        """Origin-form paths, or absolute-form naming the upstream itself."""
        if target.startswith("/"):
            return True
        parts = urllib.parse.urlsplit(target)
        return (
            parts.scheme == "http"
            and parts.hostname == LOOPBACK
            and parts.port == self.upstream_port
        )

    async def serve(self, reader, writer):
        self.connections += 1
        upstream = None
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    return
                started = time.monotonic()
                start, headers = head
                try:
                    method, target, version = start.split(" ", 2)
                except ValueError:
                    raise BadRequest(400, "Bad Request") from None
                if method == "CONNECT" or not self.allowed_target(target):
                    raise BadRequest(403, "Forbidden")
                if "100-continue" in tokens(headers, "expect"):
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = await read_body(reader, headers, until_eof=False)
                conn = tokens(headers, "connection")
                keep_alive = "close" not in conn and (version == "HTTP/1.1" or "keep-alive" in conn)

                path = urllib.parse.urlsplit(target).path
                if path.startswith(CONTROL_PREFIX):
                    status, answer = self.control(method, path, target)
                    payload = json.dumps(answer).encode()
                    writer.write(
                        serialize(
                            f"HTTP/1.1 {status}",
                            [("Content-Type", "application/json")],
                            payload,
                            "keep-alive" if keep_alive else "close",
                        )
                    )
                    await writer.drain()
                    if not keep_alive:
                        return
                    continue

                # The simulated network: the request travels for DELAY first.
                # Each connection waits on its own, so requests in flight at
                # once are delayed at once.
                if self.delay_ms:
                    await asyncio.sleep(self.delay_ms / 1000)
                if upstream is None:
                    upstream = await asyncio.open_connection(LOOPBACK, self.upstream_port)
                up_reader, up_writer = upstream
                if not target.startswith("/"):
                    parts = urllib.parse.urlsplit(target)
                    target = parts.path + (f"?{parts.query}" if parts.query else "")
                up_writer.write(
                    serialize(f"{method} {target} HTTP/1.1", headers, body, "keep-alive")
                )
                await up_writer.drain()
                resp_head = await read_head(up_reader)
                if resp_head is None:
                    raise ConnectionError("upstream closed without answering")
                resp_start, resp_headers = resp_head
                code = int(resp_start.split(" ", 2)[1])
                no_body = method == "HEAD" or code in (204, 304) or 100 <= code < 200
                resp_body = (
                    b"" if no_body else await read_body(up_reader, resp_headers, until_eof=True)
                )
                up_conn = tokens(resp_headers, "connection")
                framed = header(resp_headers, "content-length") is not None or "chunked" in tokens(
                    resp_headers, "transfer-encoding"
                )
                if (
                    "close" in up_conn
                    or resp_start.startswith("HTTP/1.0")
                    or not (framed or no_body)
                ):
                    up_writer.close()
                    upstream = None
                writer.write(
                    serialize(
                        resp_start, resp_headers, resp_body, "keep-alive" if keep_alive else "close"
                    )
                )
                await writer.drain()
                self.records.append((started, time.monotonic(), action_of(target, body)))
                if not keep_alive:
                    return
        except BadRequest as refused:
            payload = json.dumps({"error": refused.reason}).encode()
            writer.write(
                serialize(f"HTTP/1.1 {refused.status} {refused.reason}", [], payload, "close")
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, asyncio.CancelledError):
            # A client gone mid-message, a malformed one, or shutdown: the
            # connection ends, the proxy goes on.
            return
        finally:
            if upstream is not None:
                upstream[1].close()
            writer.close()

    def control(self, method, path, target):
        name = path[len(CONTROL_PREFIX) :]
        if name == "stats":
            return "200 OK", stats(self.records, self.delay_ms)
        if name == "reset" and method == "POST":
            self.records = []
            return "200 OK", {"reset": True}
        if name == "delay" and method == "POST":
            values = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).get("ms")
            if values and values[0].isdigit():
                self.delay_ms = int(values[0])
                return "200 OK", {"delay_ms": self.delay_ms}
            return "400 Bad Request", {"error": "delay needs ?ms=N"}
        return "404 Not Found", {"error": f"no control path {path}"}


def self_test():
    """The rounds arithmetic on known intervals, and the proxy end to end."""
    import http.client
    import http.server
    import threading
    import unittest

    class Rounds(unittest.TestCase):
        def test_known_intervals(self):
            self.assertEqual(rounds([]), 0)
            # Three in a row.
            self.assertEqual(rounds([(0, 1), (1, 2), (2, 3)]), 3)
            # All at once: one round.
            self.assertEqual(rounds([(0, 5), (0, 5), (1, 4)]), 1)
            # Two waves of three, and a long request across both.
            wave = [(0, 1), (0, 1.2), (0.1, 1), (1.3, 2), (1.3, 2.5), (1.4, 2.2), (0, 2.5)]
            self.assertEqual(rounds(wave), 2)
            # Greedy by end, not by start: the long first interval must lose.
            self.assertEqual(rounds([(0, 10), (1, 2), (3, 4), (5, 6)]), 3)
            self.assertEqual(
                longest_chain([(5, 6, "c"), (0, 10, "x"), (3, 4, "b"), (1, 2, "a")]),
                [(1, 2, "a"), (3, 4, "b"), (5, 6, "c")],
            )
            self.assertEqual(max_in_flight(wave), 4)
            self.assertEqual(max_in_flight([(0, 1), (1, 2)]), 1)

        def test_action_and_kind(self):
            self.assertEqual(action_of("/", b"Action=CreateRole&Version=2010-05-08"), "CreateRole")
            self.assertEqual(action_of("/?Action=GetRole&RoleName=x", b""), "GetRole")
            s = stats([(0, 1, "CreateRole"), (1, 2, "GetRole"), (1, 2, "AttachRolePolicy")], 50)
            self.assertEqual((s["requests"], s["mutating"], s["reads"], s["rounds"]), (3, 2, 1, 2))
            self.assertEqual(s["actions"], {"AttachRolePolicy": 1, "CreateRole": 1, "GetRole": 1})

    class Upstream(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Buffered: a response leaves in one write, as moto's do, and not
        # headers and body apart (Nagle against a delayed ACK: 40 ms each).
        wbufsize = -1

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/chunked":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in (b"ab", b"cde"):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
                return
            answer = b"echo:" + body
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    class EndToEnd(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            cls.upstream = http.server.ThreadingHTTPServer((LOOPBACK, 0), Upstream)
            threading.Thread(target=cls.upstream.serve_forever, args=(0.05,), daemon=True).start()
            cls.proxy = Proxy(cls.upstream.server_address[1], 200)
            cls.loop = asyncio.new_event_loop()
            threading.Thread(target=cls.loop.run_forever, daemon=True).start()
            cls.port = asyncio.run_coroutine_threadsafe(cls.proxy.start(0), cls.loop).result()

        @classmethod
        def tearDownClass(cls):
            async def stop():
                cls.proxy.server.close()
                others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                for task in others:
                    task.cancel()
                await asyncio.gather(*others, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(stop(), cls.loop).result()
            cls.loop.call_soon_threadsafe(cls.loop.stop)
            cls.upstream.shutdown()

        def setUp(self):
            self.assertEqual(self.call("POST", "/__latency/reset"), (200, b'{"reset": true}'))

        def call(self, method, path, body=b"", conn=None):
            c = conn or http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
            c.request(method, path, body=body)
            r = c.getresponse()
            data = r.read()
            if conn is None:
                c.close()
            return r.status, data

        def stats(self):
            return json.loads(self.call("GET", "/__latency/stats")[1])

        def test_concurrent_requests_are_delayed_concurrently(self):
            results = []

            def one(i):
                results.append(self.call("POST", "/", f"Action=GetRole&n={i}".encode()))

            threads = [threading.Thread(target=one, args=(i,)) for i in range(5)]
            began = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.monotonic() - began
            self.assertEqual(
                sorted(results),
                sorted((200, f"echo:Action=GetRole&n={i}".encode()) for i in range(5)),
            )
            # Five requests of 200 ms each: about 200 ms at once, 1 s queued.
            self.assertGreaterEqual(took, 0.2)
            self.assertLess(took, 0.6)
            s = self.stats()
            self.assertEqual((s["requests"], s["rounds"], s["max_in_flight"]), (5, 1, 5))
            self.assertEqual(s["actions"], {"GetRole": 5})

        def test_keep_alive_requests_in_sequence_are_rounds(self):
            before = self.proxy.connections
            conn = http.client.HTTPConnection(LOOPBACK, self.port, timeout=5)
            self.assertEqual(
                self.call("POST", "/__latency/delay?ms=20", conn=conn), (200, b'{"delay_ms": 20}')
            )
            try:
                for action in ("CreateRole", "GetRole", "AttachRolePolicy"):
                    self.assertEqual(
                        self.call("POST", "/", f"Action={action}".encode(), conn),
                        (200, f"echo:Action={action}".encode()),
                    )
                self.assertEqual(
                    self.call("POST", "/chunked", b"Action=ListRoles", conn), (200, b"abcde")
                )
                s = json.loads(self.call("GET", "/__latency/stats", conn=conn)[1])
            finally:
                self.call("POST", "/__latency/delay?ms=200", conn=conn)
                conn.close()
            # One client connection carried all of them.
            self.assertEqual(self.proxy.connections - before, 1)
            self.assertEqual((s["requests"], s["rounds"], s["mutating"], s["reads"]), (4, 4, 2, 2))
            self.assertEqual(s["chain"], ["CreateRole", "GetRole", "AttachRolePolicy", "ListRoles"])
            self.assertGreaterEqual(s["span_ms"], 4 * 20)

        def test_other_hosts_are_refused(self):
            self.assertEqual(self.call("GET", "http://example.com/")[0], 403)
            self.assertEqual(self.call("GET", "http://127.0.0.1:1/")[0], 403)
            self.assertEqual(self.call("CONNECT", "example.com:443")[0], 403)
            self.assertEqual(self.stats()["requests"], 0)

    suite = unittest.TestSuite()
    for case in (Rounds, EndToEnd):
        suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(case))
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    return 0 if result.wasSuccessful() else 1


async def main_async(args):
    proxy = Proxy(args.upstream_port, args.delay_ms)
    port = await proxy.start(args.port)
    # The script that started us reads this line to learn the port.
    print(
        f"listening {LOOPBACK}:{port} upstream {LOOPBACK}:{args.upstream_port} delay {args.delay_ms} ms",
        flush=True,
    )
    async with proxy.server:
        await proxy.server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream-port", type=int, help="the loopback port to forward to")
    parser.add_argument(
        "--port", type=int, default=0, help="the loopback port to listen on (0: any free one)"
    )
    parser.add_argument(
        "--delay-ms", type=int, default=0, help="added before forwarding each request"
    )
    parser.add_argument(
        "--self-test", action="store_true", help="run the proxy's own tests and exit"
    )
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.upstream_port is None:
        parser.error("--upstream-port is required")
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
