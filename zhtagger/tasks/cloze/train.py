"""Training a cloze model on word lists, selected on dev probes."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import torch

from zhtagger.config import config_dict
from zhtagger.core.config import TrainConfig
from zhtagger.core.training import FitResult, fit
from zhtagger.tasks.cloze.config import ClozeConfig, Unit
from zhtagger.tasks.cloze.data import build_vocabulary, encode_pieces, jieba_tokenizer, read_sentences, word_vocabulary
from zhtagger.tasks.cloze.evaluate import evaluate_cloze, make_probes
from zhtagger.tasks.cloze.network import ClozeNet, build_net
from zhtagger.tasks.cloze.predictor import Cloze
from zhtagger.text.corpus import Format, hold_out

logger = logging.getLogger(__name__)


def selection_metric(config: ClozeConfig) -> str:
    """The dev metric a model is chosen on: accuracy@1, or the 5-way choice for a character model."""
    return "acc1" if config.unit is Unit.WORD else "five_way"


Data = str | os.PathLike | Sequence[str | os.PathLike] | Sequence[Sequence[str]]


def train_cloze(train: Data, dev: Data | None = None, save_dir: str | os.PathLike | None = None,
                config: ClozeConfig | None = None, train_config: TrainConfig | None = None,
                format: Format | str | None = None) -> tuple[Cloze, FitResult]:
    """Train on word lists, or on text files (one or several: raw text cut by jieba, or segmented corpora in
    ``format``); select on accuracy@1 at one seeded masked word per dev sentence (a character model: on the
    5-way choice, see :func:`evaluate_cloze`; without ``dev``, the last 5% of ``train`` is held out). With
    ``save_dir``, the best model is saved there (``save_dir/model``) with history.json and curve.png."""
    train, dev = as_sentences(train, format), None if dev is None else as_sentences(dev, format)
    if dev is None:
        train, dev = hold_out(train)
    config = config or ClozeConfig()
    train_config = train_config or TrainConfig(epochs=3, lr=2e-3)
    tokens, unknown_types = build_vocabulary(train, config)
    torch.manual_seed(train_config.seed)
    model = Cloze(build_net(config, len(tokens)), config, tokens, unknown_types, {"train": config_dict(train_config)})
    data = encode_pieces(train, tokens, config.max_words, config.unit)
    logger.info("cloze: %d training pieces, vocabulary of %d %ss", len(data.ids), len(tokens), config.unit.value)
    words = tokens if config.unit is Unit.WORD else word_vocabulary(train, config)
    probes = make_probes(dev, words, n=2000, seed=train_config.seed)

    def evaluate(net: ClozeNet) -> dict[str, float]:
        return {k: v for k, v in evaluate_cloze(model, probes).items() if k in ("acc1", "acc5", "mrr", "five_way")}

    result = fit(model.net, lambda generator: data.batches(config, generator), ClozeNet.loss, train_config,
                 evaluate, selection_metric(config), save_dir, model.save)
    return model, result


def as_sentences(data: Data, format: Format | str | None) -> list[list[str]]:
    """Word lists as they are, or the sentences of one or several files (see :func:`read_sentences`)."""
    if isinstance(data, (str, os.PathLike)):
        data = [data]
    data = list(data)
    if data and all(isinstance(item, (str, os.PathLike)) and Path(item).is_file() for item in data):
        tokenizer = jieba_tokenizer() if format is None else None
        return [sentence for path in data for sentence in read_sentences(path, format, tokenizer)]
    return [list(sentence) for sentence in data]
