"""A trained cumsum model: the probability, at every step, that the running sum has reached n / 4."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.light import LightTagger
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import read_config, read_weights, save_model
from zhtagger.registry import resolve
from zhtagger.tasks.base import Predictor
from zhtagger.tasks.cumsum.config import CumsumConfig
from zhtagger.tasks.cumsum.evaluate import cumsum_scores

TASK = "cumsum"


class Cumsum(Predictor):
    task = TASK

    def __init__(self, net, data: CumsumConfig, record: dict | None = None) -> None:
        self.net = net.eval() if hasattr(net, "eval") else net  # a torch SequenceTagger, or its numpy twin
        self.data = data  # the data settings it was trained with; its length among them
        self.record = record or {}  # how it was trained: "train" (TrainConfig), kept in config.json

    def predict(self, inputs: np.ndarray, batch_size: int = 10_000) -> np.ndarray:
        """(N, n, 1) values -> (N, n, 1) probabilities that the running sum has reached n / 4."""
        x = np.asarray(inputs, dtype=np.float32)
        logits = [self.logits(x[start : start + batch_size]) for start in range(0, len(x), batch_size)]
        return 1 / (1 + np.exp(-np.concatenate(logits)))

    def logits(self, x: np.ndarray) -> np.ndarray:
        if isinstance(self.net, LightTagger):
            return self.net(x)
        import torch

        with torch.no_grad():
            return self.net.eval()(torch.from_numpy(x).to(next(self.net.parameters()).device)).float().cpu().numpy()

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
        if isinstance(self.net, LightTagger):
            weights = self.net.arrays
        else:
            from zhtagger.core.checkpoint import state_arrays

            weights = state_arrays(self.net)
        return save_model(path, self.saved_config(self.net.config, self.data), weights)

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu", engine: str = "auto") -> Cumsum:
        """A model directory (or a training run's directory) by path; no cumsum model is shipped. ``engine``:
        "numpy" (no torch needed), "torch" (on ``device``), or "auto" (torch for a GPU, else numpy)."""
        if engine not in ("auto", "numpy", "torch"):
            raise ValueError(f"engine must be auto, numpy or torch; got {engine!r}")
        path = resolve(model, TASK)
        config = read_config(path, TASK)
        if engine == "torch" or str(device) != "cpu":
            from zhtagger.core.checkpoint import load_model

            net, _ = load_model(path, TASK, device)
        else:
            net = LightTagger(TaggerConfig(**config["core"]), read_weights(path))
        return cls(net, CumsumConfig(**config["settings"]), cls.record_of(config)).loaded_from(
            model, device=device, engine=engine)
