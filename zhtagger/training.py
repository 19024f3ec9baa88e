"""The one training loop every task uses.

A task hands :func:`fit` a function that makes the batches of one epoch, a loss function and, optionally, an
evaluation on dev data; the loop does optimisation, clipping, seeding, progress bars, history, best-on-dev
selection, early stopping, the curve PNG and resumable checkpoints.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.model import parse_enum, require_positive

logger = logging.getLogger(__name__)

HISTORY_FILE = "history.json"
CURVE_FILE = "curve.png"
CHECKPOINT_FILE = "checkpoint.pt"


class Optimizer(str, Enum):
    ADAM = "adam"
    ADAMW = "adamw"


@dataclass
class Batch:
    """inputs (B, T[, K or F]); targets (B, T[, ...]); lengths (B,) on the CPU, None when nothing is padded."""

    inputs: Tensor
    targets: Tensor
    lengths: Tensor | None = None

    def to(self, device: torch.device | str) -> Batch:
        return Batch(self.inputs.to(device), self.targets.to(device), self.lengths)

    def mask(self) -> Tensor:
        """(B, T) bool, True at real (not padded) steps."""
        batch, steps = self.inputs.shape[:2]
        if self.lengths is None:
            return torch.ones(batch, steps, dtype=torch.bool, device=self.inputs.device)
        return length_mask(self.lengths, steps).to(self.inputs.device)


def length_mask(lengths: Tensor, steps: int) -> Tensor:
    """(B,) lengths -> (B, T) bool mask."""
    return torch.arange(steps, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


def hold_out(sentences: list, share: int = 20) -> tuple[list, list]:
    """(train, dev): the last 1/``share`` (5%) of ``sentences`` held out for model selection."""
    if len(sentences) < 2:
        raise ValueError("need at least 2 training sentences to hold out a dev set; give --dev")
    cut = max(1, len(sentences) // share)
    return sentences[:-cut], sentences[-cut:]


def length_bucketed(lengths: np.ndarray, batch_size: int, generator: torch.Generator) -> list[np.ndarray]:
    """One shuffled epoch of batches (row numbers) of similar lengths, so little padding: shuffle, sort pools
    of 50 batches by length, cut into batches, shuffle the batches."""
    order = torch.randperm(len(lengths), generator=generator).numpy()
    pool = batch_size * 50
    order = np.concatenate([chunk[np.argsort(-lengths[chunk], kind="stable")]
                            for chunk in np.split(order, range(pool, len(order), pool))])
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return [chunks[i] for i in torch.randperm(len(chunks), generator=generator).tolist()]


@dataclass
class TrainConfig:
    epochs: int = 1
    lr: float = 1e-3
    optimizer: Optimizer = Optimizer.ADAM
    weight_decay: float = 0.0
    clip_norm: float | None = 5.0  # max gradient norm; None turns clipping off
    lr_decay: float = 1.0  # the learning rate is multiplied by this after every epoch
    seed: int = 0
    patience: int | None = None  # stop after this many evaluations without a better dev score
    eval_every: int | None = None  # also evaluate every N optimiser steps (time-to-accuracy curves)
    quiet: bool = False
    device: str = "cpu"  # cpu, cuda or auto
    resume: bool = False  # continue from out_dir/checkpoint.pt if it exists

    def __post_init__(self) -> None:
        self.optimizer = parse_enum(Optimizer, self.optimizer, "optimizer")
        require_positive(self.epochs, "epochs")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be a positive number; got {self.lr!r}")
        if self.clip_norm is not None and self.clip_norm <= 0:
            raise ValueError(f"clip_norm must be positive or None; got {self.clip_norm!r}")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1]; got {self.lr_decay!r}")
        for option in ("patience", "eval_every"):
            if getattr(self, option) is not None:
                require_positive(getattr(self, option), option)
        self.device = resolve_device(self.device)


def resolve_device(device: str) -> str:
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"device must be one of auto, cpu, cuda; got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for but CUDA is not available here; use --device cpu or auto")
    return device


@dataclass
class FitResult:
    history: list[dict]  # one entry per evaluation: epoch, step, elapsed_s (training time), train_loss, metrics
    best: dict | None  # the history entry whose dev score was best
    train_seconds: float  # wall-clock time spent in optimisation, evaluations excluded


def fit(
    model: nn.Module,
    make_batches: Callable[[torch.Generator], Iterable[Batch]],
    loss_fn: Callable[[nn.Module, Batch], Tensor],
    config: TrainConfig,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    select: str | None = None,
    out_dir: str | os.PathLike | None = None,
    on_best: Callable[[nn.Module], None] | None = None,
) -> FitResult:
    """Train ``model`` in place and leave it holding its best weights on dev (its last ones without ``evaluate``).

    ``make_batches(generator)`` returns one epoch of batches, shuffled with ``generator``; ``select`` names
    the metric of ``evaluate`` to maximise; ``on_best(model)`` is called at each new best (e.g. to save it).
    With ``out_dir``, history.json, curve.png and checkpoint.pt (for ``config.resume``) are written there.
    """
    if evaluate is not None and select is None:
        raise ValueError("fit needs `select`, the metric to maximise, when it is given `evaluate`")
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model.to(config.device)
    optimizer_type = torch.optim.AdamW if config.optimizer is Optimizer.ADAMW else torch.optim.Adam
    # the fused implementation is several times faster for large embedding tables (one pass over memory)
    optimizer = optimizer_type(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_decay)
    out = Path(out_dir) if out_dir is not None else None
    state = {"epoch": 0, "step": 0, "train_seconds": 0.0, "history": [], "best": None, "best_state": None,
             "stale": 0}
    if config.resume and out is not None and (out / CHECKPOINT_FILE).is_file():
        state = resume(out / CHECKPOINT_FILE, model, optimizer, scheduler, generator)
        logger.info("resumed from %s after epoch %d", out / CHECKPOINT_FILE, state["epoch"])

    def run_evaluation(epoch_loss: float) -> bool:
        """Record one history entry; returns True when training should stop early."""
        entry = {"epoch": state["epoch"], "step": state["step"], "elapsed_s": round(state["train_seconds"], 3),
                 "train_loss": epoch_loss, "lr": optimizer.param_groups[0]["lr"]}
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                entry.update(evaluate(model))
            model.train()
            if state["best"] is None or entry[select] > state["best"][select]:
                state.update(best=entry, stale=0, best_state=copy.deepcopy(model.state_dict()))
                if on_best is not None:
                    on_best(model)
            else:
                state["stale"] += 1
        state["history"].append(entry)
        logger.info("%s", entry)
        return config.patience is not None and state["stale"] >= config.patience

    stop = False
    show_progress = not config.quiet and sys.stderr.isatty()
    while state["epoch"] < config.epochs and not stop:
        model.train()
        batches = make_batches(generator)
        total, count = 0.0, 0
        progress = make_progress(batches, state["epoch"] + 1, config.epochs, show_progress)
        started = time.perf_counter()
        for batch in progress:
            batch = batch.to(config.device)
            loss = loss_fn(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.clip_norm is not None:
                nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
            optimizer.step()
            state["step"] += 1
            total, count = total + loss.item(), count + 1
            if show_progress and count % 20 == 0:
                progress.set_postfix(loss=f"{total / count:.4f}")
            if config.eval_every and state["step"] % config.eval_every == 0:
                state["train_seconds"] += time.perf_counter() - started
                stop = run_evaluation(total / count)
                started = time.perf_counter()
                if stop:
                    break
        state["train_seconds"] += time.perf_counter() - started
        state["epoch"] += 1
        scheduler.step()
        if not stop:
            stop = run_evaluation(total / max(count, 1))
        if out is not None:
            write_history(out, state["history"], select)
            save_checkpoint(out / CHECKPOINT_FILE, model, optimizer, scheduler, generator, state)
    if state["best_state"] is not None:
        model.load_state_dict(state["best_state"])
    model.eval()
    if out is not None:
        plot_curve(state["history"], out / CURVE_FILE, select)
    return FitResult(state["history"], state["best"], state["train_seconds"])


def make_progress(batches: Iterable[Batch], epoch: int, epochs: int, show: bool):
    if not show:
        return batches
    from tqdm.auto import tqdm

    total = len(batches) if isinstance(batches, Sized) else None
    return tqdm(batches, total=total, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)


def save_checkpoint(path: Path, model, optimizer, scheduler, generator, state: dict) -> None:
    """Everything needed to resume, as tensors and plain containers (loadable with weights_only=True)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(state, model=model.state_dict(), optimizer=optimizer.state_dict(),
                   scheduler=scheduler.state_dict(), generator=generator.get_state(), torch_rng=torch.get_rng_state())
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def resume(path: Path, model, optimizer, scheduler, generator) -> dict:
    payload = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(payload.pop("model"))
    optimizer.load_state_dict(payload.pop("optimizer"))
    scheduler.load_state_dict(payload.pop("scheduler"))
    generator.set_state(payload.pop("generator"))
    torch.set_rng_state(payload.pop("torch_rng"))
    return payload


def write_history(out: Path, history: list[dict], select: str | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (HISTORY_FILE + ".tmp")
    tmp.write_text(json.dumps({"select": select, "history": history}, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out / HISTORY_FILE)


def plot_curve(history: list[dict], path: Path, select: str | None) -> None:
    """Training loss and the selected dev metric against training time."""
    if not history:
        return
    # the object-oriented Figure needs no pyplot state and no global backend switch
    from matplotlib.figure import Figure

    elapsed = [entry["elapsed_s"] for entry in history]
    figure = Figure(figsize=(6, 4))
    loss_axis = figure.subplots()
    loss_axis.plot(elapsed, [entry["train_loss"] for entry in history], color="tab:blue", marker=".")
    loss_axis.set_xlabel("training time (s)")
    loss_axis.set_ylabel("train loss", color="tab:blue")
    if select is not None and select in history[0]:
        metric_axis = loss_axis.twinx()
        metric_axis.plot(elapsed, [entry[select] for entry in history], color="tab:red", marker=".")
        metric_axis.set_ylabel(f"dev {select}", color="tab:red")
    figure.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    figure.savefig(tmp, dpi=100)
    os.replace(tmp, path)


def config_dict(config) -> dict:
    """A dataclass as JSON-friendly data (enums as their values)."""
    return {key: value.value if isinstance(value, Enum) else value for key, value in asdict(config).items()}
