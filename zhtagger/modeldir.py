"""A trained model as a directory: ``config.json`` (format version, task, the core's and the task's settings),
``weights.npz`` (the network's tensors as plain arrays, read without pickle, so with or without torch), and any
text files a task needs (e.g. a vocabulary). No torch here: reading and migrating a model's settings and
weights, and the atomic writes every output goes through.

config.json, format version 3::

    {"format_version": 3, "zhtagger_version": ..., "task": "segment" | "cloze" | "cumsum",
     "core": {TaggerConfig}, "settings": {the task's config dataclass}, "train": {TrainConfig} or {},
     "extra": {anything else the task keeps}, "files": {text file: {"lines": n, "sha256": hex digest}}}

The text files' digests are checked when the directory is read, so an edited or damaged vocabulary is a clear
error rather than shifted ids.

Version 1 (zhtagger 0.1.0 before the task contract) kept the core's settings under "model" and everything
else under "task_config", the task's settings under a key of its own; :func:`migrate` reads it. Versions 1 and
2 stored the weights as ``weights.pt`` (torch's format), which only an installation with torch reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from zhtagger import __version__
from zhtagger.atomic import recover, write_atomically
from zhtagger.optional import require

FORMAT_VERSION = 3
CONFIG_FILE = "config.json"
UNCHECKED_FILES = {"MODEL.md", "metrics.json"}  # documentation, not read by the model
WEIGHTS_FILE = "weights.npz"
TORCH_WEIGHTS_FILE = "weights.pt"  # versions 1 and 2
MODEL_SUBDIR = "model"  # a training run's directory keeps its best model here
V1_SETTINGS_KEY = {"segment": "segmenter", "cloze": "cloze", "cumsum": "data"}


class ModelDirError(ValueError):
    """The path is not a usable zhtagger model directory."""


def model_config(task: str, core: dict, settings: dict, train: dict | None = None, extra: dict | None = None) -> dict:
    """The contents of config.json at the current format version."""
    return {"format_version": FORMAT_VERSION, "zhtagger_version": __version__, "task": task, "core": core,
            "settings": settings, "train": dict(train or {}), "extra": dict(extra or {})}


def migrate(config: dict, path: Path) -> dict:
    """``config`` brought up to :data:`FORMAT_VERSION` from any earlier version."""
    version = config["format_version"]
    if version == 1:
        task_config = dict(config.get("task_config") or {})
        task = config.get("task")
        if task not in V1_SETTINGS_KEY or V1_SETTINGS_KEY[task] not in task_config or "model" not in config:
            raise ModelDirError(f"{path / CONFIG_FILE} is a version 1 config without its core or task settings")
        settings = dict(task_config.pop(V1_SETTINGS_KEY[task]))
        if task == "cloze":  # cloze models saved before stacked layers existed have one layer
            settings.setdefault("layers", config["model"].get("layers", 1))
        train = task_config.pop("train", {})
        saved_by = config.get("zhtagger_version", "0.1.0")
        config = dict(model_config(task, config["model"], settings, train, task_config), zhtagger_version=saved_by)
    return dict(config, format_version=FORMAT_VERSION)  # 2 -> 3 changed the weights file alone


def read_config(path: str | os.PathLike, task: str | None = None) -> dict:
    """Read, check and migrate ``config.json`` of the model directory at ``path``."""
    path = Path(path)
    if not path.is_dir():
        recover(path)  # a writer killed while replacing it may have left it parked beside
    if not path.is_dir():
        raise ModelDirError(f"{path} is not a zhtagger model directory: no such directory")
    config_path = path / CONFIG_FILE
    if not config_path.is_file():
        raise ModelDirError(f"{path} is not a zhtagger model directory: {CONFIG_FILE} is missing")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        version = int(config["format_version"])
    except (ValueError, KeyError, TypeError) as error:
        raise ModelDirError(f"{config_path} is not a valid zhtagger model config: {error}") from None
    if version > FORMAT_VERSION:
        raise ModelDirError(
            f"{path} has model format version {version}, newer than this zhtagger ({__version__}) reads "
            f"(up to {FORMAT_VERSION}); upgrade zhtagger"
        )
    if version < 1:
        raise ModelDirError(f"{config_path}: unknown model format version {version}")
    config = migrate(dict(config, format_version=version), path)
    missing = [key for key in ("task", "core", "settings") if not isinstance(config.get(key), str | dict)]
    if missing:
        raise ModelDirError(f"{config_path} lacks its {', '.join(missing)} section(s); it is damaged, or not "
                            "written by zhtagger")
    config.setdefault("train", {})
    config.setdefault("extra", {})
    if task is not None and config.get("task") != task:
        raise ModelDirError(f"{path} holds a {config.get('task')!r} model, not a {task!r} model")
    check_files(path, config)
    return config


def read_weights(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The weights of the model directory at ``path`` by name: ``weights.npz``, or the ``weights.pt`` of a
    version 1 or 2 directory (which needs torch)."""
    path = Path(path)
    if (path / WEIGHTS_FILE).is_file():
        try:
            with np.load(path / WEIGHTS_FILE, allow_pickle=False) as arrays:
                return {name: arrays[name] for name in arrays.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            reason = "it holds pickled objects" if "pickle" in str(error) else error
            raise ModelDirError(f"{path / WEIGHTS_FILE} is not a readable weights file (a numpy .npz archive of "
                                f"plain arrays): {reason}") from None
    if (path / TORCH_WEIGHTS_FILE).is_file():
        torch = require("torch", f"reading {path / TORCH_WEIGHTS_FILE} (a model saved by zhtagger 0.1 or 0.2)")
        state = torch.load(path / TORCH_WEIGHTS_FILE, map_location="cpu", weights_only=True)
        return {name: tensor.float().numpy() if tensor.is_floating_point() else tensor.numpy()
                for name, tensor in state.items()}
    raise ModelDirError(f"{path} is not a complete zhtagger model directory: {WEIGHTS_FILE} is missing")


def save_model(path: str | os.PathLike, config: dict, weights: Mapping[str, np.ndarray],
               text_files: Mapping[str, str] | None = None, half: bool = False) -> Path:
    """Write a model directory at ``path``, atomically: ``config`` (see :func:`model_config`), the network's
    ``weights`` by name, and a task's text files. ``half`` stores floating-point weights as float16 (half the
    size, for shipping); readers cast them back to float32."""

    config = dict(config, files={name: file_record(text) for name, text in (text_files or {}).items()
                                 if name not in UNCHECKED_FILES})

    def fill(tmp: Path) -> None:
        (tmp / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write_weights(tmp, {name: array.astype(np.float16) if half and array.dtype.kind == "f" else array
                            for name, array in weights.items()})
        for name, text in (text_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")

    return write_atomically(path, fill)


def file_record(text: str) -> dict:
    return {"lines": text.count("\n"), "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def check_files(path: Path, config: dict) -> None:
    """Each text file recorded in ``config`` must be unchanged (a missing one is for its reader to report: some,
    such as the training word list, are optional)."""
    for name, record in config.get("files", {}).items():
        file = path / name
        if file.is_file() and file_record(file.read_text(encoding="utf-8")) != record:
            raise ModelDirError(f"{file} is not the file this model was saved with (its {record['lines']:,} lines "
                                f"and checksum are recorded in {CONFIG_FILE}): it was edited or damaged")


def check_vocabulary_size(path: Path, name: str, size: int, rows: int) -> None:
    """A vocabulary file must have one token for each row of its embedding table."""
    if size != rows:
        raise ModelDirError(f"{path / name} has {size:,} tokens but the model's embedding table has {rows:,} rows: "
                            "it was edited, or belongs to another model")


def write_weights(path: Path, weights: Mapping[str, np.ndarray]) -> None:
    """``weights.npz`` in the directory ``path``: plain arrays, no pickle."""
    with open(path / WEIGHTS_FILE, "wb") as file:
        np.savez(file, **weights)


def model_dir_of(path: str | os.PathLike) -> Path:
    """A model directory, or a training run's directory holding one under ``model/``."""
    path = Path(path)
    return path / MODEL_SUBDIR if (path / MODEL_SUBDIR / CONFIG_FILE).is_file() else path


def read_text_file(path: str | os.PathLike, name: str) -> str:
    file = Path(path) / name
    if not file.is_file():
        raise ModelDirError(f"{path} is not a complete zhtagger model directory: {name} is missing")
    return file.read_text(encoding="utf-8")
