"""The gunicorn worker takes turns at the shared socket: past a connection per thread, it steps
back after an accept while a sibling worker holds fewer connections (a shared board)."""

import os
import subprocess
import sys
from types import SimpleNamespace

from gunicorn.workers.gthread import ThreadWorker

from shipskip import gunicorn_worker
from shipskip.gunicorn_worker import Board, FairThreadWorker

SIBLING = os.getppid()  # any live process stands in for a sibling worker


def worker_accepting(monkeypatch, threads: int, board: Board | None = None):
    worker = object.__new__(FairThreadWorker)  # no sockets or threads: only the accept rule
    worker.cfg = SimpleNamespace(threads=threads)
    if board is not None:
        monkeypatch.setattr(gunicorn_worker, "board", board)
        worker._slot = board.claim(os.getpid())
    worker.nr_conns = 0

    def accepted(self, listener):
        self.nr_conns += 1

    pauses = []
    monkeypatch.setattr(ThreadWorker, "accept", accepted)
    monkeypatch.setattr(gunicorn_worker.time, "sleep", pauses.append)
    return worker, pauses


def test_a_worker_accepts_a_connection_per_thread_without_pausing(monkeypatch):
    board = Board(slots=4)
    sibling = board.claim(SIBLING)
    board.set(sibling, 0)
    worker, pauses = worker_accepting(monkeypatch, threads=4, board=board)
    for _ in range(4):
        worker.accept(listener=None)
    assert worker.nr_conns == 4
    assert pauses == []


def test_past_a_connection_per_thread_it_waits_for_a_sibling_holding_fewer(monkeypatch):
    board = Board(slots=4)
    sibling = board.claim(SIBLING)
    worker, pauses = worker_accepting(monkeypatch, threads=2, board=board)
    board.set(sibling, 2)
    for _ in range(3):
        worker.accept(listener=None)
    assert pauses == []  # 3 against 2: as even as it gets
    board.set(sibling, 0)
    worker.accept(listener=None)  # 4 against 0: step back, as long as the sibling lags
    assert pauses == [gunicorn_worker.ACCEPT_PAUSE_SECONDS] * gunicorn_worker.ACCEPT_PAUSES

    pauses.clear()

    def sibling_catches_up(seconds):
        pauses.append(seconds)
        board.set(sibling, 4)

    monkeypatch.setattr(gunicorn_worker.time, "sleep", sibling_catches_up)
    worker.accept(listener=None)
    assert len(pauses) == 1  # stops pausing once the sibling has caught up


def test_the_board_counts_every_change_gthread_makes_and_forgets_ended_workers():
    board = Board(slots=2)
    worker = object.__new__(FairThreadWorker)
    worker._slot = board.claim(SIBLING)
    original = gunicorn_worker.board
    gunicorn_worker.board = board
    try:
        worker.nr_conns = 5
        worker.nr_conns -= 1  # as gthread closes a connection
        other = board.claim(os.getpid())
        assert board.fewest_elsewhere(other) == 4
        ended = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        )
        board.release(other)
        board.set(board.claim(int(ended.stdout)), 0)  # a worker that has since exited
        assert board.fewest_elsewhere(worker._slot) is None  # the dead one does not count
        assert board.claim(os.getpid()) is not None  # and its slot is taken over
    finally:
        gunicorn_worker.board = original


def test_workers_forked_from_one_master_share_the_board():
    board = Board(slots=4)
    pid = os.fork()
    if pid == 0:  # the child: post a count, as a worker does
        board.set(board.claim(os.getpid()), 7)
        os._exit(0)
    os.waitpid(pid, 0)
    assert gunicorn_worker._SLOT.unpack_from(board._memory, 0) == (pid, 7)


def test_a_worker_without_a_place_on_the_board_accepts_as_gunicorn_does(monkeypatch):
    board = Board(slots=1)
    board.claim(SIBLING)  # the only slot is taken
    worker, pauses = worker_accepting(monkeypatch, threads=1, board=board)
    assert worker._slot is None
    for _ in range(5):
        worker.accept(listener=None)
    assert worker.nr_conns == 5
    assert pauses == []


class Wire:
    """A socket that records each sendall: one entry per write on the wire."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def response(method: str = "GET", version=(1, 1)):
    from gunicorn.config import Config

    req = SimpleNamespace(method=method, version=version, headers=[], should_close=lambda: False)
    wire = Wire()
    return gunicorn_worker.OneWriteResponse(req, wire, Config()), wire


def test_a_response_leaves_in_one_write_headers_and_body_together():
    resp, wire = response()
    resp.start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "5")])
    resp.write(b"hello")
    resp.close()
    assert len(wire.writes) == 1
    head, body = wire.writes[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: 5" in head
    assert body == b"hello"


def test_a_chunked_response_carries_its_first_chunk_with_the_headers():
    resp, wire = response()
    resp.start_response("200 OK", [("Content-Type", "text/plain")])  # no length: chunked
    resp.write(b"first")
    resp.write(b"second")
    resp.close()
    assert wire.writes[0].endswith(b"\r\n\r\n5\r\nfirst\r\n")
    assert wire.writes[1:] == [b"6\r\nsecond\r\n", b"0\r\n\r\n"]


def test_a_response_without_a_body_still_sends_its_headers():
    for method, status, body in [("HEAD", "200 OK", b"ignored"), ("GET", "304 Not Modified", b"")]:
        resp, wire = response(method)
        resp.start_response(status, [("Content-Length", "7")])
        resp.write(body)
        resp.close()
        assert len(wire.writes) == 1 and wire.writes[0].endswith(b"\r\n\r\n"), (method, status)


def test_a_body_past_its_content_length_still_lets_the_headers_out():
    resp, wire = response()
    resp.start_response("200 OK", [("Content-Length", "0")])
    resp.write(b"extra")
    resp.close()
    assert len(wire.writes) == 1 and wire.writes[0].endswith(b"\r\n\r\n")


def test_workers_build_their_responses_with_it(monkeypatch):
    from gunicorn.http import wsgi

    monkeypatch.setattr(wsgi, "Response", wsgi.Response)  # put back after the test
    monkeypatch.setattr(ThreadWorker, "init_process", lambda self: None)
    monkeypatch.setattr(gunicorn_worker.board, "claim", lambda pid: None)
    FairThreadWorker.init_process(object.__new__(FairThreadWorker))
    assert wsgi.Response is gunicorn_worker.OneWriteResponse


def test_each_request_runs_in_a_turn_when_running_threads_are_limited(monkeypatch):
    from shipskip import running

    seen = []

    def handle_request(self, req, conn):
        seen.append(getattr(running._local, "turns", None))
        return True

    monkeypatch.setattr(ThreadWorker, "handle_request", handle_request)
    worker = object.__new__(FairThreadWorker)
    worker.cfg = SimpleNamespace(threads=8)
    worker.limit_running(4)
    assert worker.handle_request(None, None) is True
    assert seen == [worker.turns] and worker.turns.size == 4
    assert running._local.turns is None  # given back after the request

    worker.limit_running(8)  # as many as threads: no limit, gunicorn's own handling
    worker.handle_request(None, None)
    assert worker.turns is None and seen[-1] is None
