"""Scoring a segmenter on gold text: its text segmented as users get it (``lcut_batch``), scored like the
SIGHAN bakeoff."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from zhtagger.evaluation import Evaluation
from zhtagger.tasks.segment.config import Decoder
from zhtagger.text.corpus import Corpus, as_corpus
from zhtagger.text.scoring import Score, error_analysis, score

if TYPE_CHECKING:
    from zhtagger.tasks.segment.predictor import Segmenter


def evaluate_segmenter(segmenter: Segmenter, gold: str | os.PathLike | Corpus | Sequence[Sequence[str]],
                       decoder: Decoder | str | None = None, words: set[str] | None = None) -> Evaluation:
    """The gold sentences' text segmented by ``segmenter.lcut_batch`` and scored against the gold words;
    ``words`` (default: the segmenter's training words) defines OOV."""
    sentences = as_corpus(gold).sentences
    predicted = [[token for token in tokens if not token.isspace()]
                 for tokens in segmenter.lcut_batch(["".join(sentence) for sentence in sentences], decoder)]
    words = segmenter.train_words if words is None else words
    return as_evaluation(score(sentences, predicted, words), words, predicted)


def as_evaluation(result: Score, words: set[str] | None, predictions: list | None = None) -> Evaluation:
    """A SIGHAN :class:`Score` as the task contract's result: its numbers, the scorer's table, the error
    analysis."""
    return Evaluation("segment", result.as_dict(), result.table(), error_analysis(result, words), predictions or [])
