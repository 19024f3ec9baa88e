"""What every task's engines share: the decoders' names, the choice between the numpy and torch engines, and
the numpy network (the shared core plus CRF tables) with a tag scheme's rules as scores."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.light import LightTagger, strip_prefix
from zhtagger.text.tags import IMPOSSIBLE

CrfTables = tuple[np.ndarray, np.ndarray, np.ndarray]  # transitions (C, C), start (C,), end (C,), rules added


class Decoder(str, Enum):
    GREEDY = "greedy"  # the best tag per character, rules ignored
    VITERBI = "viterbi"  # the best sequence the tag scheme allows, under the softmax probabilities
    CRF = "crf"  # learned transitions (trained with the CRF likelihood), rules enforced


class LightTagNet:
    """A task's network (the shared core, and a CRF when it has one) for inference, in numpy (float32): the
    numpy twin of a segmenter's ``SegmenterNet`` or a tagger's ``TagNet``; ``rules`` are the tag scheme's."""

    def __init__(self, core_config: TaggerConfig, weights: Mapping[str, np.ndarray], rules) -> None:
        self.config = core_config
        self.arrays = dict(weights)
        self.core = LightTagger(core_config, strip_prefix(weights, "core."))
        crf = strip_prefix(weights, "crf.")
        rules = rule_scores(rules)
        self.crf = (tuple(crf[name].astype(np.float32) + rule for name, rule in
                          zip(("transitions", "start", "end"), rules, strict=True)) if crf else None)

    def logits(self, inputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Input ids (B, T, K), lengths (B,) -> the core's outputs (B, T, 4 * n_pos)."""
        return self.core(inputs, lengths)

    def crf_tables(self) -> CrfTables | None:
        return self.crf

    def weights(self) -> dict[str, np.ndarray]:
        return self.arrays


def rule_scores(rules) -> CrfTables:
    """A scheme's rules (allowed transitions, starts, ends) as additive scores: 0 if allowed, else IMPOSSIBLE."""
    return tuple(np.where(np.array(table), 0.0, IMPOSSIBLE).astype(np.float32) for table in rules)


def choose_engine(engine: str, device: str, precision: str) -> str:
    """``engine`` itself, or for "auto": numpy (no torch imported, float32) on the CPU unless bfloat16 is asked
    for; torch for a GPU or bfloat16."""
    if engine not in ("auto", "numpy", "torch"):
        raise ValueError(f"engine must be auto, numpy or torch; got {engine!r}")
    if precision not in ("auto", "float32", "bfloat16"):
        raise ValueError(f"precision must be auto, float32 or bfloat16; got {precision!r}")
    if engine == "numpy" and (str(device) != "cpu" or precision not in ("auto", "float32")):
        raise ValueError("the numpy engine runs on the CPU in float32; use engine='torch' for other settings")
    if engine != "auto":
        return engine
    return "torch" if str(device) != "cpu" or precision == "bfloat16" else "numpy"


def inference_dtype(precision: str, device: str):
    """The torch dtype of a precision :func:`choose_engine` has accepted."""
    import torch

    if precision == "auto":
        native = str(device).startswith("cpu") and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        return torch.bfloat16 if native else torch.float32
    return getattr(torch, precision)
