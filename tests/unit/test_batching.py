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


def first_blocks_while_others_arrive(run_later, count):
    """Run item 0 alone in a batch that blocks until items 1..count-1 are all queued behind it
    (each from its own thread), then let it finish. Returns every batch ``run`` saw and each
    item's outcome (or error)."""
    release, started, batches, outcomes = threading.Event(), threading.Event(), [], {}

    def run(items):
        batches.append(list(items))
        if len(batches) == 1:
            started.set()
            assert release.wait(5)
            return ["first" for _ in items]
        return run_later(items)

    group = GroupCommit(run)

    def submit(item):
        try:
            outcomes[item] = group.submit(item)
        except Exception as error:  # what the item's thread would raise
            outcomes[item] = error

    threads = [threading.Thread(target=submit, args=(0,), name="submit-0")]
    threads[0].start()
    assert started.wait(5)
    for item in range(1, count):
        threads.append(threading.Thread(target=submit, args=(item,), name=f"submit-{item}"))
        threads[-1].start()
    while len(group._waiting) < count - 1:  # every other thread is queued behind the batch
        threading.Event().wait(0.001)
    release.set()
    for thread in threads:
        thread.join(5)
    assert not group._running
    return batches, outcomes


def test_items_that_arrive_during_a_batch_run_together_in_the_next_one():
    batches, outcomes = first_blocks_while_others_arrive(
        lambda items: [f"outcome {item}" for item in items], 6
    )
    assert batches[0] == [0]
    assert sorted(batches[1]) == [1, 2, 3, 4, 5] and len(batches) == 2
    assert outcomes == {0: "first"} | {item: f"outcome {item}" for item in range(1, 6)}


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
    def fail(items):
        raise ValueError("batch two failed")

    batches, outcomes = first_blocks_while_others_arrive(fail, 4)
    assert outcomes[0] == "first" and len(batches) == 2
    assert {item: str(outcomes[item]) for item in (1, 2, 3)} == dict.fromkeys(
        (1, 2, 3), "batch two failed"
    )
    assert all(isinstance(outcomes[item], ValueError) for item in (1, 2, 3))


def test_each_batch_runs_on_the_thread_of_its_first_item():
    """A batch runs on a thread that submitted to it (each thread has its own database
    connection), and that thread is the first of its items: the one that waited longest."""
    ran_on = []

    def run_later(items):
        ran_on.append((items[0], threading.current_thread().name))
        return [f"outcome {item}" for item in items]

    batches, outcomes = first_blocks_while_others_arrive(run_later, 5)
    assert len(batches) == 2 and batches[1][0] == ran_on[0][0]
    assert ran_on == [(batches[1][0], f"submit-{batches[1][0]}")]
    assert outcomes == {0: "first"} | {item: f"outcome {item}" for item in range(1, 5)}
