"""What the commands that read text a line at a time share (``cut``, ``ner``): the FILEs, standard input or
``--text``; the input encoding; one output per input line, which keeps the line's own line end; output to
standard output, or to ``-o`` written whole or not at all."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from zhtagger.cli.options import positive_int


def add_input_options(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument("files", type=Path, nargs="*", metavar="FILE", help="input files (default: standard input)")
    parser.add_argument("--text", help=f"{verb} this text instead of files")
    parser.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here (written whole, or not at all)")
    parser.add_argument("--batch-size", type=positive_int, default=1000, metavar="N",
                        help="lines read and processed together")
    parser.add_argument("--encoding", default="utf-8", help="input encoding (default utf-8); output is always UTF-8")
    parser.add_argument("--errors", default="strict", choices=["strict", "replace", "ignore", "surrogateescape"],
                        help="what to do with undecodable input (default: stop with an error)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def check_input_options(args: argparse.Namespace, other_files: Sequence[Path] = ()) -> None:
    """Fail before any output: --text with files, an unknown encoding, a missing input or dictionary file."""
    from zhtagger.tasks.segment.stream import check_inputs

    if args.text is not None and args.files:
        raise ValueError("give either --text or input files, not both")
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {args.encoding!r}") from None
    check_inputs([*args.files, *other_files])


def input_lines(args: argparse.Namespace, endings: deque[str], line_end: str | None = None) -> Iterator[str | None]:
    """The input's lines without their line ends, which go to ``endings`` (``line_end`` instead, when given);
    from standard input, :data:`~zhtagger.tasks.segment.stream.PAUSE` where nothing more was waiting."""
    from zhtagger.tasks.segment.stream import PAUSE, read_lines

    for line in read_lines(args.files, args.encoding, args.errors, progress=bool(args.files) and not args.quiet):
        if line is not PAUSE:
            endings.append(line[1] if line_end is None else line_end)
        yield line if line is PAUSE else line[0]


@contextlib.contextmanager
def output(args: argparse.Namespace) -> Iterator[TextIO]:
    """-o's file (atomically) or standard output, where surrogates from --errors surrogateescape go back out as
    the bytes they came from."""
    from zhtagger.atomic import open_atomically

    if args.output:
        with open_atomically(args.output, args.errors) as out:
            yield out
        return
    sys.stdout.reconfigure(errors=args.errors if args.errors == "surrogateescape" else "strict")
    yield sys.stdout


def interactive(args: argparse.Namespace) -> bool:
    """Whether lines come from standard input and go to standard output: each is answered at once."""
    return not args.files and not args.output
