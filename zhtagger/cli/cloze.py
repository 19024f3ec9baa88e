"""``zhtagger cloze`` and ``train cloze``."""

from __future__ import annotations

import argparse
from pathlib import Path

from zhtagger.cli.options import positive_float, positive_int
from zhtagger.core.config import Direction


def add_parser(commands) -> None:
    cloze = commands.add_parser("cloze", help="fill the blank in a sentence (____, ＿＿ or [MASK])")
    cloze.add_argument("text", help="a sentence with one blank, e.g. 我今天不舒服，我打算____一天。")
    cloze.add_argument("-k", type=positive_int, default=5, help="how many fill-ins to print (default 5)")
    cloze.add_argument("--candidates", help="comma-separated words to rank instead, e.g. 去医院,睡觉,请假,休息")
    cloze.add_argument("-m", "--model", help="a cloze model directory (default: the shipped model, cloze)")


def run_cloze(args: argparse.Namespace) -> int:
    from zhtagger.tasks.cloze.predictor import Cloze

    model = Cloze.load(args.model)
    if args.candidates is not None:
        candidates = [c.strip() for c in args.candidates.replace("，", ",").split(",") if c.strip()]
        print("candidate\tlog-probability")
        for word, log_prob in model.rank(args.text, candidates):
            print(f"{word}\t{log_prob:.3f}")
    else:
        print("fill-in\tprobability")
        for word, probability in model.fill(args.text, args.k):
            print(f"{word}\t{probability:.4f}")
    return 0


def add_train_parser(tasks) -> None:
    from zhtagger.tasks.cloze.config import ClozeConfig, Unit

    defaults = ClozeConfig()
    cloze = tasks.add_parser("cloze", help="train a fill-the-blank model on raw or segmented text")
    cloze.add_argument("--train", type=Path, nargs="+", required=True, metavar="FILE", help="training text files")
    cloze.add_argument("--dev", type=Path, help="dev file for model selection (default: the last 5%% of --train)")
    cloze.add_argument("--out", type=Path, required=True, help="run directory; the best model goes to OUT/model")
    cloze.add_argument("--format", choices=["raw", "words", "pos", "conll"], default="raw",
                       help="raw: cut into words with jieba; words/pos/conll: already segmented (as for segment)")
    cloze.add_argument("--direction", choices=[d.value for d in Direction], default=defaults.direction.value,
                       help="which sides of the blank the model reads")
    cloze.add_argument("--unit", choices=[u.value for u in Unit], default=defaults.unit.value,
                       help="the model's steps: words (default) or characters (words masked whole)")
    cloze.add_argument("--embedding-dim", type=positive_int, default=defaults.embedding_dim,
                       help="word (or character) embedding size")
    cloze.add_argument("--hidden", type=positive_int, default=defaults.hidden, help="LSTM units a direction")
    cloze.add_argument("--layers", type=positive_int, default=defaults.layers, help="stacked LSTM layers")
    cloze.add_argument("--min-count", type=positive_int, default=defaults.min_count,
                       help="words seen fewer times are <unk>")
    cloze.add_argument("--max-vocab", type=positive_int, default=defaults.max_vocab, help="largest vocabulary")
    cloze.add_argument("--batch-size", type=positive_int, default=defaults.batch_size, help="training pieces a batch")
    cloze.add_argument("--epochs", type=positive_int, default=3, help="at most")
    cloze.add_argument("--dropout", type=float, default=defaults.dropout, help="dropout rate")
    cloze.add_argument("--lr", type=positive_float, default=2e-3, help="Adam's learning rate")
    cloze.add_argument("--lr-decay", type=positive_float, default=1.0, help="learning-rate factor after each epoch")
    cloze.add_argument("--seed", type=int, default=0, help="random seed")
    cloze.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    cloze.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def run_train_cloze(args: argparse.Namespace) -> int:
    from zhtagger.core.config import TrainConfig
    from zhtagger.core.distributed import is_main_process
    from zhtagger.tasks.cloze.config import ClozeConfig
    from zhtagger.tasks.cloze.train import as_sentences, selection_metric, train_cloze

    config = ClozeConfig(embedding_dim=args.embedding_dim, hidden=args.hidden, layers=args.layers,
                         direction=args.direction, unit=args.unit, dropout=args.dropout, min_count=args.min_count,
                         max_vocab=args.max_vocab, batch_size=args.batch_size)
    train_config = TrainConfig(epochs=args.epochs, lr=args.lr, lr_decay=args.lr_decay, seed=args.seed,
                               device=args.device, quiet=args.quiet)
    form = None if args.format == "raw" else args.format
    train = as_sentences(args.train, form)
    dev = as_sentences(args.dev, form) if args.dev else None
    print(f"{len(train):,} sentences read for training" + (f", {len(dev):,} for dev" if dev else
                                                           " (the last 5% held out for dev)"))
    _, result = train_cloze(train, dev, args.out, config, train_config)
    if not is_main_process():  # one of several processes (torchrun): rank 0 reports
        return 0
    names = {"acc1": "accuracy@1", "acc5": "accuracy@5", "mrr": "MRR", "five_way": "5-way choice"}
    for entry in result.history:
        scores = ", ".join(f"{name} {entry[key]:.4f}" for key, name in names.items() if key in entry)
        print(f"epoch {entry['epoch']}: train loss {entry['train_loss']:.4f}, dev {scores}")
    selected = selection_metric(config)
    print(f"best dev {names[selected]} {result.best[selected]:.4f}; model saved to {args.out / 'model'}")
    return 0
