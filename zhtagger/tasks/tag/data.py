"""Tagged training data: the dev set held out, texts cut into training pieces, the tag set of a corpus."""

from __future__ import annotations

import dataclasses

from zhtagger.text.corpus import SPLIT_AFTER, hold_out
from zhtagger.text.schemes import Chunk, Scheme, tag_set
from zhtagger.text.tagdata import TaggedCorpus


def split_dev(corpus: TaggedCorpus) -> tuple[TaggedCorpus, TaggedCorpus]:
    """(train, dev): the last 5% of the corpus held out for choosing the epoch."""
    texts, dev_texts = hold_out(corpus.texts)
    cut = len(texts)
    return (dataclasses.replace(corpus, texts=texts, chunks=corpus.chunks[:cut], lines=corpus.lines[:cut]),
            dataclasses.replace(corpus, texts=dev_texts, chunks=corpus.chunks[cut:], lines=corpus.lines[cut:]))


def training_pieces(corpus: TaggedCorpus, max_chars: int) -> tuple[list[str], list[list[Chunk]]]:
    """Texts cut after punctuation into pieces of at most ``max_chars`` characters where a cut falls outside
    every chunk (a text with no such place stays whole), with their chunks."""
    texts, chunks = [], []
    for text, row in zip(corpus.texts, corpus.chunks, strict=True):
        inside = {position for start, end, _ in row for position in range(start + 1, end)}
        cuts = [i + 1 for i, char in enumerate(text[:-1]) if char in SPLIT_AFTER and i + 1 not in inside]
        start, last = 0, 0
        for cut in [*cuts, len(text)]:
            if cut - start > max_chars and last > start:
                texts.append(text[start:last])
                chunks.append([(a - start, b - start, kind) for a, b, kind in row if start <= a and b <= last])
                start = last
            last = cut
        texts.append(text[start:])
        chunks.append([(a - start, b - start, kind) for a, b, kind in row if start <= a])
    return texts, chunks


def tags_of(corpus: TaggedCorpus, scheme: Scheme) -> tuple[str, ...]:
    """The tags ``scheme`` gives the corpus's chunk types (with O when some character is in no chunk)."""
    return tag_set(corpus.kinds(), scheme, corpus.has_outside())
