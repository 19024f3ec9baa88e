"""The ``zhtagger`` command line: the one place where options become config dataclasses."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from zhtagger.model import Direction, Merge

EXIT_USAGE = 2


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}")
    return value


def add_cumsum_parser(commands) -> None:
    from zhtagger.cumsum import RECIPES

    cumsum = commands.add_parser("cumsum", help="the cumulative-sum BiLSTM sanity check")
    actions = cumsum.add_subparsers(dest="action", required=True, metavar="{train,eval,predict,experiment}")

    train = actions.add_parser("train", help="train a cumsum model and test it on fresh sequences")
    train.add_argument("--recipe", choices=list(RECIPES), default="reference",
                       help="named settings the options below override (default: reference, the Keras model)")
    train.add_argument("--length", type=positive_int, default=10, help="steps per sequence n (default 10)")
    train.add_argument("--units", type=positive_int, help="LSTM hidden units (reference 50)")
    train.add_argument("--layers", type=positive_int, help="stacked LSTM layers (default 1)")
    train.add_argument("--direction", choices=[d.value for d in Direction])
    train.add_argument("--merge", choices=[m.value for m in Merge], help="how bidirectional outputs combine")
    train.add_argument("--n-train", type=positive_int, help="training sequences (reference 50,000)")
    train.add_argument("--batch", type=positive_int, help="batch size (reference 10)")
    train.add_argument("--epochs", type=positive_int, help="epochs (reference 1)")
    train.add_argument("--lr", type=positive_float, help="Adam learning rate (reference 0.001)")
    train.add_argument("--lr-decay", type=positive_float, help="learning-rate factor after each epoch")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    train.add_argument("--out", type=Path, help="directory for model/, history.json and curve.png")
    add_test_options(train)
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    evaluate = actions.add_parser("eval", help="test a saved cumsum model on fresh sequences")
    evaluate.add_argument("--model", type=Path, required=True, help="a model directory (or a run directory)")
    add_test_options(evaluate)

    predict = actions.add_parser("predict", help="print predictions for fresh sequences")
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument("-n", type=positive_int, default=10, help="sequences to show (default 10)")
    predict.add_argument("--test-seed", type=int, default=12_345)

    experiment = actions.add_parser("experiment", help="directions, merge modes, size vs length, with seeds")
    experiment.add_argument("--out", type=Path, required=True)
    experiment.add_argument("--seeds", type=positive_int, default=3)
    experiment.add_argument("--lengths", default="10,20,40,80", help="comma-separated lengths for the size search")
    experiment.add_argument("--sizes", default="1,2,4,8,16,32,64", help="hidden sizes tried, smallest first")
    experiment.add_argument("--n-train", type=positive_int, help="override the recipes' training-set size")
    experiment.add_argument("--epochs", type=positive_int, help="override the recipes' epochs")
    experiment.add_argument("--n-test", type=positive_int, default=10_000)


def add_test_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n-test", type=positive_int, default=10_000, help="fresh test sequences (default 10,000)")
    parser.add_argument("--test-seed", type=int, default=12_345)


def comma_ints(text: str, option: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        values = ()
    if not values or min(values) <= 0:
        raise ValueError(f"{option} must be comma-separated positive integers; got {text!r}")
    return values


def run_cumsum(args: argparse.Namespace) -> int:
    from zhtagger import cumsum

    if args.action == "train":
        data, model_config, train_config = cumsum.recipe_configs(
            args.recipe, args.length, hidden=args.units, layers=args.layers, direction=args.direction,
            merge=args.merge, n_train=args.n_train, batch_size=args.batch, epochs=args.epochs, lr=args.lr,
            lr_decay=args.lr_decay, seed=args.seed, device=args.device, quiet=args.quiet,
        )
        from zhtagger.model import SequenceTagger, summary

        print(summary(SequenceTagger(model_config), data.length))
        run = cumsum.train_cumsum(data, model_config, train_config, args.out)
        print(f"trained on {data.n_train:,} sequences in {run.result.train_seconds:.2f} s")
        report_cumsum(run.model, data.length, args)
        if args.out:
            print(f"saved to {args.out / 'model'}")
        return 0
    if args.action == "experiment":
        from zhtagger.cumsum_experiment import ExperimentConfig, run_experiment

        config = ExperimentConfig(
            seeds=args.seeds, n_test=args.n_test, lengths=comma_ints(args.lengths, "--lengths"),
            sizes=comma_ints(args.sizes, "--sizes"), n_train=args.n_train, epochs=args.epochs,
        )
        from zhtagger.cumsum_experiment import markdown_tables

        print(markdown_tables(run_experiment(config, args.out)))
        print(f"written to {args.out}/experiment.{{json,md,png}}")
        return 0
    model, data = cumsum.load_cumsum(resolve_model_dir(args.model))
    if args.action == "eval":
        report_cumsum(model, data.length, args, examples=0)
    else:
        x, y = cumsum.generate(args.n, data.length, args.test_seed)
        print("\n".join(cumsum.format_examples(model, x, y)))
    return 0


def report_cumsum(model, length: int, args: argparse.Namespace, examples: int = 10) -> None:
    from zhtagger import cumsum

    x, y = cumsum.generate(args.n_test, length, args.test_seed)
    scores = cumsum.accuracy(model, x, y)
    print(json.dumps({"n_test": args.n_test, **scores}))
    if examples:
        print("\n".join(cumsum.format_examples(model, x[:examples], y[:examples])))


def resolve_model_dir(path: Path) -> Path:
    """Accept a model directory or a training run's directory holding one under model/."""
    return path / "model" if (path / "model" / "config.json").is_file() else path


def build_parser() -> argparse.ArgumentParser:
    from zhtagger import __version__

    parser = argparse.ArgumentParser(prog="zhtagger", description=__doc__)
    parser.add_argument("--version", action="version", version=f"zhtagger {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    add_cumsum_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    handlers = {"cumsum": run_cumsum}
    try:
        return handlers[args.command](args)
    except (ValueError, OSError) as error:
        print(f"zhtagger: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("zhtagger: interrupted", file=sys.stderr)
        return 130
