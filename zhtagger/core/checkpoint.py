"""Torch modules in and out of a model directory (see :mod:`zhtagger.modeldir` for its layout): the whole
``state_dict`` as plain arrays in ``weights.npz``, which :mod:`zhtagger.core.light` reads without torch."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from zhtagger import modeldir
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.modeldir import CONFIG_FILE, TORCH_WEIGHTS_FILE, WEIGHTS_FILE, ModelDirError, read_config, read_weights


def state_arrays(module: torch.nn.Module) -> dict[str, np.ndarray]:
    """A module's whole ``state_dict`` (a task's own parameters, a CRF say, with the core's) as float32 arrays."""
    return {name: (t.detach().cpu().float() if t.is_floating_point() else t.detach().cpu()).numpy()
            for name, t in module.state_dict().items()}


def save_model(path: str | os.PathLike, module: torch.nn.Module, config: dict,
               text_files: Mapping[str, str] | None = None, half: bool = False) -> Path:
    """:func:`zhtagger.modeldir.save_model` for a torch module."""
    return modeldir.save_model(path, config, state_arrays(module), text_files, half)


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
