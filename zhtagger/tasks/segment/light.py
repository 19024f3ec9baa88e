"""The segmentation network without torch (the shared core in numpy, see :mod:`zhtagger.core.light`), and the
decoders every engine's scores go through."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.light import viterbi
from zhtagger.tasks.engine import CrfTables, Decoder, LightTagNet
from zhtagger.text.tags import IMPOSSIBLE, RULES, TAGS, bmes_viterbi


class LightSegmenterNet(LightTagNet):
    """:class:`~zhtagger.tasks.segment.network.SegmenterNet` for inference, in numpy (float32)."""

    def __init__(self, core_config: TaggerConfig, weights: Mapping[str, np.ndarray]) -> None:
        super().__init__(core_config, weights, RULES)


def joint_log_probs(logits: np.ndarray, n_pos: int) -> np.ndarray:
    """Outputs (B, T, 4 * n_pos) -> (B, T, 4, n_pos): log P(BMES tag, POS tag) for a model that learnt POS
    tags; without them (n_pos 1) the outputs as they are, (B, T, 4, 1): decoding never needs them normalised
    (per-step normalisers are the same for every path)."""
    if n_pos <= 1:
        return logits[..., None]
    joint = logits - logsumexp(logits, -1)
    return joint.reshape(*joint.shape[:-1], len(TAGS), n_pos)


def logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = x.max(axis, keepdims=True)
    return top + np.log(np.exp(x - top).sum(axis, keepdims=True))


def decode(scores: np.ndarray, lengths: np.ndarray, decoder: Decoder, allowed: np.ndarray | None = None,
           crf: CrfTables | None = None) -> np.ndarray:
    """(B, T, 4) BMES scores, (B,) lengths and optionally (B, T, 4) allowed tags -> (B, T) tag ids, 0 at
    padding. Viterbi obeys the BMES rules alone (per-step log-normalisers are the same for every path, so raw
    scores decode alike); crf adds the model's learned transitions; greedy takes each step's best tag."""
    scores = scores if allowed is None else np.where(allowed, scores, IMPOSSIBLE)
    if decoder is Decoder.VITERBI:
        return bmes_viterbi(scores, lengths)
    padded = np.arange(scores.shape[1])[None, :] >= lengths[:, None]
    if decoder is Decoder.GREEDY:
        return np.where(padded, 0, scores.argmax(-1))
    if crf is None:
        raise ValueError("this model was not trained with a CRF; decode with viterbi or greedy")
    return viterbi(scores, lengths, *crf)
