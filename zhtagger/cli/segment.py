"""``zhtagger cut``, ``train segment``, ``eval segment`` and ``score``."""

from __future__ import annotations

import argparse
from pathlib import Path

from zhtagger.cli.options import positive_float, positive_int
from zhtagger.cli.streams import add_input_options, check_input_options, input_lines, interactive, output
from zhtagger.tasks.segment.config import Decoder, SegmenterConfig
from zhtagger.text.corpus import Format


def add_cut_parser(commands) -> None:
    cut = commands.add_parser(
        "cut", help="segment text with a shipped or trained model",
        description="Segment text: one output line per input line, words separated by DELIM. Reads the FILEs "
                    "(or standard input) and writes standard output (or OUT, atomically).")
    add_input_options(cut, "segment")
    cut.add_argument("-d", "--delimiter", default=" ", metavar="DELIM", help="between words (default: a space)")
    cut.add_argument("-u", "--userdict", type=Path, action="append", default=[], metavar="USERDICT",
                     help="jieba-format user dictionary (word [freq] [tag] a line); may be repeated")
    cut.add_argument("--lexicon-dict", type=Path, action="append", default=[], metavar="FILE",
                     help="domain terms (jieba's format) for the lexicon feature: hints the model weighs, where a "
                          "user dictionary's words are forced; may be repeated")
    cut.add_argument("-m", "--model", default=None, metavar="MODEL",
                     help="shipped model name (pku, the default; pku-pos, the default with --pos; ctb) "
                          "or a model directory")
    cut.add_argument("-p", "--pos", nargs="?", const="_", default=None, metavar="DELIM",
                     help="part-of-speech tags too, as word_tag (or word DELIM tag), from a model that learnt "
                          "them, as jieba's -p")
    cut.add_argument("--workers", type=positive_int, default=1, metavar="N", help="worker processes (one thread each)")


def run_cut(args: argparse.Namespace) -> int:
    from collections import deque
    from functools import partial

    from zhtagger.tasks.segment.predictor import Segmenter
    from zhtagger.tasks.segment.stream import format_tokens, segment_lines

    check_input_options(args, args.userdict + args.lexicon_dict)
    pos = args.pos is not None
    model = args.model or ("pku-pos" if pos else None)
    segmenter = Segmenter.load(model)  # also checks the model and dictionaries before any output
    if pos and len(segmenter.config.pos_tags) < 2:
        raise ValueError(f"--pos needs a model that learnt part-of-speech tags (pku-pos); {model} did not")
    for path in args.userdict:
        segmenter.load_userdict(path)
    if args.lexicon_dict:
        segmenter.add_lexicon_words(dictionary_words(args.lexicon_dict))

    line_of = partial(format_tokens, delimiter=args.delimiter, tag_delimiter=args.pos or "_")

    if args.text is not None:
        print(line_of(segmenter.pos_batch([args.text])[0] if pos else segmenter.lcut(args.text)))
        return 0
    endings: deque[str] = deque()  # of the lines read and not yet written: each output line keeps its input's
    lines = segment_lines(input_lines(args, endings), segmenter, args.batch_size, args.workers, pos, line_of)
    with output(args) as out:
        for line in lines:  # formatted where it was segmented: in a worker, it comes back as one string
            out.write(line + endings.popleft())
            if interactive(args):
                out.flush()  # answer an interactive line at once
    return 0


# the network's settings: a fine-tuned model keeps those of the model it starts from (--init)
NETWORK_OPTIONS = ("char_dim", "bigram_dim", "lexicon_dim", "lexicon", "pretrain", "pretrain_self", "hidden",
                   "layers", "dropout", "decoder", "min_bigram_count", "bigram_unk", "pos", "max_chars", "batch_size")
SCRATCH = {"epochs": 10, "lr": 2e-3, "lr_decay": 0.9, "patience": 3}  # training from scratch


def describe_growth(init: str, extra: dict) -> str:
    """What fine-tuning added to the starting model's vocabularies (from config.json's extra)."""
    share = extra["unknown_characters"] / max(extra["training_characters"], 1)
    return (f"{extra['unknown_characters']:,} of the {extra['training_characters']:,} training characters "
            f"({share:.2%}) were unknown to {init}: {extra['added_characters']:,} characters and "
            f"{extra['added_bigrams']:,} bigrams added to its vocabularies")


def dictionary_words(paths: list[Path]) -> list[str]:
    """The words of jieba-format dictionary files (``word [freq] [tag]`` a line)."""
    from zhtagger.text.userdict import UserDictionary

    words = UserDictionary()
    for path in paths:
        words.load(path)
    return list(words.entries)


def add_adapt_options(adapt) -> None:
    from zhtagger.tasks.segment.config import FINE_TUNE, REPLAY_RATIO, TEACHERS

    adapt.add_argument("--init", metavar="MODEL",
                       help="start from this model (a shipped model's name, pku or ctb, or a model directory): its "
                            "vocabularies grow with the training text's new characters and bigrams; defaults "
                            f"become --epochs {FINE_TUNE.epochs} --lr {FINE_TUNE.lr:g} --lr-decay "
                            f"{FINE_TUNE.lr_decay:g} --patience {FINE_TUNE.patience}")
    adapt.add_argument("--replay", type=Path, metavar="FILE",
                       help="segmented text the starting model was trained on (in --format): a fresh random share of "
                            "it is mixed into every epoch, so the model keeps what it knew")
    adapt.add_argument("--replay-ratio", type=positive_float, default=REPLAY_RATIO, metavar="R",
                       help="replayed characters an epoch, as a multiple of the training text's")
    adapt.add_argument("--raw", type=Path, nargs="+", default=[], metavar="RAW",
                       help="unsegmented domain text (a sentence or more a line) to learn from as --raw-teacher "
                            "segments it, after --train's sentences; needs --init")
    adapt.add_argument("--raw-teacher", choices=TEACHERS, default="jieba",
                       help="who segments the raw text: jieba (measured best) or the starting model itself")
    adapt.add_argument("--no-raw-words", dest="raw_words", action="store_false",
                       help="do not add the new words found in the raw text (by cohesion and branching entropy) to "
                            "the lexicon feature")
    adapt.add_argument("--lexicon-dict", type=Path, action="append", default=[], metavar="FILE",
                       help="domain terms (jieba's format: word [freq] [tag] a line) marked by the lexicon feature "
                            "in training and in the saved model; may be repeated")


def add_network_options(network) -> None:
    defaults = SegmenterConfig()
    network.add_argument("--char-dim", type=positive_int,
                         help=f"character embedding size (default: {defaults.char_dim})")
    network.add_argument("--bigram-dim", type=int, help=f"0 turns bigrams off (default: {defaults.bigram_dim})")
    network.add_argument("--lexicon-dim", type=int, help="> 0 adds a feature marking dictionary words (see --lexicon)")
    network.add_argument("--lexicon", choices=["jieba", "train"],
                         help="the feature's words: jieba's dictionary (open track, the default) or the training "
                              "words (closed track; jackknifed in training)")
    network.add_argument("--pretrain", type=Path, nargs="+", metavar="RAW",
                         help="raw-text files to pretrain character and bigram embeddings on (open track)")
    network.add_argument("--pretrain-self", action="store_true", default=None,
                         help="pretrain the embeddings on the training text alone (closed track)")
    network.add_argument("--hidden", type=positive_int, help=f"LSTM units a direction (default: {defaults.hidden})")
    network.add_argument("--layers", type=positive_int, help=f"stacked LSTM layers (default: {defaults.layers})")
    network.add_argument("--dropout", type=float, help=f"dropout rate (default: {defaults.dropout})")
    network.add_argument("--decoder", choices=[d.value for d in Decoder],
                         help="crf trains learned transitions; greedy/viterbi (the default) decode a softmax model")
    network.add_argument("--min-bigram-count", type=positive_int,
                         help=f"bigrams seen fewer times in the training text are unknown "
                              f"(default: {defaults.min_bigram_count})")
    network.add_argument("--bigram-unk", metavar="A|auto",
                         help="in training read a bigram seen c times as unknown with chance A / (A + c); auto: "
                              "the A that makes unknown bigrams as common as in the dev text (default: 0, off)")
    network.add_argument("--pos", action="store_true", default=None,
                         help="learn the training file's POS tags too (--format pos, or conll with UPOS): one "
                              "output per (BMES, POS) pair; segmenting sums over the POS tags")
    network.add_argument("--max-chars", type=positive_int,
                         help=f"training sentences are cut at punctuation into pieces this long "
                              f"(default: {defaults.max_chars})")
    network.add_argument("--batch-size", type=positive_int,
                         help=f"training pieces a batch (default: {defaults.batch_size})")


def add_train_parser(tasks) -> None:
    segment = tasks.add_parser(
        "segment", help="train a word segmenter on a segmented corpus, or fine-tune one (--init)",
        description="Train a word segmenter on a segmented corpus, or with --init fine-tune a shipped or trained "
                    "one on your domain's text. The network options (--char-dim ... --batch-size) are for "
                    "training from scratch; a fine-tuned model keeps its starting model's.")
    segment.add_argument("--train", type=Path, help="segmented training file (optional with --raw)")
    segment.add_argument("--dev", type=Path, help="segmented dev file (default: the last 5%% of --train)")
    segment.add_argument("--out", type=Path, required=True, help="run directory; the best model goes to OUT/model")
    segment.add_argument("--format", choices=[f.value for f in Format], default="words",
                         help="words: whitespace-separated; pos: People's Daily word/POS; conll: CoNLL(-U)")
    add_adapt_options(segment.add_argument_group("fine-tuning"))
    add_network_options(segment.add_argument_group("network (training from scratch)"))
    segment.add_argument("--align-to", type=Path, metavar="WORDS",
                         help="a word list (one word a line) of the standard to learn: a training or dev word "
                              "missing from it that is made of listed words is split into them")
    segment.add_argument("--epochs", type=positive_int, help=f"at most (default: {SCRATCH['epochs']})")
    segment.add_argument("--lr", type=positive_float, help=f"Adam's learning rate (default: {SCRATCH['lr']:g})")
    segment.add_argument("--lr-decay", type=positive_float,
                         help=f"learning-rate factor after each epoch (default: {SCRATCH['lr_decay']:g})")
    segment.add_argument("--patience", type=positive_int,
                         help=f"stop after N epochs without a better dev F1 (default: {SCRATCH['patience']})")
    segment.add_argument("--seed", type=int, default=0, help="random seed")
    segment.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    segment.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    segment.add_argument("--cache-dir", type=Path, help="keep the encoded corpus here (Arrow) for later runs")
    segment.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def run_train_segment(args: argparse.Namespace) -> int:
    from zhtagger.core.config import TrainConfig
    from zhtagger.core.distributed import is_main_process
    from zhtagger.modeldir import read_config
    from zhtagger.registry import resolve
    from zhtagger.tasks.segment.adapt import RawText
    from zhtagger.tasks.segment.config import FINE_TUNE
    from zhtagger.tasks.segment.stream import check_inputs
    from zhtagger.tasks.segment.train import train_segmenter
    from zhtagger.text.align import align_corpora, describe_splits
    from zhtagger.text.corpus import read_corpus
    network = {name: getattr(args, name) for name in NETWORK_OPTIONS if getattr(args, name) is not None}
    if args.init and network:
        given = ", ".join("--" + name.replace("_", "-") for name in network)
        raise ValueError(f"a fine-tuned model keeps the network settings of the model it starts from: drop {given}")
    if not args.init and (args.replay or args.raw):
        raise ValueError(f"{'--replay' if args.replay else '--raw'} adapts a trained model: give --init too")
    if not args.train and not args.raw:
        raise ValueError("give --train (segmented text), or --raw with --init (unsegmented text), or both")
    check_inputs([path for path in (args.train, args.dev, args.replay, *args.lexicon_dict, *args.raw) if path])
    if args.init:  # a missing model, or one of another task or format, is refused before any reading
        read_config(resolve(args.init, "segment"), "segment")
    config = None if args.init else SegmenterConfig(**network)
    tuning = vars(FINE_TUNE) if args.init else SCRATCH
    train_config = TrainConfig(**{name: tuning[name] if getattr(args, name) is None else getattr(args, name)
                                  for name in ("epochs", "lr", "lr_decay", "patience")},
                               seed=args.seed, device=args.device, resume=args.resume, quiet=args.quiet)
    lexicon_words = dictionary_words(args.lexicon_dict)
    raw = RawText.read(args.raw)
    if args.raw:
        print(raw.describe())
    corpora = [read_corpus(path, args.format) if path else None for path in (args.train, args.dev)]
    for corpus in filter(None, corpora):
        print(f"{corpus.path}: {len(corpus.sentences):,} sentences, "
              f"{sum(len(w) for s in corpus.sentences for w in s):,} characters, "
              f"{corpus.empty_lines:,} empty lines skipped")
    if args.align_to:
        aligned, splits = align_corpora(corpora, args.align_to)
        for corpus, counts in zip(corpora, splits, strict=True):
            if corpus is not None:
                print(describe_splits(corpus, counts, args.align_to))
        corpora = aligned
    segmenter, result = train_segmenter(corpora[0], corpora[1], args.out, config, train_config, format=args.format,
                                cache_dir=args.cache_dir, init=args.init, replay=args.replay,
                                replay_ratio=args.replay_ratio, lexicon_words=lexicon_words, raw=raw,
                                raw_teacher=args.raw_teacher, raw_words=args.raw_words)
    if not is_main_process():  # one of several processes (torchrun): rank 0 reports
        return 0
    for entry in result.history:
        print(f"epoch {entry['epoch']}: train loss {entry['train_loss']:.4f}, dev F1 {entry['f1']:.4f}, "
              f"OOV recall {entry['oov_recall']:.4f} ({entry['elapsed_s']:.0f} s)")
    print(f"best dev F1 {result.best['f1']:.4f} at epoch {result.best['epoch']}; model saved to {args.out / 'model'}")
    if args.init:
        print(describe_growth(args.init, segmenter.record["extra"]))
    return 0


def add_eval_parser(tasks) -> None:
    segment = tasks.add_parser("segment", help="segment a gold file's text and print the SIGHAN scores")
    segment.add_argument("--model", required=True,
                         help="a shipped model's name, a model directory or a training run's directory")
    segment.add_argument("--gold", type=Path, required=True, help="gold segmentation, words separated by spaces")
    segment.add_argument("--words", type=Path, help="training word list for OOV (default: the model's own)")
    segment.add_argument("--decoder", choices=[d.value for d in Decoder], help="default: the model's")
    segment.add_argument("--output", type=Path, help="also write the predicted segmentation here")
    segment.add_argument("--errors", type=Path, help="write an error analysis (missed / wrong words) here")
    segment.add_argument("--seqeval", action="store_true", help="also print seqeval's tag-level report")
    segment.add_argument("--device", default="cpu")


def run_eval(args: argparse.Namespace) -> int:
    from zhtagger.atomic import write_text_atomically
    from zhtagger.optional import require
    from zhtagger.tasks.segment.predictor import Segmenter
    from zhtagger.text.scoring import read_word_list, seqeval_report
    from zhtagger.text.tags import words_to_tags

    if args.seqeval:
        require("seqeval.metrics", "--seqeval")  # before any output
    segmenter = Segmenter.load(args.model, args.device)
    words = read_word_list(args.words) if args.words else None
    result = segmenter.evaluate(args.gold, args.decoder, words)
    print(result.table())
    if args.seqeval:
        from zhtagger.text.corpus import read_corpus

        gold = read_corpus(args.gold).sentences
        print(seqeval_report([words_to_tags(s) for s in gold], [words_to_tags(s) for s in result.predictions]))
    if args.output:
        write_text_atomically(args.output, "".join("  ".join(line) + "\n" for line in result.predictions))
    if args.errors:
        write_text_atomically(args.errors, result.analysis)
    return 0


def add_score_parser(commands) -> None:
    score = commands.add_parser("score", help="score a segmentation file against gold, like the SIGHAN scorer")
    score.add_argument("gold", type=Path)
    score.add_argument("predicted", type=Path)
    score.add_argument("--words", type=Path, help="training word list; defines OOV")
    score.add_argument("--errors", type=Path, help="write an error analysis here")


def run_score(args: argparse.Namespace) -> int:
    from zhtagger.atomic import write_text_atomically
    from zhtagger.text.scoring import error_analysis, read_word_list, score_files

    result = score_files(args.gold, args.predicted, args.words)
    print(result.table())
    if args.errors:
        write_text_atomically(args.errors, error_analysis(result, read_word_list(args.words) if args.words else None))
    return 0
