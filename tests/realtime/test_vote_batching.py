"""The room pool's batching (``dbpool.batched``), which vote casts go through:
calls arriving together run as one, each caller gets its own outcome."""

from __future__ import annotations

import asyncio
import threading

import pytest

from realtime import dbpool


@pytest.fixture(autouse=True)
def _pool(settings):
    settings.ROOM_BATCH_SECONDS = 0.05
    settings.ROOM_BATCH_MAX = 4
    settings.ROOM_BATCH_PARALLEL = 2
    yield
    dbpool.shutdown()


class Recorder:
    """A batch function that records the batches it was given."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[list[int]] = []
        self.delay = delay
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, items: list[int]) -> list:
        with self.lock:
            self.batches.append(list(items))
            self.running += 1
            self.most = max(self.most, self.running)
        threading.Event().wait(self.delay)
        with self.lock:
            self.running -= 1
        return [ValueError(f"odd {n}") if n % 2 else n * 10 for n in items]


async def _outcome(key, func, item):
    try:
        return await dbpool.batched(key, func, item)
    except ValueError as exc:
        return str(exc)


async def test_calls_arriving_together_run_as_one_batch_each_answered():
    func = Recorder()
    outcomes = await asyncio.gather(*(_outcome("k", func, n) for n in range(4)))
    assert outcomes == [0, "odd 1", 20, "odd 3"]
    assert func.batches == [[0, 1, 2, 3]]
    assert not dbpool._queues  # nothing left behind


async def test_batches_are_capped_and_at_most_two_run_at_once():
    func = Recorder(delay=0.3)
    first = [asyncio.ensure_future(_outcome("k", func, n)) for n in range(2)]
    await asyncio.sleep(0.08)  # the first batch is running
    rest = [asyncio.ensure_future(_outcome("k", func, n)) for n in range(2, 12)]
    outcomes = await asyncio.gather(*first, *rest)
    assert outcomes == [n * 10 if n % 2 == 0 else f"odd {n}" for n in range(12)]
    assert func.batches[0] == [0, 1]
    assert all(len(b) <= 4 for b in func.batches)
    assert sorted(n for b in func.batches for n in b) == list(range(12))
    assert func.most == 2


async def test_a_failing_batch_fails_each_of_its_callers_and_no_other_key():
    def broken(items):
        raise RuntimeError("database gone")

    results = await asyncio.gather(
        dbpool.batched("a", broken, 1),
        dbpool.batched("a", broken, 2),
        dbpool.batched("b", Recorder(), 4),
        return_exceptions=True,
    )
    assert [type(r).__name__ for r in results] == [
        "RuntimeError",
        "RuntimeError",
        "int",
    ]
    assert results[2] == 40
