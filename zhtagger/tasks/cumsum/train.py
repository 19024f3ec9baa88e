"""Training a cumsum model on generated (or given) sequences, selected on fresh dev sequences."""

from __future__ import annotations

import os

import numpy as np
import torch

from zhtagger.config import config_dict
from zhtagger.core.config import TrainConfig
from zhtagger.core.model import TaggerConfig
from zhtagger.core.training import FitResult, fit
from zhtagger.tasks.cumsum.config import CumsumConfig, recipe_configs
from zhtagger.tasks.cumsum.data import generate, tensor_batches
from zhtagger.tasks.cumsum.network import bce_loss, build_net
from zhtagger.tasks.cumsum.predictor import Cumsum

Arrays = tuple[np.ndarray, np.ndarray]


def train_cumsum(
    data: CumsumConfig | None = None,
    model_config: TaggerConfig | None = None,
    train_config: TrainConfig | None = None,
    save_dir: str | os.PathLike | None = None,
    train: Arrays | None = None,
    dev: Arrays | None = None,
) -> tuple[Cumsum, FitResult]:
    """Train a cumsum model (the reference recipe by default); with ``save_dir`` the best model
    (``save_dir/model``), history.json and curve.png are written there.

    ``train`` and ``dev`` are ``(x, y)`` arrays; by default they are drawn (``data.n_train`` and ``data.n_dev``
    sequences) from seeds derived from ``train_config.seed``: evaluate on other seeds.
    """
    reference = recipe_configs("reference")
    data, model_config, train_config = data or reference[0], model_config or reference[1], train_config or reference[2]
    torch.manual_seed(train_config.seed)
    model = Cumsum(build_net(model_config), data, {"train": config_dict(train_config)})
    x_train, y_train = train if train is not None else generate(data.n_train, data.length, [train_config.seed, 1])
    dev = dev if dev is not None else generate(data.n_dev, data.length, [train_config.seed, 2])
    result = fit(model.net, tensor_batches(torch.from_numpy(x_train), torch.from_numpy(y_train), data.batch_size),
                 bce_loss, train_config, evaluate=lambda net: model.evaluate(dev).metrics, select="step_accuracy",
                 out_dir=save_dir, save_best=model.save)
    return model, result
