"""map_hold_finish: the same results on one process or several, and worker failures surface."""

from __future__ import annotations

import pytest

from newsclust.parallel import WorkerError, chunks, map_chunks, map_hold_finish


def _first(chunk):
    # The state stays in the worker; only the sum travels.
    return list(chunk), sum(chunk)


def _between(sums):
    return sum(sums)


def _finish(index, state, total):
    return [(index, item, total) for item in state]


def _fails(chunk):
    if 13 in chunk:
        raise ValueError("unlucky chunk")
    return chunk, None


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_back_in_order_whatever_the_number_of_processes(jobs):
    items = list(range(100))
    result = map_hold_finish(_first, _between, _finish, chunks(items, 7), jobs=jobs)
    total = sum(items)
    assert result == [(item // 7, item, total) for item in items]


def test_no_items_still_runs_the_corpus_step():
    seen = []
    result = map_hold_finish(_first, seen.append, _finish, [], jobs=2)
    assert result == [] and seen == [[]]


def test_a_failing_worker_raises_in_the_caller_with_its_traceback():
    with pytest.raises(WorkerError, match="unlucky chunk"):
        map_hold_finish(_fails, _between, _finish, chunks(list(range(50)), 5), jobs=2)


_table: dict[int, str] = {}


def _set_table(table: dict[int, str]) -> None:
    global _table
    _table = table


def _look_up(chunk):
    return [_table[i] for i in chunk]


@pytest.mark.parametrize("jobs", [1, 2])
def test_map_chunks_gives_every_process_the_initializer_data(jobs):
    table = {i: f"item {i}" for i in range(50)}
    try:
        result = map_chunks(_look_up, list(range(50)), jobs=jobs, chunk_size=8,
                            initializer=_set_table, initargs=(table,))
    finally:
        _set_table({})
    assert result == [f"item {i}" for i in range(50)]
