"""The ``zhtagger`` command line: each task's commands in a module of their own, the one place where options
become config dataclasses."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from zhtagger.cli import cloze, cumsum, segment, tag
from zhtagger.cli.options import EXIT_USAGE, Parser, positive_int
from zhtagger.optional import OPTIONAL, MissingDependency, missing

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a Unix tool whose reader closed the pipe


def build_parser() -> argparse.ArgumentParser:
    from zhtagger import __version__

    parser = Parser(prog="zhtagger", description="Chinese word segmentation and sequence tagging: segment text "
                    "(cut), find named entities (ner), fill blanks (cloze), train and evaluate models, and the "
                    "cumsum BiLSTM check.")
    parser.add_argument("--version", action="version", version=f"zhtagger {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    segment.add_cut_parser(commands)
    tag.add_ner_parser(commands)
    cloze.add_parser(commands)
    train = commands.add_parser("train", help="train a model on your corpus")
    tasks = train.add_subparsers(dest="task", required=True, metavar="{segment,tag,cloze}")
    cloze.add_train_parser(tasks)
    segment.add_train_parser(tasks)
    tag.add_train_parser(tasks)
    evaluate = commands.add_parser("eval", help="score a trained model on gold data")
    eval_tasks = evaluate.add_subparsers(dest="task", required=True, metavar="{segment,tag}")
    segment.add_eval_parser(eval_tasks)
    tag.add_eval_parser(eval_tasks)
    segment.add_score_parser(commands)
    cumsum.add_parser(commands)
    for command in leaf_parsers(parser):
        command.add_argument("--threads", type=positive_int, default=1, metavar="N",
                             help="threads for the network's arithmetic (numpy's BLAS, torch); one by default, "
                                  "which holds up when other programs share the CPU (more cores: --workers)")
    return parser


def leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of every command that runs (those without subcommands of their own)."""
    commands = [action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if not commands:
        return [parser]
    children = dict.fromkeys(child for choices in commands for child in choices.values())  # aliases once
    return [leaf for child in children for leaf in leaf_parsers(child)]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)  # clean up as on Ctrl-C: no partial outputs or temporaries
    use_threads(args.threads)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    if args.command in ("train", "cumsum") and not getattr(args, "quiet", False):
        logging.getLogger("zhtagger.core.training").setLevel(logging.INFO)  # progress lines without a terminal
    handlers = {"cut": segment.run_cut, "ner": tag.run_ner, "cloze": cloze.run_cloze, "cumsum": cumsum.run_cumsum,
                "train": run_train, "eval": run_eval, "score": segment.run_score}
    try:
        return handlers[args.command](args)
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return EXIT_BROKEN_PIPE
    except (ValueError, OSError, MissingDependency) as error:
        print(f"zhtagger: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as error:  # torch, for training: say which extra brings it
        if error.name not in OPTIONAL:
            raise
        print(f"zhtagger: error: {missing(error.name, f'zhtagger {args.command}')}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("zhtagger: interrupted", file=sys.stderr)
        return 130


def use_threads(count: int) -> None:
    """Read by numpy's BLAS and by torch when they load (the commands load them after this), set in the numpy
    engine, and in torch if it is loaded already."""
    from zhtagger.core.threads import set_num_threads

    os.environ.update(dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), str(count)))
    set_num_threads(count)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(count)


def terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def run_train(args: argparse.Namespace) -> int:
    trainers = {"segment": segment.run_train_segment, "tag": tag.run_train_tag, "cloze": cloze.run_train_cloze}
    code = trainers[args.task](args)
    from zhtagger.core.distributed import leave

    leave()  # one of several processes (torchrun): all leave the group together
    return code


def run_eval(args: argparse.Namespace) -> int:
    return {"segment": segment.run_eval, "tag": tag.run_eval_tag}[args.task](args)
