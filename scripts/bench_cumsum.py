"""Benchmark: the Keras reference configuration and our fastest recipe on the cumsum task.

Trains each recipe with several seeds, tests on 10,000 fresh sequences, prints a table, writes
results/cumsum.json and results/cumsum_time_to_accuracy.png (dev per-step accuracy against training time).

    python scripts/bench_cumsum.py [--seeds 3] [--out results]
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np
import torch

from zhtagger.tasks.cumsum.config import RECIPES, recipe_configs
from zhtagger.tasks.cumsum.data import generate
from zhtagger.tasks.cumsum.train import train_cumsum

# The Keras reference (TensorFlow CPU backend) on the same 2-core machine, as given in the issue.
KERAS_REFERENCE = {"train_seconds": 15.4, "step_accuracy": 0.990, "sequence_accuracy": 0.905}
EVAL_EVERY = {"reference": 250, "fast": 40}  # optimiser steps between dev evaluations for the curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-test", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("results"))
    args = parser.parse_args()

    x_test, y_test = generate(args.n_test, 10, seed=12_345)
    results = {"machine": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
               f"{torch.get_num_threads()} threads", "n_test": args.n_test, "keras_reference": KERAS_REFERENCE,
               "recipes": {}}
    curves = {}
    for recipe in RECIPES:
        runs = []
        for seed in range(args.seeds):
            data, model, train = recipe_configs(recipe, seed=seed, quiet=True, eval_every=EVAL_EVERY[recipe])
            trained, result = train_cumsum(data, model, train)
            scores = {k: v for k, v in trained.evaluate((x_test, y_test)).metrics.items() if k != "n"}
            runs.append({"seed": seed, "train_seconds": result.train_seconds, **scores})
            curves.setdefault(recipe, result.history)
        summary = {key: float(np.mean([r[key] for r in runs]))
                   for key in ("train_seconds", "step_accuracy", "sequence_accuracy")}
        results["recipes"][recipe] = {"settings": RECIPES[recipe], "runs": runs, "mean": summary,
                                      "time_to_accuracy": [(h["elapsed_s"], h["step_accuracy"])
                                                           for h in curves[recipe]]}

    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cumsum.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    plot(curves, args.out / "cumsum_time_to_accuracy.png")
    print(f"\nwritten: {args.out / 'cumsum.json'}, {args.out / 'cumsum_time_to_accuracy.png'}")


def table(results: dict) -> str:
    lines = [
        f"cumsum, n = 10, {results['n_test']:,} fresh test sequences; {results['machine']}",
        "",
        "| configuration | seed | training s | per-step accuracy | whole-sequence accuracy |",
        "|---|---|---|---|---|",
    ]
    keras = results["keras_reference"]
    lines.append(f"| Keras reference (given) | — | {keras['train_seconds']:.1f} | {keras['step_accuracy']:.3f} | "
                 f"{keras['sequence_accuracy']:.3f} |")
    for recipe, result in results["recipes"].items():
        for run in result["runs"] + [dict(result["mean"], seed="mean")]:
            lines.append(f"| zhtagger {recipe} | {run['seed']} | {run['train_seconds']:.2f} | "
                         f"{run['step_accuracy']:.5f} | {run['sequence_accuracy']:.4f} |")
    return "\n".join(lines)


def plot(curves: dict[str, list[dict]], path: Path) -> None:
    # the object-oriented Figure needs no pyplot state and no global backend switch
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4))
    axis = figure.subplots()
    for recipe, history in curves.items():
        axis.plot([h["elapsed_s"] for h in history], [h["step_accuracy"] for h in history], marker=".", label=recipe)
    axis.axhline(0.998, color="grey", linestyle="--", linewidth=1, label="0.998 target")
    axis.set_ylim(0.95, 1.0)
    axis.set_xlabel("training time (s), seed 0")
    axis.set_ylabel("dev per-step accuracy")
    axis.set_title("cumsum: time to accuracy")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
