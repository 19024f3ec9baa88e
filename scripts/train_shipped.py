"""Train the segmenters shipped inside the package (zhtagger/models/NAME), with a fixed seed.

    python scripts/train_shipped.py [--model pku|ctb|all] [--data ../shared/data] [--runs runs/shipped]
    python scripts/train_shipped.py --rescore [--model pku|ctb|all]   # score the shipped models again, no training

Each model is small and fast by design (one BiLSTM layer of 64 units, pruned bigram vocabulary, float16
weights): the shipped default must out-run jieba on a CPU. It uses the open-track resources (embeddings
pretrained on raw text and the training text of the corpora, jieba's dictionary as a feature). The decoder is
chosen on dev data; the test set is scored once, and the result goes into the model's metrics.json and
MODEL.md (the model card).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

from bench_cws import CORPORA, PRETRAIN, dev_sentences, jieba_scores

from zhtagger.atomic import write_text_atomically
from zhtagger.config import config_dict
from zhtagger.core.config import TrainConfig
from zhtagger.tasks.segment.adapt import RawText
from zhtagger.tasks.segment.config import Decoder, SegmenterConfig
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.train import train_segmenter
from zhtagger.text.corpus import Corpus, hold_out, read_corpus
from zhtagger.text.scoring import read_word_list

SHIPPED = {"pku": "pku", "ctb": "ctb6"}  # shipped name -> corpus in bench_cws.CORPORA
DESCRIPTIONS = {
    "pku": "PKU standard (Peking University), trained on People's Daily, January 1998, distilled from a model with "
           "twice the LSTM units; the default model",
    "ctb": "CTB standard (Penn Chinese Treebank 6)",
}
SEED = 0
SHAPE = {"char_dim": 64, "bigram_dim": 48, "hidden": 64, "epochs": 15}  # --char-dim etc. try others
SHAPES = {"pku": {"hidden": 32, "epochs": 20}}  # where a shipped model differs from SHAPE
# A distilled model learns from a teacher of SHAPE, trained first on the same sentences (so it never sees the
# held-out dev end): the teacher's segmentation of raw text (these corpora's words, joined up) joins the
# model's training sentences. A 32-unit model so taught matches the 64-unit teacher (see MODEL.md).
DISTILLED = {"pku": ["ctb6/train.txt", "sxu/train.txt"]}


def shipped_config(data: Path, char_dim: int, bigram_dim: int, hidden: int) -> SegmenterConfig:
    return SegmenterConfig(char_dim=char_dim, bigram_dim=bigram_dim, hidden=hidden, lexicon_dim=16, layers=1,
                           dropout=0.3, min_bigram_count=10, pretrain=tuple(str(data / path) for path in PRETRAIN))


def train_settings(epochs: int) -> TrainConfig:
    return TrainConfig(epochs=epochs, lr=2e-3, lr_decay=0.9, patience=4, seed=SEED, quiet=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=[*SHIPPED, "all"], default="all")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/shipped"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "zhtagger" / "models")
    for name, value in SHAPE.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, help=f"instead of the model's own (pku: {value})")
    parser.add_argument("--teacher", type=Path,
                        help="a distilled model's teacher, already trained (default: train it, in RUNS/NAME-teacher)")
    parser.add_argument("--rescore", action="store_true",
                        help="score the shipped models again (dev-chosen decoder, test, jieba) without training")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for name in SHIPPED if args.model == "all" else [args.model]:
        metrics = rescore(name, args) if args.rescore else train_one(name, args)
        print(json.dumps(metrics, indent=1, ensure_ascii=False))


def train_one(name: str, args) -> dict:
    shape = {key: getattr(args, key) or value for key, value in {**SHAPE, **SHAPES.get(name, {})}.items()}
    epochs = shape.pop("epochs")
    config, settings = shipped_config(args.data, **shape), train_settings(epochs)
    started = time.perf_counter()
    spec = CORPORA[SHIPPED[name]]
    train, dev, taught = args.data / spec["train"], spec["dev"] and args.data / spec["dev"], {}
    if name in DISTILLED:
        train, dev, taught = distilling_data(name, train, dev, args)
    _, result = train_segmenter(train, dev, args.runs / name, config, settings)
    wall_minutes = (time.perf_counter() - started) / 60

    model = as_shipped(args.runs / name / "model")
    metrics = {"train_minutes": result.train_seconds / 60, "wall_minutes": wall_minutes,
               "best_epoch": (result.best or {}).get("epoch"), "seed": SEED, "segmenter": config_dict(config),
               "train_settings": config_dict(settings), **taught, **scores(name, model, args.data)}
    package(model, metrics, args.out / name, args.data)
    return metrics


def distilling_data(name: str, train: Path, dev: Path | None, args) -> tuple[Corpus, Path | list, dict]:
    """A DISTILLED model's training sentences (the training file's, less the held-out end when it is the dev
    data, plus the raw text as the teacher segments it), its dev data, and a record of the teacher."""
    teacher_dir = args.teacher
    if teacher_dir is None:  # the teacher: SHAPE, trained on the same data
        config = shipped_config(args.data, **{key: value for key, value in SHAPE.items() if key != "epochs"})
        train_segmenter(train, dev, args.runs / f"{name}-teacher", config, train_settings(SHAPE["epochs"]))
        teacher_dir = args.runs / f"{name}-teacher" / "model"
    teacher = as_shipped(teacher_dir)
    sentences, held_out = hold_out(read_corpus(train).sentences)
    sentences, dev = (sentences, held_out) if dev is None else (sentences + held_out, dev)
    raw = RawText.read([args.data / source for source in DISTILLED[name]])
    logging.info("%s; segmented by the teacher (%s) to learn from", raw.describe(), teacher_dir)
    taught = [[word for word in row if not word.isspace()] for row in teacher.lcut_batch(raw.texts)]
    record = {"teacher_hidden": teacher.net.config.hidden, "teacher_dev_f1": teacher.evaluate(dev).f1,
              "teacher_text": DISTILLED[name], "teacher_chars": sum(map(len, raw.texts))}
    return Corpus(sentences + taught), dev, {"distilled": record}


def as_shipped(model_dir: Path) -> Segmenter:
    """The trained model as it ships, to score exactly that: its weights rounded to float16."""
    with tempfile.TemporaryDirectory() as tmp:
        Segmenter.load(model_dir).save(Path(tmp) / "model", half=True)
        return Segmenter.load(Path(tmp) / "model")


def choose_decoder(model: Segmenter, dev: list[list[str]]) -> dict[str, float]:
    """Set the model's decoder to the one with the best dev F1; returns the dev F1 of each."""
    dev_f1 = {d.value: model.evaluate(dev, d).f1 for d in (Decoder.GREEDY, Decoder.VITERBI)}
    model.config.decoder = Decoder(max(dev_f1, key=dev_f1.get))
    return dev_f1


def rescore(name: str, args) -> dict:
    """Score a shipped model again through what users call (lcut_batch), keeping its training record; the
    weights are rewritten only if dev data now favours another decoder."""
    target = args.out / name
    old = json.loads((target / "metrics.json").read_text(encoding="utf-8"))
    model = Segmenter.load(target, precision="float32")
    decoder = model.config.decoder
    metrics = {**old, **scores(name, model, args.data)}
    if model.config.decoder is decoder:
        write_text_atomically(target / "metrics.json", json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
        write_text_atomically(target / "MODEL.md", model_card(metrics))
    else:
        package(model, metrics, target, args.data)
    return metrics


def scores(name: str, model: Segmenter, data: Path) -> dict:
    """Dev F1 by decoder (the best becomes the model's), test scores and jieba's on the same test text. OOV is
    defined by the official training word list, else by the training file's words."""
    corpus = SHIPPED[name]
    spec = CORPORA[corpus]
    dev_f1 = choose_decoder(model, dev_sentences(corpus, data))
    test = read_corpus(data / spec["test"]).sentences
    words = (read_word_list(data / spec["words"]) if spec["words"] else
             {word for sentence in read_corpus(data / spec["train"]).sentences for word in sentence})
    test_score = model.evaluate(test, words=words)
    return {"model": name, "description": DESCRIPTIONS[name], "train": spec["train"],
            "dev": spec["dev"] or "last 5% of the training file", "test": spec["test"],
            "decoder": model.config.decoder.value, "dev_f1_by_decoder": dev_f1, "test_scores": test_score.metrics,
            "test_table": test_score.table(), "jieba_test_scores": jieba_scores(test, words)}


def package(model: Segmenter, metrics: dict, target: Path, data: Path, card=None) -> None:
    """Write the shipped model directory: float16 weights, vocabularies, metrics.json and MODEL.md. The
    training word list stays out (it is the corpus's vocabulary, and only scoring needs it), and file names
    are kept relative to the data directory."""
    model.config.pretrain = tuple(str(Path(p).relative_to(data)) for p in model.config.pretrain)
    metrics["segmenter"]["pretrain"] = list(model.config.pretrain)
    if target.exists():
        shutil.rmtree(target)
    model.save(target, half=True, train_words=False,
               extra_files={"metrics.json": json.dumps(metrics, indent=1, ensure_ascii=False) + "\n",
                            "MODEL.md": (card or model_card)(metrics)})


def model_card(m: dict) -> str:
    s, j, c = m["test_scores"], m["jieba_test_scores"], m["segmenter"]
    pretrain = ", ".join(c["pretrain"])
    distilled = m.get("distilled")
    taught = (f"\n- Distilled from a teacher of {distilled['teacher_hidden']} units each way (dev F1 "
              f"{distilled['teacher_dev_f1'] * 100:.2f}, trained on the same sentences): also trained on "
              f"{distilled['teacher_chars']:,} characters of raw text ({', '.join(distilled['teacher_text'])}, their "
              "words joined up) as the teacher segments it." if distilled else "")
    return f"""# zhtagger segmenter `{m['model']}`

{m['description']}.

## Data
- Trained on `{m['train']}`; model chosen on {m['dev']} (best epoch {m['best_epoch']}).{taught}
- Embeddings pretrained (skip-gram) on: {pretrain}; jieba 0.42's bundled dictionary as a word-lexicon feature.
- Tested once on `{m['test']}`. The corpora are for research use and are not part of this package.

## Settings
Characters ({c['char_dim']}-d) + character bigrams ({c['bigram_dim']}-d, seen >= {c['min_bigram_count']} times) +
lexicon feature ({c['lexicon_dim']}-d) -> one bidirectional LSTM layer ({c['hidden']} units each way, concat) ->
one linear layer per character -> {m['decoder']} decoding of BMES tags. Dropout {c['dropout']}; Adam, lr
{m['train_settings']['lr']}, x{m['train_settings']['lr_decay']} per epoch, {m['train_settings']['epochs']} epochs
at most, batch {c['batch_size']}, seed {m['seed']}. Weights stored as float16. Reproduce with
`python scripts/train_shipped.py --model {m['model']}` ({m['train_minutes']:.1f} minutes of training on a 2-core CPU).

## Test scores (SIGHAN bakeoff scoring)
| segmenter | F1 | P | R | OOV recall | IV recall |
|---|---|---|---|---|---|
| zhtagger `{m['model']}` | {s['f1'] * 100:.2f} | {s['precision'] * 100:.2f} | {s['recall'] * 100:.2f} | \
{s['oov_recall'] * 100:.2f} | {s['iv_recall'] * 100:.2f} |
| jieba 0.42 (same text) | {j['f1'] * 100:.2f} | {j['precision'] * 100:.2f} | {j['recall'] * 100:.2f} | \
{j['oov_recall'] * 100:.2f} | {j['iv_recall'] * 100:.2f} |

Dev F1 by decoder: {', '.join(f'{k} {v * 100:.2f}' for k, v in m['dev_f1_by_decoder'].items())}.
"""


if __name__ == "__main__":
    main()
