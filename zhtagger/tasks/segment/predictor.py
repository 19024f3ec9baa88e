"""A trained segmenter: vocabularies + network + decoder; prediction (jieba's API), saving and loading."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.threads import num_threads
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import (
    ModelDirError,
    read_config,
    read_text_file,
    read_weights,
    save_model,
)
from zhtagger.registry import resolve
from zhtagger.tasks.base import Predictor
from zhtagger.tasks.engine import Decoder, choose_engine, inference_dtype
from zhtagger.tasks.inputs import BIGRAMS_FILE, CHARS_FILE, read_vocabularies
from zhtagger.tasks.segment.config import SegmenterConfig
from zhtagger.tasks.segment.data import Encoded, encode_texts
from zhtagger.tasks.segment.light import LightSegmenterNet, decode, joint_log_probs, logsumexp
from zhtagger.text.corpus import Corpus
from zhtagger.text.spans import (
    LONGEST_RUN,
    Kind,
    as_text,
    chunk_spans,
    split_spans,
    texts_allowed_tags,
    whole_token_tag,
)
from zhtagger.text.tags import texts_to_words
from zhtagger.text.userdict import UserDictionary
from zhtagger.text.vocab import Vocabulary

TASK = "segment"
WORDS_FILE = "train_words.txt"
LEXICON_WORDS_FILE = "lexicon_words.txt"  # words added to the lexicon channel's dictionary (domain terms)
MAX_PIECE = LONGEST_RUN  # longer runs of model text are cut (at punctuation when possible) to bound memory;
# runs longer than the model's training pieces (max_chars) are cut at punctuation, as those were
GROUP_CHARS = 100_000  # characters segmented in one go: full batches, bounded memory


class Segmenter(Predictor):
    """Cuts text into words with a trained network, through one path (:meth:`lcut_batch`) that users,
    evaluation and the benchmarks share. The network is a torch ``SegmenterNet`` (training, GPUs) or its numpy
    twin ``LightSegmenterNet`` (no torch needed): either gives scores as numpy arrays, decoded alike."""

    task = TASK
    carried = ("user_dict", "lexicon_words")  # what a copy pickled by its source takes along (see Predictor)

    def __init__(self, net, config: SegmenterConfig, chars: Vocabulary, bigram_vocab: Vocabulary,
                 train_words: set[str] | None = None, record: dict | None = None) -> None:
        self.net = net.eval() if hasattr(net, "eval") else net
        self.config = config
        self.chars = chars
        self.bigrams = bigram_vocab
        self.train_words = train_words or set()  # the training word list: defines OOV when scoring
        self.record = record or {}  # how it was trained: "train" (TrainConfig) and "extra", kept in config.json
        self.user_dict = UserDictionary()
        self.lexicon_words: set[str] = set()  # added to the lexicon channel's words (see add_lexicon_words)
        self._lexicon = None

    def lexicon(self):
        """The dictionary behind the lexicon channel: jieba's, or the words the model was trained on, with
        :attr:`lexicon_words`."""
        if self._lexicon is None:
            from zhtagger.text.lexicon import Lexicon

            if self.config.lexicon == "train":
                self._lexicon = Lexicon(self.train_words | self.lexicon_words)
            else:
                self._lexicon = Lexicon.jieba_default(self.lexicon_words)
        return self._lexicon

    def set_lexicon_words(self, words) -> None:
        """Read another main dictionary's words in the lexicon channel (a model whose channel is jieba's)."""
        if self.config.lexicon_dim and self.config.lexicon == "jieba":
            from zhtagger.text.lexicon import Lexicon

            self._lexicon = Lexicon([*words, *self.lexicon_words])
            self.source = None  # no longer as loaded: pickled whole

    def add_lexicon_words(self, words) -> int:
        """Mark ``words`` (domain terms, say) in the lexicon channel from now on, as its dictionary's own words
        are: a soft hint the network weighs, unlike a user dictionary's words, which are forced. Kept when the
        model is saved; returns how many were new."""
        new = {word for word in words if word and word.split() == [word]} - self.lexicon_words
        if new and not self.config.lexicon_dim:
            raise ValueError("this model has no lexicon channel to add words to (trained without --lexicon-dim)")
        self.lexicon_words |= new
        self._lexicon = None
        return len(new)

    def encode(self, texts: Sequence[str], tags: Sequence[Sequence[int]] | None = None) -> Encoded:
        """Sentences -> flat input ids (normalised characters, bigrams, lexicon features) and tags."""
        return encode_texts(texts, self.chars, self.bigrams if self.config.bigram_dim else None,
                            self.lexicon() if self.config.lexicon_dim else None, tags)

    def predict_tags(self, encoded: Encoded, decoder: Decoder | str | None = None,
                     batch_chars: int = 20_000) -> np.ndarray:
        """Tag ids (N_chars,) of every sentence of ``encoded``, laid end to end as its characters are."""
        return self.predict_tags_and_pos(encoded, decoder, batch_chars, pos=False)[0]

    def predict_tags_and_pos(self, encoded: Encoded, decoder: Decoder | str | None = None,
                             batch_chars: int = 20_000, pos: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """BMES tag ids (N_chars,) as :meth:`predict_tags`, and with ``pos`` each character's log-probability of
        every part-of-speech tag under its BMES tag (N_chars, n_pos), for a model that learnt them."""
        decoder = Decoder(decoder or self.config.decoder)
        crf = self.net.crf_tables() if decoder is Decoder.CRF else None
        tags = np.zeros(len(encoded.ids), dtype=np.int64)
        char_pos = np.zeros((len(encoded.ids), len(self.config.pos_tags)), dtype=np.float32) if pos else None
        for batch in encoded.prediction_batches(batch_chars):
            joint = joint_log_probs(self.net.logits(batch.inputs, batch.lengths), len(self.config.pos_tags))
            scores = joint[..., 0] if joint.shape[-1] == 1 else logsumexp(joint, -1)[..., 0]  # (B, T, 4)
            batch_tags = decode(scores, batch.lengths, decoder, batch.allowed, crf)  # (B, T)
            real = np.arange(batch_tags.shape[1])[None, :] < batch.lengths[:, None]
            positions = (encoded.offsets[batch.rows][:, None] + np.arange(batch_tags.shape[1]))[real]
            tags[positions] = batch_tags[real]
            if pos:
                char_pos[positions] = np.take_along_axis(joint, batch_tags[..., None, None], 2)[:, :, 0][real]
        return tags, char_pos

    def predict(self, inputs: Sequence[str]) -> list[list[str]]:
        """The tokens of each text (:meth:`lcut_batch`)."""
        return self.lcut_batch(inputs)

    def segment(self, texts: Sequence[str], decoder: Decoder | str | None = None) -> list[list[str]]:
        """:meth:`lcut_batch` under the name zhtagger 0.1 gave it."""
        return self.lcut_batch(texts, decoder)

    def lcut_batch(self, texts: Sequence[str], decoder: Decoder | str | None = None) -> list[list[str]]:
        """The tokens of each text: words, whitespace runs, URLs and e-mail addresses, so that
        ``"".join(tokens) == text``. Texts are segmented together in groups of about GROUP_CHARS characters
        (big batches, bounded memory); a longer text is cut into blocks (see :meth:`cut`). ``decoder``
        overrides the model's own (greedy, viterbi or crf)."""
        return self._in_groups(texts, decoder, pos=False)

    def pos_batch(self, texts: Sequence[str], decoder: Decoder | str | None = None) -> list[list[tuple[str, str]]]:
        """The tokens of each text as :meth:`lcut_batch` cuts them, each with its part-of-speech tag: the model's
        (a model that learnt them, such as ``pku-pos``; see :meth:`word_tags`), the user dictionary's for its
        words, and for the tokens kept whole ``x`` (whitespace), ``m`` (digits) or ``eng``."""
        if len(self.config.pos_tags) < 2:
            raise ValueError("this model has no part-of-speech tags; load one that learnt them (\"pku-pos\")")
        return self._in_groups(texts, decoder, pos=True)

    def _in_groups(self, texts: Sequence[str], decoder: Decoder | str | None, pos: bool) -> list[list]:
        if isinstance(texts, str | bytes):
            raise TypeError("lcut_batch takes a list of texts, not one text (for one text, use lcut)")
        results: list[list] = []
        shared: dict[str, str] = {}  # one string object per distinct word of all the texts
        for group, continued in self._groups(texts):
            rows = self._lcut_group(group, decoder, pos, shared)
            if continued:  # the next block of a long text
                results[-1] += rows[0]
            else:
                results += rows
        return results

    def _groups(self, texts: Sequence[str]) -> Iterator[tuple[list[str], bool]]:
        """``texts`` in groups of about GROUP_CHARS characters, each with False; a longer text cut into blocks
        (see :meth:`cut`), each a group of its own, with whether it continues the text."""
        group: list[str] = []
        size = 0
        for text in map(as_text, texts):
            if len(text) > GROUP_CHARS:
                if group:
                    yield group, False
                    group, size = [], 0
                yield from self._blocks(text)
                continue
            group.append(text)
            size += len(text)
            if size >= GROUP_CHARS:
                yield group, False
                group, size = [], 0
        if group:
            yield group, False

    def _blocks(self, text: str) -> Iterator[tuple[list[str], bool]]:
        """A text cut into blocks of at most GROUP_CHARS characters (see :meth:`cut`), each with whether it
        continues the text."""
        for number, (start, end) in enumerate(chunk_spans(text, 0, len(text), GROUP_CHARS)):
            yield [text[start:end]], number > 0

    def _lcut_group(self, texts: Sequence[str], decoder: Decoder | str | None = None, pos: bool = False,
                    shared: dict[str, str] | None = None) -> list[list]:
        """:meth:`lcut_batch` (or with ``pos`` :meth:`pos_batch`) for texts that are decoded together."""
        plans, pieces = [], []
        for text in texts:
            plan: list[int | str] = []  # a piece number to segment, or a token kept as it is
            for start, end, kind in split_spans(text):
                if kind is not Kind.MODEL:
                    plan.append(text[start:end] if not pos else (text[start:end], whole_token_tag(text[start:end])))
                    continue
                for a, b in chunk_spans(text, start, end, MAX_PIECE, self.config.max_chars):
                    plan.append(len(pieces))
                    pieces.append(text[a:b])
            plans.append(plan)
        if not pieces:
            return [list(plan) for plan in plans]  # whitespace, URLs and e-mail addresses only
        words, tags = self.decode_pieces(pieces, decoder, pos, shared)
        if pos:
            words = [list(zip(row, row_tags, strict=True)) for row, row_tags in zip(words, tags, strict=True)]
        return [words[plan[0]] if len(plan) == 1 and isinstance(plan[0], int) else
                [token for item in plan for token in (words[item] if isinstance(item, int) else [item])]
                for plan in plans]

    def decode_pieces(self, pieces: list[str], decoder: Decoder | str | None = None, pos: bool = False,
                      shared: dict[str, str] | None = None) -> tuple[list[list[str]], list[list[str]] | None]:
        """The words of each piece of model text (and with ``pos`` their tags), with the user dictionary's words
        forced and its forbidden words kept out: a piece where one came out is decoded again with a boundary
        after that occurrence's first character (at most three rounds, as each round can only split words)."""
        forced = [self.user_dict.matches(piece) for piece in pieces]
        boundaries: list[list[int]] = [[] for _ in pieces]
        words: list[list[str]] = [[] for _ in pieces]
        tags: list[list[str]] | None = [[] for _ in pieces] if pos else None
        redo = list(range(len(pieces)))
        for _ in range(3):
            texts = [pieces[i] for i in redo]
            encoded = self.encode(texts)
            encoded.allowed = texts_allowed_tags(texts, [forced[i] for i in redo], [boundaries[i] for i in redo])
            bmes, char_pos = self.predict_tags_and_pos(encoded, decoder, pos=pos)
            redone = texts_to_words("".join(texts), bmes, encoded.offsets, shared)
            redone_tags = self.word_tags(redone, char_pos) if pos else [None] * len(redo)
            for i, piece_words, piece_tags in zip(redo, redone, redone_tags, strict=True):
                words[i] = piece_words
                if pos:
                    tags[i] = piece_tags
            redo = [i for i in redo if self.add_boundaries(words[i], boundaries[i])]
            if not redo:
                break
        return words, tags

    def word_tags(self, words: list[list[str]], char_pos: np.ndarray) -> list[list[str]]:
        """Each word's part-of-speech tag: the user dictionary's, else the one whose log-probabilities summed
        over the word's characters (under their BMES tags) are highest. ``char_pos`` (N_chars, n_pos) follows
        the words' characters laid end to end."""
        lengths = np.fromiter((len(w) for row in words for w in row), dtype=np.int64)
        best = np.add.reduceat(char_pos, np.cumsum(lengths) - lengths, axis=0).argmax(1) if len(lengths) else []
        model_tags = iter([self.config.pos_tags[k] for k in best])
        result = []
        for row in words:
            row_tags = [next(model_tags) for _ in row]
            for k, word in enumerate(row):
                entry = self.user_dict.entries.get(word)
                if entry is not None and entry.tag:
                    row_tags[k] = entry.tag
            result.append(row_tags)
        return result

    def add_boundaries(self, words: list[str], boundaries: list[int]) -> bool:
        """Add a boundary after the first character of each forbidden word in ``words``; True if any."""
        if not self.user_dict.forbidden_words:
            return False
        start, added = 0, False
        for word in words:
            if len(word) > 1 and self.user_dict.forbidden(word):
                boundaries.append(start + 1)
                added = True
            start += len(word)
        return added

    def lcut(self, text: str) -> list[str]:
        return list(self.cut(text))

    def cut(self, text: str) -> Iterator[str]:
        """Yield the tokens of ``text`` (see :meth:`lcut_batch`). A text longer than GROUP_CHARS is taken a
        block at a time, cut after punctuation where there is some (else every GROUP_CHARS characters), so
        even a line of many megabytes is segmented in bounded memory and linear time."""
        return self._cut(as_text(text))

    def _cut(self, text: str, decoder: Decoder | str | None = None, pos: bool = False) -> Iterator:
        for block, _ in self._blocks(text):  # each block its own words: a stream's memory stays bounded
            yield from self._lcut_group(block, decoder, pos)[0]

    def engine_threads(self) -> int:
        """Threads a stream of lines is segmented with (see
        :func:`~zhtagger.tasks.segment.stream.segment_lines`): :func:`~zhtagger.core.threads.num_threads` on the
        numpy engine; torch runs threads of its own."""
        return num_threads() if isinstance(self.net, LightSegmenterNet) else 1

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

    def evaluate(self, gold: str | os.PathLike | Corpus | Sequence[Sequence[str]],
                 decoder: Decoder | str | None = None, words: set[str] | None = None) -> Evaluation:
        """Segment the gold sentences' text as :meth:`lcut_batch` does and score it like the SIGHAN bakeoff;
        ``words`` (default: the model's training words) defines OOV."""
        from zhtagger.tasks.segment.evaluate import evaluate_segmenter

        return evaluate_segmenter(self, gold, decoder, words)

    def save(self, path: str | os.PathLike, half: bool = False, extra_files: dict[str, str] | None = None,
             train_words: bool = True) -> Path:
        """Save as a model directory; ``half`` stores the weights as float16 (half the size, for shipping);
        ``train_words=False`` leaves out the training word list (then OOV is undefined unless given), unless
        the model's lexicon feature is made of those words."""
        files = {CHARS_FILE: self.chars.to_text(), BIGRAMS_FILE: self.bigrams.to_text(), **(extra_files or {})}
        if train_words or self.config.lexicon_is_training_words:
            files[WORDS_FILE] = "".join(w + "\n" for w in sorted(self.train_words))
        if self.lexicon_words:
            files[LEXICON_WORDS_FILE] = "".join(w + "\n" for w in sorted(self.lexicon_words))
        return save_model(path, self.saved_config(self.net.config, self.config), self.net.weights(), files, half)

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu", precision: str = "auto",
             engine: str = "auto") -> Segmenter:
        """A shipped model by name (``"pku"``, the default, ``"pku-pos"`` or ``"ctb"``) or a model directory by path.

        ``engine="numpy"`` runs the network in numpy (float32; torch is never imported), ``"torch"`` in torch
        on ``device`` with ``precision`` (``"auto"``: bfloat16 on a CPU that computes it natively, AVX512-BF16
        or AMX, else float32; or ``"float32"`` / ``"bfloat16"``). ``"auto"`` is numpy on the CPU, torch for a
        GPU or for ``precision="bfloat16"`` (see :func:`choose_engine`).
        """
        path = resolve(model, TASK)
        engine = choose_engine(engine, device, precision)
        config = read_config(path, TASK)
        if engine == "numpy":
            net = LightSegmenterNet(TaggerConfig(**config["core"]), read_weights(path))
        else:
            net = load_torch_net(path, device, precision)
        settings = SegmenterConfig(**config["settings"])
        has_words = (path / WORDS_FILE).is_file()
        if settings.lexicon_is_training_words and not has_words:
            raise ModelDirError(f"{path} has no {WORDS_FILE}, which its lexicon feature is made of")
        words = read_text_file(path, WORDS_FILE).split("\n") if has_words else []
        chars, bigrams = read_vocabularies(path, config["core"], settings.bigram_dim, net)
        segmenter = cls(net, settings, chars, bigrams, {w for w in words if w}, cls.record_of(config))
        if (path / LEXICON_WORDS_FILE).is_file():
            segmenter.lexicon_words = set(filter(None, read_text_file(path, LEXICON_WORDS_FILE).split("\n")))
        return segmenter.loaded_from(model, device=device, precision=precision, engine=engine)


def load_torch_net(path: Path, device: str, precision: str):
    from zhtagger.core.checkpoint import load_model
    from zhtagger.tasks.segment.network import SegmenterNet

    def build(core_config, config) -> SegmenterNet:
        return SegmenterNet(core_config, use_crf=config["settings"]["decoder"] == Decoder.CRF.value)

    net, _ = load_model(path, TASK, device, build)
    return net.to(inference_dtype(precision, device))


