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

import copy
import os
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from zhtagger.config import config_dict
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import model_config

_LOADED: dict = {}  # (class, load's arguments) -> a predictor loaded in this process, shared by its copies
_LOADING = threading.Lock()


class Predictor(ABC):
    """A trained model. Pickling (process pools, Spark, Dask, Ray) sends a predictor loaded from a shipped model
    or a model directory, and unchanged since, as *where it came from* (see :meth:`loaded_from`) plus the state
    named in ``carried`` (a segmenter's user dictionary, say): a few hundred bytes. The receiving process loads
    the model on first use, once per process for all the copies it receives. Other predictors (trained in this
    process) pickle whole."""

    task: ClassVar[str]  # the name recorded in config.json
    carried: ClassVar[tuple[str, ...]] = ()  # state a pickled copy takes along; the rest comes from its source
    caches: ClassVar[tuple[str, ...]] = ()  # attributes rebuilt on use: pickled as None
    record: dict  # how the model was trained: "train" (TrainConfig) and "extra", kept in config.json
    source: dict | None = None  # load's arguments, while the predictor is as loaded

    def loaded_from(self, model: str | os.PathLike | None, **options) -> Predictor:
        """Remember how this predictor was loaded (``load(model, **options)``): a shipped model by its name, a
        model directory by its absolute path (which must exist where a copy is unpickled)."""
        from zhtagger.registry import RENAMED, SHIPPED

        shipped = model is None or (isinstance(model, str) and (model in SHIPPED or model in RENAMED))
        self.source = {"model": model if shipped else os.path.abspath(model), **options}
        return self

    def __getstate__(self) -> dict:
        state = self.__dict__
        if state.get("source") is None:
            return {**state, **dict.fromkeys(name for name in self.caches if name in state)}
        return {"source": state["source"], **{name: state[name] for name in self.carried if name in state}}

    def __getattr__(self, name: str):
        """Called only for an attribute not set: a copy unpickled from its source loads the rest on first use."""
        state = self.__dict__
        if name.startswith("__") or state.get("source") is None or state.get("_restored"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._restore()
        return getattr(self, name)

    def _restore(self) -> None:
        state = self.__dict__
        with _LOADING:
            if state.get("source") is None or state.get("_restored"):
                return
            key = (type(self), tuple(sorted(state["source"].items())))
            if key not in _LOADED:
                _LOADED[key] = type(self).load(**state["source"])
            for field, value in vars(_LOADED[key]).items():  # containers copied: each copy changes its own
                state.setdefault(field, copy.copy(value) if isinstance(value, dict | set | list) else value)
            state["_restored"] = True

    def detached(self) -> Predictor:
        """A deep copy that owns all its state (to train further, say) and pickles whole."""
        self._restore()
        state = {name: value for name, value in self.__dict__.items() if name not in ("source", "_restored")}
        clone = object.__new__(type(self))
        clone.__dict__.update(copy.deepcopy(state))
        return clone

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
