"""The ``zhtagger`` command line: the one place where options become config dataclasses."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from zhtagger.model import Direction, Merge

if TYPE_CHECKING:
    from zhtagger.segment.corpus import Corpus

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


def add_segment_parsers(commands) -> None:
    from zhtagger.segment.corpus import Format
    from zhtagger.segment.network import Decoder, SegmenterConfig

    defaults = SegmenterConfig()
    train = commands.add_parser("train", help="train a model on your corpus")
    tasks = train.add_subparsers(dest="task", required=True, metavar="{segment,cloze}")
    add_train_cloze_parser(tasks)
    segment = tasks.add_parser("segment", help="train a word segmenter on a segmented corpus")
    segment.add_argument("--train", type=Path, required=True, help="segmented training file")
    segment.add_argument("--dev", type=Path, help="segmented dev file (default: the last 5%% of --train)")
    segment.add_argument("--out", type=Path, required=True, help="run directory; the best model goes to OUT/model")
    segment.add_argument("--format", choices=[f.value for f in Format], default="words",
                         help="words: whitespace-separated; pos: People's Daily word/POS; conll: CoNLL(-U)")
    segment.add_argument("--char-dim", type=positive_int, default=defaults.char_dim)
    segment.add_argument("--bigram-dim", type=int, default=defaults.bigram_dim, help="0 turns bigrams off")
    segment.add_argument("--lexicon-dim", type=int, default=0,
                         help="> 0 adds a feature marking dictionary words (see --lexicon)")
    segment.add_argument("--lexicon", choices=["jieba", "train"], default=defaults.lexicon,
                         help="the feature's words: jieba's dictionary (open track) or the training words "
                              "(closed track; jackknifed in training)")
    segment.add_argument("--pretrain", type=Path, nargs="+", default=[], metavar="RAW",
                         help="raw-text files to pretrain character and bigram embeddings on (open track)")
    segment.add_argument("--pretrain-self", action="store_true",
                         help="pretrain the embeddings on the training text alone (closed track)")
    segment.add_argument("--hidden", type=positive_int, default=defaults.hidden)
    segment.add_argument("--layers", type=positive_int, default=defaults.layers)
    segment.add_argument("--dropout", type=float, default=defaults.dropout)
    segment.add_argument("--decoder", choices=[d.value for d in Decoder], default=defaults.decoder.value,
                         help="crf trains learned transitions; greedy/viterbi decode a softmax model")
    segment.add_argument("--min-bigram-count", type=positive_int, default=defaults.min_bigram_count)
    segment.add_argument("--bigram-unk", default="0", metavar="A|auto",
                         help="in training read a bigram seen c times as unknown with chance A / (A + c); auto: "
                              "the A that makes unknown bigrams as common as in the dev text (default 0: off)")
    segment.add_argument("--pos", action="store_true",
                         help="learn the training file's POS tags too (--format pos, or conll with UPOS): one "
                              "output per (BMES, POS) pair; segmenting sums over the POS tags")
    segment.add_argument("--align-to", type=Path, metavar="WORDS",
                         help="a word list (one word a line) of the standard to learn: a training or dev word "
                              "missing from it that is made of listed words is split into them")
    segment.add_argument("--max-chars", type=positive_int, default=defaults.max_chars,
                         help="training sentences are cut at punctuation into pieces this long")
    segment.add_argument("--batch-size", type=positive_int, default=defaults.batch_size)
    segment.add_argument("--epochs", type=positive_int, default=10)
    segment.add_argument("--lr", type=positive_float, default=2e-3)
    segment.add_argument("--lr-decay", type=positive_float, default=0.9)
    segment.add_argument("--patience", type=positive_int, default=3, help="stop after N epochs without a better dev F1")
    segment.add_argument("--seed", type=int, default=0)
    segment.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    segment.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    segment.add_argument("--cache-dir", type=Path, help="keep the encoded corpus here (Arrow) for later runs")
    segment.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    evaluate = commands.add_parser("eval", help="score a trained model on gold data")
    tasks = evaluate.add_subparsers(dest="task", required=True, metavar="{segment}")
    segment = tasks.add_parser("segment", help="segment a gold file's text and print the SIGHAN scores")
    segment.add_argument("--model", type=Path, required=True, help="a model directory (or a run directory)")
    segment.add_argument("--gold", type=Path, required=True, help="gold segmentation, words separated by spaces")
    segment.add_argument("--words", type=Path, help="training word list for OOV (default: the model's own)")
    segment.add_argument("--decoder", choices=[d.value for d in Decoder], help="default: the model's")
    segment.add_argument("--output", type=Path, help="also write the predicted segmentation here")
    segment.add_argument("--errors", type=Path, help="write an error analysis (missed / wrong words) here")
    segment.add_argument("--seqeval", action="store_true", help="also print seqeval's tag-level report")
    segment.add_argument("--device", default="cpu")

    score = commands.add_parser("score", help="score a segmentation file against gold, like the SIGHAN scorer")
    score.add_argument("gold", type=Path)
    score.add_argument("predicted", type=Path)
    score.add_argument("--words", type=Path, help="training word list; defines OOV")
    score.add_argument("--errors", type=Path, help="write an error analysis here")


def add_cut_parser(commands) -> None:
    cut = commands.add_parser(
        "cut", help="segment text with a shipped or trained model",
        description="Segment text: one output line per input line, words separated by DELIM. Reads the FILEs "
                    "(or standard input) and writes standard output (or OUT, atomically).")
    cut.add_argument("files", type=Path, nargs="*", metavar="FILE", help="input files (default: standard input)")
    cut.add_argument("--text", help="segment this text instead of files")
    cut.add_argument("-o", "--output", type=Path, metavar="OUT", help="write here (written whole, or not at all)")
    cut.add_argument("-d", "--delimiter", default=" ", metavar="DELIM", help="between words (default: a space)")
    cut.add_argument("-u", "--userdict", type=Path, action="append", default=[], metavar="USERDICT",
                     help="jieba-format user dictionary (word [freq] [tag] a line); may be repeated")
    cut.add_argument("-m", "--model", default=None, metavar="MODEL",
                     help="shipped model name (pku, the default; ctb) or a model directory")
    cut.add_argument("--batch-size", type=positive_int, default=1000, metavar="N", help="lines segmented together")
    cut.add_argument("--workers", type=positive_int, default=1, metavar="N", help="worker processes (one thread each)")
    cut.add_argument("--encoding", default="utf-8", help="input encoding (default utf-8); output is always UTF-8")
    cut.add_argument("--errors", default="strict", choices=["strict", "replace", "ignore", "surrogateescape"],
                     help="what to do with undecodable input (default: stop with an error)")
    cut.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def run_cut(args: argparse.Namespace) -> int:
    import codecs
    import contextlib

    from zhtagger.modeldir import open_atomically
    from zhtagger.segment.segmenter import Segmenter
    from zhtagger.segment.stream import check_inputs, format_tokens, read_lines, segment_lines

    if args.text is not None and args.files:
        raise ValueError("give either --text or input files, not both")
    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise ValueError(f"unknown encoding {args.encoding!r}") from None
    check_inputs(args.files + args.userdict)
    segmenter = Segmenter.load(args.model)  # also checks the model and dictionaries before any output
    for path in args.userdict:
        segmenter.load_userdict(path)
    if args.text is not None:
        print(format_tokens(segmenter.lcut(args.text), args.delimiter))
        return 0
    lines = read_lines(args.files, args.encoding, args.errors, progress=bool(args.files) and not args.quiet)
    tokens = segment_lines(lines, segmenter, args.batch_size, args.workers, args.model, args.userdict)
    with open_atomically(args.output) if args.output else contextlib.nullcontext(sys.stdout) as out:
        for line in tokens:
            out.write(format_tokens(line, args.delimiter) + "\n")
    return 0


def add_train_cloze_parser(tasks) -> None:
    from zhtagger.cloze import ClozeConfig, Unit

    defaults = ClozeConfig()
    cloze = tasks.add_parser("cloze", help="train a fill-the-blank model on raw or segmented text")
    cloze.add_argument("--train", type=Path, nargs="+", required=True, metavar="FILE", help="training text files")
    cloze.add_argument("--dev", type=Path, help="dev file for model selection (default: the last 5%% of --train)")
    cloze.add_argument("--out", type=Path, required=True, help="run directory; the best model goes to OUT/model")
    cloze.add_argument("--format", choices=["raw", "words", "pos", "conll"], default="raw",
                       help="raw: cut into words with jieba; words/pos/conll: already segmented (as for segment)")
    cloze.add_argument("--direction", choices=[d.value for d in Direction], default=defaults.direction.value)
    cloze.add_argument("--unit", choices=[u.value for u in Unit], default=defaults.unit.value,
                       help="the model's steps: words (default) or characters (words masked whole)")
    cloze.add_argument("--embedding-dim", type=positive_int, default=defaults.embedding_dim)
    cloze.add_argument("--hidden", type=positive_int, default=defaults.hidden)
    cloze.add_argument("--layers", type=positive_int, default=defaults.layers)
    cloze.add_argument("--min-count", type=positive_int, default=defaults.min_count)
    cloze.add_argument("--max-vocab", type=positive_int, default=defaults.max_vocab)
    cloze.add_argument("--batch-size", type=positive_int, default=defaults.batch_size)
    cloze.add_argument("--epochs", type=positive_int, default=3)
    cloze.add_argument("--dropout", type=float, default=defaults.dropout)
    cloze.add_argument("--lr", type=positive_float, default=2e-3)
    cloze.add_argument("--lr-decay", type=positive_float, default=1.0, help="learning-rate factor after each epoch")
    cloze.add_argument("--seed", type=int, default=0)
    cloze.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    cloze.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def add_cloze_parser(commands) -> None:
    cloze = commands.add_parser("cloze", help="fill the blank in a sentence (____, ＿＿ or [MASK])")
    cloze.add_argument("text", help="a sentence with one blank, e.g. 我今天不舒服，我打算____一天。")
    cloze.add_argument("-k", type=positive_int, default=5, help="how many fill-ins to print (default 5)")
    cloze.add_argument("--candidates", help="comma-separated words to rank instead, e.g. 去医院,睡觉,请假,休息")
    cloze.add_argument("-m", "--model", type=Path, help="a cloze model directory (default: the shipped one)")


def run_cloze(args: argparse.Namespace) -> int:
    from zhtagger.cloze import Cloze

    model = Cloze.load(resolve_model_dir(args.model) if args.model else None)
    if args.candidates is not None:
        candidates = [c.strip() for c in args.candidates.replace("，", ",").split(",") if c.strip()]
        for word, log_prob in model.rank(args.text, candidates):
            print(f"{word}\t{log_prob:.3f}")
    else:
        for word, probability in model.fill(args.text, args.k):
            print(f"{word}\t{probability:.4f}")
    return 0


def run_train_cloze(args: argparse.Namespace) -> int:
    from zhtagger.cloze import ClozeConfig, jieba_tokenizer, read_sentences, selection_metric, train_cloze
    from zhtagger.training import TrainConfig

    config = ClozeConfig(embedding_dim=args.embedding_dim, hidden=args.hidden, layers=args.layers,
                         direction=args.direction, unit=args.unit, dropout=args.dropout, min_count=args.min_count,
                         max_vocab=args.max_vocab, batch_size=args.batch_size)
    train_config = TrainConfig(epochs=args.epochs, lr=args.lr, lr_decay=args.lr_decay, seed=args.seed,
                               device=args.device, quiet=args.quiet)
    tokenizer = jieba_tokenizer() if args.format == "raw" else None
    form = None if args.format == "raw" else args.format
    train = [s for path in args.train for s in read_sentences(path, form, tokenizer)]
    dev = read_sentences(args.dev, form, tokenizer) if args.dev else None
    print(f"{len(train):,} sentences read for training" + (f", {len(dev):,} for dev" if dev else
                                                           " (the last 5% held out for dev)"))
    _, result = train_cloze(train, dev, args.out, config, train_config)
    names = {"acc1": "accuracy@1", "acc5": "accuracy@5", "mrr": "MRR", "five_way": "5-way choice"}
    for entry in result.history:
        scores = ", ".join(f"{name} {entry[key]:.4f}" for key, name in names.items() if key in entry)
        print(f"epoch {entry['epoch']}: train loss {entry['train_loss']:.4f}, dev {scores}")
    selected = selection_metric(config)
    print(f"best dev {names[selected]} {result.best[selected]:.4f}; model saved to {args.out / 'model'}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    return {"segment": run_train_segment, "cloze": run_train_cloze}[args.task](args)


def run_train_segment(args: argparse.Namespace) -> int:
    from zhtagger.segment.network import SegmenterConfig
    from zhtagger.segment.segmenter import train_segmenter
    from zhtagger.training import TrainConfig

    config = SegmenterConfig(
        char_dim=args.char_dim, bigram_dim=args.bigram_dim, lexicon_dim=args.lexicon_dim, lexicon=args.lexicon,
        pretrain=args.pretrain, pretrain_self=args.pretrain_self, hidden=args.hidden, layers=args.layers,
        dropout=args.dropout, decoder=args.decoder, min_bigram_count=args.min_bigram_count,
        bigram_unk=args.bigram_unk, pos=args.pos, max_chars=args.max_chars, batch_size=args.batch_size,
    )
    train_config = TrainConfig(epochs=args.epochs, lr=args.lr, lr_decay=args.lr_decay, patience=args.patience,
                               seed=args.seed, device=args.device, resume=args.resume, quiet=args.quiet)
    from zhtagger.segment.corpus import read_corpus

    corpora = [read_corpus(path, args.format) if path else None for path in (args.train, args.dev)]
    for corpus in filter(None, corpora):
        print(f"{corpus.path}: {len(corpus.sentences):,} sentences, "
              f"{sum(len(w) for s in corpus.sentences for w in s):,} characters, "
              f"{corpus.empty_lines:,} empty lines skipped")
    if args.align_to:
        corpora = align_corpora(corpora, args.align_to)
    segmenter, result = train_segmenter(corpora[0], corpora[1], args.out, config, train_config,
                                        cache_dir=args.cache_dir)
    for entry in result.history:
        print(f"epoch {entry['epoch']}: train loss {entry['train_loss']:.4f}, dev F1 {entry['f1']:.4f}, "
              f"OOV recall {entry['oov_recall']:.4f} ({entry['elapsed_s']:.0f} s)")
    print(f"best dev F1 {result.best['f1']:.4f} at epoch {result.best['epoch']}; model saved to {args.out / 'model'}")
    return 0


def align_corpora(corpora: list[Corpus | None], word_list: Path) -> list[Corpus | None]:
    """Each corpus aligned to the standard of ``word_list`` (see align_to_vocabulary), saying what was split."""
    from zhtagger.segment.corpus import align_to_vocabulary
    from zhtagger.segment.scoring import read_word_list

    vocabulary = read_word_list(word_list)
    if not vocabulary:
        raise ValueError(f"{word_list}: no words to align to (one word a line)")
    aligned_corpora: list[Corpus | None] = []
    for corpus in corpora:
        if corpus is None:
            aligned_corpora.append(None)
            continue
        aligned, splits = align_to_vocabulary(corpus, vocabulary)
        examples = ", ".join(f"{word} {count}" for word, count in splits.most_common(5))
        print(f"{corpus.path}: split {splits.total():,} words ({len(splits):,} kinds) missing from {word_list}"
              + (f", e.g. {examples}" if examples else ""))
        aligned_corpora.append(aligned)
    return aligned_corpora


def run_eval(args: argparse.Namespace) -> int:
    from zhtagger.modeldir import write_text_atomically
    from zhtagger.segment.corpus import read_corpus
    from zhtagger.segment.scoring import error_analysis, read_word_list, score, seqeval_report
    from zhtagger.segment.segmenter import Segmenter
    from zhtagger.segment.tags import words_to_tags

    segmenter = Segmenter.load(resolve_model_dir(args.model), args.device)
    gold = read_corpus(args.gold).sentences
    words = read_word_list(args.words) if args.words else segmenter.train_words
    predicted = segmenter.segment(["".join(sentence) for sentence in gold], args.decoder)
    result = score(gold, predicted, words)
    print(result.table())
    if args.seqeval:
        print(seqeval_report([words_to_tags(s) for s in gold], [words_to_tags(s) for s in predicted]))
    if args.output:
        write_text_atomically(args.output, "".join("  ".join(line) + "\n" for line in predicted))
    if args.errors:
        write_text_atomically(args.errors, error_analysis(result, words))
    return 0


def run_score(args: argparse.Namespace) -> int:
    from zhtagger.modeldir import write_text_atomically
    from zhtagger.segment.scoring import error_analysis, read_word_list, score_files

    result = score_files(args.gold, args.predicted, args.words)
    print(result.table())
    if args.errors:
        write_text_atomically(args.errors, error_analysis(result, read_word_list(args.words) if args.words else None))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from zhtagger import __version__

    parser = argparse.ArgumentParser(prog="zhtagger", description=__doc__)
    parser.add_argument("--version", action="version", version=f"zhtagger {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    add_cut_parser(commands)
    add_cloze_parser(commands)
    add_segment_parsers(commands)
    add_cumsum_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    handlers = {"cut": run_cut, "cloze": run_cloze, "cumsum": run_cumsum, "train": run_train, "eval": run_eval,
                "score": run_score}
    try:
        return handlers[args.command](args)
    except (ValueError, OSError) as error:
        print(f"zhtagger: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("zhtagger: interrupted", file=sys.stderr)
        return 130
