"""The contract every task's trained model keeps (its ``predictor.py``), so that tests, scripts, the command
line and :func:`zhtagger.load` treat them alike:

- ``train_<task>(train, dev, save_dir, config, train_config)`` in the task's ``train.py``: files or arrays in,
  a model directory (``save_dir/model``) out, returning ``(predictor, FitResult)``;
- ``Predictor.load(name_or_path, engine=...)``, ``predictor.save(path)``: a model directory (see
  :mod:`zhtagger.modeldir`), run by numpy or torch;
- ``predictor.predict(inputs)``: one output per input, in order;
- ``predictor.evaluate(gold)``: an :class:`~zhtagger.evaluation.Evaluation`.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from zhtagger.config import config_dict
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import model_config


class Predictor(ABC):
    task: ClassVar[str]  # the name recorded in config.json
    record: dict  # how the model was trained: "train" (TrainConfig) and "extra", kept in config.json

    def saved_config(self, core, settings, **extra) -> dict:
        """config.json for this model: the core's and the task's settings (dataclasses) and its record."""
        record = getattr(self, "record", None) or {}
        return model_config(self.task, config_dict(core), config_dict(settings), record.get("train"),
                            {**record.get("extra", {}), **extra})

    @staticmethod
    def record_of(config: dict) -> dict:
        """The record of a model directory's (migrated) config.json."""
        return {"train": config["train"], "extra": config["extra"]}

    @classmethod
    @abstractmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu", engine: str = "auto") -> Predictor:
        """A shipped model by name (the task's default for None) or a model directory by path, run by the numpy
        engine (``"numpy"``; no torch needed) or torch (``"torch"``, on ``device``); ``"auto"`` is numpy on the
        CPU."""

    @abstractmethod
    def save(self, path: str | os.PathLike) -> Path:
        """Write this model as a model directory at ``path``, atomically."""

    @abstractmethod
    def predict(self, inputs):
        """One output per input, in order."""

    @abstractmethod
    def evaluate(self, gold) -> Evaluation:
        """Scores on gold data."""
