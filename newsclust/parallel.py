"""Run a function over chunks of work on several processes, results in input order.

Output never depends on the number of processes: chunks are cut by a fixed size, not by the
number of workers, and results come back in order.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
import multiprocessing
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _start_method() -> str | None:
    # fork: workers start in milliseconds and inherit the imported modules (and module-level
    # state set just before the pool starts). Elsewhere, the platform default.
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else None


def _release_free_heap() -> None:
    """Hand the heap's free pages back to the system, where the C library allows it (glibc).

    After a big stage the allocator keeps the memory Python freed (hundreds of MB after
    clustering 100,000 articles), and every forked worker would count those pages again in
    its own footprint. Elsewhere (macOS, musl) this does nothing.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(
    func: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    jobs: int,
    chunk_size: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
) -> list[R]:
    """``func`` over fixed-size chunks of ``items``, flattened, in order.

    ``initializer(*initargs)`` runs first in every process that runs ``func`` (this one
    included): the way to give workers data that all chunks share. With fork its arguments
    are inherited, not pickled. With one job, or one chunk, everything runs in this process
    (no start-up cost).
    """
    parts = chunks(items, chunk_size)
    # The objects that exist now (the corpus) outlive the work: freezing them keeps the garbage
    # collector from walking them on every full collection (here, and in forked workers, where
    # a collection would also write to, and copy, every page they share with this process).
    gc.freeze()
    try:
        if jobs <= 1 or len(parts) <= 1:
            if initializer is not None:
                initializer(*initargs)
            results = [func(part) for part in parts]
        else:
            context = multiprocessing.get_context(_start_method())
            _release_free_heap()
            with context.Pool(min(jobs, len(parts)), initializer, initargs) as pool:
                results = pool.map(func, parts, chunksize=1)
    finally:
        gc.unfreeze()
    return [item for part in results for item in part]


# --- two passes over the same chunks, the second where the first left its data ---------------

S = TypeVar("S")
M = TypeVar("M")
C = TypeVar("C")


def map_hold_finish(
    first: Callable[[Sequence[T]], tuple[S, M]],
    between: Callable[[list[M]], C],
    finish: Callable[[int, S, C], list[R]],
    parts: Iterable[Sequence[T]],
    *,
    jobs: int,
) -> list[R]:
    """Two passes over chunks of work where only small messages travel. The chunks
    (``parts``) are cut by the caller, never by the number of processes.

    ``first(chunk)`` returns (state, message): the state stays in the process that ran it, the
    message comes back. ``between(messages)`` (messages in chunk order) runs here, once, and
    its result goes to every process; then ``finish(index, state, context)`` runs where chunk
    ``index``'s state is, and its results come back, flattened in chunk order.

    This is how a pass that needs the whole corpus (lines repeated across documents) sits
    between two per-document passes without the documents going back and forth. Workers are
    started once; with one job, or one chunk, everything runs in this process. ``parts`` may
    be a generator: chunks go to workers as it makes them.
    """
    parts = iter(parts)
    head = list(itertools.islice(parts, 2))
    if jobs <= 1 or len(head) <= 1:
        held = [first(part) for part in itertools.chain(head, parts)]
        context = between([message for _, message in held])
        results = [finish(index, state, context) for index, (state, _) in enumerate(held)]
    else:
        results = _hold_and_finish_on_workers(
            first, between, finish, itertools.chain(head, parts), jobs
        )
    return [item for part in results for item in part]


def _hold_and_finish_on_workers(first, between, finish, parts, jobs):  # noqa: ANN001, ANN202
    context_kind = multiprocessing.get_context(_start_method())
    workers = []
    finished = False
    queue = _Lookahead(enumerate(parts))
    try:
        # First pass: one chunk in flight per worker, so neither side ever blocks sending
        # while the other is also sending (a pipe holds only so much). A worker is started
        # for each of the first chunks, up to ``jobs``.
        received: dict[int, Any] = {}
        busy = 0
        while len(workers) < jobs and queue.take() is not None:
            here, there = context_kind.Pipe()
            process = context_kind.Process(
                target=_worker_loop, args=(there, first, finish), daemon=True
            )
            process.start()
            there.close()
            workers.append((process, here))
            busy += _send_next(here, queue)
        connections = [conn for _, conn in workers]
        while busy:
            for conn in wait(connections):
                index, message = _received(conn)
                received[index] = message
                busy -= 1
                busy += _send_next(conn, queue)

        count = len(received)
        context = between([received.pop(index) for index in range(count)])
        for conn in connections:
            conn.send(("finish", context))
        results: list[Any] = [None] * count
        running = list(connections)
        while running:
            for conn in wait(running):
                reply = _received(conn)
                if reply is None:
                    running.remove(conn)
                else:
                    index, part = reply
                    results[index] = part
        finished = True
        return results
    finally:
        for process, conn in workers:
            conn.close()
            if not finished:  # a failure here or in a worker: the others need not go on
                process.terminate()
            process.join()


class _Lookahead:
    """Chunks with the next one made in advance: a chunk made by a generator (the folders
    being walked) is ready when a worker asks, instead of the worker waiting for it."""

    def __init__(self, tasks: Iterator[Any]) -> None:
        self._tasks = tasks
        self._next = next(tasks, None)

    def take(self) -> Any:
        return self._next

    def advance(self) -> None:
        self._next = next(self._tasks, None)


def _send_next(conn: Connection, queue: _Lookahead) -> int:
    task = queue.take()
    if task is None:
        return 0
    conn.send(("chunk", task))
    queue.advance()  # while the worker reads its chunk
    return 1


class WorkerError(RuntimeError):
    """A worker process failed; the message carries its traceback."""


def _received(conn: Connection) -> Any:
    try:
        reply = conn.recv()
    except EOFError:
        raise WorkerError("a worker process ended without answering (killed?)") from None
    if isinstance(reply, tuple) and reply and reply[0] == "error":
        raise WorkerError(reply[1])
    return reply


def _worker_loop(conn: Connection, first: Callable, finish: Callable) -> None:
    held: dict[int, Any] = {}
    try:
        while True:
            try:
                kind, payload = conn.recv()
            except EOFError:
                return  # the main process gave up
            if kind == "chunk":
                index, part = payload
                held[index], message = first(part)
                conn.send((index, message))
            else:
                for index in sorted(held):
                    conn.send((index, finish(index, held.pop(index), payload)))
                conn.send(None)
                return
    except BaseException:  # noqa: BLE001 - reported to the main process, which raises it
        conn.send(("error", traceback.format_exc()))
