"""The cumulative-sum task, the classic BiLSTM sanity check.

X is a sequence of n values uniform in [0, 1); the label at step t is 1 once the running sum reaches n / 4
(``0 if cumsum(X)[t] < n / 4 else 1``). The reference model is Keras'
``Bidirectional(LSTM(50)) + TimeDistributed(Dense(1, sigmoid))`` trained with binary cross-entropy and Adam
on 50,000 sequences of 10 steps, batch 10, one epoch. Here the sigmoid is folded into the loss
(``BCEWithLogitsLoss``, the numerically stable form of the same thing) and applied when predicting.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from zhtagger.model import SequenceTagger, TaggerConfig, require_positive
from zhtagger.modeldir import load_model, save_model
from zhtagger.training import Batch, FitResult, TrainConfig, config_dict, fit

TASK = "cumsum"


def generate(n_sequences: int, length: int, seed: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (N, n, 1) float32 uniform in [0, 1) and y (N, n, 1) float32 labels, as the reference defines them."""
    require_positive(n_sequences, "n_sequences")
    require_positive(length, "length")
    rng = np.random.default_rng(seed)
    x = rng.random((n_sequences, length), dtype=np.float64)
    y = np.cumsum(x, axis=1) >= length / 4
    return x[..., None].astype(np.float32), y[..., None].astype(np.float32)


@dataclass
class CumsumConfig:
    """The data and batching side of a cumsum run; defaults are the reference configuration."""

    length: int = 10
    n_train: int = 50_000
    batch_size: int = 10
    n_dev: int = 1_000  # fresh sequences for best-on-dev selection and the time-to-accuracy curve

    def __post_init__(self) -> None:
        for option in ("length", "n_train", "batch_size", "n_dev"):
            require_positive(getattr(self, option), option.replace("_", "-"))


# Named settings: the Keras reference, and the fastest recipe found for >= 0.998 per-step accuracy (a forward
# LSTM is enough: the label at step t depends only on x[0..t]; big batches amortise per-step overhead on CPU).
RECIPES: dict[str, dict] = {
    "reference": dict(hidden=50, direction="bidirectional", merge="concat", n_train=50_000, batch_size=10,
                      epochs=1, lr=1e-3, lr_decay=1.0),
    "fast": dict(hidden=32, direction="forward", merge="concat", n_train=100_000, batch_size=256,
                 epochs=5, lr=2e-2, lr_decay=0.5),
}


def recipe_configs(
    recipe: str = "reference", length: int = 10, **overrides
) -> tuple[CumsumConfig, TaggerConfig, TrainConfig]:
    """The three configs of a named recipe; ``overrides`` replace any of its settings (None keeps the recipe's)."""
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}; got {recipe!r}")
    settings = dict(RECIPES[recipe], length=length)
    settings.update({key: value for key, value in overrides.items() if value is not None})
    model_keys = ("hidden", "direction", "merge", "layers", "dropout")
    data_keys = ("length", "n_train", "batch_size", "n_dev")
    unknown = set(settings) - set(model_keys) - set(data_keys) - set(TrainConfig.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown cumsum settings: {', '.join(sorted(unknown))}")
    model = TaggerConfig(n_outputs=1, n_features=1, **{k: v for k, v in settings.items() if k in model_keys})
    data = CumsumConfig(**{k: v for k, v in settings.items() if k in data_keys})
    train = TrainConfig(**{k: v for k, v in settings.items() if k not in model_keys + data_keys})
    return data, model, train


def bce_loss(model: nn.Module, batch: Batch) -> Tensor:
    return nn.functional.binary_cross_entropy_with_logits(model(batch.inputs, batch.lengths), batch.targets)


def tensor_batches(x: Tensor, y: Tensor, batch_size: int) -> Callable[[torch.Generator], list[Batch]]:
    """Shuffled fixed-length batches of one epoch, drawn from tensors already in memory."""

    def make(generator: torch.Generator) -> list[Batch]:
        order = torch.randperm(len(x), generator=generator)
        return [Batch(x[index], y[index]) for index in order.split(batch_size)]

    return make


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray | Tensor, batch_size: int = 10_000) -> np.ndarray:
    """(N, n, 1) values -> (N, n, 1) probabilities that the running sum has reached n / 4."""
    model.eval()
    x = torch.as_tensor(x, dtype=torch.float32)
    device = next(model.parameters()).device
    chunks = [torch.sigmoid(model(part.to(device))).cpu() for part in x.split(batch_size)]
    return torch.cat(chunks).numpy()


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Per-step accuracy and whole-sequence accuracy (every step right)."""
    correct = (predict(model, x) >= 0.5) == (y >= 0.5)  # (N, n, 1)
    return {"step_accuracy": float(correct.mean()), "sequence_accuracy": float(correct.all(axis=(1, 2)).mean())}


@dataclass
class CumsumRun:
    model: SequenceTagger
    result: FitResult
    data: CumsumConfig
    train: TrainConfig = field(repr=False)


def train_cumsum(
    data: CumsumConfig | None = None,
    model_config: TaggerConfig | None = None,
    train_config: TrainConfig | None = None,
    out_dir: str | os.PathLike | None = None,
) -> CumsumRun:
    """Train a cumsum model; with ``out_dir`` the best model, history.json and curve.png are written there.

    Training and dev sequences are drawn from seeds derived from ``train_config.seed``; evaluate on other seeds.
    """
    reference = recipe_configs("reference")
    data, model_config, train_config = data or reference[0], model_config or reference[1], train_config or reference[2]
    if model_config.n_features != 1 or model_config.n_outputs != 1:
        raise ValueError("a cumsum model has n_features=1 and n_outputs=1")
    torch.manual_seed(train_config.seed)
    model = SequenceTagger(model_config)
    x_train, y_train = (torch.from_numpy(a) for a in generate(data.n_train, data.length, [train_config.seed, 1]))
    x_dev, y_dev = generate(data.n_dev, data.length, [train_config.seed, 2])
    on_best = None
    if out_dir is not None:
        def on_best(best: nn.Module) -> None:
            save_cumsum(best, data, train_config, Path(out_dir) / "model")

    result = fit(
        model,
        tensor_batches(x_train, y_train, data.batch_size),
        bce_loss,
        train_config,
        evaluate=lambda m: accuracy(m, x_dev, y_dev),
        select="step_accuracy",
        out_dir=out_dir,
        on_best=on_best,
    )
    return CumsumRun(model, result, data, train_config)


def save_cumsum(model: SequenceTagger, data: CumsumConfig, train: TrainConfig, path: str | os.PathLike) -> Path:
    return save_model(path, model, TASK, {"data": config_dict(data), "train": config_dict(train)})


def load_cumsum(path: str | os.PathLike) -> tuple[SequenceTagger, CumsumConfig]:
    """A saved cumsum model and the data settings it was trained with (its ``length`` among them)."""
    model, config = load_model(path, TASK)
    return model, CumsumConfig(**config["task_config"]["data"])


def format_examples(model: nn.Module, x: np.ndarray, y: np.ndarray) -> list[str]:
    """One line per sequence in the reference's form: ``y=[0 0 1 ...], yhat=[0 0 1 ...], correct=True``."""
    yhat = (predict(model, x) >= 0.5).astype(int)[..., 0]
    truth = y.astype(int)[..., 0]
    return [
        f"y={np.array2string(t)}, yhat={np.array2string(p)}, correct={bool((t == p).all())}"
        for t, p in zip(truth, yhat, strict=True)
    ]
