"""``zhtagger cumsum train|eval|predict|experiment``: the cumulative-sum BiLSTM sanity check."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from zhtagger.cli.options import comma_ints, positive_float, positive_int
from zhtagger.core.config import Direction, Merge


def add_parser(commands) -> None:
    from zhtagger.tasks.cumsum.config import RECIPES

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
    evaluate.add_argument("--model", type=Path, required=True, help="a model directory (or a training run's directory)")
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


def run_cumsum(args: argparse.Namespace) -> int:
    if args.action == "train":
        return train_cumsum(args)
    if args.action == "experiment":
        from zhtagger.tasks.cumsum.experiment import ExperimentConfig, markdown_tables, run_experiment

        config = ExperimentConfig(
            seeds=args.seeds, n_test=args.n_test, lengths=comma_ints(args.lengths, "--lengths"),
            sizes=comma_ints(args.sizes, "--sizes"), n_train=args.n_train, epochs=args.epochs,
        )
        print(markdown_tables(run_experiment(config, args.out)))
        print(f"written to {args.out}/experiment.{{json,md,png}}")
        return 0
    from zhtagger.tasks.cumsum.data import generate
    from zhtagger.tasks.cumsum.predictor import Cumsum

    model = Cumsum.load(args.model)
    if args.action == "eval":
        report_cumsum(model, args, examples=0)
    else:
        x, y = generate(args.n, model.data.length, args.test_seed)
        print("\n".join(model.format_examples(x, y)))
    return 0


def train_cumsum(args: argparse.Namespace) -> int:
    from zhtagger.core.summary import summary
    from zhtagger.tasks.cumsum.config import recipe_configs
    from zhtagger.tasks.cumsum.network import build_net
    from zhtagger.tasks.cumsum.train import train_cumsum

    data, model_config, train_config = recipe_configs(
        args.recipe, args.length, hidden=args.units, layers=args.layers, direction=args.direction,
        merge=args.merge, n_train=args.n_train, batch_size=args.batch, epochs=args.epochs, lr=args.lr,
        lr_decay=args.lr_decay, seed=args.seed, device=args.device, quiet=args.quiet,
    )
    print(summary(build_net(model_config), data.length))
    model, result = train_cumsum(data, model_config, train_config, args.out)
    print(f"trained on {data.n_train:,} sequences in {result.train_seconds:.2f} s")
    report_cumsum(model, args)
    if args.out:
        print(f"saved to {args.out / 'model'}")
    return 0


def report_cumsum(model, args: argparse.Namespace, examples: int = 10) -> None:
    from zhtagger.tasks.cumsum.data import generate

    x, y = generate(args.n_test, model.data.length, args.test_seed)
    metrics = {key: value for key, value in model.evaluate((x, y)).metrics.items() if key != "n"}
    print(json.dumps({"n_test": args.n_test, **metrics}))
    if examples:
        print("\n".join(model.format_examples(x[:examples], y[:examples])))
