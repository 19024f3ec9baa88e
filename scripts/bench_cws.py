"""Benchmark: train a segmenter on each corpus, score its test set like the SIGHAN bakeoff, compare with jieba.

    python scripts/bench_cws.py [--corpus ctb6|pku|sxu|all] [--data ../shared/data] [--runs runs/cws]
                                [--reuse] [--track closed|open] [--pretrain-self] [--train-lexicon] [--bigram-unk]
                                [--pos] [--align-words] [--crf] [--hidden N] [--epochs N]

Models and decoders are chosen on dev data only (CTB6's dev set; the last 5% of the training file elsewhere):
the decoder (greedy, viterbi, or the CRF model with --crf) with the best dev F1 is the one scored on test. Writes
results/cws.json (entries of other corpora and tracks are kept) and results/cws.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

from zhtagger.core.config import TrainConfig
from zhtagger.tasks.segment.config import Decoder, SegmenterConfig
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.train import train_segmenter
from zhtagger.text.align import align_corpora
from zhtagger.text.corpus import Corpus, hold_out, read_corpus
from zhtagger.text.scoring import read_word_list, score

CORPORA = {
    "ctb6": {"train": "ctb6/train.txt", "dev": "ctb6/dev.txt", "test": "ctb6/test.txt", "words": None},
    "pku": {"train": "pd1998/train.txt", "dev": None, "test": "icwb2/gold/pku_test_gold.utf8",
            "words": "icwb2/gold/pku_training_words.utf8", "train_pos": "pd1998/train_pos.txt"},
    "sxu": {"train": "sxu/train.txt", "dev": None, "test": "sxu/test.txt", "words": None},
}
SETTINGS = {"epochs": 12, "lr": 2e-3, "lr_decay": 0.9, "patience": 3}
# open track: raw text and the training text of every corpus (never a test set) for embedding pretraining
PRETRAIN = ["raw/tnews_eprstmt.txt", "ctb6/train.txt", "pd1998/train.txt", "sxu/train.txt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=[*CORPORA, "all"], default="all")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/cws"))
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--reuse", action="store_true", help="score an already trained model in RUNS if present")
    parser.add_argument("--track", choices=["closed", "open"], default="closed",
                        help="open adds the jieba-dictionary feature and embeddings pretrained on raw text")
    parser.add_argument("--pretrain-self", action="store_true",
                        help="closed track: pretrain embeddings on the training text itself (no outside data)")
    parser.add_argument("--train-lexicon", action="store_true",
                        help="closed track: add the lexicon feature made of the training words (jackknifed)")
    parser.add_argument("--bigram-unk", action="store_true",
                        help="read rarely seen bigrams as unknown in training, as often as the dev text has them")
    parser.add_argument("--pos", action="store_true",
                        help="learn the POS tags of the training text alongside (pku: its word/POS edition)")
    parser.add_argument("--align-words", action="store_true",
                        help="split training words missing from the official training word list into listed words "
                             "(pku: pd1998 is the first edition of the SIGHAN training set, whose standard moved)")
    parser.add_argument("--crf", action="store_true", help="also train the CRF variant and report it on dev")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"],
                        help=f"at most (default {SETTINGS['epochs']}; others: -eN in the run name)")
    parser.add_argument("--hidden", type=int, default=SegmenterConfig.hidden,
                        help=f"LSTM units a direction (default {SegmenterConfig.hidden}; others: -hN in the run name)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    results_path = args.results / "cws.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    for name in CORPORA if args.corpus == "all" else [args.corpus]:
        results[f"{name}/{run_tag(args)}"] = run_corpus(name, args)
        args.results.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (args.results / "cws.md").write_text(table(results), encoding="utf-8")
    print(table(results))


def run_tag(args) -> str:
    """The run's name: its track, ``-sp`` for a closed run with self-pretrained embeddings, ``-lex`` for one
    with the training-word lexicon, ``-unk`` with --bigram-unk, ``-pos`` with --pos, ``-aw`` with
    --align-words, ``-hN`` and ``-eN`` for a hidden size or an epoch count other than the default."""
    closed = args.track == "closed"
    return args.track + ("-sp" if args.pretrain_self and closed else "") \
        + ("-lex" if args.train_lexicon and closed else "") + ("-unk" if args.bigram_unk else "") \
        + ("-pos" if args.pos else "") + ("-aw" if args.align_words else "") \
        + ("" if args.hidden == SegmenterConfig.hidden else f"-h{args.hidden}") \
        + ("" if args.epochs == SETTINGS["epochs"] else f"-e{args.epochs}")


def train_or_load(name: str, args, config: SegmenterConfig, tag: str, train: Corpus) -> tuple[Segmenter, dict]:
    spec = CORPORA[name]
    run_dir = args.runs / f"{name}-{tag}"
    if args.reuse and (run_dir / "model" / "config.json").is_file():
        history = json.loads((run_dir / "history.json").read_text())["history"]
        return Segmenter.load(run_dir / "model"), {"history": history, "wall_minutes": None}
    started = time.perf_counter()
    settings = dict(SETTINGS, epochs=args.epochs)
    dev = spec["dev"] and args.data / spec["dev"]
    segmenter, result = train_segmenter(train, dev, run_dir, config, TrainConfig(quiet=True, **settings))
    return segmenter, {"history": result.history, "wall_minutes": (time.perf_counter() - started) / 60}


def run_corpus(name: str, args) -> dict:
    spec = CORPORA[name]
    test = read_corpus(args.data / spec["test"]).sentences
    lexicon = {"lexicon_dim": 16, "lexicon": "train"} if args.train_lexicon else {}
    unknown = "auto" if args.bigram_unk else 0.0
    if args.pos and "train_pos" not in spec:
        raise SystemExit(f"--pos: {name} has no word/POS training file")
    if args.align_words and (not spec["words"] or spec["dev"]):
        raise SystemExit(f"--align-words: {name} has no official training word list, or has a dev file of its own")
    config = SegmenterConfig(pretrain_self=args.pretrain_self, hidden=args.hidden, bigram_unk=unknown, pos=args.pos,
                             **lexicon)
    if args.track == "open":
        config = SegmenterConfig(lexicon_dim=16, min_bigram_count=3, hidden=args.hidden, bigram_unk=unknown,
                                 pos=args.pos, pretrain=tuple(str(args.data / path) for path in PRETRAIN))
    tag = run_tag(args)
    train = training_corpus(name, args, config.pos)
    segmenter, training = train_or_load(name, args, config, tag, train)
    words = read_word_list(args.data / spec["words"]) if spec["words"] else segmenter.train_words
    dev = dev_sentences(name, args.data, train)
    # (model, decoder, run tag, training record) per decoder; the one best on dev is scored on test
    candidates = {d.value: (segmenter, d, tag, training) for d in (Decoder.GREEDY, Decoder.VITERBI)}
    if args.crf:
        crf_config = dataclasses.replace(config, decoder=Decoder.CRF)
        crf, crf_training = train_or_load(name, args, crf_config, f"{tag}-crf", train)
        candidates["crf"] = (crf, Decoder.CRF, f"{tag}-crf", crf_training)
    dev_scores = {key: model.evaluate(dev, decoder).f1 for key, (model, decoder, _, _) in candidates.items()}
    chosen = max(dev_scores, key=dev_scores.get)
    model, decoder, tag, training = candidates[chosen]
    result = model.evaluate(test, decoder, words)  # what users get: lcut_batch on the test text
    texts = ["".join(sentence) for sentence in test]
    started = time.perf_counter()
    model.lcut_batch(texts, decoder)
    seconds = time.perf_counter() - started
    weights = args.runs / f"{name}-{tag}" / "model" / "weights.pt"
    train_seconds = training["history"][-1]["elapsed_s"]
    return {
        "corpus": name, "track": tag, "test": spec["test"], "decoder": chosen,
        "scores": result.metrics, "dev_f1_by_decoder": dev_scores,
        "train_minutes": train_seconds / 60, "wall_minutes": training["wall_minutes"],
        "epochs": len(training["history"]), "best_epoch": max(training["history"], key=lambda h: h["f1"])["epoch"],
        "model_mb": weights.stat().st_size / 2**20, "chars_per_s": sum(map(len, texts)) / seconds,
        "jieba": jieba_scores(test, words),
    }


def training_corpus(name: str, args, pos: bool = False) -> Corpus:
    """The training file (its word/POS edition with ``pos``: the same sentences and words, so the held-out dev
    text is the same), aligned to the official training word list with --align-words."""
    spec = CORPORA[name]
    corpus = read_corpus(args.data / spec["train_pos"], "pos") if pos else read_corpus(args.data / spec["train"])
    return align_corpora([corpus], args.data / spec["words"])[0][0] if args.align_words else corpus


def dev_sentences(name: str, data: Path, train: Corpus | None = None) -> list[list[str]]:
    """The corpus's dev file, else the end of its training sentences (``train``, by default the training file)
    that train_segmenter holds out."""
    spec = CORPORA[name]
    if spec["dev"]:
        return read_corpus(data / spec["dev"]).sentences
    return hold_out((train or read_corpus(data / spec["train"])).sentences)[1]


def jieba_scores(test: list[list[str]], words: set[str]) -> dict:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    texts = ["".join(sentence) for sentence in test]
    started = time.perf_counter()
    predicted = [[w for w in tokenizer.cut(text) if w.strip()] for text in texts]
    seconds = time.perf_counter() - started
    return {**score(test, predicted, words).as_dict(), "chars_per_s": sum(map(len, texts)) / seconds}


def table(results: dict) -> str:
    lines = ["| corpus | track | segmenter | F1 | P | R | OOV recall | IV recall | dev F1 greedy / viterbi / crf | "
             "training min | model MB | chars/s |", "|" + "---|" * 12]
    for key in sorted(results):
        r = results[key]
        s, dev = r["scores"], r["dev_f1_by_decoder"]
        devs = " / ".join(f"{dev[d] * 100:.2f}" if d in dev else "—" for d in ("greedy", "viterbi", "crf"))
        lines.append(f"| {r['corpus']} | {r['track']} | zhtagger ({r['decoder']}) | {s['f1'] * 100:.2f} | "
                     f"{s['precision'] * 100:.2f} | {s['recall'] * 100:.2f} | {s['oov_recall'] * 100:.2f} | "
                     f"{s['iv_recall'] * 100:.2f} | {devs} | {r['train_minutes']:.1f} | {r['model_mb']:.1f} | "
                     f"{r['chars_per_s']:,.0f} |")
        j = r["jieba"]
        lines.append(f"| {r['corpus']} | — | jieba 0.42 | {j['f1'] * 100:.2f} | {j['precision'] * 100:.2f} | "
                     f"{j['recall'] * 100:.2f} | {j['oov_recall'] * 100:.2f} | {j['iv_recall'] * 100:.2f} | "
                     f"— | — | — | {j['chars_per_s']:,.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
