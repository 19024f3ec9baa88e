"""Segmenting files and streams a line at a time: one output line per input line, in order, in bounded
memory, optionally in several worker processes."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path

from zhtagger.tasks.engine import ahead, run_in_order
from zhtagger.text.corpus import CorpusError, decode_line


def check_inputs(paths: Sequence[Path]) -> None:
    """Fail before any output is written when an input is missing or is not a file."""
    for path in paths:
        if path.is_dir():
            raise CorpusError(f"{path}: is a directory, not a text file")
        if not path.is_file():
            raise CorpusError(f"{path}: no such file")


PAUSE = None  # in a stream of lines: nothing more is waiting to be read, so segment what has been read now
FIX = "give the file's encoding (--encoding), or --errors replace to read it anyway"


def read_lines(paths: Sequence[Path], encoding: str = "utf-8", errors: str = "strict",
               progress: bool = False) -> Iterator[tuple[str, str] | None]:
    """``(text, line end)`` for each line of the files in order (standard input when there are none); the
    line end is the line's own ("\n", "\r\n", or "" for a last line without one). From standard input,
    :data:`PAUSE` marks where nothing more was waiting, so an interactive line is answered at once.

    An undecodable line is reported with its file and line number. Encodings that write "\n" as the byte
    b"\n" (UTF-8, GB18030, Big5, ...) are split into lines before decoding; the others (UTF-16, UTF-32) are
    decoded as they are read.
    """
    if not paths:
        yield from decoded(stdin_lines(), "<stdin>", encoding, errors)
        return
    check_inputs(paths)
    from tqdm import tqdm

    with tqdm(total=sum(p.stat().st_size for p in paths), unit="B", unit_scale=True, disable=not progress or None,
              desc="segmenting", file=sys.stderr) as bar:
        for path in paths:
            if not splits_as_bytes(encoding):
                yield from text_lines(path, encoding, errors)
                continue
            with open(path, "rb") as file:
                yield from decoded(counted(file, bar), str(path), encoding, errors)


def counted(raw_lines: Iterable[bytes], bar) -> Iterator[bytes]:
    for raw in raw_lines:
        bar.update(len(raw))
        yield raw


def decoded(raw_lines: Iterable[bytes | None], name: str, encoding: str, errors: str
            ) -> Iterator[tuple[str, str] | None]:
    number = 0
    for raw in raw_lines:
        if raw is PAUSE:
            yield PAUSE
            continue
        number += 1
        end = "\r\n" if raw.endswith(b"\r\n") else "\n" if raw.endswith(b"\n") else ""
        yield decode_line(raw, name, number, encoding, errors, FIX), end


def text_lines(path: Path, encoding: str, errors: str) -> Iterator[tuple[str, str]]:
    """Lines of a file in an encoding that is not split as bytes, decoded as read."""
    number = 0
    with open(path, encoding=encoding, errors=errors, newline="") as file:
        try:
            for number, line in enumerate(file, 1):  # noqa: B007 -- the number names the line that fails
                text = line.rstrip("\r\n")
                yield (text[1:] if number == 1 and text.startswith("\ufeff") else text), line[len(text):]
        except UnicodeDecodeError as error:
            raise CorpusError(f"{path}, line {number + 1}: not valid {encoding} ({error.reason}); {FIX}") from None


def splits_as_bytes(encoding: str) -> bool:
    """Whether a line break in ``encoding`` is the byte b"\n" alone, so raw lines split before decoding."""
    return "\n".encode(encoding) == b"\n" and "\r".encode(encoding) == b"\r"


def stdin_lines() -> Iterator[bytes | None]:
    """Raw lines of standard input as they arrive, with :data:`PAUSE` wherever nothing more is waiting (read
    straight from the descriptor: Python's buffered reader would hide what is waiting)."""
    try:
        descriptor = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by an in-memory stream
        yield from sys.stdin.buffer
        return
    pending = b""
    while chunk := os.read(descriptor, 1 << 16):
        *complete, pending = (pending + chunk).split(b"\n")
        yield from (line + b"\n" for line in complete)
        if not waiting(descriptor):
            yield PAUSE
    if pending:
        yield pending


def waiting(descriptor: int) -> bool:
    if sys.platform == "win32":
        return True  # select works on sockets alone there: no early answers, same output
    import select

    return bool(select.select([descriptor], [], [], 0)[0])


def batched(lines: Iterable[str | None], size: int) -> Iterator[list[str]]:
    """Lists of up to ``size`` lines; a :data:`PAUSE` ends a list early."""
    for burst in bursts(lines, size):
        yield from burst


def bursts(lines: Iterable[str | None], size: int) -> Iterator[Iterator[list[str]]]:
    """The lists of :func:`batched` in runs, each ending where the input paused (or ended): a run is read
    lazily, and must be used up before the next one is taken."""
    lines = iter(lines)
    ended = False

    def run() -> Iterator[list[str]]:
        nonlocal ended
        batch: list[str] = []
        for line in lines:
            if line is not PAUSE:
                batch.append(line)
            if batch and (line is PAUSE or len(batch) >= size):
                yield batch
                batch = []
            if line is PAUSE:
                return
        ended = True
        if batch:
            yield batch

    while not ended:
        yield run()


def segment_lines(lines: Iterable[str], segmenter, batch_size: int = 1000, workers: int = 1, pos: bool = False,
                  formatter: Callable[[list], str] | None = None) -> Iterator:
    """The tokens of each line, in order (with ``pos``, (word, tag) pairs: ``pos_batch``); with ``formatter``
    (picklable: a module's function or a partial of one), what it makes of each line's tokens, made where the
    line is segmented. With ``workers > 1``, batches go to that many processes, each with a copy of
    ``segmenter`` (pickled: a loaded model travels as its name or path and the user's words, see
    :class:`~zhtagger.tasks.base.Predictor`) and one thread; a formatted line comes back as one string instead
    of a list of tokens, which spares the parent most of its work (zhtagger cut --workers 2: 1.57x -> 1.62-1.70x
    of one worker)."""
    if workers == 1:  # with set_num_threads(n > 1), n batches at a time in threads, never reading past a pause
        for burst in bursts(lines, batch_size):
            for rows in run_in_order((partial(tokens_of, segmenter, batch, pos, formatter) for batch in burst),
                                     segmenter.engine_threads()):
                yield from rows
        return
    context = multiprocessing.get_context("spawn")  # fork is unsafe once BLAS or torch has started its threads
    with one_thread_each(), main_script_hidden():
        pool = context.Pool(workers, initializer=start_worker, initargs=(segmenter,))
    with pool:  # at most 2 batches a worker in flight: memory stays bounded (Pool.imap reads all input ahead)
        batches = batched(lines, batch_size)
        for result in ahead((pool.apply_async(segment_batch, (batch, pos, formatter)) for batch in batches),
                            2 * workers):
            yield from result.get()


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


@contextlib.contextmanager
def main_script_hidden() -> Iterator[None]:
    """Spawned workers run the parent's main script again before their task, unless they are told there is
    none. Ours need nothing but zhtagger, so the main script is hidden while they start: a user's script needs
    no ``if __name__ == "__main__"`` guard, and code piped to python works too (Windows, macOS, Linux alike)."""
    main = sys.modules.get("__main__")
    saved = {name: main.__dict__.pop(name) for name in ("__file__", "__spec__") if main and name in main.__dict__}
    if main is not None:
        main.__spec__ = None
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


_worker_segmenter = None


def start_worker(segmenter) -> None:
    global _worker_segmenter
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends the workers quietly
    _worker_segmenter = segmenter
    segmenter.lcut("我")  # load the model now, not inside the first batch


def segment_batch(lines: list[str], pos: bool = False, formatter: Callable[[list], str] | None = None) -> list:
    return tokens_of(_worker_segmenter, lines, pos, formatter)


def tokens_of(segmenter, lines: list[str], pos: bool, formatter: Callable[[list], str] | None = None) -> list:
    """Each line's tokens, or with ``pos`` its (word, tag) pairs; with ``formatter``, what it makes of them."""
    rows = segmenter.pos_batch(lines) if pos else segmenter.lcut_batch(lines)
    return rows if formatter is None else list(map(formatter, rows))


def format_tokens(tokens: Iterable[str] | Iterable[tuple[str, str]], delimiter: str, tag_delimiter: str = "_"
                  ) -> str:
    """One output line: the words joined by ``delimiter`` (words with tags written ``word_tag``, jieba's way).
    Whitespace tokens are left out, since whitespace in the input is a word boundary; this also keeps line
    breaks such as U+2028 out of the output line."""
    return delimiter.join(token if isinstance(token, str) else f"{token[0]}{tag_delimiter}{token[1]}"
                          for token in tokens if not (token if isinstance(token, str) else token[0]).isspace())
