"""The gunicorn worker takes turns at the shared socket: it steps back after an accept only
once it holds more connections than it has threads."""

from types import SimpleNamespace

from gunicorn.workers.gthread import ThreadWorker

from shipskip import gunicorn_worker
from shipskip.gunicorn_worker import FairThreadWorker


def worker_accepting(monkeypatch, threads: int) -> tuple[FairThreadWorker, list[float]]:
    worker = object.__new__(FairThreadWorker)  # no sockets or threads: only the accept rule
    worker.cfg = SimpleNamespace(threads=threads)
    worker.nr_conns = 0

    def accepted(self, listener):
        self.nr_conns += 1

    pauses = []
    monkeypatch.setattr(ThreadWorker, "accept", accepted)
    monkeypatch.setattr(gunicorn_worker.time, "sleep", pauses.append)
    return worker, pauses


def test_a_worker_accepts_a_connection_per_thread_without_pausing(monkeypatch):
    worker, pauses = worker_accepting(monkeypatch, threads=4)
    for _ in range(4):
        worker.accept(listener=None)
    assert worker.nr_conns == 4
    assert pauses == []


def test_beyond_a_connection_per_thread_each_accept_leaves_the_next_to_another_worker(
    monkeypatch,
):
    worker, pauses = worker_accepting(monkeypatch, threads=4)
    for _ in range(7):
        worker.accept(listener=None)
    assert pauses == [gunicorn_worker.ACCEPT_PAUSE_SECONDS] * 3
