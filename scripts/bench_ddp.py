"""Benchmark: training the CTB6 segmenter on one process against two (torchrun, gloo) on this 2-core CPU.

    python scripts/bench_ddp.py [--data ../shared/data] [--epochs 6] [--results results]

The reference run and the two-process run use both cores: one process with two torch threads, or two processes
with one thread each (one process with one thread is there to show what a second process adds). The
network is the shipped models' shape (64-d characters, 48-d bigrams seen 10+ times, jieba's dictionary as a
16-d feature, one BiLSTM layer of 64 units; no embedding pretraining), batch 32 a process, Adam 2e-3 x 0.9 an
epoch, the same number of epochs; models are chosen on CTB6 dev and scored once on CTB6 test. Reported:
training throughput (sentences a second, evaluations excluded), the training time each run took to reach the
one-process run's best dev F1, and the final dev and test F1. Writes results/ddp.json and results/ddp.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from bench_speed import machine  # noqa: E402

from zhtagger.tasks.segment.predictor import Segmenter  # noqa: E402
from zhtagger.text.corpus import read_corpus  # noqa: E402

SHAPE = ["--char-dim", "64", "--bigram-dim", "48", "--lexicon-dim", "16", "--hidden", "64", "--layers", "1",
         "--dropout", "0.3", "--min-bigram-count", "10", "--batch-size", "32"]
RUNS = {  # label -> (launcher, threads a process, processes); the first is the reference
    "1 process, 2 threads": ([sys.executable, "-m", "zhtagger"], 2, 1),
    "1 process, 1 thread": ([sys.executable, "-m", "zhtagger"], 1, 1),
    "2 processes (torchrun, gloo), 1 thread each": (
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "-m", "zhtagger"], 1, 2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    args = parser.parse_args()
    train = read_corpus(args.data / "ctb6/train.txt").sentences
    test = read_corpus(args.data / "ctb6/test.txt").sentences
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, (launcher, threads, processes) in RUNS.items():
            out = Path(tmp) / f"run{processes}-{threads}"
            subprocess.run([*launcher, "train", "segment", "--threads", str(threads), "--train",
                            str(args.data / "ctb6/train.txt"), "--dev", str(args.data / "ctb6/dev.txt"), "--out",
                            str(out), "--epochs", str(args.epochs), "--patience", str(args.epochs), *SHAPE, "-q"],
                           check=True, stdout=subprocess.DEVNULL)
            history = json.loads((out / "history.json").read_text(encoding="utf-8"))["history"]
            best = max(history, key=lambda entry: entry["f1"])
            rows.append({"label": label, "processes": processes, "threads_each": threads, "history": history,
                         "train_seconds": history[-1]["elapsed_s"],
                         "sentences_per_s": len(train) * len(history) / history[-1]["elapsed_s"],
                         "best_epoch": best["epoch"], "dev_f1": best["f1"],
                         "test_f1": Segmenter.load(out / "model").evaluate(test).metrics["f1"]})
            print({k: v for k, v in rows[-1].items() if k != "history"}, flush=True)
    target = rows[0]["dev_f1"]
    for row in rows:
        reached = next((entry for entry in row["history"] if entry["f1"] >= target), None)
        row["seconds_to_one_process_f1"] = reached["elapsed_s"] if reached else None
    record = {"machine": machine(), "epochs": args.epochs, "train_sentences": len(train), "rows": rows,
              "effective_batch": {row["label"]: 32 * row["processes"] for row in rows},
              "lr_rule": "unchanged (2e-3 x 0.9 an epoch) whatever the number of processes"}
    args.results.mkdir(exist_ok=True)
    (args.results / "ddp.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    lines = [f"CTB6, {args.epochs} epochs; machine: {record['machine']}.", "",
             "| run | effective batch | training s | sentences/s | x 1 process | s to 1-process best dev F1 | "
             "best epoch | dev F1 | test F1 |", "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        reached = row["seconds_to_one_process_f1"]
        lines.append(f"| {row['label']} | {32 * row['processes']} | {row['train_seconds']:.0f} | "
                     f"{row['sentences_per_s']:,.0f} | {row['sentences_per_s'] / rows[0]['sentences_per_s']:.2f} | "
                     f"{'not reached' if reached is None else f'{reached:.0f}'} | {row['best_epoch']} | "
                     f"{row['dev_f1'] * 100:.2f} | {row['test_f1'] * 100:.2f} |")
    (args.results / "ddp.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
