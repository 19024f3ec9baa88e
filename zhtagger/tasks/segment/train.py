"""Training a segmenter: vocabularies from the corpus, embeddings pretrained on raw text, the network fitted
with best-on-dev selection."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import torch

from zhtagger.config import config_dict
from zhtagger.core.config import TrainConfig
from zhtagger.core.training import FitResult, fit
from zhtagger.tasks.inputs import Encoded, grow_vocabularies, pretrain_embeddings
from zhtagger.tasks.segment.adapt import RawText
from zhtagger.tasks.segment.config import FINE_TUNE, REPLAY_RATIO, SegmenterConfig
from zhtagger.tasks.segment.data import encode_training, training_pieces
from zhtagger.tasks.segment.network import SegmenterNet, build_net
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.text.corpus import Corpus, Format, as_corpus, hold_out, normalize, read_text_lines
from zhtagger.text.lexicon import N_FEATURES, jackknifed_features
from zhtagger.text.vocab import UNKNOWN_ID, Vocabulary, bigrams

logger = logging.getLogger(__name__)

Data = str | os.PathLike | Corpus | Sequence[Sequence[str]]


def train_segmenter(
    train: Data | None,
    dev: Data | None = None,
    save_dir: str | os.PathLike | None = None,
    config: SegmenterConfig | None = None,
    train_config: TrainConfig | None = None,
    format: Format | str = Format.WORDS,
    cache_dir: str | os.PathLike | None = None,
    init: str | os.PathLike | Segmenter | None = None,
    replay: Data | None = None,
    replay_ratio: float = REPLAY_RATIO,
    lexicon_words: Iterable[str] = (),
    raw: RawText | Iterable[str | os.PathLike] = (),
    raw_teacher: str = "jieba",
    raw_words: bool = True,
) -> tuple[Segmenter, FitResult]:
    """Train a segmenter on segmented sentences (a file in ``format``, a :class:`Corpus`, or lists of words);
    select on ``dev`` F1 (without ``dev``, the last 5% of ``train`` is held out). With ``config.pos`` the
    training corpus must have POS tags (``Corpus.pos``), learnt alongside. With ``save_dir``, the best model is
    saved there (``save_dir/model``) with history.json and curve.png; ``cache_dir`` keeps the encoded corpus.

    Fine-tuning (see :mod:`zhtagger.tasks.segment.adapt`): ``init`` (a model's name or directory, or a
    torch-run Segmenter) is the model to start from, whose settings are kept (``config`` must be None);
    ``replay`` (segmented text, in ``format``) is mixed into every epoch, ``replay_ratio`` times the training
    characters; ``lexicon_words`` join the lexicon channel; ``raw`` (a :class:`RawText` or raw-text files) is
    learnt from as ``raw_teacher`` segments it (``train`` may then be None), its new words added to the
    lexicon channel unless ``raw_words`` is False."""
    from zhtagger.tasks.segment.adapt import discovered_lexicon_words

    base, corpus, raw = starting_point(train, config, format, init, raw, raw_teacher)
    config = base.config if base is not None else config or SegmenterConfig()
    train_config = train_config or (FINE_TUNE if base is not None else TrainConfig(epochs=10, lr=2e-3))
    sentences, pos, dev_sentences, config = split_training_data(corpus, dev, config, format)
    if base is not None:
        config = keep_pos_tags(base.config, config)
    pieces, piece_pos, piece_sentence = training_pieces(sentences, pos, config.max_chars)
    texts = ["".join(piece) for piece in pieces]
    segmenter, bigram_counts, grown = segmenter_to_train(base, config, sentences, texts, train_config.seed)
    if raw.texts and raw_words:
        lexicon_words = [*lexicon_words, *discovered_lexicon_words(segmenter, raw.texts)]
    logger.info("%d words added to the lexicon channel", segmenter.add_lexicon_words(lexicon_words))
    extra = {**init_record(init, replay, replay_ratio, len(raw.texts), raw_teacher), **grown}
    segmenter.record = {"train": config_dict(train_config), "extra": {"train_sentences": len(sentences), **extra}}
    encoded = encode_pieces(segmenter, pieces, piece_pos, cache_dir,
                            (sentences, texts, piece_sentence) if base is None else None)
    if config.bigram_dim and config.bigram_unk:
        alpha = set_unknown_bigram_chances(segmenter, encoded, bigram_counts, dev_sentences)
        segmenter.config = config = dataclasses.replace(config, bigram_unk=alpha)  # the model keeps the a used
    logger.info("training on %d pieces, %d characters; %d chars, %d bigrams in the vocabularies",
                len(encoded), len(encoded.tags), len(segmenter.chars), len(segmenter.bigrams))
    make_batches = epoch_batches(segmenter, encoded, replay, replay_ratio, format)

    def evaluate(net: SegmenterNet) -> dict[str, float]:
        result = segmenter.evaluate(dev_sentences)
        return {name: result.metrics[name] for name in ("f1", "precision", "recall", "oov_recall")}

    result = fit(segmenter.net, make_batches, SegmenterNet.loss, train_config, evaluate, "f1", save_dir,
                 segmenter.save)
    return segmenter, result


def split_training_data(train: Data, dev: Data | None, config: SegmenterConfig, format: Format | str
                        ) -> tuple[list[list[str]], list[list[str]] | None, list[list[str]], SegmenterConfig]:
    """(training sentences, their POS tags when ``config.pos``, dev sentences, the config with the POS tags
    found); without ``dev``, the end of ``train`` is held out."""
    corpus = as_corpus(train, format)
    sentences, pos = corpus.sentences, corpus.pos if config.pos else None
    if config.pos:
        if pos is None:
            raise ValueError(f"{corpus.path or 'the training data'} has no POS tags to learn (pos): give a "
                             "word/POS file (format pos) or CoNLL with a UPOS tag on every word")
        if len(pos) != len(sentences) or any(len(t) != len(s) for s, t in zip(sentences, pos, strict=False)):
            raise ValueError("the training corpus needs one POS tag for every word")
        config = dataclasses.replace(config, pos_tags=tuple(sorted({tag for row in pos for tag in row})))
    if dev is not None:
        return sentences, pos, as_corpus(dev, format).sentences, config
    sentences, dev_sentences = hold_out(sentences)
    return sentences, None if pos is None else hold_out(pos)[0], dev_sentences, config


def keep_pos_tags(base: SegmenterConfig, found: SegmenterConfig) -> SegmenterConfig:
    """The starting model's settings, checked against the POS tags the fine-tuning data has."""
    new = set(found.pos_tags) - set(base.pos_tags)
    if base.pos and new:
        raise ValueError(f"the training data has POS tags the starting model never learnt: {', '.join(sorted(new))}")
    return base


def encode_pieces(segmenter: Segmenter, pieces: list[list[str]], piece_pos: list[list[str]] | None,
                  cache_dir: str | os.PathLike | None, jackknife: tuple | None) -> Encoded:
    """The training pieces' ids and tags (see :func:`encode_training`); with ``jackknife`` (the sentences,
    the pieces' texts and sentence numbers), a lexicon channel made of the training words is recomputed block
    by block (see :func:`jackknifed_features`)."""
    config = segmenter.config
    cache_key = (segmenter.chars.to_text(), segmenter.bigrams.to_text(),
                 config.lexicon if config.lexicon_dim else "none", *sorted(segmenter.lexicon_words))
    encoded = encode_training(segmenter.encode, pieces, piece_pos, config.pos_tags, cache_key, cache_dir)
    if config.lexicon_is_training_words and jackknife is not None:  # the last channel
        sentences, texts, piece_sentence = jackknife
        encoded.ids[:, -1] = jackknifed_features(sentences, texts, np.array(piece_sentence))
    return encoded


def segmenter_to_train(base: Segmenter | None, config: SegmenterConfig, sentences: list[list[str]],
                       texts: list[str], seed: int) -> tuple[Segmenter, Counter, dict]:
    """The segmenter training starts from: ``base`` with the training text's new characters and bigrams added
    (fine-tuning: it keeps the embeddings it was pretrained with), or a new one whose vocabularies and
    pretrained embeddings come from the training and pretraining text; the bigram counts; what was added."""
    if base is not None:
        bigram_counts = Counter(pair for text in texts for pair in bigrams(normalize(text)))
        grown = grow_vocabularies(base, Counter(normalize("".join(texts))), bigram_counts)
        base.train_words |= {word for sentence in sentences for word in sentence}
        return base, bigram_counts, grown
    # raw text: whitespace removed, so segmented corpora serve as raw text too
    raw_texts = [text for path in config.pretrain for line in read_text_lines(path) if (text := "".join(line.split()))]
    bigram_counts = Counter(pair for text in texts + raw_texts for pair in bigrams(normalize(text)))
    torch.manual_seed(seed)
    segmenter = new_segmenter(config, texts + raw_texts, bigram_counts, sentences)
    if config.pretrain or config.pretrain_self:  # the training text is always pretrained on
        pretrain_embeddings(segmenter, texts + raw_texts, seed)
    return segmenter, bigram_counts, {}


def starting_point(train: Data | None, config: SegmenterConfig | None, format: Format | str, init, raw,
                   raw_teacher: str) -> tuple[Segmenter | None, Corpus, RawText]:
    """The model to fine-tune (None: train from scratch), the corpus to train on (``train``'s sentences, then
    ``raw``'s as the teacher segments them) and the raw text."""
    from zhtagger.tasks.segment.adapt import start_from, teacher_segmentation

    if init is not None and config is not None:
        raise ValueError("a fine-tuned model keeps the settings of the model it starts from: give init or config")
    raw = raw if isinstance(raw, RawText) else RawText.read(raw)
    if raw.texts and init is None:
        raise ValueError("learning from raw text adapts a trained model: give init (a model to start from) too")
    if train is None and not raw.texts:
        raise ValueError("nothing to train on: give training sentences, raw text (with init), or both")
    base = None if init is None else start_from(init)
    corpus = as_corpus(train, format) if train is not None else Corpus([])
    if raw.texts:
        if base.config.pos:
            raise ValueError("raw text has no part-of-speech tags to learn: adapt a model without them (pku, ctb)")
        logger.info("%s; segmented by %s to learn from", raw.describe(), raw_teacher)
        corpus = Corpus(corpus.sentences + teacher_segmentation(base, raw.texts, raw_teacher), path=corpus.path)
    return base, corpus, raw


def init_record(init, replay, replay_ratio: float, raw_sentences: int, raw_teacher: str) -> dict:
    """What a fine-tuned model records of where it started (config.json's extra)."""
    if init is None:
        return {}
    record = {"init": os.fspath(init) if isinstance(init, str | os.PathLike) else "a Segmenter object"}
    if replay is not None:
        source = os.fspath(replay) if isinstance(replay, str | os.PathLike) else getattr(replay, "path", "")
        record.update(replay=source or "sentences given in Python", replay_ratio=replay_ratio)
    if raw_sentences:
        record.update(raw_sentences=raw_sentences, raw_teacher=raw_teacher)
    return record


def epoch_batches(segmenter: Segmenter, encoded: Encoded, replay: Data | None, replay_ratio: float,
                  format: Format | str) -> Callable[[torch.Generator], list]:
    """``make_batches(generator)`` for :func:`fit`: the training pieces, with a fresh share of ``replay``'s
    (see :func:`~zhtagger.tasks.segment.adapt.with_replay`) in every epoch."""
    batch_size = segmenter.config.batch_size
    if replay is None:
        return lambda generator: encoded.batches(batch_size, generator)
    from zhtagger.tasks.segment.adapt import with_replay

    corpus = as_corpus(replay, format)
    if segmenter.config.pos and corpus.pos is None:
        raise ValueError(f"{corpus.path or 'the replay data'} has no POS tags, which this model learns")
    pieces, piece_pos, _ = training_pieces(corpus.sentences, corpus.pos if segmenter.config.pos else None,
                                           segmenter.config.max_chars)
    replayed = encode_training(segmenter.encode, pieces, piece_pos, segmenter.config.pos_tags)
    joined, rows = with_replay(encoded, replayed, replay_ratio)
    logger.info("replaying %d pieces of %s, %.2f times the training characters an epoch", len(replayed),
                corpus.path or "the replay data", replay_ratio)
    return lambda generator: joined.batches(batch_size, generator, rows(generator))


def new_segmenter(config: SegmenterConfig, texts: list[str], bigram_counts: Counter,
                  sentences: list[list[str]]) -> Segmenter:
    """An untrained segmenter whose vocabularies are built from ``texts`` (and their bigram counts)."""
    chars = Vocabulary.build(Counter(normalize("".join(texts))), config.min_char_count)
    bigram_vocab = Vocabulary.build(bigram_counts, config.min_bigram_count) if config.bigram_dim else Vocabulary([])
    net = build_net(config, len(chars), len(bigram_vocab), N_FEATURES)
    return Segmenter(net, config, chars, bigram_vocab, {word for sentence in sentences for word in sentence})


def set_unknown_bigram_chances(segmenter: Segmenter, encoded: Encoded, bigram_counts: Counter,
                               dev_sentences: list[list[str]]) -> float:
    """Set ``encoded.unknown`` from the segmenter's ``bigram_unk`` (a number, or "auto": matched to the dev
    text's share of unknown bigrams); returns the ``a`` used."""
    tokens = segmenter.bigrams.tokens
    counts = np.array([0, 0] + [bigram_counts[token] for token in tokens[2:]], dtype=np.float64)
    seen = counts[encoded.ids[:, 1]]  # 0 where the bigram is unknown already
    alpha = segmenter.config.bigram_unk
    if alpha == "auto":
        dev_ids = segmenter.encode(["".join(sentence) for sentence in dev_sentences]).ids[:, 1]
        alpha = matching_unk_alpha(seen, float(np.mean(dev_ids == UNKNOWN_ID)))
    encoded.unknown = np.where(seen > 0, alpha / (alpha + seen), 0.0)
    logger.info("bigram-unk %.3f: %.1f%% of training bigrams unknown (%.1f%% with the random ones)",
                alpha, 100 * np.mean(seen == 0), 100 * np.mean((seen == 0) + encoded.unknown))
    return alpha


def matching_unk_alpha(seen: np.ndarray, target: float) -> float:
    """The ``a`` for which bigrams read as unknown with probability a / (a + count) -- and those never seen
    often enough to be in the vocabulary (count 0 here) -- make up ``target`` of the training bigrams."""
    unknown = float(np.mean(seen == 0))
    if target <= unknown:
        return 0.0
    known = seen[seen > 0]

    def rate(alpha: float) -> float:
        return unknown + float(np.sum(alpha / (alpha + known))) / len(seen)

    low, high = 0.0, 1.0
    while rate(high) < target and high < 1e9:  # rate -> 1 as alpha grows, so a bracket exists
        high *= 2
    for _ in range(60):  # bisection: the rate grows with alpha
        middle = (low + high) / 2
        low, high = (low, middle) if rate(middle) >= target else (middle, high)
    return high
