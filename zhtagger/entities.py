"""``zhtagger.ner``: named entities with the shipped tagger (PER, LOC, ORG), loaded on first use, once, even
when several threads ask for it at the same time."""

from __future__ import annotations

import threading
from collections.abc import Sequence

_taggers: dict = {}
_loading = threading.Lock()


def default_tagger(model: str | None = None):
    """The :class:`~zhtagger.Tagger` of ``model`` (default: the shipped ``ner``), loaded once."""
    with _loading:
        if model not in _taggers:
            from zhtagger.tasks.tag.predictor import Tagger

            _taggers[model] = Tagger.load(model)
        return _taggers[model]


def ner(text: str, model: str | None = None) -> list[tuple[str, str, int, int]]:
    """The named entities of ``text`` as ``(entity, type, start, end)``, with ``text[start:end] == entity``:
    PER (people), LOC (places) and ORG (organisations) with the shipped model, or a trained tagger's types
    with ``model`` (a model directory)."""
    return default_tagger(model).entities(text)


def ner_batch(texts: Sequence[str], model: str | None = None) -> list[list[tuple[str, str, int, int]]]:
    """:func:`ner` of many texts, tagged together (faster than one by one)."""
    return default_tagger(model).entities_batch(texts)
