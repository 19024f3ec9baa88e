"""Train the shipped joint segmentation + part-of-speech model (zhtagger/models/pku-pos) on People's Daily,
January 1998, with its PKU tags (the tags jieba's posseg prints: n, nr, ns, v, ...).

    python scripts/train_pos.py [--data ../shared/data] [--runs runs/shipped] [--out zhtagger/models]

Held out by document (the paragraph ids' date-page-article): the last 5% of the documents are the test set,
the 5% before them the dev set (the epoch and the decoder are chosen on dev); the rest is trained on. The
network is the shipped PKU segmenter's (train_shipped.py) with one output per (BMES, tag) pair. Scores: word
F1 and joint F1 (word and tag both right) on the held-out test documents, and word F1 on the SIGHAN 2005 PKU
test (scored like the bakeoff), against jieba's posseg on the same text. Writes the model's metrics.json and
MODEL.md, and results/pos.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

from train_shipped import SEED, SHAPE, as_shipped, choose_decoder, package, shipped_config, train_settings

from zhtagger.atomic import write_text_atomically
from zhtagger.config import config_dict
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.train import train_segmenter
from zhtagger.text.corpus import Corpus, pos_words_of_line, read_corpus, read_text_lines
from zhtagger.text.peoples_daily import split_by_document as documents_split
from zhtagger.text.scoring import read_word_list, score

ROOT = Path(__file__).resolve().parents[1]
CORPUS = "pd1998/train_pos.txt"
PKU_TEST, PKU_WORDS = "icwb2/gold/pku_test_gold.utf8", "icwb2/gold/pku_training_words.utf8"
NAME = "pku-pos"
EPOCHS = 15


def split_by_document(data: Path) -> tuple[Corpus, Corpus, Corpus]:
    """(train, dev, test): the last 5% of the documents for test, the 5% before for dev."""
    parts = documents_split(read_text_lines(data / CORPUS))
    splits = []
    for name in ("train", "dev", "test"):
        rows = [pos_words_of_line(line, f"{CORPUS} ({name}), paragraph {k}") for k, line in enumerate(parts[name], 1)]
        splits.append(Corpus([words for words, _ in rows], pos=[tags for _, tags in rows]))
    return splits[0], splits[1], splits[2]


def pos_scores(model: Segmenter, gold: Corpus) -> dict:
    """Word P/R/F1 and joint F1 (a word counts when its span and its tag are both right)."""
    predicted = model.pos_batch(["".join(words) for words in gold.sentences])
    words = score(gold.sentences, [[w for w, _ in row] for row in predicted], set())
    return {"word_f1": words.f1, "word_precision": words.precision, "word_recall": words.recall,
            **score_spans(gold, predicted)}


def score_spans(gold: Corpus, predicted: list[list[tuple[str, str]]]) -> dict:
    right = total_gold = total_predicted = 0
    for words, tags, row in zip(gold.sentences, gold.pos, predicted, strict=True):
        gold_spans = set(spans(words, tags))
        predicted_spans = set(spans([w for w, _ in row], [t for _, t in row]))
        right += len(gold_spans & predicted_spans)
        total_gold += len(gold_spans)
        total_predicted += len(predicted_spans)
    precision, recall = right / max(total_predicted, 1), right / max(total_gold, 1)
    return {"joint_precision": precision, "joint_recall": recall,
            "joint_f1": 2 * precision * recall / max(precision + recall, 1e-12)}


def spans(words: list[str], tags: list[str]) -> list[tuple[int, int, str]]:
    start, result = 0, []
    for word, tag in zip(words, tags, strict=True):
        result.append((start, start + len(word), tag))
        start += len(word)
    return result


def jieba_scores(gold: Corpus) -> dict:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    predicted = [[(p.word, p.flag) for p in jieba.posseg.cut("".join(words))] for words in gold.sentences]
    words = score(gold.sentences, [[w for w, _ in row] for row in predicted], set())
    return {"word_f1": words.f1, **score_spans(gold, predicted)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/shipped"))
    parser.add_argument("--out", type=Path, default=ROOT / "zhtagger" / "models")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--score-only", action="store_true", help="score the model already in RUNS/pku-pos")
    parser.add_argument("--rescore", action="store_true",
                        help="score the shipped model (OUT/pku-pos) again, keeping its training record")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    train, dev, test = split_by_document(args.data)
    if args.rescore:
        rescore(args, test)
        return
    config = dataclasses.replace(shipped_config(args.data, SHAPE["char_dim"], SHAPE["bigram_dim"], SHAPE["hidden"]),
                                 pos=True)
    settings = train_settings(args.epochs)
    started = time.perf_counter()
    if args.score_only:
        rows = json.loads((args.runs / NAME / "history.json").read_text(encoding="utf-8"))["history"]
        best = max(rows, key=lambda row: row.get("f1", 0))
        train_minutes, best_epoch = rows[-1]["elapsed_s"] / 60, best["epoch"]
    else:
        _, result = train_segmenter(train, dev, args.runs / NAME, config, settings)
        train_minutes, best_epoch = result.train_seconds / 60, (result.best or {}).get("epoch")
    wall_minutes = None if args.score_only else (time.perf_counter() - started) / 60  # training's, not scoring's
    model = as_shipped(args.runs / NAME / "model")
    dev_f1 = choose_decoder(model, dev.sentences)
    metrics = {"model": NAME, "train": f"{CORPUS}, documents but the last 10%",
               "dev": "the 5% of documents before the last 5%", "test": "the last 5% of documents",
               "sentences": {"train": len(train.sentences), "dev": len(dev.sentences), "test": len(test.sentences)},
               "train_minutes": train_minutes, "wall_minutes": wall_minutes, "best_epoch": best_epoch,
               "seed": SEED, "segmenter": config_dict(config),
               "train_settings": config_dict(settings), "decoder": model.config.decoder.value,
               "dev_f1_by_decoder": dev_f1, **test_metrics(model, test, args.data)}
    package(model, metrics, args.out / NAME, args.data, model_card)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "pos.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(model_card(metrics))


def test_metrics(model: Segmenter, test, data: Path) -> dict:
    """The scores a model card shows: POS and segmentation on the held-out documents (and jieba's), PKU test."""
    pku = read_corpus(data / PKU_TEST).sentences
    return {"test_scores": pos_scores(model, test), "jieba_test_scores": jieba_scores(test),
            "pku_test_scores": model.evaluate(pku, words=read_word_list(data / PKU_WORDS)).metrics}


def rescore(args, test) -> None:
    """Score the shipped model again (after a change to prediction), rewriting metrics.json, MODEL.md and
    results/pos.json; the weights and the training record stay."""
    target = args.out / NAME
    metrics = {**json.loads((target / "metrics.json").read_text(encoding="utf-8")),
               **test_metrics(Segmenter.load(target, precision="float32"), test, args.data)}
    write_text_atomically(target / "metrics.json", json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
    write_text_atomically(target / "MODEL.md", model_card(metrics))
    (args.results / "pos.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(model_card(metrics))


def model_card(m: dict) -> str:
    s, j, p = m["test_scores"], m["jieba_test_scores"], m["pku_test_scores"]
    return f"""# zhtagger segmenter + part-of-speech tagger `{m['model']}`

People's Daily, January 1998, PKU segmentation and PKU part-of-speech tags (jieba's posseg tag set).

## Data
- Trained on `{m['train']}` ({m['sentences']['train']:,} paragraphs); chosen on {m['dev']} (best epoch
  {m['best_epoch']}); tested once on {m['test']} ({m['sentences']['test']:,} paragraphs), split by document.
- The corpus is for research use and is not part of this package.

## Settings
The shipped `pku` segmenter's network with one output per (BMES, tag) pair; {m['decoder']} decoding of the
segmentation (tag scores summed over the part-of-speech tags), then each word's tag by the sum of its
characters' joint log-probabilities. Reproduce with `python scripts/train_pos.py` (about
{m['train_minutes'] or 0:.0f} minutes of training on a 2-core CPU).

## Test scores (held-out documents)
| tagger | word F1 | joint F1 (word and tag) |
|---|---|---|
| zhtagger `{m['model']}` | {s['word_f1'] * 100:.2f} | {s['joint_f1'] * 100:.2f} |
| jieba 0.42 posseg (same text) | {j['word_f1'] * 100:.2f} | {j['joint_f1'] * 100:.2f} |

Segmentation on the SIGHAN 2005 PKU test (bakeoff scoring): F1 {p['f1'] * 100:.2f}, OOV recall
{p['oov_recall'] * 100:.2f}.
"""


if __name__ == "__main__":
    main()
