"""Turns (shipskip/running.py): at most N of a worker's threads run requests at once, in the
order they asked, and a thread that only waits on others gives its turn away meanwhile."""

import threading
import time

import pytest

from shipskip import running
from shipskip.running import Turns
from votes.batching import GroupCommit

WAIT = 5  # seconds; only reached when a test fails


def wait_until(condition, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.001)


def queued(turns: Turns) -> int:
    with turns._lock:
        return len(turns._line)


def test_no_more_than_its_size_hold_a_turn_at_once():
    turns = Turns(2)
    inside, most, lock = 0, 0, threading.Lock()
    go = threading.Event()

    def request():
        nonlocal inside, most
        with turns.held():
            with lock:
                inside += 1
                most = max(most, inside)
            go.wait(WAIT)
            time.sleep(0.002)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    wait_until(lambda: queued(turns) == 4)  # two inside, four in line
    assert inside == 2
    go.set()
    for thread in threads:
        thread.join(WAIT)
    assert most == 2
    assert turns._free == 2 and not turns._line  # every turn came back


def take_in_order(turns: Turns, names, enter):
    """Start a thread per name running ``enter(name)``, each in line before the next starts."""
    threads = []
    for name in names:
        before = queued(turns)
        thread = threading.Thread(target=enter, args=(name,), name=name)
        thread.start()
        wait_until(lambda before=before: queued(turns) == before + 1)
        threads.append(thread)
    return threads


def test_turns_go_in_the_order_they_were_asked_for():
    turns = Turns(1)
    order = []
    release = threading.Lock()
    release.acquire()

    def holder():
        with turns.held():
            release.acquire(timeout=WAIT)

    def enter(name):
        with turns.held():
            order.append(name)

    first = threading.Thread(target=holder)
    first.start()
    wait_until(lambda: turns._free == 0)
    threads = take_in_order(turns, ["a", "b", "c", "d"], enter)
    release.release()
    for thread in [first, *threads]:
        thread.join(WAIT)
    assert order == ["a", "b", "c", "d"]


def test_a_thread_back_from_waiting_goes_before_the_line():
    turns = Turns(1)
    order = []
    in_wait, done_waiting = threading.Event(), threading.Event()
    release = threading.Lock()
    release.acquire()

    def voter():
        with turns.held():
            with running.waiting():  # its batch runs elsewhere; someone else may run
                in_wait.set()
                done_waiting.wait(WAIT)
            order.append("voter")

    def holder():
        with turns.held():
            release.acquire(timeout=WAIT)
            order.append("holder")

    def enter(name):
        with turns.held():
            order.append(name)

    vote = threading.Thread(target=voter)
    vote.start()
    assert in_wait.wait(WAIT)
    busy = threading.Thread(target=holder)
    busy.start()  # takes the turn the voter gave away
    wait_until(lambda: turns._free == 0)
    others = take_in_order(turns, ["page-1", "page-2"], enter)
    done_waiting.set()  # the voter's batch is done: it asks again, ahead of the pages
    wait_until(lambda: queued(turns) == 3)
    release.release()
    for thread in [vote, busy, *others]:
        thread.join(WAIT)
    assert order == ["holder", "voter", "page-1", "page-2"]


def test_a_turn_comes_back_when_the_request_fails():
    turns = Turns(1)
    with pytest.raises(RuntimeError), turns.held():
        raise RuntimeError("the view failed")
    with turns.held():  # would block for ever if the turn were lost
        pass
    assert turns._free == 1


def test_waiting_outside_a_turn_changes_nothing():
    with running.waiting():
        pass  # tests, commands and runserver have no turns
    turns = Turns(1)
    with turns.held():
        pass
    with running.waiting():  # after a turn ended, the thread holds none
        pass
    assert turns._free == 1


def test_a_vote_waiting_for_its_batch_lets_another_request_run():
    """Two turns: thread A leads a batch that blocks; thread B's vote queues behind
    it and gives its turn away, so a page request C runs before either vote is done."""
    turns = Turns(2)
    release, started, events = threading.Event(), threading.Event(), []

    def run(items):
        if items == ["a"]:
            started.set()
            assert release.wait(WAIT)
        return [f"done {item}" for item in items]

    group = GroupCommit(run)

    def vote(item):
        with turns.held():
            events.append(group.submit(item))

    def page():
        with turns.held():
            events.append("page")

    a = threading.Thread(target=vote, args=("a",))
    a.start()
    assert started.wait(WAIT)
    b = threading.Thread(target=vote, args=("b",))
    b.start()
    wait_until(lambda: len(group._waiting) == 1)
    c = threading.Thread(target=page)
    c.start()  # both turns were taken by the votes; b gave its own away
    c.join(WAIT)
    assert events == ["page"]
    release.set()
    for thread in (a, b):
        thread.join(WAIT)
    assert sorted(events) == ["done a", "done b", "page"]
    assert turns._free == 2


def test_a_turn_needs_a_size():
    with pytest.raises(ValueError):
        Turns(0)
