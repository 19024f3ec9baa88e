"""Settings of a cumsum run: the data and batching side, and named recipes of every setting."""

from __future__ import annotations

from dataclasses import dataclass

from zhtagger.config import require_positive
from zhtagger.core.config import TaggerConfig, TrainConfig


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
