"""Benchmark: taggers for named entities and for words with their part of speech.

    python scripts/bench_tag.py [--data ../shared/data] [--runs runs/tag] [--only resume weibo ...]

Rows (strict chunk F1 by seqeval, per type, on each benchmark's test set, scored once per configuration; the
epoch is chosen on dev):

- resume: Resume NER (8 types, BMES files; the 4 places in train that break BMES are repaired by rule);
- weibo: Weibo NER 2nd edition, named and nominal mentions of PER/ORG/LOC/GPE (BIO files), all mentions;
- ud: UD Chinese GSD 1.4, segmentation and UPOS from raw text (each word a chunk of its UPOS): word F1 (span)
  and joint F1 (span and tag). Non-commercial data: benchmark only, never shipped;
- pd-ner: the shipped `ner` model (scripts/train_ner.py) on its held-out People's Daily documents;
- pd-pos: a joint segmentation + POS tagger on People's Daily (the same split as scripts/train_pos.py),
  beside the shipped `pku-pos` segmenter's figures (results/pos.json).

Configurations: ``scratch`` (a new network; embeddings pretrained on the raw text of ../shared/data), ``pku``
(fine-tuned from the shipped pku segmenter's embeddings and LSTM, new outputs) and ``ner`` (fine-tuned from
the shipped ner tagger, its outputs grown with the benchmark's types; run with --settings ner). Each model's speed
(characters a second, numpy engine, one thread) and its size as shipped (float16) are measured too. Results
are merged into results/tag.json (so benchmarks may be run apart) and results/tag.md is rewritten.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_speed import machine  # noqa: E402
from train_ner import ner_splits, speed  # noqa: E402
from train_pos import split_by_document  # noqa: E402

from zhtagger.config import config_dict  # noqa: E402
from zhtagger.core.config import TrainConfig  # noqa: E402
from zhtagger.tasks.tag.config import TaggingConfig  # noqa: E402
from zhtagger.tasks.tag.predictor import Tagger  # noqa: E402
from zhtagger.tasks.tag.train import train_tagger  # noqa: E402
from zhtagger.text.tagdata import TaggedCorpus, read_tagged, words_as_chunks  # noqa: E402

PRETRAIN = ("raw/tnews_eprstmt.txt", "ctb6/train.txt", "pd1998/train.txt", "sxu/train.txt")
BENCHMARKS = {  # name -> (folder, file pattern, format, published figures to compare with)
    "resume": ("ner/resume", "{}.char.bmes", "bmes", "bar 94.0; Lattice LSTM 94.46, char BiLSTM-CRF 94.41"),
    "weibo": ("ner/weibo", "{}.conll", "bio", "bar 56.8; Lattice LSTM 58.79, char BiLSTM 56.75"),
    "ud": ("ud", "{}.conll", "conll", "Stanza on UD GSD (a later release) 89.1 joint"),
}
SETTINGS = {  # configuration -> (TaggingConfig options, TrainConfig options, init)
    "scratch": ({"char_dim": 100, "bigram_dim": 50, "lexicon_dim": 16, "hidden": 150, "dropout": 0.5,
                 "min_bigram_count": 10},
                {"epochs": 30, "lr": 2e-3, "lr_decay": 0.95, "patience": 6}, None),
    "pku": ({"dropout": 0.3}, {"epochs": 30, "lr": 2e-3, "lr_decay": 0.95, "patience": 6}, "pku"),
    # the shipped ner tagger (People's Daily PER/LOC/ORG), its outputs grown with the benchmark's types
    "ner": ({}, {"epochs": 30, "lr": 2e-3, "lr_decay": 0.95, "patience": 6}, "ner"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/tag"))
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--only", nargs="+", choices=[*BENCHMARKS, "pd-ner", "pd-pos"],
                        default=[*BENCHMARKS, "pd-ner", "pd-pos"])
    parser.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=["scratch", "pku"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    path = args.results / "tag.json"
    record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"rows": {}}
    record["machine"] = machine()
    for name in args.only:
        if name in BENCHMARKS:
            for setting in args.settings:
                record["rows"][f"{name} / {setting}"] = benchmark(args, name, setting)
        elif name == "pd-ner":
            record["rows"]["pd-ner / shipped ner"] = shipped_ner(args.data)
        else:
            record["rows"]["pd-pos / pku"] = pd_pos(args)
        args.results.mkdir(exist_ok=True)
        path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        (args.results / "tag.md").write_text(table(record), encoding="utf-8")
    print(table(record))


def benchmark(args, name: str, setting: str) -> dict:
    folder, pattern, format, published = BENCHMARKS[name]
    train, dev, test = (read_tagged(args.data / folder / pattern.format(part), format) for part in
                        ("train", "dev", "test"))
    return run(args, f"{name}-{setting}", setting, train, dev, test) | {"published": published}


def run(args, run_name: str, setting: str, train: TaggedCorpus, dev: TaggedCorpus, test: TaggedCorpus,
        scheme: str = "BIOES", decoder: str = "crf", epochs: int | None = None) -> dict:
    options, training, init = SETTINGS[setting]
    training = training | ({"epochs": epochs} if epochs else {})
    options = {**options, "scheme": scheme, "decoder": decoder}
    if init is None:
        options["pretrain"] = tuple(str(args.data / path) for path in PRETRAIN)
    started = time.perf_counter()
    _, result = train_tagger(train, dev, args.runs / run_name, TaggingConfig(**options), TrainConfig(**training),
                             repair=True, init=init)
    wall = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:  # scored as it would ship: float16 weights, numpy engine
        Tagger.load(args.runs / run_name / "model").save(Path(tmp) / "model", half=True)
        model = Tagger.load(Path(tmp) / "model")
        size = sum(f.stat().st_size for f in (Path(tmp) / "model").iterdir()) / 2**20
        scores = model.evaluate(test)
        chars_per_second = speed(model, test.texts)
    return {"setting": setting, "init": init, "config": config_dict(model.config) | {"tags": len(model.config.tags)},
            "train": {"sentences": len(train), "repaired": len(train.problems) + len(dev.problems)},
            "best_epoch": result.best["epoch"], "dev_f1": result.best["f1"], "train_minutes": result.train_seconds / 60,
            "wall_minutes": wall / 60, "test": scores.metrics, "report": scores.report,
            "chars_per_second": chars_per_second, "size_mb": size}


def shipped_ner(data: Path) -> dict:
    model = Tagger.load("ner")
    test = ner_splits(data)["test"]
    scores = model.evaluate(test)
    metrics = json.loads((ROOT / "zhtagger/models/ner/metrics.json").read_text(encoding="utf-8"))
    return {"setting": "shipped ner", "init": metrics["init"], "best_epoch": metrics["best_epoch"],
            "dev_f1": metrics["dev_f1"], "train_minutes": metrics["train_minutes"], "test": scores.metrics,
            "report": scores.report, "chars_per_second": speed(model, test.texts),
            "size_mb": sum(f.stat().st_size for f in (ROOT / "zhtagger/models/ner").iterdir()) / 2**20}


def pd_pos(args) -> dict:
    """A joint segmentation + POS tagger (one output per BMES prefix and PKU tag, Viterbi under the rules),
    from the pku segmenter, on train_pos.py's split."""
    corpora = [words_as_chunks(corpus.sentences, corpus.pos, f"pd1998 {name}", 0)
               for name, corpus in zip(("train", "dev", "test"), split_by_document(args.data), strict=True)]
    row = run(args, "pd-pos-pku", "pku", *corpora, scheme="BMES", decoder="viterbi", epochs=15)
    shipped = json.loads((args.results / "pos.json").read_text(encoding="utf-8"))["test_scores"]
    return row | {"published": f"shipped pku-pos segmenter: word F1 {shipped['word_f1'] * 100:.2f}, joint F1 "
                               f"{shipped['joint_f1'] * 100:.2f}; bar: joint F1 94"}


def table(record: dict) -> str:
    lines = [f"Machine: {record['machine']}.", "",
             "| benchmark / configuration | test F1 (strict) | span F1 | P | R | dev F1 | epoch | train min | "
             "chars/s | MB | compare |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in record["rows"].items():
        t = row["test"]
        lines.append(f"| {name} | {t['f1'] * 100:.2f} | {t['span_f1'] * 100:.2f} | {t['precision'] * 100:.2f} | "
                     f"{t['recall'] * 100:.2f} | {row['dev_f1'] * 100:.2f} | {row['best_epoch']} | "
                     f"{row['train_minutes']:.1f} | {row['chars_per_second']:,.0f} | {row['size_mb']:.1f} | "
                     f"{row.get('published', '')} |")
    lines += ["", "Per type (test F1):", ""]
    for name, row in record["rows"].items():
        kinds = {key[3:]: value for key, value in row["test"].items() if key.startswith("f1_")}
        if len(kinds) <= 12:
            lines.append(f"- {name}: " + ", ".join(f"{kind} {value * 100:.2f}" for kind, value in kinds.items()))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
