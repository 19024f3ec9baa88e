"""Threads of the numpy engine (:mod:`zhtagger.core.light`): its BLAS runs one thread inside its own calls,
and a stream of lines may be segmented in a few threads (:func:`set_num_threads`)."""

from __future__ import annotations

import contextlib
import threading


class BlasThreads:
    """BLAS threads for the engine's own matrix products: always one (numpy's default is one per core). Its
    products are small: a second thread gains 2% on an idle 2-core machine and makes them 5 to 50 times slower
    when another process keeps the cores busy (measured); more cores are used by processes (``--workers``,
    ``enable_parallel``) or, for a stream, threads (see :func:`set_num_threads`). Limited around each call only
    (threadpoolctl), so the user's own numpy keeps its setting."""

    def __init__(self) -> None:
        self._controller = None  # made on first use; it holds ctypes handles, so pickling leaves it out
        self._lock = threading.Lock()
        self._users = 0  # threads inside limited(): the first sets the limit, the last restores the setting
        self._limit = None

    def __reduce__(self):
        return BlasThreads, ()

    @contextlib.contextmanager
    def limited(self):
        """A context in which numpy's BLAS runs one thread. BLAS settings are process-wide, so threads
        segmenting at once share one limit, and the user's setting comes back when the last one leaves."""
        with self._lock:
            if self._users == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()
                self._limit = self._controller.limit(limits=1, user_api="blas")
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._limit.restore_original_limits()


BLAS_THREADS = BlasThreads()
_threads = 1  # how many threads a stream is segmented with (see set_num_threads)


def set_num_threads(count: int) -> None:
    """How many threads a stream of lines is segmented with on the numpy engine (1 by default), like
    ``torch.set_num_threads``: ``zhtagger cut`` segments that many batches of lines at once, each in a thread of
    its own, while the main thread reads and writes (1.2-1.3x with two threads on two cores, results/speed.md).
    ``lcut_batch`` and ``cut`` run in the calling thread: a step's array operations take microseconds, and
    handing the interpreter lock between threads at each costs as much (two threads ran at 0.8x of one);
    processes use more cores (``enable_parallel``, ``--workers``)."""
    global _threads
    if count < 1:
        raise ValueError(f"need at least one thread; got {count}")
    _threads = count


def num_threads() -> int:
    return _threads
