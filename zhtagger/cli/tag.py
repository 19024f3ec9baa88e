"""``zhtagger ner``, ``train tag`` and ``eval tag``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from zhtagger.cli.options import comma_ints, positive_float, positive_int
from zhtagger.cli.streams import add_input_options, check_input_options, input_lines, interactive, output
from zhtagger.tasks.engine import Decoder
from zhtagger.text.schemes import Scheme
from zhtagger.text.tagdata import TagFormat

OUTPUTS = ("json", "conll", "inline")


def add_ner_parser(commands) -> None:
    ner = commands.add_parser(
        "ner", help="find named entities (PER, LOC, ORG) with the shipped or a trained tagger",
        description="Find named entities: for each input line, one output line (json, inline) or one block of "
                    "character lines (conll). Reads the FILEs (or standard input) and writes standard output "
                    "(or OUT, atomically).")
    add_input_options(ner, "tag")
    ner.add_argument("-m", "--model", default=None, metavar="MODEL",
                     help="the shipped model's name (ner, the default) or a tagger's model directory")
    ner.add_argument("--format", choices=OUTPUTS, default="json",
                     help="json: a JSON object a line, {text, entities: [{text, type, start, end}]}; conll: a "
                          "character and its tag a line, a blank line after each input line; inline: the line "
                          "with each entity written [entity]TYPE")


def format_line(text: str, tags: list[str], entities: list, output: str) -> str:
    """One input line's entities as ``output`` (json, conll or inline) without the line end."""
    if output == "json":
        return json.dumps({"text": text, "entities": [{"text": e, "type": kind, "start": a, "end": b}
                                                      for e, kind, a, b in entities]}, ensure_ascii=False)
    if output == "conll":
        return "".join(f"{char}\t{tag}\n" for char, tag in zip(text, tags, strict=True))
    pieces, at = [], 0
    for entity, kind, start, end in entities:
        pieces += [text[at:start], f"[{entity}]{kind}"]
        at = end
    return "".join(pieces) + text[at:]


def run_ner(args: argparse.Namespace) -> int:
    from collections import deque

    from zhtagger.tasks.segment.stream import batched
    from zhtagger.tasks.tag.predictor import Tagger

    check_input_options(args)
    tagger = Tagger.load(args.model)  # checks the model before any output

    def lines_of(texts: list[str]) -> list[str]:
        return [format_line(text, tags, tagger.entities_of(text, tags), args.format)
                for text, tags in zip(texts, tagger.predict(texts), strict=True)]

    if args.text is not None:
        print(lines_of([args.text])[0])
        return 0
    endings: deque[str] = deque()  # of the lines read and not yet written
    lines = input_lines(args, endings, "\n" if args.format == "conll" else None)
    with output(args) as out:
        for batch in batched(lines, args.batch_size):
            for line in lines_of(batch):
                out.write(line + endings.popleft())
            if interactive(args):
                out.flush()  # answer an interactive line at once
    return 0


def add_train_parser(tasks) -> None:
    from zhtagger.tasks.tag.config import SCRATCH, TaggingConfig

    defaults = TaggingConfig()
    tag = tasks.add_parser(
        "tag", help="train a tagger for any tag set (named entities, part of speech...)",
        description="Train a character tagger on tagged text: entities (one character and its tag a line, or "
                    "CoNLL) or tagged words (CoNLL, People's Daily word/POS), decoded under the scheme's rules. "
                    "With --init, fine-tune a trained tagger (new tags grow its outputs) or start from a "
                    "segmenter (pku, ctb or a directory).")
    tag.add_argument("--train", type=Path, required=True, help="tagged training file")
    tag.add_argument("--dev", type=Path, help="tagged dev file (default: the last 5%% of --train)")
    tag.add_argument("--out", type=Path, required=True, help="run directory; the best model goes to OUT/model")
    tag.add_argument("--format", choices=[f.value for f in TagFormat], required=True,
                     help="bio, bioes, bmes: a character and its tag a line, in that scheme; conll: CoNLL(-U) "
                          "columns (--columns); pos: People's Daily word/POS")
    tag.add_argument("--columns", type=lambda text: comma_ints(text, "--columns"), default=(2, 4),
                     metavar="FORM,TAG", help="CoNLL columns (1-based) of the token and its tag (default: 2,4)")
    tag.add_argument("--scheme", type=str.upper, choices=[s.value for s in Scheme],
                     help=f"the scheme the model learns (default: {defaults.scheme.value})")
    tag.add_argument("--repair", action="store_true",
                     help="read tag sequences that break their scheme by the documented rule (a tag that cannot "
                          "continue a chunk begins one) instead of refusing the data")
    tag.add_argument("--init", metavar="MODEL",
                     help="start from a trained tagger, or from a segmenter's embeddings and LSTM")
    network = tag.add_argument_group("network (training from scratch or from a segmenter)")
    for name, kind, text in (("char-dim", positive_int, "character embedding size"),
                             ("bigram-dim", int, "bigram embedding size; 0 turns bigrams off"),
                             ("lexicon-dim", int, "jieba-dictionary feature size; 0 turns it off"),
                             ("hidden", positive_int, "LSTM units a direction"),
                             ("layers", positive_int, "stacked LSTM layers"), ("dropout", float, "dropout rate"),
                             ("max-chars", positive_int, "training texts are cut at punctuation into pieces this long"),
                             ("batch-size", positive_int, "training pieces a batch")):
        default = getattr(defaults, name.replace("-", "_"))
        network.add_argument(f"--{name}", type=kind, help=f"{text} (default: {default})")
    network.add_argument("--pretrain", type=Path, nargs="+", metavar="RAW",
                         help="raw-text files to pretrain character and bigram embeddings on")
    network.add_argument("--decoder", choices=[d.value for d in Decoder],
                         help=f"crf (learned transitions), viterbi or greedy (default: {defaults.decoder.value})")
    tag.add_argument("--epochs", type=positive_int, help=f"at most (default: {SCRATCH.epochs})")
    tag.add_argument("--lr", type=positive_float, help=f"Adam's learning rate (default: {SCRATCH.lr:g})")
    tag.add_argument("--lr-decay", type=positive_float, help=f"factor after each epoch (default: {SCRATCH.lr_decay:g})")
    tag.add_argument("--patience", type=positive_int,
                     help=f"stop after N epochs without a better dev F1 (default: {SCRATCH.patience})")
    tag.add_argument("--seed", type=int, default=0, help="random seed")
    tag.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    tag.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    tag.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


NETWORK = ("char_dim", "bigram_dim", "lexicon_dim", "hidden", "layers", "dropout", "max_chars", "batch_size",
           "pretrain", "decoder")
SHAPE = ("char_dim", "bigram_dim", "lexicon_dim", "hidden", "layers", "pretrain")  # what a starting model fixes


def run_train_tag(args: argparse.Namespace) -> int:
    from zhtagger.core.config import TrainConfig
    from zhtagger.core.distributed import is_main_process
    from zhtagger.modeldir import read_config
    from zhtagger.registry import resolve
    from zhtagger.tasks.segment.stream import check_inputs
    from zhtagger.tasks.tag.config import FINE_TUNE, SCRATCH, TaggingConfig
    from zhtagger.tasks.tag.train import train_tagger
    from zhtagger.text.tagdata import read_tagged

    network = {name: getattr(args, name) for name in NETWORK if getattr(args, name) is not None}
    check_inputs([path for path in (args.train, args.dev) if path])
    if args.init:
        task = read_config(resolve(args.init))["task"]  # a missing model is refused before any reading
        kept = [name for name in network if task == "tag" or name in SHAPE]
        if kept:
            raise ValueError(f"a model fine-tuned from a {'tagger' if task == 'tag' else 'segmenter'} keeps its "
                             "network's shape: drop " + ", ".join("--" + name.replace("_", "-") for name in kept))
    # from a trained tagger with no options, its own settings (its scheme, too) are kept
    keep = args.init and not network and not args.scheme
    config = None if keep else TaggingConfig(**network, **({"scheme": args.scheme} if args.scheme else {}))
    tuning = FINE_TUNE if args.init else SCRATCH
    train_config = TrainConfig(**{name: getattr(tuning, name) if getattr(args, name) is None else getattr(args, name)
                                  for name in ("epochs", "lr", "lr_decay", "patience")},
                               seed=args.seed, device=args.device, resume=args.resume, quiet=args.quiet)
    corpora = [read_tagged(path, args.format, args.columns) if path else None for path in (args.train, args.dev)]
    for corpus in filter(None, corpora):
        print(f"{corpus.path}: {len(corpus):,} sentences, {sum(map(len, corpus.texts)):,} characters, "
              f"{sum(map(len, corpus.chunks)):,} chunks of {len(corpus.kinds())} types, "
              f"{corpus.empty_lines:,} extra blank lines skipped")
    tagger, result = train_tagger(corpora[0], corpora[1], args.out, config, train_config, repair=args.repair,
                                  init=args.init)
    if not is_main_process():
        return 0
    for entry in result.history:
        print(f"epoch {entry['epoch']}: train loss {entry['train_loss']:.4f}, dev F1 {entry['f1']:.4f}, "
              f"tag accuracy {entry['accuracy']:.4f} ({entry['elapsed_s']:.0f} s)")
    print(f"best dev F1 {result.best['f1']:.4f} at epoch {result.best['epoch']}; {len(tagger.config.tags)} tags; "
          f"model saved to {args.out / 'model'}")
    return 0


def add_eval_parser(tasks) -> None:
    tag = tasks.add_parser("tag", help="tag a gold file's text and print seqeval's strict scores")
    tag.add_argument("--model", required=True, help="a shipped model's name, a model directory or a run directory")
    tag.add_argument("--gold", type=Path, required=True, help="tagged gold file")
    tag.add_argument("--format", choices=[f.value for f in TagFormat], required=True, help="as for train tag")
    tag.add_argument("--columns", type=lambda text: comma_ints(text, "--columns"), default=(2, 4),
                     metavar="FORM,TAG", help="CoNLL columns of the token and its tag (default: 2,4)")
    tag.add_argument("--decoder", choices=[d.value for d in Decoder], help="default: the model's")
    tag.add_argument("--errors", type=Path, help="write an error analysis (missed, spurious, mistyped chunks) here")
    tag.add_argument("--json", type=Path, help="write the metrics here as JSON")
    tag.add_argument("--device", default="cpu")


def run_eval_tag(args: argparse.Namespace) -> int:
    from zhtagger.atomic import write_text_atomically
    from zhtagger.tasks.tag.predictor import Tagger

    tagger = Tagger.load(args.model, args.device)
    result = tagger.evaluate(args.gold, args.format, args.columns, args.decoder)
    print(result.table())
    m = result.metrics
    print(f"strict F1 {m['f1']:.4f} (P {m['precision']:.4f}, R {m['recall']:.4f}); span F1 {m['span_f1']:.4f}; "
          f"tag accuracy {m['accuracy']:.4f}")
    if args.errors:
        write_text_atomically(args.errors, result.analysis)
    if args.json:
        write_text_atomically(args.json, result.to_json() + "\n")
    return 0
