"""GroupCommit (votes/batching.py): threads that arrive while a batch runs share the next one,
and each gets its own outcome or the batch's error."""

import threading

import pytest

from votes.batching import GroupCommit


def test_a_lone_item_is_its_own_batch():
    seen = []
    group = GroupCommit(lambda items: seen.append(list(items)) or [i * 10 for i in items])
    assert group.submit(4) == 40
    assert seen == [[4]]
    assert group.batches == 1


def run_while_first_batch_blocks(group, started, count):
    """Submit item 0, wait until its batch runs, then submit 1..count-1 from other threads."""
    results, threads = {}, []

    def submit(item):
        results[item] = group.submit(item)

    first = threading.Thread(target=submit, args=(0,))
    first.start()
    assert started.wait(5)
    for item in range(1, count):
        thread = threading.Thread(target=submit, args=(item,))
        thread.start()
        threads.append(thread)
    return first, threads, results


def test_items_that_arrive_during_a_batch_run_together_in_the_next_one():
    release, started, batches = threading.Event(), threading.Event(), []

    def run(items):
        batches.append(list(items))
        if len(batches) == 1:
            started.set()
            assert release.wait(5)
        return [f"outcome {item}" for item in items]

    group = GroupCommit(run)
    first, others, results = run_while_first_batch_blocks(group, started, 6)
    while len(group._waiting) < 5:  # every other thread is queued behind the running batch
        threading.Event().wait(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert batches[0] == [0]
    assert sorted(batches[1]) == [1, 2, 3, 4, 5] and len(batches) == 2
    assert results == {item: f"outcome {item}" for item in range(6)}


def test_an_error_reaches_every_item_of_its_batch_and_the_next_batch_runs():
    calls = []

    def run(items):
        calls.append(list(items))
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return ["ok" for _ in items]

    group = GroupCommit(run)
    with pytest.raises(RuntimeError, match="went away"):
        group.submit("first")
    assert group.submit("second") == "ok"
    assert not group._running


def test_followers_of_a_failed_batch_raise_its_error():
    release, started, batches = threading.Event(), threading.Event(), []

    def run(items):
        batches.append(list(items))
        if len(batches) == 1:
            started.set()
            assert release.wait(5)
            return ["fine"]
        raise ValueError("batch two failed")

    group = GroupCommit(run)
    errors = []

    def submit(item):
        try:
            group.submit(item)
        except ValueError as error:
            errors.append((item, str(error)))

    first = threading.Thread(target=group.submit, args=(0,))
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=submit, args=(item,)) for item in (1, 2, 3)]
    for thread in others:
        thread.start()
    while len(group._waiting) < 3:
        threading.Event().wait(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert sorted(errors) == [
        (1, "batch two failed"),
        (2, "batch two failed"),
        (3, "batch two failed"),
    ]
