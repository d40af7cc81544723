"""The HTTP layer's limits and protocol edges against the real binary, over raw sockets: clients
that disconnect or stall, oversized announcements, Expect: 100-continue, keep-alive, pipelining,
HTTP/1.0, malformed requests. After every test the server must still answer.

The server runs with --header-timeout 1s and --max-request-size 1MiB.
"""
import json
import socket
import threading
import time
import unittest

from harness import Response, Server, ServerTest, read_http_response, wait_until

MiB = 1024 * 1024


class HttpTest(ServerTest):
    server_args = ("--header-timeout", "1s", "--max-request-size", "1MiB")

    def setUp(self):
        # A test that crashed the server reported it; the next one gets a fresh server.
        if not self.server.answers():
            self.server.cleanup()
            type(self).server = Server(args=self.server_args).start()
        self.q = self.id().rsplit(".", 1)[-1][:100]
        self.make_queue(self.q)

    def tearDown(self):
        self.assertServerAlive(self.id())

    def connect(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=timeout)

    def head(self, method, path, extra="", length=None):
        lines = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if length is not None:
            lines += f"Content-Length: {length}\r\n"
        return (lines + extra + "\r\n").encode()

    def assertClosedWithin(self, sock, seconds):
        """The server closes the connection (recv returns b'' or a reset) within `seconds`;
        any bytes it sends first (an error response) are returned."""
        sock.settimeout(seconds)
        received = b""
        started = time.monotonic()
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            self.fail(f"connection still open after {seconds}s (got {received[:200]!r})")
        return received, time.monotonic() - started

    def open_connections(self):
        return self.server.metric("sluice_http_open_connections")

    def wait_for_server_to_drop(self, what):
        """Waits until the server closed the aborted connection (only ours stays open)."""
        try:
            wait_until(lambda: self.open_connections() == 1, timeout=10,
                       message=f"the server to close the connection after {what}")
        except OSError:
            self.assertServerAlive(what)
            raise

    def assertJsonError(self, resp, status):
        self.assertEqual(resp.status, status, resp)
        err = resp.json["error"]
        self.assertTrue(err["code"], resp)
        self.assertTrue(err["message"], resp)
        self.assertTrue(err["request_id"], resp)
        return err


class TestBrokenClients(HttpTest):
    def test_disconnect_mid_body_stores_nothing(self):
        for path, body in ((f"/v1/queues/{self.q}/messages", b"x" * 1000),
                           (f"/v1/queues/{self.q}/messages/batch",
                            json.dumps({"messages": [{"body": "a"}, {"body": "b"}]}).encode())):
            with self.subTest(path):
                with self.connect() as s:
                    s.sendall(self.head("POST", path, length=len(body)) + body[:len(body) // 2])
                self.wait_for_server_to_drop("a client disconnected mid-body")
                st = self.server.queue_stats(self.q)
                self.assertEqual((st["visible"], st["in_flight"], st["published"]), (0, 0, 0), st)
        # And the queue still works.
        self.assertEqual(self.server.publish(self.q, "after").status, 201)
        self.assertEqual(self.server.queue_stats(self.q)["visible"], 1)

    def test_disconnect_mid_headers(self):
        with self.connect() as s:
            s.sendall(b"POST /v1/queues/" + self.q.encode() + b"/messages HTTP/1.1\r\nHost: x\r\nCont")
        self.wait_for_server_to_drop("a client disconnected mid-headers")
        self.assertEqual(self.server.queue_stats(self.q)["published"], 0)

    def test_stalled_headers_are_cut_off_after_header_timeout(self):
        with self.connect() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never the blank line
            received, elapsed = self.assertClosedWithin(s, 5)
        self.assertGreaterEqual(elapsed, 0.5)
        if received:  # an error response before closing is fine; a 200 is not
            self.assertFalse(received.startswith(b"HTTP/1.1 200"), received)

    def test_slowloris_drip_is_cut_off_after_header_timeout(self):
        """A byte now and then must not keep the header phase alive past the timeout."""
        header = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: " + b"a" * 100
        started = time.monotonic()
        with self.connect() as s:
            closed = False
            for byte in header:
                try:
                    s.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                s.settimeout(0.1)  # the drip's pace
                try:
                    if s.recv(65536) == b"":
                        closed = True
                        break
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    closed = True
                    break
                if time.monotonic() - started > 5:
                    break
        self.assertTrue(closed, "a dripping client kept its connection for 5 s")
        self.assertLess(time.monotonic() - started, 5)

    def test_server_serves_others_while_a_client_stalls(self):
        with self.connect() as stalled:
            stalled.sendall(b"POST /v1/queues/x/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            started = time.monotonic()
            with self.server.client() as c:
                self.assertEqual(c.publish(self.q, "meanwhile").status, 201)
            self.assertLess(time.monotonic() - started, 1.0)


def queue_shard(name, shards):
    """The queue's home shard, as queue_frontend::shard_for computes it (FNV-1a)."""
    h = 1469598103934665603
    for c in name.encode():
        h = ((h ^ c) * 1099511628211) % 2**64
    return h % shards


class TestConnectionAffinity(ServerTest):
    """A connection whose small requests keep working on another shard's queue moves to that
    shard between requests (4 in a row); large ones stay. Moving keeps the connection."""
    shards = 4
    server_args = ("--shards", str(shards))

    def setUp(self):
        names = (f"{self.id().rsplit('.', 1)[-1][:60]}-{i}" for i in range(1000))
        by_shard = {}
        for name in names:
            by_shard.setdefault(queue_shard(name, self.shards), name)
        self.qa, self.qb = by_shard[0], by_shard[1]
        self.make_queue(self.qa)
        self.make_queue(self.qb)

    def moved(self):
        return self.server.metric("sluice_http_connections_moved_total")

    def accepted(self):
        return self.server.metric("sluice_http_connections_accepted_total")

    def test_small_requests_move_the_connection_and_keep_it(self):
        with self.server.client() as c:
            self.assertEqual(c.get("/healthz").status, 200)
            sock, moved, accepted = c._conn.sock, self.moved(), self.accepted()
            for q in (self.qa, self.qb):
                for i in range(6):
                    r = c.publish(q, f"{q}-{i}")
                    self.assertEqual(r.status, 201, r)
            # On qa's shard already (0 moves), or not (1), then on to qb's (1).
            self.assertIn(self.moved() - moved, (1, 2))
            got = {q: [] for q in (self.qa, self.qb)}
            for q in (self.qa, self.qb):
                while len(got[q]) < 6:
                    r = c.receive(q, max_messages=10, wait="1s")
                    self.assertEqual(r.status, 200, r)
                    got[q] += [m["body"] for m in r.json["messages"]]
            self.assertIs(c._conn.sock, sock, "the client had to reconnect")
            self.assertEqual(self.accepted(), accepted, "the client had to reconnect")
        for q in (self.qa, self.qb):
            self.assertEqual(sorted(got[q]), sorted(f"{q}-{i}" for i in range(6)))

    def test_large_requests_do_not_move_the_connection(self):
        batch = {"messages": [{"body": "x" * 1000} for _ in range(80)]}  # ~80 KiB
        with self.server.client() as c:
            for i in range(5):
                self.assertEqual(c.publish(self.qa, f"small-{i}").status, 201)
            moved = self.moved()  # now on qa's shard
            for _ in range(6):
                r = c.publish_batch(self.qb, batch["messages"])
                self.assertEqual(r.status, 201, r)
            self.assertEqual(self.moved(), moved, "a connection moved for large requests")
            for i in range(5):
                self.assertEqual(c.publish(self.qb, f"small-{i}").status, 201)
            self.assertEqual(self.moved(), moved + 1)
        self.assertEqual(self.server.queue_stats(self.qb)["visible"], 6 * 80 + 5)

    def test_pipelined_requests_across_a_move_are_answered_in_order(self):
        head = f"POST /v1/queues/{self.qb}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\n"
        head_a = f"POST /v1/queues/{self.qa}/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\n"
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            for i in range(5):  # on qa's shard first, so qb's requests must move it
                s.sendall(head_a.encode() + b"a%02d" % i)
                self.assertEqual(read_http_response_keepalive(s).status, 201)
            moved = self.moved()
            for round_ in range(5):  # pipelined and one at a time, so moves happen in between
                s.sendall(b"".join(head.encode() + b"p%02d" % (round_ * 10 + i) for i in range(10)))
                statuses = [read_http_response_keepalive(s).status for _ in range(10)]
                self.assertEqual(statuses, [201] * 10)
                for i in range(3):
                    s.sendall(head.encode() + b"s%02d" % (round_ * 10 + i))
                    self.assertEqual(read_http_response_keepalive(s).status, 201)
            self.assertEqual(self.moved(), moved + 1)
        self.assertEqual(self.server.queue_stats(self.qb)["visible"], 65)


class TestMovesDuringShutdown(unittest.TestCase):
    """Connections moving between shards while the server stops: it stops cleanly, and every
    publish it acknowledged (fsync) is there after a restart."""

    def test_acknowledged_publishes_survive_moves_and_a_stop(self):
        shards = 4
        server = Server(args=("--shards", str(shards))).start()
        self.addCleanup(server.cleanup)
        by_shard = {}
        for i in range(1000):
            by_shard.setdefault(queue_shard(f"mv{i}", shards), f"mv{i}")
        queues = [by_shard[k] for k in sorted(by_shard)]
        for q in queues:
            self.assertEqual(server.create_queue(q).status, 201)
        acked = {q: 0 for q in queues}
        unexpected = []
        lock = threading.Lock()
        stopping = threading.Event()

        def publish_round_robin(t):
            with server.client() as c:
                for i in range(100000):  # until the server stops; bounded anyway
                    q = queues[(i // 5 + t) % len(queues)]  # 5 to a queue: a move every 5
                    try:
                        r = c.publish(q, "m")
                    except OSError:
                        return  # the server closed the connection while stopping
                    if r.status == 201:
                        with lock:
                            acked[q] += 1
                    elif not (stopping.is_set() and r.status == 503):
                        unexpected.append(r)
                    if r.status != 201 and stopping.is_set():
                        return

        threads = [threading.Thread(target=publish_round_robin, args=(t,)) for t in range(8)]
        for th in threads:
            th.start()
        try:
            wait_until(lambda: (server.metric("sluice_http_connections_moved_total") or 0) >= 200,
                       timeout=60, message="200 connection moves")
        finally:
            stopping.set()
            self.assertEqual(server.stop(), 0, server.log()[-2000:])
            for th in threads:
                th.join(timeout=30)
        self.assertEqual(unexpected, [])
        self.assertIn("stopped cleanly", server.log())
        server.start()
        for q in queues:
            self.assertEqual(server.queue_stats(q)["visible"], acked[q], q)


class TestStartup(unittest.TestCase):
    def test_every_shard_accepts_right_after_start(self):
        """Each shard has its own SO_REUSEPORT acceptor; all of them must accept. (A shard whose
        accept loop died at start-up leaves ~1/N of all new connections hanging forever.)"""
        for attempt in range(10):
            with self.subTest(attempt=attempt):
                server = Server(args=["--shards", "2"])
                try:
                    server.start(check_accept=False)
                    server.check_every_shard_accepts(connections=16)
                finally:
                    server.cleanup()


class TestOversized(HttpTest):
    def test_announced_1gib_body_gets_413_without_sending_it(self):
        with self.connect(timeout=5) as s:
            s.sendall(self.head("POST", f"/v1/queues/{self.q}/messages", length=1 << 30))
            resp = read_http_response(s)
        err = self.assertJsonError(resp, 413)
        self.assertEqual(err["code"], "PayloadTooLarge", resp)
        self.assertEqual(self.server.queue_stats(self.q)["published"], 0)

    def test_chunked_body_over_the_limit_gets_413(self):
        chunk = b"x" * (256 * 1024)
        with self.connect(timeout=10) as s:
            s.sendall(self.head("POST", f"/v1/queues/{self.q}/messages",
                                extra="Transfer-Encoding: chunked\r\n"))
            try:
                for _ in range(8):  # 2 MiB in all
                    s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                s.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the end
            resp = read_http_response(s)
        err = self.assertJsonError(resp, 413)
        self.assertEqual(err["code"], "PayloadTooLarge", resp)
        self.assertEqual(self.server.queue_stats(self.q)["published"], 0)

    def test_headers_over_16kib_get_431(self):
        with self.connect(timeout=5) as s:
            s.sendall(self.head("GET", "/healthz", extra="X-Big: " + "a" * (17 * 1024) + "\r\n"))
            resp = read_http_response(s)
        self.assertJsonError(resp, 431)

    def test_many_headers_over_16kib_get_431(self):
        extra = "".join(f"X-H{i}: {'v' * 100}\r\n" for i in range(200))
        with self.connect(timeout=5) as s:
            s.sendall(self.head("GET", "/healthz", extra=extra))
            resp = read_http_response(s)
        self.assertJsonError(resp, 431)

    def test_headers_just_under_16kib_are_fine(self):
        with self.connect(timeout=5) as s:
            s.sendall(self.head("GET", "/healthz", extra="X-Big: " + "a" * (15 * 1024) + "\r\n"))
            resp = read_http_response(s)
        self.assertEqual(resp.status, 200, resp)


class TestProtocol(HttpTest):
    def test_expect_100_continue(self):
        body = b"continued body"
        with self.connect(timeout=5) as s:
            s.sendall(self.head("POST", f"/v1/queues/{self.q}/messages", length=len(body),
                                extra="Expect: 100-continue\r\n"))
            interim = b""
            while b"\r\n\r\n" not in interim:
                chunk = s.recv(1)
                self.assertTrue(chunk, interim)
                interim += chunk
            self.assertTrue(interim.startswith(b"HTTP/1.1 100"), interim)
            s.sendall(body)
            resp = read_http_response(s)
        self.assertEqual(resp.status, 201, resp)
        [m] = self.server.receive(self.q).json["messages"]
        self.assertEqual(m["body"], "continued body")

    def test_expect_100_continue_over_the_limit_gets_413_not_100(self):
        with self.connect(timeout=5) as s:
            s.sendall(self.head("POST", f"/v1/queues/{self.q}/messages", length=2 * MiB,
                                extra="Expect: 100-continue\r\n"))
            resp = read_http_response(s)
        err = self.assertJsonError(resp, 413)
        self.assertEqual(err["code"], "PayloadTooLarge", resp)

    def test_keep_alive_100_requests_on_one_connection(self):
        with self.server.client() as c:
            self.assertEqual(c.get("/healthz").status, 200)
            sock = c._conn.sock
            for i in range(50):
                r = c.publish(self.q, f"k{i}")
                self.assertEqual(r.status, 201, r)
                self.assertNotEqual(r.headers.get("Connection", "").lower(), "close", r)
            got = []
            for _ in range(49):
                r = c.receive(self.q, max_messages=2)
                self.assertEqual(r.status, 200, r)
                got += r.json["messages"]
            self.assertIs(c._conn.sock, sock, "the connection was replaced")
        self.assertEqual(sorted(m["body"] for m in got), sorted(f"k{i}" for i in range(50)))

    def test_pipelined_requests_are_answered_in_order(self):
        reqs = b"".join(self.head("POST", f"/v1/queues/{self.q}/messages", length=2) + b"p%d" % i
                        for i in range(10))
        reqs += self.head("GET", f"/v1/queues/{self.q}")
        with self.connect(timeout=10) as s:
            s.sendall(reqs)
            statuses = [read_http_response_keepalive(s).status for _ in range(11)]
        self.assertEqual(statuses, [201] * 10 + [200])
        self.assertEqual(self.server.queue_stats(self.q)["visible"], 10)

    def test_http_1_0_request(self):
        with self.connect(timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            resp = read_http_response(s)
            self.assertEqual(resp.status, 200, resp)
            self.assertEqual(json.loads(resp.body), {"status": "ok"})
            self.assertClosedWithin(s, 5)  # HTTP/1.0 without keep-alive: closed after

    def test_http_1_0_publish(self):
        with self.connect(timeout=5) as s:
            s.sendall(b"POST /v1/queues/" + self.q.encode()
                      + b"/messages HTTP/1.0\r\nContent-Length: 4\r\n\r\nold!")
            resp = read_http_response(s)
        self.assertEqual(resp.status, 201, resp)
        self.assertEqual(self.server.receive(self.q).json["messages"][0]["body"], "old!")

    def test_chunked_publish_within_the_limit(self):
        with self.connect(timeout=5) as s:
            s.sendall(self.head("POST", f"/v1/queues/{self.q}/messages",
                                extra="Transfer-Encoding: chunked\r\n")
                      + b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            resp = read_http_response_keepalive(s)
        self.assertEqual(resp.status, 201, resp)
        self.assertEqual(self.server.receive(self.q).json["messages"][0]["body"], "hello world")

    def test_garbage_request_line_gets_400(self):
        with self.connect(timeout=5) as s:
            s.sendall(b"HELLO THERE\r\n\r\n")
            resp = read_http_response(s)
        self.assertJsonError(resp, 400)

    def test_binary_garbage_gets_400_or_a_close(self):
        with self.connect(timeout=5) as s:
            s.sendall(bytes(range(256)) * 4)
            received, _ = self.assertClosedWithin(s, 5)
        if received:
            self.assertTrue(received.startswith(b"HTTP/1.1 400"), received[:100])

    def test_invalid_content_length_gets_400(self):
        with self.connect(timeout=5) as s:
            s.sendall(self.head("POST", f"/v1/queues/{self.q}/messages",
                                extra="Content-Length: lots\r\n") + b"body")
            resp = read_http_response(s)
        self.assertJsonError(resp, 400)
        self.assertEqual(self.server.queue_stats(self.q)["published"], 0)


def read_http_response_keepalive(sock):
    """One response on a connection that stays open (Content-Length framed), without reading
    past it, so several pipelined responses can be read in turn."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = sock.recv(1)
        if not c:
            raise ConnectionError(f"closed mid-response: {buf!r}")
        buf += c
    head = buf.decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    body = b""
    while len(body) < length:
        c = sock.recv(length - len(body))
        if not c:
            break
        body += c
    status = int(head.split(" ", 2)[1])
    return Response(status, {}, body.decode(errors="replace"))


if __name__ == "__main__":
    unittest.main()
