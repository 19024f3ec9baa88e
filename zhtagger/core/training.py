"""The one training loop every task uses.

A task hands :func:`fit` a function that makes the batches of one epoch, a loss function and, optionally, an
evaluation on dev data; the loop does optimisation, clipping, seeding, progress bars, history, best-on-dev
selection, early stopping, the curve PNG and resumable checkpoints.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.core.config import Optimizer, TrainConfig
from zhtagger.core.distributed import Group, agree, average_gradients, broadcast_weights, join, leads, shard
from zhtagger.core.model import length_mask
from zhtagger.modeldir import MODEL_SUBDIR
from zhtagger.optional import MissingDependency, require

logger = logging.getLogger(__name__)

HISTORY_FILE = "history.json"
CURVE_FILE = "curve.png"
CHECKPOINT_FILE = "checkpoint.pt"


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
class FitResult:
    history: list[dict]  # one entry per evaluation: epoch, step, elapsed_s (training time), train_loss, metrics
    best: dict | None  # the history entry whose dev score was best
    train_seconds: float  # wall-clock time spent in optimisation, evaluations excluded


@dataclass
class Progress:
    """Where training stands; saved in checkpoint.pt (as plain containers) for resuming."""

    epoch: int = 0
    step: int = 0
    train_seconds: float = 0.0
    history: list[dict] = field(default_factory=list)
    best: dict | None = None
    best_state: dict | None = None
    stale: int = 0  # evaluations since the last best


def fit(
    model: nn.Module,
    make_batches: Callable[[torch.Generator], Iterable[Batch]],
    loss_fn: Callable[[nn.Module, Batch], Tensor],
    config: TrainConfig,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    select: str | None = None,
    out_dir: str | os.PathLike | None = None,
    save_best: Callable[[Path], object] | None = None,
) -> FitResult:
    """Train ``model`` in place and leave it holding its best weights on dev (its last ones without ``evaluate``).

    ``make_batches(generator)`` returns one epoch of batches, shuffled with ``generator``; ``select`` names
    the metric of ``evaluate`` to maximise. With ``out_dir``, history.json, curve.png and checkpoint.pt (for
    ``config.resume``) are written there, and ``save_best(out_dir / "model")`` writes each new best model.
    """
    if evaluate is not None and select is None:
        raise ValueError("fit needs `select`, the metric to maximise, when it is given `evaluate`")
    group = join(config.device)  # several processes (torchrun): see zhtagger.core.distributed
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model.to(config.device)
    if group is not None:
        broadcast_weights(model)
    optimizer, scheduler = make_optimizer(model, config)
    out = Path(out_dir) if out_dir is not None else None
    writes = out is not None and leads(group)  # history, checkpoints, models: rank 0's
    progress = Progress()
    if config.resume and out is not None and (out / CHECKPOINT_FILE).is_file():
        progress = resume(out / CHECKPOINT_FILE, model, optimizer, scheduler, generator)
        logger.info("resumed from %s after epoch %d", out / CHECKPOINT_FILE, progress.epoch)

    def run_evaluation(train_loss: float) -> bool:
        """Record one history entry (saving a new best model); True when training should stop early."""
        if leads(group):
            if not record(progress, model, train_loss, optimizer.param_groups[0]["lr"], evaluate, select):
                progress.stale += evaluate is not None
            elif writes and save_best is not None:
                save_best(out / MODEL_SUBDIR)
        return agree(config.patience is not None and progress.stale >= config.patience, group)

    stop = False
    while progress.epoch < config.epochs and not stop:
        batches = make_batches(generator)
        epoch_loss, stop = train_epoch(model, batches if group is None else shard(list(batches), group), loss_fn,
                                       optimizer, config, progress, run_evaluation, group)
        progress.epoch += 1
        scheduler.step()
        if not stop:
            stop = run_evaluation(epoch_loss)
        if writes:
            write_history(out, progress.history, select)
            save_checkpoint(out / CHECKPOINT_FILE, model, optimizer, scheduler, generator, progress)
    if progress.best_state is not None:
        model.load_state_dict(progress.best_state)
    model.eval()
    if writes:
        plot_curve(progress.history, out / CURVE_FILE, select)
    return FitResult(progress.history, progress.best, progress.train_seconds)


def make_optimizer(model: nn.Module, config: TrainConfig):
    """Adam or AdamW, and the per-epoch exponential learning-rate decay."""
    optimizer_type = torch.optim.AdamW if config.optimizer is Optimizer.ADAMW else torch.optim.Adam
    # the fused implementation is several times faster for large embedding tables (one pass over memory)
    optimizer = optimizer_type(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
    return optimizer, torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_decay)


def train_epoch(model: nn.Module, batches: Iterable[Batch], loss_fn, optimizer, config: TrainConfig,
                progress: Progress, run_evaluation: Callable[[float], bool], group: Group | None = None
                ) -> tuple[float, bool]:
    """One epoch of optimisation steps; returns the mean loss and whether an evaluation asked to stop. In a
    process group, gradients are averaged over the processes before each step."""
    model.train()
    total, count, stop = 0.0, 0, False
    show = not config.quiet and sys.stderr.isatty() and leads(group)
    bar = make_progress(batches, progress.epoch + 1, config.epochs, show)
    tenth = max(1, len(batches) // 10) if isinstance(batches, Sized) else sys.maxsize
    started = time.perf_counter()
    for batch in bar:
        batch = batch.to(config.device)
        loss = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if group is not None:
            average_gradients(model, group)
        if config.clip_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimizer.step()
        progress.step += 1
        total, count = total + loss.item(), count + 1
        if bar is not batches and count % 20 == 0:
            bar.set_postfix(loss=f"{total / count:.4f}")
        elif bar is batches and count % tenth == 0 and leads(group):  # no bar: a line a 10%
            logger.info("epoch %d/%d: %d%% of %d batches, train loss %.4f", progress.epoch + 1, config.epochs,
                        round(100 * count / len(batches)), len(batches), total / count)
        if config.eval_every and progress.step % config.eval_every == 0:
            progress.train_seconds += time.perf_counter() - started
            stop = run_evaluation(total / count)
            started = time.perf_counter()
            if stop:
                break
    progress.train_seconds += time.perf_counter() - started
    return total / max(count, 1), stop


def record(progress: Progress, model: nn.Module, train_loss: float, lr: float,
           evaluate: Callable[[nn.Module], dict[str, float]] | None, select: str | None) -> bool:
    """Append a history entry, with dev metrics when there is ``evaluate``; True when it is a new best."""
    entry = {"epoch": progress.epoch, "step": progress.step, "elapsed_s": round(progress.train_seconds, 3),
             "train_loss": train_loss, "lr": lr}
    progress.history.append(entry)
    if evaluate is not None:
        model.eval()
        with torch.no_grad():
            entry.update(evaluate(model))
        model.train()
    logger.info("after epoch %d (step %d, %.0f s of training): %s", entry["epoch"], entry["step"], entry["elapsed_s"],
                ", ".join(f"{k} {v:.4f}" for k, v in entry.items() if k not in ("epoch", "step", "elapsed_s")))
    if evaluate is None:
        return False
    if progress.best is not None and entry[select] <= progress.best[select]:
        return False
    progress.best, progress.stale, progress.best_state = entry, 0, copy.deepcopy(model.state_dict())
    return True


def make_progress(batches: Iterable[Batch], epoch: int, epochs: int, show: bool):
    if not show:
        return batches
    from tqdm.auto import tqdm

    total = len(batches) if isinstance(batches, Sized) else None
    return tqdm(batches, total=total, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)


def save_checkpoint(path: Path, model, optimizer, scheduler, generator, progress: Progress) -> None:
    """Everything needed to resume, as tensors and plain containers (loadable with weights_only=True)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(vars(progress), model=model.state_dict(), optimizer=optimizer.state_dict(),
                   scheduler=scheduler.state_dict(), generator=generator.get_state(), torch_rng=torch.get_rng_state())
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed from; the message says why and what to do."""


def resume(path: Path, model, optimizer, scheduler, generator) -> Progress:
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds (RuntimeError, EOFError, UnpicklingError...)
        raise CheckpointError(f"{path} is damaged and cannot be resumed from ({type(error).__name__}: "
                              f"{str(error).splitlines()[0] if str(error) else 'no details'}); delete it to train "
                              "from the start") from None
    try:
        model.load_state_dict(payload.pop("model"))
        optimizer.load_state_dict(payload.pop("optimizer"))
        scheduler.load_state_dict(payload.pop("scheduler"))
        generator.set_state(payload.pop("generator"))
        torch.set_rng_state(payload.pop("torch_rng"))
        return Progress(**payload)
    except (RuntimeError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path} was written by a run with other settings (or another model), so this run "
                              f"cannot resume from it ({str(error).splitlines()[0]}); resume with the settings "
                              "it was written with, or choose another --out") from None


def write_history(out: Path, history: list[dict], select: str | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / (HISTORY_FILE + ".tmp")
    tmp.write_text(json.dumps({"select": select, "history": history}, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out / HISTORY_FILE)


def plot_curve(history: list[dict], path: Path, select: str | None) -> None:
    """Training loss and the selected dev metric against training time."""
    if not history:
        return
    try:
        figure_module = require("matplotlib.figure", f"drawing {path.name}")
    except MissingDependency as missing:  # the curve is a by-product: training goes on without it
        logger.warning("%s", missing)
        return
    Figure = figure_module.Figure  # the object-oriented Figure needs no pyplot state and no global backend switch

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
