"""Torch modules in and out of a model directory (see :mod:`zhtagger.modeldir` for its layout): the whole
``state_dict`` as plain arrays in ``weights.npz``, which :mod:`zhtagger.core.light` reads without torch."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.modeldir import (
    CONFIG_FILE,
    TORCH_WEIGHTS_FILE,
    WEIGHTS_FILE,
    ModelDirError,
    read_config,
    read_weights,
    write_atomically,
    write_weights,
)


def save_model(
    path: str | os.PathLike,
    model: torch.nn.Module,
    config: dict,
    text_files: Mapping[str, str] | None = None,
    float_dtype: torch.dtype | None = None,
) -> Path:
    """Write ``model`` with its ``config`` (see :func:`zhtagger.modeldir.model_config`) and a task's text files
    as a model directory at ``path``, atomically.

    The whole ``state_dict`` is saved, so a task's own parameters (a CRF, say) travel with the core's.
    ``float_dtype=torch.float16`` halves the file (shipped models); loading casts back to the model's dtype.
    """

    def fill(tmp: Path) -> None:
        (tmp / CONFIG_FILE).write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
        dtype = float_dtype or torch.float32  # numpy has no bfloat16
        write_weights(tmp, {name: (t.to(dtype) if t.is_floating_point() else t).numpy() for name, t in state.items()})
        for name, text in (text_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")

    return write_atomically(path, fill)


def load_model(
    path: str | os.PathLike,
    task: str | None = None,
    device: str = "cpu",
    build: Callable[[TaggerConfig, dict], torch.nn.Module] | None = None,
) -> tuple[torch.nn.Module, dict]:
    """Load a model directory written by :func:`save_model`; returns the model (in eval mode) and its config
    (migrated to the current format version).

    ``build(core_config, config)`` makes the module to fill (default: the bare :class:`SequenceTagger`).
    """
    path = Path(path)
    config = read_config(path, task)
    weights = read_weights(path)
    try:
        core_config = TaggerConfig(**config["core"])
        model = build(core_config, config) if build else SequenceTagger(core_config)
    except (TypeError, ValueError, KeyError) as error:
        raise ModelDirError(f"{path / CONFIG_FILE} has invalid model settings: {error}") from None
    try:
        model.load_state_dict({name: torch.from_numpy(array) for name, array in weights.items()})
    except RuntimeError as error:
        file = path / (WEIGHTS_FILE if (path / WEIGHTS_FILE).is_file() else TORCH_WEIGHTS_FILE)
        raise ModelDirError(f"{file} does not match the model described in {CONFIG_FILE}: {error}") from None
    return model.to(device).eval(), config
