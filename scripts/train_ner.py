"""Train the shipped named-entity model (zhtagger/models/ner): PER, LOC and ORG derived from People's Daily,
January 1998 (the rules: zhtagger/text/peoples_daily.py), fine-tuned from the shipped `pku` segmenter.

    python scripts/train_ner.py [--data ../shared/data] [--runs runs/shipped] [--out zhtagger/models]

Split by document: the last 5% of the documents are the test set, the 5% before them the dev set (the epoch
is chosen on dev); the rest is trained on. Writes the model's metrics.json and MODEL.md, and results/ner.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from bench_speed import machine

from zhtagger.core.config import TrainConfig
from zhtagger.tasks.tag.config import TaggingConfig
from zhtagger.tasks.tag.predictor import Tagger
from zhtagger.tasks.tag.train import train_tagger
from zhtagger.text.corpus import read_text_lines
from zhtagger.text.peoples_daily import entity_chunks, split_by_document
from zhtagger.text.tagdata import TaggedCorpus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = "pd1998/train_pos.txt"
NAME = "ner"


def ner_splits(data: Path) -> dict[str, TaggedCorpus]:
    """train / dev / test as texts with PER, LOC and ORG chunks."""
    parts = split_by_document(read_text_lines(data / CORPUS))
    splits = {}
    for name, lines in parts.items():
        rows = [entity_chunks(line, f"{CORPUS} ({name}), paragraph {k}") for k, line in enumerate(lines, 1)]
        splits[name] = TaggedCorpus([text for text, _ in rows], [chunks for _, chunks in rows], f"{CORPUS} {name}")
    return splits


def speed(model: Tagger, texts: list[str], repeats: int = 3) -> float:
    """Characters a second of ``entities_batch`` on ``texts`` (the best of ``repeats``)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        model.entities_batch(texts)
        best = min(best, time.perf_counter() - started)
    return sum(map(len, texts)) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/shipped"))
    parser.add_argument("--out", type=Path, default=ROOT / "zhtagger" / "models")
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--init", default="pku", help="the segmenter (or tagger) to start from")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--limit", type=int, help="train on the first N paragraphs only (a quick check)")
    parser.add_argument("--rescore", action="store_true",
                        help="score the shipped model (OUT/ner) again, keeping its training record")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    splits = ner_splits(args.data)
    if args.limit:
        splits["train"] = TaggedCorpus(splits["train"].texts[: args.limit], splits["train"].chunks[: args.limit])
    config = TaggingConfig(scheme="BIOES", decoder="crf", dropout=0.3, batch_size=32)
    settings = TrainConfig(epochs=args.epochs, lr=2e-3, lr_decay=0.9, patience=3)
    if args.rescore:  # score the shipped model again, keeping its training record
        record = json.loads((args.out / NAME / "metrics.json").read_text(encoding="utf-8"))
        model = Tagger.load(args.out / NAME)
        record = {key: value for key, value in record.items() if key not in ("cpu",)}
        write_model(args, {**record, **test_metrics(model, splits["test"])}, model)
        return
    _, result = train_tagger(splits["train"], splits["dev"], args.runs / NAME, config, settings, init=args.init)
    with tempfile.TemporaryDirectory() as tmp:  # scored as it ships: float16 weights, the numpy engine
        Tagger.load(args.runs / NAME / "model").save(Path(tmp) / "model", half=True)
        model = Tagger.load(Path(tmp) / "model")
        metrics = {"model": NAME, "train": f"{CORPUS}, documents but the last 10%", "init": args.init,
                   "dev": "the 5% of documents before the last 5%", "test": "the last 5% of documents",
                   "paragraphs": {name: len(corpus) for name, corpus in splits.items()},
                   "train_minutes": result.train_seconds / 60, "best_epoch": (result.best or {}).get("epoch"),
                   "dev_f1": (result.best or {}).get("f1"), **test_metrics(model, splits["test"])}
        write_model(args, metrics, model)


def test_metrics(model: Tagger, test: TaggedCorpus) -> dict:
    scores = model.evaluate(test)
    return {"test_scores": scores.metrics, "test_report": scores.report, "chars_per_second": speed(model, test.texts),
            "machine": machine()}


def write_model(args, metrics: dict, model: Tagger) -> None:
    """The shipped model directory (float16 weights, metrics.json, MODEL.md) and results/ner.json."""
    target = args.out / NAME
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / NAME, half=True, extra_files={
            "metrics.json": json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", "MODEL.md": model_card(metrics)})
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(Path(tmp) / NAME, target)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "ner.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(model_card(metrics))


def model_card(m: dict) -> str:
    s = m["test_scores"]
    rows = "\n".join(f"| {kind} | {s['f1_' + kind] * 100:.2f} |" for kind in ("PER", "LOC", "ORG"))
    return f"""# zhtagger named-entity tagger `{m['model']}`

PER, LOC and ORG in modern Chinese news text, derived from People's Daily, January 1998 by the rules in
`zhtagger/text/peoples_daily.py` (nr -> PER, a surname and a given name joined; ns -> LOC; nt and bracketed
`[...]nt` groups -> ORG; bracketed `[...]ns` groups -> LOC).

## Data
- Trained on `{m['train']}` ({m['paragraphs']['train']:,} paragraphs), fine-tuned from the shipped
  `{m['init']}` segmenter; chosen on {m['dev']} (best epoch {m['best_epoch']}, dev F1
  {(m['dev_f1'] or 0) * 100:.2f}); tested once on {m['test']} ({m['paragraphs']['test']:,} paragraphs).
- The corpus is for research use and is not part of this package.

## Test scores (strict entity F1, seqeval, held-out documents)
| type | F1 |
|---|---|
{rows}
| all | {s['f1'] * 100:.2f} (P {s['precision'] * 100:.2f}, R {s['recall'] * 100:.2f}) |

Speed: {m['chars_per_second']:,.0f} characters a second on {m['machine']} (numpy engine, float32, one thread).
Reproduce with `python scripts/train_ner.py` (about {m['train_minutes']:.0f} minutes of training on a 2-core CPU).
"""


if __name__ == "__main__":
    main()
