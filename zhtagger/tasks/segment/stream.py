"""Segmenting files and streams a line at a time: one output line per input line, in order, in bounded
memory, optionally in several worker processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from zhtagger.text.corpus import CorpusError, decode_line


def check_inputs(paths: Sequence[Path]) -> None:
    """Fail before any output is written when an input is missing or is not a file."""
    for path in paths:
        if path.is_dir():
            raise CorpusError(f"{path}: is a directory, not a text file")
        if not path.is_file():
            raise CorpusError(f"{path}: no such file")


def read_lines(paths: Sequence[Path], encoding: str = "utf-8", errors: str = "strict",
               progress: bool = False) -> Iterator[str]:
    """The lines of the files in order (standard input when there are none), without their line ends.

    Lines are split at b"\\n" before decoding, so an undecodable line is reported with its number; this
    needs an ASCII-compatible encoding (UTF-8, GB18030, Big5, ...), not UTF-16.
    """
    fix = "give the file's encoding (--encoding), or --errors replace to read it anyway"
    if not paths:
        for number, raw in enumerate(sys.stdin.buffer, 1):
            yield decode_line(raw, "<stdin>", number, encoding, errors, fix)
        return
    check_inputs(paths)
    from tqdm import tqdm

    with tqdm(total=sum(p.stat().st_size for p in paths), unit="B", unit_scale=True, disable=not progress or None,
              desc="segmenting", file=sys.stderr) as bar:
        for path in paths:
            with open(path, "rb") as file:
                for number, raw in enumerate(file, 1):
                    yield decode_line(raw, str(path), number, encoding, errors, fix)
                    bar.update(len(raw))


def batched(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch


def segment_lines(lines: Iterable[str], segmenter, batch_size: int = 1000, workers: int = 1,
                  model: str | os.PathLike | None = None, userdicts: Sequence[Path] = ()) -> Iterator[list[str]]:
    """The tokens of each line, in order. With ``workers > 1``, batches go to that many processes, each with
    its own copy of ``model`` (and ``userdicts``) and one thread; ``segmenter`` serves one worker alone."""
    if workers == 1:
        for batch in batched(lines, batch_size):
            yield from segmenter.lcut_batch(batch)
        return
    context = multiprocessing.get_context("spawn")  # fork is unsafe once BLAS or torch has started its threads
    with one_thread_each(), context.Pool(workers, initializer=start_worker, initargs=(model, list(userdicts))) as pool:
        pending: deque = deque()  # at most 2 batches a worker in flight: memory stays bounded (Pool.imap
        for batch in batched(lines, batch_size):  # would read the whole input ahead)
            pending.append(pool.apply_async(segment_batch, (batch,)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_thread_each() -> Iterator[None]:
    """Worker processes started inside the block run their BLAS on one thread each (read when they import
    numpy), so that N workers use N cores; the parent's environment is restored after."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_worker_segmenter = None


def start_worker(model, userdicts) -> None:
    global _worker_segmenter
    import signal

    from zhtagger.tasks.segment.predictor import Segmenter

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends the workers quietly

    _worker_segmenter = Segmenter.load(model)
    for path in userdicts:
        _worker_segmenter.load_userdict(path)


def segment_batch(lines: list[str]) -> list[list[str]]:
    return _worker_segmenter.lcut_batch(lines)


def format_tokens(tokens: Iterable[str], delimiter: str) -> str:
    """One output line: the words joined by ``delimiter``. Whitespace tokens are left out, since whitespace
    in the input is a word boundary; this also keeps line breaks such as U+2028 out of the output line."""
    return delimiter.join(token for token in tokens if not token.isspace())
