"""Where models are found: the shipped models (package data in zhtagger/models/), the task each model
directory records, and :func:`load`, which returns the right predictor for any of them."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from zhtagger.modeldir import ModelDirError, model_dir_of, read_config

MODELS_DIR = Path(__file__).resolve().parent / "models"
SHIPPED = {"pku": "segment", "pku-pos": "segment", "ctb": "segment", "cloze": "cloze", "ner": "tag"}  # -> task
RENAMED = {"pku-fast": "pku"}  # names models shipped under before -> the model that serves them now
DEFAULTS = {"segment": "pku", "cloze": "cloze", "tag": "ner"}  # what a task loads when no model is named
PREDICTORS = {  # task -> (module, class) of its trained model
    "segment": ("zhtagger.tasks.segment.predictor", "Segmenter"),
    "cloze": ("zhtagger.tasks.cloze.predictor", "Cloze"),
    "cumsum": ("zhtagger.tasks.cumsum.predictor", "Cumsum"),
    "tag": ("zhtagger.tasks.tag.predictor", "Tagger"),
}


def shipped_names(task: str | None = None) -> list[str]:
    return [name for name, of in SHIPPED.items() if task in (None, of)]


def resolve(model: str | os.PathLike | None = None, task: str | None = None) -> Path:
    """The model directory of a shipped model's name, of a path (a model directory or a training run's
    directory holding one under model/), or of ``task``'s default model when ``model`` is None.

    A string that is a shipped model's name always means that model, whatever the working directory holds;
    a folder of the same name is reached as a path (``./pku`` or a ``Path``)."""
    if model is None:
        if task not in DEFAULTS:
            raise ModelDirError(f"name a model directory: no {task!r} model is shipped")
        model = DEFAULTS[task]
    if isinstance(model, str) and model in RENAMED:  # pku-fast: pku has been as fast since zhtagger 0.3
        model = RENAMED[model]
    if isinstance(model, str) and model in SHIPPED:
        if task not in (None, SHIPPED[model]):
            raise ModelDirError(f"{model!r} is the shipped {SHIPPED[model]} model, not a {task} model; shipped "
                                f"{task} models: {', '.join(shipped_names(task))}")
        path = MODELS_DIR / model
        if not path.is_dir():
            raise ModelDirError(f"the shipped model {model!r} is missing from this installation ({path}); "
                                "reinstall zhtagger")
        return path
    if Path(model).is_dir():
        return model_dir_of(model)
    raise ModelDirError(f"no model directory at {model}; shipped models: {', '.join(shipped_names(task))}")


def predictor_class(task: str) -> type:
    if task not in PREDICTORS:
        raise ModelDirError(f"unknown task {task!r}; this zhtagger knows {', '.join(PREDICTORS)}")
    module, name = PREDICTORS[task]
    return getattr(importlib.import_module(module), name)


def load(model: str | os.PathLike, **options):
    """The trained model at a path or of a shipped name, as the predictor of the task its config.json records
    (a :class:`~zhtagger.Segmenter`, :class:`~zhtagger.Tagger`, :class:`~zhtagger.Cloze` or
    :class:`~zhtagger.Cumsum`)."""
    path = resolve(model)
    return predictor_class(read_config(path)["task"]).load(path, **options)
