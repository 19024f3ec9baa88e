"""Benchmark: adapting the shipped segmenters to medical-forum text (../shared/data/domains/medical).

    python scripts/bench_domain.py [--data ../shared/data] [--runs runs/domain] [--seeds 3]

Every figure is on the medical dev set (its test set is held back), scored like the SIGHAN bakeoff with the
medical training words as the in-vocabulary list; a fine-tuned model is also scored on the test set of the
corpus its starting model learnt (PKU: the SIGHAN 2005 PKU test; CTB: CTB6 test) to show what it forgot.
Rows: the shipped models and jieba (pkuseg when it is installed) as they are; raw-text adaptation (the medical
training text with its spaces removed, annotations unused); fine-tuning on the medical training set, on 10% of
it, and a learning curve (F1 against in-domain sentences). Runs with a random component are repeated over
--seeds seeds and reported as mean and spread. Writes results/domain.json, results/domain.md and
results/domain_curve.png.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_speed import machine  # noqa: E402

from zhtagger.core.config import TrainConfig  # noqa: E402
from zhtagger.tasks.segment.adapt import RawText  # noqa: E402
from zhtagger.tasks.segment.config import FINE_TUNE  # noqa: E402
from zhtagger.tasks.segment.predictor import Segmenter  # noqa: E402
from zhtagger.tasks.segment.train import train_segmenter  # noqa: E402
from zhtagger.text.corpus import read_corpus  # noqa: E402
from zhtagger.text.dictionary import jieba_dictionary  # noqa: E402
from zhtagger.text.newwords import discover_words  # noqa: E402
from zhtagger.text.scoring import score  # noqa: E402

ORIGINAL = {  # the starting model -> (its original test set, the training text to replay)
    "pku": ("icwb2/gold/pku_test_gold.utf8", "pd1998/train.txt"),
    "ctb": ("ctb6/test.txt", "ctb6/train.txt"),
}
REPLAY_RATIO = 6.0  # the default of --replay-ratio: the smallest measured to cost <= 0.5 F1 on PKU test
CURVE = (100, 300, 1000)  # and the whole training set (3,062 sentences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/domain"))
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--seeds", type=int, default=3, help="repeats of each run that has a random component")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    bench = Bench(args.data, args.runs, args.seeds)
    record = {"machine": machine(), "dev": "domains/medical/dev.txt", "fine_tune_defaults": vars(FINE_TUNE) | {
        "optimizer": FINE_TUNE.optimizer.value}, "replay_ratio": REPLAY_RATIO, "rows": [], "curve": []}
    record["rows"] += bench.as_they_are()
    record["rows"] += bench.raw_text()
    record["rows"] += bench.fine_tuned()
    full = next(row for row in record["rows"]
                if row["setting"] == "fine-tuned on medical train" and row["model"] == "pku")
    record["curve"] = bench.learning_curve() + [{"sentences": len(bench.train), **full}]
    args.results.mkdir(exist_ok=True)
    (args.results / "domain.json").write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n",
                                              encoding="utf-8")
    markdown = table(record)
    (args.results / "domain.md").write_text(markdown, encoding="utf-8")
    plot_curve(record["curve"], args.results / "domain_curve.png")
    print(markdown)


class Bench:
    def __init__(self, data: Path, runs: Path, seeds: int) -> None:
        self.data, self.runs, self.seeds = data, runs, seeds
        self.train = read_corpus(data / "domains/medical/train.txt").sentences
        self.dev = read_corpus(data / "domains/medical/dev.txt").sentences
        self.words = {word for sentence in self.train for word in sentence}
        self.raw = RawText(["".join(sentence) for sentence in self.train], lines=len(self.train))

    def scores(self, segment) -> dict:
        """F1, P, R and OOV recall on medical dev of ``segment(texts) -> token lists``."""
        predicted = [[w for w in row if not w.isspace()] for row in segment(["".join(s) for s in self.dev])]
        result = score(self.dev, predicted, self.words)
        return {"f1": result.f1, "precision": result.precision, "recall": result.recall,
                "oov_recall": result.oov_recall}

    def original_f1(self, segmenter: Segmenter, start: str) -> float:
        gold = read_corpus(self.data / ORIGINAL[start][0]).sentences
        predicted = [[w for w in row if not w.isspace()] for row in segmenter.lcut_batch(["".join(s) for s in gold])]
        return score(gold, predicted).f1

    def as_they_are(self) -> list[dict]:
        rows = []
        for name in ("pku", "ctb"):
            segmenter = Segmenter.load(name)
            row = {"setting": "shipped, as it is", "model": name, **self.scores(segmenter.lcut_batch)}
            if name in ORIGINAL:
                row["original_f1"] = self.original_f1(segmenter, name)
            rows.append(row)
        import jieba

        tokenizer = jieba.Tokenizer()
        rows.append({"setting": "peer, as it is", "model": f"jieba {jieba.__version__}",
                     **self.scores(lambda texts: [tokenizer.lcut(t) for t in texts])})
        try:
            import pkuseg

            model = pkuseg.pkuseg()  # its default: the mixed-domain model
            rows.append({"setting": "peer, as it is", "model": "pkuseg (default model)",
                         **self.scores(lambda texts: [model.cut(t) for t in texts])})
        except Exception as error:  # not installable here (it builds C extensions), or no model downloaded
            rows.append({"setting": "peer, as it is", "model": "pkuseg", "skipped": f"{type(error).__name__}: "
                                                                                   f"{error}"[:200]})
        for row in rows:
            print(row, flush=True)
        return rows

    def adapt(self, label: str, start: str, train=None, seed: int = 0, **options) -> dict:
        """Fine-tune ``start`` (train_segmenter with ``options``) and score it."""
        out = self.runs / f"{label.replace(' ', '_')}-{start}-seed{seed}"
        started = time.perf_counter()
        config = TrainConfig(**{**vars(FINE_TUNE), "seed": seed, "quiet": True})
        segmenter, result = train_segmenter(train, self.dev, out, train_config=config, init=start, **options)
        minutes = (time.perf_counter() - started) / 60
        return {"model": start, "seed": seed, "minutes": minutes, "train_minutes": result.train_seconds / 60,
                "best_epoch": result.best["epoch"], **self.scores(segmenter.lcut_batch),
                "original_f1": self.original_f1(segmenter, start)}

    def repeated(self, setting: str, start: str, **options) -> dict:
        """:meth:`adapt` over the seeds: means, with each run's F1 and the spread (max - min)."""
        runs = [self.adapt(setting, start, seed=seed, **options) for seed in range(self.seeds)]
        row = {"setting": setting, "model": start, "runs": len(runs)}
        for key in ("f1", "precision", "recall", "oov_recall", "original_f1", "minutes", "train_minutes"):
            row[key] = statistics.mean(run[key] for run in runs)
        row["f1_runs"] = [run["f1"] for run in runs]
        row["f1_spread"] = max(row["f1_runs"]) - min(row["f1_runs"])
        row["best_epochs"] = [run["best_epoch"] for run in runs]
        print(row, flush=True)
        return row

    def raw_text(self) -> list[dict]:
        """Adaptation from the medical training text with its spaces removed (no annotation)."""
        replay = {"replay": self.data / ORIGINAL["pku"][1], "replay_ratio": REPLAY_RATIO}
        rows = [self.repeated("raw text, segmented by the model itself, new words", "pku", raw=self.raw,
                              raw_teacher="self"),
                self.repeated("raw text, segmented by jieba", "pku", raw=self.raw, raw_words=False),
                self.repeated("raw text, segmented by jieba, new words (--raw's default)", "pku", raw=self.raw),
                self.repeated(f"raw text, segmented by jieba, new words, replay x{REPLAY_RATIO:g}", "pku",
                              raw=self.raw, **replay)]
        started = time.perf_counter()
        dictionary = jieba_dictionary()
        found = [word.word for word in discover_words(self.raw.texts) if word.word not in dictionary]
        segmenter = Segmenter.load("pku")
        segmenter.add_lexicon_words(found)
        rows.append({"setting": f"raw text, new words only ({len(found)}, marked by the lexicon feature, no "
                                "training)", "model": "pku",
                     "minutes": (time.perf_counter() - started) / 60, "new_words": found[:30],
                     "new_words_in_medical_train": sum(w in self.words for w in found) / max(len(found), 1),
                     **self.scores(segmenter.lcut_batch), "original_f1": self.original_f1(segmenter, "pku")})
        print(rows[-1], flush=True)
        return rows

    def fine_tuned(self) -> list[dict]:
        tenth = random.Random(0).sample(self.train, len(self.train) // 10)
        rows = []
        for start in ("pku", "ctb"):
            rows.append(self.repeated("fine-tuned on medical train", start, train=self.train))
            rows.append(self.repeated(f"fine-tuned on medical train, replay x{REPLAY_RATIO:g}", start,
                                      train=self.train, replay=self.data / ORIGINAL[start][1],
                                      replay_ratio=REPLAY_RATIO))
        rows.append(self.repeated(f"fine-tuned on 10% of medical train ({len(tenth)} sentences)", "pku", train=tenth))
        return rows

    def learning_curve(self) -> list[dict]:
        """F1 against the number of in-domain sentences (a random sample of each size)."""
        points = []
        for size in CURVE:
            sample = random.Random(size).sample(self.train, size)
            row = self.repeated(f"fine-tuned on {len(sample)} medical sentences", "pku", train=sample)
            points.append({"sentences": len(sample), **row})
        return points


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}"


def table(record: dict) -> str:
    shipped = {row["model"]: row for row in record["rows"] if row["setting"] == "shipped, as it is"}
    lines = [f"Machine: {record['machine']}. Medical-forum dev set, SIGHAN scoring, OOV against the medical training "
             f"words; original = the starting model's own test set (PKU: SIGHAN 2005 PKU test, CTB: CTB6 test). "
             f"Fine-tuning: {record['fine_tune_defaults']['epochs']} epochs at most, lr "
             f"{record['fine_tune_defaults']['lr']:g}, patience {record['fine_tune_defaults']['patience']}; "
             "runs with a seed are means over the seeds (spread = max - min F1).", "",
             "| setting | model | F1 | OOV recall | vs shipped | original F1 (change) | minutes | seeds, spread |",
             "|---|---|---|---|---|---|---|---|"]
    for row in record["rows"]:
        if "skipped" in row:
            lines.append(f"| {row['setting']} | {row['model']} | not run: {row['skipped']} | | | | | |")
            continue
        base = shipped.get(row["model"])
        change = "" if base is None or row is base else f"{(row['f1'] - base['f1']) * 100:+.2f}"
        original = percent(row.get("original_f1"))
        if base is not None and row is not base and "original_f1" in row:
            original += f" ({(row['original_f1'] - base['original_f1']) * 100:+.2f})"
        seeds = f"{row['runs']}, {row['f1_spread'] * 100:.2f}" if "runs" in row else "—"
        minutes = f"{row['minutes']:.2f}" if "minutes" in row else "—"
        lines.append(f"| {row['setting']} | {row['model']} | {percent(row['f1'])} | {percent(row['oov_recall'])} | "
                     f"{change} | {original} | {minutes} | {seeds} |")
    lines += ["", "Learning curve (pku fine-tuned on a random sample of the medical training set):", "",
              "| sentences | F1 | OOV recall | original F1 | minutes |", "|---|---|---|---|---|"]
    lines += [f"| {p['sentences']} | {percent(p['f1'])} | {percent(p['oov_recall'])} | {percent(p['original_f1'])} | "
              f"{p['minutes']:.2f} |" for p in record["curve"]]
    return "\n".join(lines) + "\n"


def plot_curve(points: list[dict], path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4))
    axis = figure.subplots()
    sizes = [p["sentences"] for p in points]
    axis.errorbar(sizes, [p["f1"] * 100 for p in points], marker="o", label="medical dev F1",
                  yerr=[[(p["f1"] - min(p["f1_runs"])) * 100 for p in points],
                        [(max(p["f1_runs"]) - p["f1"]) * 100 for p in points]])
    axis.plot(sizes, [p["original_f1"] * 100 for p in points], marker="s", label="PKU test F1 (forgetting)")
    axis.set_xscale("log")
    axis.set_xlabel("medical training sentences (log scale)")
    axis.set_ylabel("F1")
    axis.set_title("Fine-tuning pku on medical-forum text")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
