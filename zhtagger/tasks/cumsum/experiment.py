"""Answers, with numbers, what the cumsum reference leaves open: which direction, which merge mode, and how
big the model must be as sequences get longer. Every cell is trained with several seeds and tested on
fresh sequences; results are written as JSON, a markdown table and a plot.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zhtagger.optional import require
from zhtagger.tasks.cumsum.config import recipe_configs
from zhtagger.tasks.cumsum.data import generate
from zhtagger.tasks.cumsum.train import train_cumsum

logger = logging.getLogger(__name__)

DIRECTION_CELLS = [
    ("forward", "concat"),
    ("backward", "concat"),
    ("bidirectional", "concat"),
    ("bidirectional", "sum"),
    ("bidirectional", "mul"),
    ("bidirectional", "ave"),
]


@dataclass
class ExperimentConfig:
    seeds: int = 3
    n_test: int = 10_000
    direction_recipe: str = "reference"  # directions and merges are compared under the reference's training
    size_recipe: str = "fast"  # the size search trains each cell with the fast recipe, bidirectional concat
    lengths: tuple[int, ...] = (10, 20, 40, 80)
    sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    target: float = 0.99  # per-step accuracy (mean over seeds) the size search looks for
    n_train: int | None = None  # overrides both recipes' training set size (for quick runs)
    epochs: int | None = None


def run_cell(config: ExperimentConfig, recipe: str, length: int, **model) -> dict:
    """Train one cell with ``config.seeds`` seeds; per-step / whole-sequence accuracy mean and std."""
    x_test, y_test = generate(config.n_test, length, seed=10_000 + length)
    scores, seconds = [], []
    for seed in range(config.seeds):
        data, model_config, train = recipe_configs(
            recipe, length, seed=seed, quiet=True, n_train=config.n_train, epochs=config.epochs, **model
        )
        trained, result = train_cumsum(data, model_config, train)
        scores.append(trained.evaluate((x_test, y_test)).metrics)
        seconds.append(result.train_seconds)
    step = np.array([s["step_accuracy"] for s in scores])
    sequence = np.array([s["sequence_accuracy"] for s in scores])
    cell = dict(length=length, recipe=recipe, **model, seeds=config.seeds,
                step_mean=float(step.mean()), step_std=float(step.std()),
                sequence_mean=float(sequence.mean()), sequence_std=float(sequence.std()),
                train_seconds_mean=float(np.mean(seconds)))
    logger.info("%s", cell)
    return cell


def compare_directions(config: ExperimentConfig) -> list[dict]:
    return [run_cell(config, config.direction_recipe, 10, direction=d, merge=m) for d, m in DIRECTION_CELLS]


def size_versus_length(config: ExperimentConfig) -> list[dict]:
    """For each length, the smallest hidden size whose mean per-step accuracy reaches ``config.target``."""
    rows = []
    for length in config.lengths:
        tried = []
        for hidden in config.sizes:
            cell = run_cell(config, config.size_recipe, length, hidden=hidden, direction="bidirectional",
                            merge="concat")
            tried.append(cell)
            if cell["step_mean"] >= config.target:
                break
        reached = tried[-1]["step_mean"] >= config.target
        rows.append(dict(length=length, smallest_hidden=tried[-1]["hidden"] if reached else None, tried=tried))
    return rows


def run_experiment(config: ExperimentConfig, out_dir: str | os.PathLike) -> dict:
    require("matplotlib.figure", "the experiment's plot")  # before hours of training, not after
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {"config": config.__dict__, "directions": compare_directions(config),
               "sizes": size_versus_length(config)}
    (out / "experiment.json").write_text(json.dumps(results, indent=1, default=list) + "\n", encoding="utf-8")
    (out / "experiment.md").write_text(markdown_tables(results), encoding="utf-8")
    plot_experiment(results, out / "experiment.png")
    return results


def markdown_tables(results: dict) -> str:
    config = results["config"]
    lines = [
        f"### Direction and merge mode (n = 10, {config['direction_recipe']} recipe, {config['seeds']} seeds, "
        f"{config['n_test']:,} fresh test sequences)",
        "",
        "| direction | merge | per-step accuracy | whole-sequence accuracy | training s |",
        "|---|---|---|---|---|",
    ]
    for cell in results["directions"]:
        merge = cell["merge"] if cell["direction"] == "bidirectional" else "—"
        lines.append(f"| {cell['direction']} | {merge} | {cell['step_mean']:.4f} ± {cell['step_std']:.4f} | "
                     f"{cell['sequence_mean']:.4f} ± {cell['sequence_std']:.4f} | {cell['train_seconds_mean']:.1f} |")
    lines += [
        "",
        f"### Smallest hidden size reaching {config['target']:.0%} per-step accuracy (bidirectional concat, "
        f"{config['size_recipe']} recipe, mean of {config['seeds']} seeds)",
        "",
        "| length n | smallest hidden | its per-step accuracy | its whole-sequence accuracy | sizes tried (per-step) |",
        "|---|---|---|---|---|",
    ]
    for row in results["sizes"]:
        tried = ", ".join(f"{cell['hidden']}: {cell['step_mean']:.4f}" for cell in row["tried"])
        best = row["tried"][-1]
        found = row["smallest_hidden"] if row["smallest_hidden"] is not None else "not reached"
        lines.append(f"| {row['length']} | {found} | {best['step_mean']:.4f} ± {best['step_std']:.4f} | "
                     f"{best['sequence_mean']:.4f} ± {best['sequence_std']:.4f} | {tried} |")
    return "\n".join(lines) + "\n"


def plot_experiment(results: dict, path: Path) -> None:
    # the object-oriented Figure needs no pyplot state and no global backend switch
    Figure = require("matplotlib.figure", "the experiment's plot").Figure

    figure = Figure(figsize=(11, 4))
    left, right = figure.subplots(1, 2)
    cells = results["directions"]
    labels = [c["direction"] if c["direction"] != "bidirectional" else f"bi-{c['merge']}" for c in cells]
    left.bar(labels, [c["step_mean"] for c in cells], yerr=[c["step_std"] for c in cells], capsize=4)
    left.set_ylim(min(0.5, min(c["step_mean"] for c in cells) - 0.02), 1.0)
    left.set_ylabel("per-step accuracy (n = 10)")
    left.set_title("direction and merge mode")
    for row in results["sizes"]:
        tried = row["tried"]
        right.errorbar([c["hidden"] for c in tried], [c["step_mean"] for c in tried],
                       yerr=[c["step_std"] for c in tried], marker="o", capsize=3, label=f"n = {row['length']}")
    right.axhline(results["config"]["target"], color="grey", linestyle="--", linewidth=1)
    right.set_xscale("log", base=2)
    right.set_xlabel("hidden units")
    right.set_ylabel("per-step accuracy")
    right.set_title("model size vs sequence length")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
