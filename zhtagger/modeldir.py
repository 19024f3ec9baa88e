"""A trained model as a directory: ``config.json`` (format version, task, constructor arguments), weights as
plain tensors loaded with ``weights_only=True``, and any text files a task needs (e.g. a vocabulary).

Directories are written to a temporary sibling and renamed into place, so a crash never leaves half a model.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

import torch

from zhtagger import __version__
from zhtagger.model import SequenceTagger, TaggerConfig

FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.pt"


class ModelDirError(ValueError):
    """The path is not a usable zhtagger model directory."""


def write_atomically(target: str | os.PathLike, fill) -> Path:
    """Call ``fill(tmp_dir)`` on a fresh temporary directory beside ``target``, then rename it to ``target``.

    An existing ``target`` is replaced only after ``fill`` succeeded.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        fill(tmp)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


@contextlib.contextmanager
def open_atomically(path: str | os.PathLike) -> Iterator[TextIO]:
    """A text file (UTF-8) to write ``path`` through: it is written beside ``path`` under a temporary name
    and renamed into place only when the block ends without an exception (Ctrl-C included), so ``path``
    is never left half-written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            yield file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`open_atomically`: never a half-written file."""
    with open_atomically(path) as file:
        file.write(text)
    return Path(path)


def save_model(
    path: str | os.PathLike,
    model: torch.nn.Module,
    task: str,
    task_config: Mapping | None = None,
    text_files: Mapping[str, str] | None = None,
    float_dtype: torch.dtype | None = None,
) -> Path:
    """Write ``model`` (and a task's settings and text files) as a model directory at ``path``.

    ``model.config`` is the shared core's :class:`TaggerConfig`; its whole ``state_dict`` is saved, so a task's
    own parameters (a CRF, say) travel with the core's. ``float_dtype=torch.float16`` halves the file (shipped
    models); loading casts the weights back to the model's own dtype.
    """
    config = {
        "format_version": FORMAT_VERSION,
        "zhtagger_version": __version__,
        "task": task,
        "model": model.config.to_dict(),
        "task_config": dict(task_config or {}),
    }

    def fill(tmp: Path) -> None:
        (tmp / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
        if float_dtype is not None:
            state = {name: t.to(float_dtype) if t.is_floating_point() else t for name, t in state.items()}
        torch.save(state, tmp / WEIGHTS_FILE)
        for name, text in (text_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")

    return write_atomically(path, fill)


def read_config(path: str | os.PathLike, task: str | None = None) -> dict:
    """Read and check ``config.json`` of the model directory at ``path``."""
    path = Path(path)
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
    if task is not None and config.get("task") != task:
        raise ModelDirError(f"{path} holds a {config.get('task')!r} model, not a {task!r} model")
    return config


def load_model(
    path: str | os.PathLike,
    task: str | None = None,
    device: str = "cpu",
    build: Callable[[TaggerConfig, dict], torch.nn.Module] | None = None,
) -> tuple[torch.nn.Module, dict]:
    """Load a model directory written by :func:`save_model`; returns the model (in eval mode) and its config.

    ``build(core_config, task_config)`` makes the module to fill (default: the bare :class:`SequenceTagger`).
    """
    path = Path(path)
    config = read_config(path, task)
    weights_path = path / WEIGHTS_FILE
    if not weights_path.is_file():
        raise ModelDirError(f"{path} is not a complete zhtagger model directory: {WEIGHTS_FILE} is missing")
    try:
        core_config = TaggerConfig(**config["model"])
        model = build(core_config, config["task_config"]) if build else SequenceTagger(core_config)
    except (TypeError, ValueError) as error:
        raise ModelDirError(f"{path / CONFIG_FILE} has invalid model settings: {error}") from None
    state = torch.load(weights_path, map_location=device, weights_only=True)
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise ModelDirError(f"{weights_path} does not match the model described in {CONFIG_FILE}: {error}") from None
    return model.to(device).eval(), config


def read_text_file(path: str | os.PathLike, name: str) -> str:
    file = Path(path) / name
    if not file.is_file():
        raise ModelDirError(f"{path} is not a complete zhtagger model directory: {name} is missing")
    return file.read_text(encoding="utf-8")
