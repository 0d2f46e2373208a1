"""gunicorn's threaded worker, taking turns at the shared listening socket.

Every worker waits on the same socket, and whichever wakes first takes the next connection.
When a client opens many keep-alive connections at once (a browser pool, nginx's upstream pool,
the benchmark's 32), one worker often took most of them (seen with ``ss -tnp``: 27 of 32, even
31) and then served them all from one core, behind one GIL, while the others idled: a fifth to a
third of the machine unused and a long latency tail.

So the workers of one master keep their connection counts on a shared board (an anonymous
shared memory map the master creates before it forks them). A worker that already holds a
connection per thread, and more than a sibling holds, pauses a moment after each further
accept so that sibling gets the next one: the benchmark's 32 connections then land 10 to 11 a
worker, where a pause after every accept left 5 to 17. Below a connection per thread, and so
at any ordinary load, it accepts exactly as gunicorn's own worker does.

One shared socket stays: a socket per worker (``reuse_port``) spread connections too, but a
worker that stops resets the connections still queued on its socket (``make faults``).

Its responses also send their headers with the first piece of the body, in one write
(``OneWriteResponse``): gunicorn writes them apart, and a node killed between the two writes
left nginx holding a header it could not pass on to the other node, while the vote it answered
was committed (``make cluster-test``, check 5, failed about one run in eight).

And it has more threads than run requests at once (``limit_running``, ``shipskip.running``):
the others are votes waiting for the batch that commits them.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import struct
import time

from gunicorn.http import wsgi
from gunicorn.workers.gthread import ThreadWorker

from shipskip.running import Turns

# A pause lets a woken sibling reach accept(); on a busy two-core machine a sibling may need a
# few before it is scheduled, and each ends early once it has caught up.
ACCEPT_PAUSE_SECONDS = 0.001
ACCEPT_PAUSES = 5

SLOTS = 64  # workers of one master; a worker that finds no free slot just never pauses
_SLOT = struct.Struct("qq")  # the worker's pid, the connections it holds


class Board:
    """Each worker's open connections, in memory shared by the workers of one master."""

    def __init__(self, slots: int = SLOTS) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, slots * _SLOT.size)  # MAP_SHARED: forks see one copy
        self._claiming = multiprocessing.Lock()

    def claim(self, pid: int) -> int | None:
        """A slot for ``pid``: a free one, or one a worker that has ended left behind."""
        with self._claiming:
            for slot in range(self.slots):
                holder, _ = _SLOT.unpack_from(self._memory, slot * _SLOT.size)
                if holder == 0 or holder == pid or not _alive(holder):
                    _SLOT.pack_into(self._memory, slot * _SLOT.size, pid, 0)
                    return slot
        return None

    def release(self, slot: int) -> None:
        _SLOT.pack_into(self._memory, slot * _SLOT.size, 0, 0)

    def set(self, slot: int, connections: int) -> None:
        struct.pack_into("q", self._memory, slot * _SLOT.size + 8, connections)

    def fewest_elsewhere(self, slot: int) -> int | None:
        """The fewest connections any other live worker holds (None: no other worker)."""
        fewest = None
        for other in range(self.slots):
            if other == slot:
                continue
            pid, connections = _SLOT.unpack_from(self._memory, other * _SLOT.size)
            if pid and (fewest is None or connections < fewest) and _alive(pid):
                fewest = connections
        return fewest


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, under another user
        pass
    return True


class _Collect:
    """A socket stand-in that keeps what is sent to it."""

    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += data


class OneWriteResponse(wsgi.Response):
    """gunicorn's response, whose headers leave with the first piece of the body in one
    ``sendall``: a client (or nginx) then has the whole of a small answer or none of it.
    Responses without a body written through ``write`` (HEAD, 204/304, files sent with
    ``sendfile``, an empty body) send their headers as gunicorn does."""

    def write(self, arg) -> None:
        if self.headers_sent or not arg or self._omits_body:
            super().write(arg)
            return
        # gunicorn writes the headers, then the body framed as it frames it (chunked or not):
        # both are gathered here and leave together (the headers alone when no body follows,
        # a Content-Length already reached).
        sock, self.sock = self.sock, _Collect()
        try:
            super().write(arg)
        finally:
            gathered, self.sock = self.sock.data, sock
            if gathered:
                sock.sendall(gathered)


# Made when the master imports the worker class, before any fork.
board = Board()


class FairThreadWorker(ThreadWorker):
    _slot: int | None = None
    _connections = 0

    # gthread counts its open connections in nr_conns; every change is posted to the board.
    @property
    def nr_conns(self) -> int:
        return self._connections

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._connections = value
        if self._slot is not None:
            board.set(self._slot, value)

    def init_process(self) -> None:
        # gthread builds each response with wsgi.create(), which takes this module name.
        wsgi.Response = OneWriteResponse
        self._slot = board.claim(os.getpid())
        try:
            super().init_process()  # serves until the worker stops
        finally:
            if self._slot is not None:
                board.release(self._slot)

    turns: Turns | None = None

    def limit_running(self, threads: int) -> None:
        """Let at most ``threads`` of this worker's threads run requests at once
        (``shipskip.running``); gunicorn.conf.py calls it in ``post_worker_init``."""
        self.turns = Turns(threads) if threads < self.cfg.threads else None

    def handle_request(self, req, conn):
        if self.turns is None:
            return super().handle_request(req, conn)
        with self.turns.held():  # the request is read; its answer is written within the turn
            return super().handle_request(req, conn)

    def accept(self, listener) -> None:
        super().accept(listener)
        if self._slot is None or self.nr_conns <= self.cfg.threads:
            return
        for _ in range(ACCEPT_PAUSES):
            if not self._sibling_has_fewer():
                return
            time.sleep(ACCEPT_PAUSE_SECONDS)

    def _sibling_has_fewer(self) -> bool:
        fewest = board.fewest_elsewhere(self._slot)
        return fewest is not None and fewest < self.nr_conns - 1
