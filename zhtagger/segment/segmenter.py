"""A trained segmenter: vocabularies + network + decoder; training, prediction, saving and loading."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from zhtagger.modeldir import ModelDirError, load_model, read_text_file, save_model
from zhtagger.segment.corpus import SPLIT_AFTER, Corpus, Format, normalize, read_corpus, read_text_lines, split_long
from zhtagger.segment.network import Decoder, Encoded, SegmenterConfig, SegmenterNet, build_net
from zhtagger.segment.scoring import Score, score
from zhtagger.segment.spans import Kind, allowed_tags, split_spans
from zhtagger.segment.tags import joint_tags, tags_to_words, words_to_tags
from zhtagger.segment.userdict import UserDictionary
from zhtagger.segment.vocab import UNKNOWN_ID, Vocabulary, bigram_codes, bigrams, char_codes
from zhtagger.training import FitResult, TrainConfig, config_dict, fit, hold_out, length_mask

logger = logging.getLogger(__name__)

TASK = "segment"
CHARS_FILE, BIGRAMS_FILE, WORDS_FILE = "chars.txt", "bigrams.txt", "train_words.txt"
MAX_PIECE = 1000  # longer runs of model text are cut (at punctuation when possible) to bound memory
GROUP_CHARS = 100_000  # characters segmented in one go: full batches, bounded memory


def chunk_spans(text: str, start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut text[start:end] into spans of at most ``limit`` characters, after the last punctuation mark that
    fits when there is one."""
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(mark) for mark in SPLIT_AFTER) + 1
        cut = cut if cut > 0 else limit
        yield start, start + cut
        start += cut
    if end > start:
        yield start, end


class Segmenter:
    """Cuts sentences (strings without whitespace) into words with a trained :class:`SegmenterNet`."""

    def __init__(self, net: SegmenterNet, config: SegmenterConfig, chars: Vocabulary, bigram_vocab: Vocabulary,
                 train_words: set[str] | None = None) -> None:
        self.net = net.eval()
        self.config = config
        self.chars = chars
        self.bigrams = bigram_vocab
        self.train_words = train_words or set()  # the training word list: defines OOV when scoring
        self.user_dict = UserDictionary()
        self._lexicon = None

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def lexicon(self):
        """The dictionary behind the lexicon channel: jieba's, or the words the model was trained on."""
        if self._lexicon is None:
            from zhtagger.segment.lexicon import Lexicon

            self._lexicon = Lexicon(self.train_words) if self.config.lexicon == "train" else Lexicon.jieba_default()
        return self._lexicon

    def encode(self, texts: Sequence[str], tags: Sequence[Sequence[int]] | None = None) -> Encoded:
        """Sentences -> flat input ids (normalised characters, bigrams, lexicon features) and tags."""
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        codes = char_codes(normalize("".join(texts)))  # normalising is character by character
        channels = [self.chars.code_ids(codes)]
        if self.config.bigram_dim:
            channels.append(self.bigrams.code_ids(bigram_codes(codes, offsets)))
        if self.config.lexicon_dim:  # dictionary words are matched in the original text
            channels.append(self.lexicon().features_of_codes(char_codes("".join(texts)), offsets))
        flat_tags = (np.fromiter((t for row in tags for t in row), dtype=np.int64, count=int(offsets[-1]))
                     if tags is not None else np.zeros(int(offsets[-1]), dtype=np.int64))
        return Encoded(np.stack(channels, axis=1), flat_tags, offsets)

    @torch.inference_mode()
    def predict_tags(self, encoded: Encoded, decoder: Decoder | str | None = None,
                     batch_chars: int = 20_000) -> list[np.ndarray]:
        """Tag ids for every sentence of ``encoded`` (empty sentences get empty arrays)."""
        decoder = Decoder(decoder or self.config.decoder)
        self.net.eval()
        results: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(encoded)
        for rows, batch, allowed in encoded.prediction_batches(batch_chars):
            batch = batch.to(self.device)
            mask = length_mask(batch.lengths, batch.inputs.size(1)).to(self.device)
            logits = self.net(batch.inputs, batch.lengths).float()
            allowed = allowed.to(self.device) if allowed is not None else None
            tags = self.net.decode(logits, mask, decoder, allowed).cpu().numpy()
            for row, length, row_tags in zip(rows, batch.lengths.tolist(), tags, strict=True):
                results[row] = row_tags[:length]
        return results

    def segment(self, texts: Sequence[str], decoder: Decoder | str | None = None) -> list[list[str]]:
        """Cut each text (no whitespace inside) into words; the words of a text join back to it exactly."""
        tags = self.predict_tags(self.encode(texts), decoder)
        return [tags_to_words(text, row.tolist()) for text, row in zip(texts, tags, strict=True)]

    def lcut_batch(self, texts: Sequence[str]) -> list[list[str]]:
        """The tokens of each text: words, whitespace runs, URLs and e-mail addresses, so that
        ``"".join(tokens) == text``. Texts are segmented together in groups of about GROUP_CHARS characters
        (big batches, bounded memory); a longer text is cut into blocks (see :meth:`cut`)."""
        results: list[list[str]] = []
        group: list[str] = []
        size = 0
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"texts must be str, not {type(text).__name__}")
            if len(text) > GROUP_CHARS:
                results += self._lcut_group(group) + [list(self.cut(text))]
                group, size = [], 0
                continue
            group.append(text)
            size += len(text)
            if size >= GROUP_CHARS:
                results += self._lcut_group(group)
                group, size = [], 0
        return results + self._lcut_group(group)

    def _lcut_group(self, texts: Sequence[str]) -> list[list[str]]:
        """:meth:`lcut_batch` for texts that are decoded together in one go."""
        plans, pieces, constraints = [], [], []
        for text in texts:
            plan: list[int | str] = []  # a piece number to segment, or a token kept as it is
            for start, end, kind in split_spans(text):
                if kind is not Kind.MODEL:
                    plan.append(text[start:end])
                    continue
                for a, b in chunk_spans(text, start, end, MAX_PIECE):
                    plan.append(len(pieces))
                    pieces.append(text[a:b])
                    constraints.append(allowed_tags(pieces[-1], self.user_dict.matches(pieces[-1])))
            plans.append(plan)
        if not pieces:
            return [list(plan) for plan in plans]  # whitespace, URLs and e-mail addresses only
        encoded = self.encode(pieces)
        if any(c is not None for c in constraints):
            encoded.allowed = np.concatenate([np.ones((len(p), 4), dtype=bool) if c is None else c
                                              for p, c in zip(pieces, constraints, strict=True)])
        words = [tags_to_words(piece, row) for piece, row in zip(pieces, self.predict_tags(encoded), strict=True)]
        return [[token for item in plan for token in (words[item] if isinstance(item, int) else [item])]
                for plan in plans]

    def lcut(self, text: str) -> list[str]:
        return list(self.cut(text))

    def cut(self, text: str) -> Iterator[str]:
        """Yield the tokens of ``text`` (see :meth:`lcut_batch`). A text longer than GROUP_CHARS is taken a
        block at a time, cut after punctuation where there is some (else every GROUP_CHARS characters), so
        even a line of many megabytes is segmented in bounded memory and linear time."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        for start, end in chunk_spans(text, 0, len(text), GROUP_CHARS):
            yield from self._lcut_group([text[start:end]])[0]

    def tokenize(self, text: str) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) for each token, as jieba's ``tokenize``."""
        start = 0
        for word in self.lcut(text):
            yield word, start, start + len(word)
            start += len(word)

    def load_userdict(self, source) -> int:
        """Add the words of a jieba-format dictionary (``word [freq] [tag]`` a line; a path or an open file)."""
        return self.user_dict.load(source)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self.user_dict.add_word(word, freq, tag)

    def del_word(self, word: str) -> None:
        self.user_dict.del_word(word)

    def evaluate(self, gold: Sequence[Sequence[str]], decoder: Decoder | str | None = None,
                 words: set[str] | None = None) -> Score:
        """SIGHAN score of segmenting the gold sentences' text against the gold words."""
        predicted = self.segment(["".join(sentence) for sentence in gold], decoder)
        return score(gold, predicted, self.train_words if words is None else words)

    def save(self, path: str | os.PathLike, extra: dict | None = None, half: bool = False,
             extra_files: dict[str, str] | None = None, train_words: bool = True) -> Path:
        """Save as a model directory; ``half`` stores the weights as float16 (half the size, for shipping);
        ``train_words=False`` leaves out the training word list (then OOV is undefined unless given), unless
        the model's lexicon feature is made of those words."""
        files = {CHARS_FILE: self.chars.to_text(), BIGRAMS_FILE: self.bigrams.to_text(), **(extra_files or {})}
        if train_words or self.config.lexicon_is_training_words:
            files[WORDS_FILE] = "".join(w + "\n" for w in sorted(self.train_words))
        return save_model(path, self.net, TASK, {"segmenter": self.config.to_dict(), **(extra or {})}, files,
                          torch.float16 if half else None)

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu", precision: str = "auto") -> Segmenter:
        """A shipped model by name (``"pku"``, the default, or ``"ctb"``) or a model directory by path.

        ``precision="auto"`` runs a CPU model in bfloat16 where the CPU computes it natively (AVX512-BF16 or
        AMX; the LSTM is then about 2.4 times faster, F1 unchanged on the test sets), else in float32; or
        ask for ``"float32"`` / ``"bfloat16"``.
        """
        path, dtype = resolve_model(model), inference_dtype(precision, device)

        def build(core_config, task_config) -> SegmenterNet:
            return SegmenterNet(core_config, use_crf=task_config["segmenter"]["decoder"] == Decoder.CRF.value)

        net, config = load_model(path, TASK, device, build)
        net.to(dtype)
        segmenter_config = SegmenterConfig(**config["task_config"]["segmenter"])
        has_words = (path / WORDS_FILE).is_file()
        if segmenter_config.lexicon_is_training_words and not has_words:
            raise ModelDirError(f"{path} has no {WORDS_FILE}, which its lexicon feature is made of")
        words = read_text_file(path, WORDS_FILE).split("\n") if has_words else []
        return cls(net, segmenter_config,
                   Vocabulary.from_text(read_text_file(path, CHARS_FILE)),
                   Vocabulary.from_text(read_text_file(path, BIGRAMS_FILE)), {w for w in words if w})


def inference_dtype(precision: str, device: str) -> torch.dtype:
    if precision == "auto":
        native = str(device).startswith("cpu") and torch.ops.mkldnn._is_mkldnn_bf16_supported()
        return torch.bfloat16 if native else torch.float32
    if precision not in ("float32", "bfloat16"):
        raise ValueError(f"precision must be auto, float32 or bfloat16; got {precision!r}")
    return getattr(torch, precision)


SHIPPED_MODELS = ("pku", "ctb")  # in zhtagger/models/; the first is the default
DEFAULT_MODEL = SHIPPED_MODELS[0]


def resolve_model(model: str | os.PathLike | None) -> Path:
    """The directory of a shipped model's name, or ``model`` itself when it is a directory."""
    model = DEFAULT_MODEL if model is None else model
    if Path(model).is_dir():
        return Path(model)
    if model in SHIPPED_MODELS:
        path = Path(__file__).resolve().parents[1] / "models" / str(model)
        if not path.is_dir():
            raise ModelDirError(f"the shipped model {model!r} is missing from this installation ({path}); "
                                "reinstall zhtagger")
        return path
    raise ModelDirError(f"no model directory at {model}; shipped models: {', '.join(SHIPPED_MODELS)}")


def as_corpus(data: str | os.PathLike | Corpus | Sequence[Sequence[str]], format: Format | str) -> Corpus:
    if isinstance(data, (str, os.PathLike)):
        corpus = read_corpus(data, format)
        if corpus.empty_lines:
            logger.info("%s: skipped %d empty lines", data, corpus.empty_lines)
        return corpus
    if isinstance(data, Corpus):
        return data
    return Corpus([list(sentence) for sentence in data])


def train_segmenter(
    train: str | os.PathLike | Corpus | Sequence[Sequence[str]],
    dev: str | os.PathLike | Corpus | Sequence[Sequence[str]] | None = None,
    save_dir: str | os.PathLike | None = None,
    config: SegmenterConfig | None = None,
    train_config: TrainConfig | None = None,
    format: Format | str = Format.WORDS,
    cache_dir: str | os.PathLike | None = None,
) -> tuple[Segmenter, FitResult]:
    """Train a segmenter on segmented sentences (a file in ``format``, a :class:`Corpus`, or lists of words);
    select on ``dev`` F1 (without ``dev``, the last 5% of ``train`` is held out). With ``config.pos`` the
    training corpus must have POS tags (``Corpus.pos``), learnt alongside. With ``save_dir``, the best model is
    saved there (``save_dir/model``) with history.json and curve.png; ``cache_dir`` keeps the encoded corpus."""
    config = config or SegmenterConfig()
    train_config = train_config or TrainConfig(epochs=10, lr=2e-3)
    corpus = as_corpus(train, format)
    sentences, pos = corpus.sentences, corpus.pos if config.pos else None
    if config.pos:
        if pos is None:
            raise ValueError(f"{corpus.path or 'the training data'} has no POS tags to learn (pos): give a "
                             "word/POS file (format pos) or CoNLL with a UPOS tag on every word")
        if len(pos) != len(sentences) or any(len(t) != len(s) for s, t in zip(sentences, pos, strict=False)):
            raise ValueError("the training corpus needs one POS tag for every word")
        config = dataclasses.replace(config, pos_tags=tuple(sorted({tag for row in pos for tag in row})))
    if dev is None:
        sentences, dev_sentences = hold_out(sentences)
        pos = None if pos is None else hold_out(pos)[0]
    else:
        dev_sentences = as_corpus(dev, format).sentences
    pieces, piece_pos, piece_sentence = training_pieces(sentences, pos, config.max_chars)
    texts = ["".join(piece) for piece in pieces]
    # raw text: whitespace removed, so segmented corpora serve as raw text too
    raw_texts = [text for path in config.pretrain for line in read_text_lines(path) if (text := "".join(line.split()))]
    char_counts = Counter(normalize("".join(texts + raw_texts)))
    bigram_counts = Counter(pair for text in texts + raw_texts for pair in bigrams(normalize(text)))
    chars = Vocabulary.build(char_counts, config.min_char_count)
    bigram_vocab = Vocabulary.build(bigram_counts, config.min_bigram_count) if config.bigram_dim else Vocabulary([])
    torch.manual_seed(train_config.seed)
    from zhtagger.segment.lexicon import N_FEATURES

    net = build_net(config, len(chars), len(bigram_vocab), N_FEATURES)
    train_words = {word for sentence in sentences for word in sentence}
    segmenter = Segmenter(net, config, chars, bigram_vocab, train_words)
    if config.pretrain or config.pretrain_self:  # the training text is always part of the pretraining text
        pretrain_embeddings(segmenter, texts + raw_texts, train_config.seed)
    encoded = encode_with_datasets(segmenter, pieces, cache_dir, piece_pos)
    if config.lexicon_is_training_words:  # the last channel, recomputed block by block: see jackknifed_features
        from zhtagger.segment.lexicon import jackknifed_features

        encoded.ids[:, -1] = jackknifed_features(sentences, texts, np.array(piece_sentence))
    if config.bigram_dim and config.bigram_unk:
        alpha = set_unknown_bigram_chances(segmenter, encoded, bigram_counts, dev_sentences)
        segmenter.config = config = dataclasses.replace(config, bigram_unk=alpha)  # the model keeps the a used
    logger.info("training on %d pieces, %d characters; %d chars, %d bigrams in the vocabularies",
                len(encoded), len(encoded.tags), len(chars), len(bigram_vocab))

    def evaluate(net: SegmenterNet) -> dict[str, float]:
        result = segmenter.evaluate(dev_sentences)
        return {"f1": result.f1, "precision": result.precision, "recall": result.recall,
                "oov_recall": result.oov_recall}

    on_best = None
    if save_dir is not None:
        settings = {"train": config_dict(train_config), "train_sentences": len(sentences)}

        def on_best(net: SegmenterNet) -> None:
            segmenter.save(Path(save_dir) / "model", settings)

    result = fit(net, lambda generator: encoded.batches(config.batch_size, generator), SegmenterNet.loss,
                 train_config, evaluate, "f1", save_dir, on_best)
    segmenter.net.eval()
    return segmenter, result


def training_pieces(sentences: list[list[str]], pos: list[list[str]] | None, max_chars: int
                    ) -> tuple[list[list[str]], list[list[str]] | None, list[int]]:
    """Sentences cut at punctuation into pieces of at most ``max_chars`` characters: (pieces, their POS tags
    or None, the sentence number of each piece)."""
    pieces, piece_pos, piece_sentence = [], [], []
    for number, sentence in enumerate(sentences):
        start = 0
        for piece in split_long(sentence, max_chars):
            pieces.append(piece)
            piece_sentence.append(number)
            if pos is not None:
                piece_pos.append(pos[number][start : start + len(piece)])
            start += len(piece)
    return pieces, None if pos is None else piece_pos, piece_sentence


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


def pretrain_embeddings(segmenter: Segmenter, texts: list[str], seed: int) -> None:
    """Skip-gram character and bigram vectors from ``texts`` into the network's embedding tables."""
    from zhtagger.segment.pretrain import initialise

    tables = segmenter.net.core.embeddings
    streams = [segmenter.chars.ids(normalize(text)) for text in texts]
    logger.info("pretrained %d character vectors", initialise(tables[0], streams, seed))
    if segmenter.config.bigram_dim:
        streams = [segmenter.bigrams.ids(bigrams(normalize(text))) for text in texts]
        logger.info("pretrained %d bigram vectors", initialise(tables[1], streams, seed))


def encode_with_datasets(segmenter: Segmenter, pieces: list[list[str]], cache_dir: str | os.PathLike | None = None,
                         pos: list[list[str]] | None = None) -> Encoded:
    """Sentences -> ids and tags through a batched ``datasets.Dataset.map``, then flat arrays for training.
    With ``pos`` (a tag per word), the tags are the joint (BMES, POS) targets of the segmenter's pos_tags.

    With ``cache_dir``, the mapped dataset is kept there as an Arrow file named by a hash of the text, the
    vocabularies and the input features, and reused when all of them are the same.
    """
    import hashlib

    import datasets

    pos_index = {tag: number for number, tag in enumerate(segmenter.config.pos_tags)}

    def encode_batch(batch: dict) -> dict:
        texts = ["".join(words) for words in batch["words"]]
        if pos is None:
            tags = [words_to_tags(words) for words in batch["words"]]
        else:
            tags = [joint_tags(words, row, pos_index) for words, row in zip(batch["words"], batch["pos"], strict=True)]
        encoded = segmenter.encode(texts, tags)
        return {"ids": np.split(encoded.ids, encoded.offsets[1:-1]), "tags": tags}

    columns = {"words": pieces} if pos is None else {"words": pieces, "pos": pos}
    dataset = datasets.Dataset.from_dict(columns)
    key = hashlib.sha1()
    lexicon = segmenter.config.lexicon if segmenter.config.lexicon_dim else "none"
    for part in (segmenter.chars.to_text(), segmenter.bigrams.to_text(), lexicon,
                 *("\n".join(" ".join(row) for row in column) for column in columns.values())):
        key.update(part.encode("utf-8"))
    cache_file = str(Path(cache_dir) / f"segment-{key.hexdigest()}.arrow") if cache_dir is not None else None
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # our own bars report training; restored below
    try:
        # an explicit fingerprint spares datasets from hashing the closure, network weights and all
        dataset = dataset.map(encode_batch, batched=True, batch_size=2000, remove_columns=list(columns),
                              new_fingerprint=key.hexdigest(), cache_file_name=cache_file,
                              load_from_cache_file=cache_file is not None)
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    tags = dataset.data.column("tags").combine_chunks()
    ids = dataset.data.column("ids").combine_chunks().flatten().flatten()  # (T * K,) row-major
    flat_tags = tags.flatten().to_numpy().astype(np.int64)
    lengths = tags.value_lengths().to_numpy().astype(np.int64)
    channels = len(ids) // max(len(flat_tags), 1)
    return Encoded(ids.to_numpy().astype(np.int64).reshape(-1, channels), flat_tags,
                   np.concatenate([[0], np.cumsum(lengths)]))
