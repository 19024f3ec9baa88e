"""A trained tagger: vocabularies + network + the scheme's decoder; chunks (entities, or tagged words) of any
text, saving and loading."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zhtagger.core.config import TaggerConfig
from zhtagger.core.light import viterbi
from zhtagger.evaluation import Evaluation
from zhtagger.modeldir import read_config, read_weights, save_model
from zhtagger.registry import resolve
from zhtagger.tasks.base import Predictor
from zhtagger.tasks.engine import CrfTables, Decoder, LightTagNet, choose_engine, inference_dtype, rule_scores
from zhtagger.tasks.inputs import BIGRAMS_FILE, CHARS_FILE, Encoded, encode_texts, read_vocabularies
from zhtagger.tasks.tag.config import TaggingConfig
from zhtagger.text.schemes import OUTSIDE, Chunk, chunks_of_tags, scheme_rules
from zhtagger.text.spans import as_text, chunk_spans
from zhtagger.text.vocab import Vocabulary

TASK = "tag"
MAX_PIECE = 500  # a longer text is tagged in pieces, cut after punctuation where there is some
BATCH_CHARS = 20_000  # padded characters a batch

Entity = tuple[str, str, int, int]  # text, type, start, end: text[start:end] == entity text


class Tagger(Predictor):
    """Tags the characters of any text with a trained network and reads the chunks the tags make: named
    entities (:meth:`entities`), or words with their tags for a word-level tag set (:meth:`tag`). The
    network is a torch ``TagNet`` or its numpy twin; either gives scores as numpy arrays, decoded alike."""

    task = TASK
    caches = ("_lexicon", "_rule_scores")  # rebuilt on first use where a pickled copy lands

    def __init__(self, net, config: TaggingConfig, chars: Vocabulary, bigram_vocab: Vocabulary,
                 record: dict | None = None) -> None:
        self.net = net.eval() if hasattr(net, "eval") else net
        self.config = config
        self.chars = chars
        self.bigrams = bigram_vocab
        self.record = record or {}
        self._lexicon = None
        self._rule_scores = None

    def lexicon(self):
        if self._lexicon is None:
            from zhtagger.text.lexicon import Lexicon

            self._lexicon = Lexicon.jieba_default()
        return self._lexicon

    def encode(self, texts: Sequence[str], tags: Sequence[Sequence[int]] | None = None) -> Encoded:
        return encode_texts(texts, self.chars, self.bigrams if self.config.bigram_dim else None,
                            self.lexicon() if self.config.lexicon_dim else None, tags)

    def predict_tag_ids(self, encoded: Encoded, decoder: Decoder | str | None = None) -> np.ndarray:
        """Tag ids (N_chars,) of every text of ``encoded``, laid end to end as its characters are."""
        decoder = Decoder(decoder or self.config.decoder)
        tables = self.decoder_tables(decoder)
        tags = np.zeros(len(encoded.ids), dtype=np.int64)
        for batch in encoded.prediction_batches(BATCH_CHARS):
            scores = self.net.logits(batch.inputs, batch.lengths)  # (B, T, C)
            # per-step normalisers are the same for every path, so raw scores decode as log-probabilities do
            batch_tags = scores.argmax(-1) if tables is None else viterbi(scores, batch.lengths, *tables)
            real = np.arange(batch_tags.shape[1])[None, :] < batch.lengths[:, None]
            tags[(encoded.offsets[batch.rows][:, None] + np.arange(batch_tags.shape[1]))[real]] = batch_tags[real]
        return tags

    def decoder_tables(self, decoder: Decoder) -> CrfTables | None:
        if decoder is Decoder.CRF:
            tables = self.net.crf_tables()
            if tables is None:
                raise ValueError("this model was not trained with a CRF; decode with viterbi or greedy")
            return tables
        if decoder is Decoder.GREEDY:
            return None
        if self._rule_scores is None:
            self._rule_scores = rule_scores(scheme_rules(self.config.tags, self.config.scheme))
        return self._rule_scores

    def predict(self, inputs: Sequence[str], decoder: Decoder | str | None = None) -> list[list[str]]:
        """The tag of every character of each text (in the model's scheme)."""
        if isinstance(inputs, str | bytes):
            raise TypeError("predict takes a list of texts, not one text")
        texts = [as_text(text) for text in inputs]
        pieces = [(i, a, b) for i, text in enumerate(texts) for a, b in chunk_spans(text, 0, len(text), MAX_PIECE)]
        if not pieces:  # empty texts only
            return [[] for _ in texts]
        encoded = self.encode([texts[i][a:b] for i, a, b in pieces])
        ids = np.split(self.predict_tag_ids(encoded, decoder), encoded.offsets[1:-1])
        result: list[list[str]] = [[] for _ in texts]
        for (i, _, _), row in zip(pieces, ids, strict=True):
            result[i] += [self.config.tags[k] for k in row]
        return result

    def chunks_batch(self, texts: Sequence[str], decoder: Decoder | str | None = None) -> list[list[Chunk]]:
        """The chunks ``(start, end, type)`` of each text."""
        return [chunks_of_tags(tags, self.config.scheme)[0] for tags in self.predict(texts, decoder)]

    def entities_batch(self, texts: Sequence[str]) -> list[list[Entity]]:
        """The entities ``(text, type, start, end)`` of each text, with ``text[start:end]`` the entity."""
        texts = [as_text(text) for text in texts]
        return [self.entities_of(text, tags) for text, tags in zip(texts, self.predict(texts), strict=True)]

    def entities_of(self, text: str, tags: Sequence[str]) -> list[Entity]:
        """The entities that ``tags`` (one per character of ``text``, in the model's scheme) mark."""
        return [(text[a:b], kind, a, b) for a, b, kind in chunks_of_tags(tags, self.config.scheme)[0]]

    def entities(self, text: str) -> list[Entity]:
        return self.entities_batch([text])[0]

    def tag_batch(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        """Each text as consecutive ``(piece, type)`` pairs that join into it: its chunks, and the runs between
        them typed O. For a word-level tag set (part of speech) these are the words with their tags."""
        texts = [as_text(text) for text in texts]
        result = []
        for text, row in zip(texts, self.chunks_batch(texts), strict=True):
            pairs, at = [], 0
            for start, end, kind in row:
                if start > at:
                    pairs.append((text[at:start], OUTSIDE))
                pairs.append((text[start:end], kind))
                at = end
            result.append(pairs + ([(text[at:], OUTSIDE)] if at < len(text) else []))
        return result

    def tag(self, texts: str | Sequence[str]) -> list:
        """:meth:`tag_batch` of a list of texts, or of one text (then one list of pairs)."""
        return self.tag_batch([texts])[0] if isinstance(texts, str) else self.tag_batch(texts)

    def evaluate(self, gold, format: str = "bioes", columns: Sequence[int] = (2, 4),
                 decoder: Decoder | str | None = None) -> Evaluation:
        """seqeval's strict chunk scores (per type and overall), tag accuracy and chunk-span F1 on ``gold`` (a
        :class:`~zhtagger.text.tagdata.TaggedCorpus`, or a file in ``format``)."""
        from zhtagger.tasks.tag.evaluate import evaluate_tagger

        return evaluate_tagger(self, gold, format, columns, decoder)

    def save(self, path: str | os.PathLike, half: bool = False, extra_files: dict[str, str] | None = None) -> Path:
        """Save as a model directory; ``half`` stores the weights as float16 (for shipping)."""
        files = {CHARS_FILE: self.chars.to_text(), BIGRAMS_FILE: self.bigrams.to_text(), **(extra_files or {})}
        return save_model(path, self.saved_config(self.net.config, self.config), self.net.weights(), files, half)

    @classmethod
    def load(cls, model: str | os.PathLike | None = None, device: str = "cpu", precision: str = "auto",
             engine: str = "auto") -> Tagger:
        """A shipped model by name (``"ner"``, the default) or a model directory, run by numpy or torch (see
        :meth:`zhtagger.Segmenter.load`)."""
        path = resolve(model, TASK)
        engine = choose_engine(engine, device, precision)
        config = read_config(path, TASK)
        settings = TaggingConfig(**config["settings"])
        rules = scheme_rules(settings.tags, settings.scheme)
        if engine == "numpy":
            net = LightTagNet(TaggerConfig(**config["core"]), read_weights(path), rules)
        else:
            net = load_torch_net(path, device, precision, rules)
        chars, bigrams = read_vocabularies(path, config["core"], settings.bigram_dim, net)
        tagger = cls(net, settings, chars, bigrams, cls.record_of(config))
        return tagger.loaded_from(model, device=device, precision=precision, engine=engine)


def load_torch_net(path: Path, device: str, precision: str, rules):
    from zhtagger.core.checkpoint import load_model
    from zhtagger.tasks.tag.network import TagNet

    def build(core_config, config) -> TagNet:
        return TagNet(core_config, rules, use_crf=config["settings"]["decoder"] == Decoder.CRF.value)

    net, _ = load_model(path, TASK, device, build)
    return net.to(inference_dtype(precision, device))
