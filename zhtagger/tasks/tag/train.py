"""Training a tagger on a tagged corpus, from scratch or from a trained tagger or segmenter (``init``): its
vocabularies, embeddings and LSTM kept, its outputs grown for tags it never learnt."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from collections.abc import Sequence

import torch

from zhtagger.config import config_dict
from zhtagger.core.config import TrainConfig
from zhtagger.core.model import TaggerConfig
from zhtagger.core.training import FitResult, fit
from zhtagger.tasks.inputs import grow_vocabularies, pretrain_embeddings
from zhtagger.tasks.tag.config import FINE_TUNE, SCRATCH, TaggingConfig
from zhtagger.tasks.tag.data import split_dev, tags_of, training_pieces
from zhtagger.tasks.tag.evaluate import as_tagged
from zhtagger.tasks.tag.network import TagNet
from zhtagger.tasks.tag.predictor import Tagger
from zhtagger.text.corpus import normalize, read_text_lines
from zhtagger.text.lexicon import N_FEATURES
from zhtagger.text.schemes import SchemeError, scheme_rules, tags_of_chunks
from zhtagger.text.tagdata import TaggedCorpus
from zhtagger.text.vocab import Vocabulary, bigrams

logger = logging.getLogger(__name__)
NEW_TAG_OFFSET = 10.0  # a new output's bias starts this far below the lowest old one


def train_tagger(train, dev=None, save_dir: str | os.PathLike | None = None, config: TaggingConfig | None = None,
                 train_config: TrainConfig | None = None, format: str = "bioes", columns: Sequence[int] = (2, 4),
                 repair: bool = False, init: str | os.PathLike | None = None) -> tuple[Tagger, FitResult]:
    """Train a tagger on ``train`` (a :class:`TaggedCorpus` or a file in ``format``), choosing the epoch on
    ``dev`` strict chunk F1 (without ``dev``, the last 5% of ``train`` is held out). Data that breaks its scheme
    is refused, or with ``repair`` read by the documented rule (see :mod:`zhtagger.text.schemes`). ``init``: a
    tagger or a segmenter (name or directory) to start from; its network settings are kept (``config`` may
    then only set the scheme) and its outputs grow to the training data's tags."""
    corpus, dev_corpus = (None if data is None else as_tagged(data, format, columns) for data in (train, dev))
    for data in filter(None, (corpus, dev_corpus)):
        if data.problems:
            if not repair:
                raise SchemeError(data.describe_problems() + "; fix the data, or repair it by the documented rule "
                                  "(repair=True, --repair)")
            logger.warning("%s; repaired", data.describe_problems())
    if dev_corpus is None:
        corpus, dev_corpus = split_dev(corpus)
    train_config = train_config or (FINE_TUNE if init is not None else SCRATCH)
    tagger = (start_from(init, corpus, config) if init is not None
              else new_tagger(corpus, config or TaggingConfig(), train_config.seed))
    config = tagger.config
    missing = set(tags_of(corpus, config.scheme)) - set(config.tags)
    if missing:
        raise ValueError(f"the training data has tags the model's tags lack: {', '.join(sorted(missing))}")
    texts, chunks = training_pieces(corpus, config.max_chars)
    index = {tag: number for number, tag in enumerate(config.tags)}
    tags = [[index[tag] for tag in tags_of_chunks(len(text), row, config.scheme)] for text, row in
            zip(texts, chunks, strict=True)]
    encoded = tagger.encode(texts, tags)
    tagger.record = {"train": config_dict(train_config),
                     "extra": {"train_sentences": len(corpus), "init": os.fspath(init) if init else None}}
    logger.info("training on %d pieces, %d characters, %d tags", len(encoded), len(encoded.tags), len(config.tags))

    def evaluate(net: TagNet) -> dict[str, float]:
        result = tagger.evaluate(dev_corpus)
        return {name: result.metrics[name] for name in ("f1", "precision", "recall", "accuracy")}

    result = fit(tagger.net, lambda generator: encoded.batches(config.batch_size, generator), TagNet.loss,
                 train_config, evaluate, "f1", save_dir, tagger.save)
    return tagger, result


def new_tagger(corpus: TaggedCorpus, config: TaggingConfig, seed: int = 0) -> Tagger:
    """An untrained tagger whose tags and vocabularies come from the training data (and pretraining text)."""
    config = dataclasses.replace(config, tags=config.tags or tags_of(corpus, config.scheme))
    raw = [text for path in config.pretrain for line in read_text_lines(path) if (text := "".join(line.split()))]
    texts = corpus.texts + raw
    chars = Vocabulary.build(Counter(normalize("".join(texts))), config.min_char_count)
    pairs = Counter(pair for text in texts for pair in bigrams(normalize(text)))
    bigram_vocab = Vocabulary.build(pairs, config.min_bigram_count) if config.bigram_dim else Vocabulary([])
    sizes, dims = [len(chars)], [config.char_dim]
    for size, dim in ((len(bigram_vocab), config.bigram_dim), (N_FEATURES, config.lexicon_dim)):
        if dim:
            sizes.append(size)
            dims.append(dim)
    core = TaggerConfig(n_outputs=len(config.tags), vocab_sizes=tuple(sizes), embedding_dims=tuple(dims),
                        hidden=config.hidden, layers=config.layers, dropout=config.dropout)
    torch.manual_seed(seed)
    net = TagNet(core, scheme_rules(config.tags, config.scheme), use_crf=config.decoder.value == "crf")
    tagger = Tagger(net, config, chars, bigram_vocab)
    if raw:
        pretrain_embeddings(tagger, texts, seed)
    return tagger


def start_from(init: str | os.PathLike, corpus: TaggedCorpus, config: TaggingConfig | None) -> Tagger:
    """A tagger to fine-tune from ``init``: a trained tagger, whose outputs grow to the training data's new
    tags, or a segmenter, whose embeddings and LSTM are kept under new outputs. Either's vocabularies grow with
    the training text's new characters and bigrams."""
    from zhtagger.modeldir import read_config
    from zhtagger.registry import resolve

    path = resolve(init)
    task = read_config(path)["task"]
    if task == "tag":
        base = Tagger.load(path, engine="torch", precision="float32")
        scheme = base.config.scheme
        if config is not None and config.scheme is not scheme:
            raise ValueError(f"{init} tags in {scheme.value}; fine-tuning keeps its scheme, not {config.scheme.value}")
        new = [tag for tag in tags_of(corpus, scheme) if tag not in base.config.tags]
        tagger = grown(base, new)
    elif task == "segment":
        tagger = from_segmenter(path, corpus, config or TaggingConfig())
    else:
        raise ValueError(f"{init} is a {task} model; a tagger starts from a tagger or a segmenter")
    tagger.source = None  # trained from here on
    tagger.net.float()
    grow_vocabularies(tagger, Counter(normalize("".join(corpus.texts))),
                      Counter(pair for text in corpus.texts for pair in bigrams(normalize(text))))
    return tagger


def from_segmenter(path, corpus: TaggedCorpus, config: TaggingConfig) -> Tagger:
    """A tagger with a segmenter's vocabularies, embeddings and LSTM, and new outputs for the corpus's tags."""
    from zhtagger.registry import load

    segmenter = load(path, engine="torch", precision="float32")
    settings = segmenter.config
    if settings.pos or (settings.lexicon_dim and settings.lexicon != "jieba"):
        raise ValueError(f"{path}: a tagger starts from a plain segmenter whose lexicon feature, if any, is "
                         "jieba's (not one that learnt POS tags or reads its own training words)")
    tags = tags_of(corpus, config.scheme)
    config = dataclasses.replace(config, tags=tags, **{name: getattr(settings, name) for name in (
        "char_dim", "bigram_dim", "lexicon_dim", "hidden", "layers", "min_char_count", "min_bigram_count")})
    core_config = dataclasses.replace(segmenter.net.config, n_outputs=len(tags), dropout=config.dropout)
    net = TagNet(core_config, scheme_rules(tags, config.scheme), use_crf=config.decoder.value == "crf")
    kept = {name: value for name, value in segmenter.net.core.state_dict().items() if not name.startswith("output.")}
    net.core.load_state_dict(kept, strict=False)
    return Tagger(net, config, segmenter.chars, segmenter.bigrams)


def grown(base: Tagger, new: list[str]) -> Tagger:
    """``base`` with outputs (and CRF transitions) for the tags ``new`` added after its own; the new outputs
    start at zero weight and a bias well below the lowest, so that they are not chosen until trained."""
    if not new:
        return base
    config = dataclasses.replace(base.config, tags=base.config.tags + tuple(new))
    old_net = base.net
    core_config = dataclasses.replace(old_net.config, n_outputs=len(config.tags))
    net = TagNet(core_config, scheme_rules(config.tags, config.scheme), use_crf=old_net.crf is not None)
    state = old_net.state_dict()
    n = len(base.config.tags)
    with torch.no_grad():
        for name, value in net.state_dict().items():
            old = state[name]
            if name == "core.output.weight":
                value.zero_()
                value[:n] = old
            elif name == "core.output.bias":
                value.fill_(float(old.min()) - NEW_TAG_OFFSET)
                value[:n] = old
            elif old.shape == value.shape:
                value.copy_(old)
            else:  # CRF tables: the old block kept, the new rows and columns at zero
                value.zero_()
                value[tuple(slice(0, size) for size in old.shape)] = old
    logger.info("%d tags added to the outputs: %s", len(new), ", ".join(new))
    return Tagger(net, config, base.chars, base.bigrams)

