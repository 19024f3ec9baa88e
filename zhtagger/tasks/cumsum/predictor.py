"""A trained cumsum model: the probability, at every step, that the running sum has reached n / 4."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from zhtagger.core.checkpoint import load_model, save_model
from zhtagger.core.model import SequenceTagger
from zhtagger.evaluation import Evaluation
from zhtagger.registry import resolve
from zhtagger.tasks.base import Predictor
from zhtagger.tasks.cumsum.config import CumsumConfig
from zhtagger.tasks.cumsum.evaluate import cumsum_scores

TASK = "cumsum"


class Cumsum(Predictor):
    task = TASK

    def __init__(self, net: SequenceTagger, data: CumsumConfig, record: dict | None = None) -> None:
        self.net = net.eval()
        self.data = data  # the data settings it was trained with; its length among them
        self.record = record or {}  # how it was trained: "train" (TrainConfig), kept in config.json

    @torch.no_grad()
    def predict(self, inputs: np.ndarray | Tensor, batch_size: int = 10_000) -> np.ndarray:
        """(N, n, 1) values -> (N, n, 1) probabilities that the running sum has reached n / 4."""
        self.net.eval()
        x = torch.as_tensor(inputs, dtype=torch.float32)
        device = next(self.net.parameters()).device
        chunks = [torch.sigmoid(self.net(part.to(device))).cpu() for part in x.split(batch_size)]
        return torch.cat(chunks).numpy()

    def evaluate(self, gold: tuple[np.ndarray, np.ndarray]) -> Evaluation:
        """Per-step and whole-sequence accuracy on ``(x, y)`` (see :func:`~zhtagger.tasks.cumsum.data.generate`)."""
        x, y = gold
        return cumsum_scores(self.predict(x), y)

    def format_examples(self, x: np.ndarray, y: np.ndarray) -> list[str]:
        """One line per sequence in the reference's form: ``y=[0 0 1 ...], yhat=[0 0 1 ...], correct=True``."""
        yhat = (self.predict(x) >= 0.5).astype(int)[..., 0]
        truth = y.astype(int)[..., 0]
        return [f"y={np.array2string(t)}, yhat={np.array2string(p)}, correct={bool((t == p).all())}"
                for t, p in zip(truth, yhat, strict=True)]

    def save(self, path: str | os.PathLike) -> Path:
        return save_model(path, self.net, self.saved_config(self.net.config, self.data))

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu") -> Cumsum:
        """A model directory (or a training run's directory) by path; no cumsum model is shipped."""
        net, config = load_model(resolve(model, TASK), TASK, device)
        return cls(net, CumsumConfig(**config["settings"]), cls.record_of(config))
