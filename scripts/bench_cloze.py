"""Benchmark: cloze with left context only, right context only, and both — same data, same budget.

    python scripts/bench_cloze.py [--direction bidirectional|forward|backward|all] [--data ../shared/data]
                                  [--runs runs/cloze] [--reuse] [--ship] [--unit word|char]

Training text: the gold-segmented training files of People's Daily 1998, CTB6 and SXU (their words as they
are) and ../shared/data/raw (cut by jieba). Models are chosen on CTB6 dev; the test items come from the
SIGHAN 2005 PKU and MSR test gold, never trained on: one seeded random word (not punctuation) masked per
sentence. Reported: accuracy@1, accuracy@5 and MRR over the vocabulary, and accuracy at picking the answer
among it and 4 distractors of similar frequency; a unigram-frequency baseline in the same table; the cost of
the output layer (tied embeddings, scored at masked steps only) against scoring every step; and the
motivating example. ``--unit char`` trains the same models over characters (words masked whole), scored on
the 5-way choice alone (a character model has no word vocabulary to rank). Writes results/cloze.json and
results/cloze.md; --ship puts the bidirectional model in
zhtagger/models/cloze (float16).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from zhtagger.config import config_dict
from zhtagger.core.config import Direction, TrainConfig
from zhtagger.tasks.cloze.config import ClozeConfig, Unit
from zhtagger.tasks.cloze.data import encode_pieces, jieba_tokenizer, read_sentences, word_vocabulary
from zhtagger.tasks.cloze.evaluate import make_probes, probe_outcomes, summarise, unigram_baseline
from zhtagger.tasks.cloze.predictor import Cloze
from zhtagger.tasks.cloze.train import train_cloze

ROOT = Path(__file__).resolve().parents[1]
TRAIN = [("pd1998/train.txt", "words"), ("ctb6/train.txt", "words"), ("sxu/train.txt", "words"),
         ("raw/tnews_eprstmt.txt", None)]
DEV = "ctb6/dev.txt"
TEST = ["icwb2/gold/pku_test_gold.utf8", "icwb2/gold/msr_test_gold.utf8"]
PROBES_PER_TEST = 2000
SEED = 0
ROWS = ["unigram", "forward", "backward", "bidirectional", "char-forward", "char-backward", "char-bidirectional"]
EXAMPLE = "我今天不舒服，我打算____一天。"
EXAMPLE_CANDIDATES = ["去医院", "睡觉", "请假", "休息"]


def settings(args: argparse.Namespace) -> tuple[ClozeConfig, TrainConfig]:
    return ClozeConfig(embedding_dim=args.embedding_dim, hidden=args.hidden, layers=args.layers, dropout=args.dropout,
                       unit=args.unit, min_count=3, max_vocab=50_000), \
        TrainConfig(epochs=args.epochs, lr=2e-3, lr_decay=0.8, seed=SEED, quiet=True,
                    resume=args.resume)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--direction", choices=[*(d.value for d in Direction), "all"], default="all")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--runs", type=Path, default=Path("runs/cloze"))
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    parser.add_argument("--reuse", action="store_true", help="evaluate already trained models in RUNS if present")
    parser.add_argument("--ship", action="store_true", help="copy the bidirectional model into zhtagger/models")
    parser.add_argument("--epochs", type=int, default=12, help="the same for every direction (default 12)")
    defaults = ClozeConfig()
    parser.add_argument("--embedding-dim", type=int, default=defaults.embedding_dim,
                        help=f"word vectors, tied to the output (default {defaults.embedding_dim})")
    parser.add_argument("--hidden", type=int, default=defaults.hidden,
                        help=f"LSTM units a direction (default {defaults.hidden})")
    parser.add_argument("--layers", type=int, default=defaults.layers,
                        help=f"stacked LSTM layers (default {defaults.layers})")
    parser.add_argument("--dropout", type=float, default=defaults.dropout, help=f"default {defaults.dropout}")
    parser.add_argument("--unit", choices=[u.value for u in Unit], default="word",
                        help="char: the same models over characters, words masked whole (results as char-DIRECTION)")
    parser.add_argument("--resume", action="store_true", help="continue runs in RUNS from their checkpoints")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    tokenizer = jieba_tokenizer()
    train = [s for path, form in TRAIN for s in read_sentences(args.data / path, form, tokenizer)]
    dev = read_sentences(args.data / DEV, "words")
    test = {path: read_sentences(args.data / path, "words") for path in TEST}
    config, train_config = settings(args)
    words = word_vocabulary(train, config)  # answers and distractors
    probes = {path: make_probes(sentences, words, PROBES_PER_TEST, SEED) for path, sentences in test.items()}
    all_probes = [p for items in probes.values() for p in items]

    results_path = args.results / "cloze.json"
    results = json.loads(results_path.read_text()) if results_path.is_file() else {}
    results["unigram"] = {"label": "unigram frequency", "test": unigram_baseline(all_probes, words),
                          "by_test": {k: unigram_baseline(v, words) for k, v in probes.items()}}
    directions = [d.value for d in Direction] if args.direction == "all" else [args.direction]
    for direction in directions:
        key = direction if config.unit is Unit.WORD else f"char-{direction}"
        run = args.runs / key
        started = time.perf_counter()
        if args.reuse and (run / "model" / "config.json").is_file():
            model, history = Cloze.load(run / "model"), json.loads((run / "history.json").read_text())["history"]
        else:
            model, result = train_cloze(train, dev, run, dataclasses.replace(config, direction=direction),
                                        train_config)
            model, history = Cloze.load(run / "model"), result.history  # the best epoch on dev
        wall = (time.perf_counter() - started) / 60
        ranks, five_way = probe_outcomes(model, all_probes)  # ranks None: a character model, 5-way only
        ends = np.cumsum([len(items) for items in probes.values()])
        by_test = {path: summarise(None if ranks is None else ranks[end - len(items) : end],
                                   five_way[end - len(items) : end])
                   for (path, items), end in zip(probes.items(), ends, strict=True)}
        top1 = {} if ranks is None else {"top1": "".join("1" if rank == 1 else "0" for rank in ranks)}
        results[key] = {
            "label": label(model.config),
            "test": summarise(ranks, five_way), **top1,  # top1: per test item, for the ratio's interval
            "by_test": by_test,
            "train_minutes": history[-1]["elapsed_s"] / 60, "wall_minutes": wall, "history": history,
            "example": model.rank(EXAMPLE, EXAMPLE_CANDIDATES), "example_fill": model.fill(EXAMPLE, 5),
            "settings": {"cloze": config_dict(model.config), "train": config_dict(train_config)},
        }
        if key == Direction.BIDIRECTIONAL.value:
            results["output_layer_ms"] = output_layer_cost(model, train)
            if args.ship:
                ship(model, results[direction], args.data)
        args.results.mkdir(parents=True, exist_ok=True)
        results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (args.results / "cloze.md").write_text(table(results, len(train), len(words)), encoding="utf-8")
    print(table(results, len(train), len(words)))


def label(config: ClozeConfig) -> str:
    layers = f"{config.layers} layer" + ("s" if config.layers > 1 else "")
    return f"{config.direction.value} LSTM" + (" over characters" if config.unit is Unit.CHAR else "") + f" ({layers})"


def output_layer_cost(model: Cloze, train: list[list[str]], repeats: int = 5) -> dict:
    """Milliseconds per training batch (forward + backward): the core, the tied output layer at the masked
    steps only, and the same layer at every step (what a per-step softmax over the vocabulary would cost)."""
    data = encode_pieces(train[:5000], model.words, model.config.max_words)
    batch = data.batches(model.config, torch.Generator().manual_seed(0))[0]
    net = model.net.train()
    net.sampled = model.config.sampled  # a loaded model leaves it 0 (inference needs no sampling)
    weight, bias = net.core.embeddings[0].weight, net.bias

    def timed(step) -> float:
        step()
        started = time.perf_counter()
        for _ in range(repeats):
            net.zero_grad()
            step()
        return (time.perf_counter() - started) / repeats * 1000

    where = batch.targets > 0
    core = timed(lambda: net.core(batch.inputs, batch.lengths).sum().backward())
    vectors = net.core(batch.inputs, batch.lengths).detach().requires_grad_()
    masked = timed(lambda: (vectors[where] @ weight.T + bias).log_softmax(-1).sum().backward())
    sampled = timed(lambda: net.sampled_loss(vectors[where], batch.targets[where]).backward())
    every = timed(lambda: (vectors.reshape(-1, vectors.size(-1)) @ weight.T + bias).log_softmax(-1).sum().backward())
    net.eval()
    return {"batch_words": int(batch.lengths.sum()), "masked_steps": int(where.sum()), "vocabulary": len(model.words),
            "core": core, "output_sampled": sampled, "output_masked_only": masked, "output_every_step": every,
            "sampled_words": net.sampled}


def ship(model: Cloze, record: dict, data: Path) -> None:
    target = ROOT / "zhtagger" / "models" / "cloze"
    if target.exists():
        shutil.rmtree(target)
    metrics = {k: record[k] for k in ("test", "by_test", "train_minutes", "example", "settings")}
    metrics["train_files"] = [path for path, _ in TRAIN]
    t = record["test"]
    card = f"""# zhtagger cloze model

Fills one blank from both sides of its context: a {model.config.layers}-layer bidirectional LSTM
({model.config.hidden} units each way) over words ({len(model.words):,}-word vocabulary, {model.config.embedding_dim}-d
embeddings tied to the output).
Trained with `python scripts/bench_cloze.py --ship` on the gold-segmented training text of People's Daily 1998,
CTB6 and SXU and raw/tnews_eprstmt.txt (cut by jieba); chosen on CTB6 dev; seed {SEED}; float16 weights.

Held-out test (SIGHAN 2005 PKU and MSR gold, {t['n']} masked words): accuracy@1 {t['acc1']:.3f}, accuracy@5
{t['acc5']:.3f}, MRR {t['mrr']:.3f}, 5-way choice {t['five_way']:.3f}.
"""
    model.save(target, half=True,
               extra_files={"metrics.json": json.dumps(metrics, indent=1, ensure_ascii=False) + "\n",
                            "MODEL.md": card})


def ratio_interval(top1: str, other_top1: str, resamples: int = 4_000) -> tuple[float, float]:
    """2.5th and 97.5th percentiles of accuracy@1 ratios over test items resampled with replacement, the same
    items for both models (how much of a ratio is the luck of the test sample)."""
    a = np.frombuffer(top1.encode(), dtype=np.uint8) == ord("1")
    b = np.frombuffer(other_top1.encode(), dtype=np.uint8) == ord("1")
    rows = np.random.default_rng(SEED).integers(0, len(a), size=(resamples, len(a)), dtype=np.int32)
    ratios = a[rows].sum(1) / np.maximum(b[rows].sum(1), 1)
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


def table(results: dict, n_train: int, n_words: int) -> str:
    lines = [f"Training: {n_train:,} sentences, vocabulary {n_words:,} words. Test: PKU + MSR gold, one masked word "
             "per sentence.", "",
             "| model | accuracy@1 | accuracy@5 | MRR | 5-way choice | training min |", "|---|---|---|---|---|---|"]
    for key in ROWS:
        if key in results:
            r, t = results[key], results[key]["test"]
            minutes = f"{r['train_minutes']:.1f}" if "train_minutes" in r else "—"
            metrics = " | ".join(f"{t[m]:.4f}" if m in t else "—" for m in ("acc1", "acc5", "mrr", "five_way"))
            lines.append(f"| {r['label']} | {metrics} | {minutes} |")
    if "bidirectional" in results and "forward" in results:
        ratio = results["bidirectional"]["test"]["acc1"] / max(results["forward"]["test"]["acc1"], 1e-9)
        line = f"Bidirectional accuracy@1 / forward-only accuracy@1 = {ratio:.2f}"
        if "top1" in results["bidirectional"] and "top1" in results["forward"]:
            low, high = ratio_interval(results["bidirectional"]["top1"], results["forward"]["top1"])
            line += f" (95% paired bootstrap interval over the test items: {low:.2f}–{high:.2f})"
        lines += ["", line + "."]
    if "output_layer_ms" in results:
        c = results["output_layer_ms"]
        lines += ["", f"Output layer cost per training batch ({c['batch_words']} words, {c['masked_steps']} masked, "
                  f"vocabulary {c['vocabulary']:,}), forward + backward: core {c['core']:.1f} ms; tied output layer "
                  f"with a sampled softmax over {c['sampled_words']} words (what training uses) "
                  f"{c['output_sampled']:.1f} ms; full softmax at the masked steps {c['output_masked_only']:.1f} ms; "
                  f"full softmax at every step {c['output_every_step']:.1f} ms."]
    lines += ["", f"`{EXAMPLE}` — candidates ranked (log-probability):", ""]
    for key in ROWS[1:]:
        if key in results:
            ranked = ", ".join(f"{w} {s:.2f}" for w, s in results[key]["example"])
            top = ", ".join(f"{w} {p:.3f}" for w, p in results[key]["example_fill"])
            over = "characters" if key.startswith("char-") else "over the vocabulary"
            lines.append(f"- {key}: {ranked}  (top 5 {over}: {top})")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
