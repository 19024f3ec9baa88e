"""Adapting a trained segmenter to a user's domain: fine-tuning from its weights (vocabularies grown with the
domain's new characters and bigrams), replaying a share of its original training text against forgetting, and
learning from raw domain text segmented by a teacher.

A new character or bigram starts as a copy of the unknown token's row, so before the first step the
fine-tuned model segments exactly as the model it starts from; training then moves each new row on its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from zhtagger.tasks.inputs import Encoded, grow_vocabularies  # noqa: F401 -- adapting's API
from zhtagger.tasks.segment.config import TEACHERS
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.text.corpus import read_text_lines
from zhtagger.text.dictionary import jieba_dictionary
from zhtagger.text.newwords import HAN_RUN, discover_words

logger = logging.getLogger(__name__)




def start_from(init: str | os.PathLike | Segmenter) -> Segmenter:
    """The segmenter to fine-tune: ``init``, a shipped model's name or a model directory (loaded to run in
    torch, float32; a model of another task is refused here, before any training), or a copy of a Segmenter
    run by torch."""
    if isinstance(init, Segmenter):
        if not isinstance(init.net, nn.Module):
            raise ValueError("fine-tuning needs a segmenter run by torch (Segmenter.load(..., engine='torch'))")
        segmenter = init.detached()  # the given segmenter stays as it is
    else:
        segmenter = Segmenter.load(init, engine="torch", precision="float32")
        segmenter.source = None  # trained from here on: no longer as loaded
    segmenter.net.float()
    return segmenter


def with_replay(domain: Encoded, replay: Encoded, ratio: float
                ) -> tuple[Encoded, Callable[[torch.Generator], np.ndarray]]:
    """``domain`` and ``replay`` pieces in one :class:`Encoded`, and ``rows(generator)``: the rows of one epoch,
    every domain piece and a fresh random sample of replay pieces holding about ``ratio`` times as many
    characters as the domain pieces."""
    joined = Encoded(np.concatenate([domain.ids, replay.ids]), np.concatenate([domain.tags, replay.tags]),
                     np.concatenate([domain.offsets, replay.offsets[1:] + domain.offsets[-1]]))
    if domain.unknown is not None or replay.unknown is not None:
        joined.unknown = np.concatenate([u if u is not None else np.zeros(len(e.tags))
                                         for u, e in ((domain.unknown, domain), (replay.unknown, replay))])
    replay_lengths = replay.lengths()
    wanted = ratio * len(domain.tags)

    def rows(generator: torch.Generator) -> np.ndarray:
        order = torch.randperm(len(replay), generator=generator).numpy()
        taken = order[: int(np.searchsorted(np.cumsum(replay_lengths[order]), wanted)) + 1]
        return np.concatenate([np.arange(len(domain)), len(domain) + np.sort(taken)])

    return joined, rows


@dataclass
class RawText:
    """Unsegmented lines to adapt with, whitespace removed, and what reading them found."""

    texts: list[str]
    lines: int = 0
    empty_lines: int = 0
    han_chars: int = 0

    @classmethod
    def read(cls, sources: Iterable[str | os.PathLike]) -> RawText:
        """The lines of raw-text files; a file with no Chinese characters at all is an error."""
        raw = cls([])
        for source in sources:
            lines = read_text_lines(source)
            texts = ["".join(line.split()) for line in lines]
            han = sum(len(run) for text in texts for run in HAN_RUN.findall(text))
            if not han:
                raise ValueError(f"{source}: {len(lines):,} lines and no Chinese characters to learn from")
            raw.texts += [text for text in texts if text]
            raw.lines += len(lines)
            raw.empty_lines += sum(not text for text in texts)
            raw.han_chars += han
        return raw

    def describe(self) -> str:
        chars = sum(map(len, self.texts))
        return (f"raw text: {self.lines:,} lines, {chars:,} characters ({self.han_chars:,} Chinese), "
                f"{self.empty_lines:,} empty lines skipped")


def teacher_segmentation(segmenter: Segmenter, texts: list[str], teacher: str) -> list[list[str]]:
    """Raw texts segmented to learn from: by jieba (its dictionary knows many domain words the model's
    training text lacks) or by the model itself (self-training)."""
    if teacher == "jieba":
        import jieba

        tokenizer = jieba.Tokenizer()  # its own: never the user's global jieba state
        words = [tokenizer.lcut(text) for text in texts]
    elif teacher == "self":
        words = segmenter.lcut_batch(texts)
    else:
        raise ValueError(f"the raw-text teacher is one of {', '.join(TEACHERS)}; got {teacher!r}")
    return [[word for word in row if not word.isspace()] for row in words]


def discovered_lexicon_words(segmenter: Segmenter, texts: list[str]) -> list[str]:
    """Words of raw ``texts`` found by cohesion and branching entropy (:func:`discover_words`) that the
    segmenter's lexicon channel does not mark yet; none for a model without one."""
    if not segmenter.config.lexicon_dim:
        return []
    known = segmenter.train_words if segmenter.config.lexicon == "train" else jieba_dictionary().freq
    return [word.word for word in discover_words(texts) if word.word not in known]
