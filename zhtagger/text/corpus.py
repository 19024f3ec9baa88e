"""Reading segmented corpora, normalising characters for the model, and cutting long sentences for training.

Formats: ``words`` (whitespace-separated words, one sentence a line), ``pos`` (People's Daily ``word/POS``
with an optional leading paragraph id and bracketed named entities ``[中央/n  人民/n]nt``) and ``conll``
(CoNLL / CoNLL-U: the FORM column, comments and multi-word ranges skipped, a blank line ends a sentence).
The POS tags of the ``pos`` format, and CoNLL's UPOS column where every word has one, are kept beside the
words (``Corpus.pos``) for joint segmentation and tagging.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from zhtagger.config import parse_enum


class Format(str, Enum):
    WORDS = "words"
    POS = "pos"
    CONLL = "conll"


class CorpusError(ValueError):
    """A corpus file that cannot be read as asked; the message names the file and line."""


@dataclass
class Corpus:
    sentences: list[list[str]]
    empty_lines: int = 0  # skipped, counted so nothing disappears silently
    path: str = ""
    pos: list[list[str]] | None = None  # a POS tag for every word, when the format has them


def read_text_lines(path: str | os.PathLike, encoding: str = "utf-8", errors: str = "strict") -> list[str]:
    """Lines of a text file without line ends; undecodable bytes name the line."""
    path = Path(path)
    if path.is_dir():
        raise CorpusError(f"{path} is a directory, not a text file")
    if not path.is_file():
        raise CorpusError(f"{path}: no such file")
    with path.open("rb") as file:
        return [decode_line(raw, str(path), number, encoding, errors) for number, raw in enumerate(file, 1)]


def decode_line(raw: bytes, name: str, number: int, encoding: str = "utf-8", errors: str = "strict",
                fix: str = "convert the file to UTF-8") -> str:
    """One line of a file read as bytes, decoded and without its line end ("\n" or "\r\n"); undecodable bytes
    raise a CorpusError naming the file and line, and ``fix``, what the reader can do about it. A UTF-8 byte
    order mark at the start of a file's first line is dropped, as the utf-8-sig codec does."""
    try:
        line = raw.decode(encoding, errors)
    except UnicodeDecodeError as error:
        raise CorpusError(f"{name}, line {number}: not valid {encoding} ({error.reason} at byte {error.start}); "
                          f"{fix}") from None
    except LookupError:
        raise CorpusError(f"unknown encoding or error handler: {encoding!r} / {errors!r}") from None
    if number == 1 and line.startswith("\ufeff"):
        line = line[1:]
    if line.endswith("\n"):
        line = line[:-1]
    return line[:-1] if line.endswith("\r") else line


PARAGRAPH_ID = re.compile(r"^\d{8}-\d{2}-\d{3}-\d{3}/m$")
POS_TOKEN = re.compile(r"^\[?(.+)/([A-Za-z]+\d?)(\][A-Za-z]+)?$")


def words_of_line(line: str) -> list[str]:
    """Words of a segmented line, as the official scorer splits them: U+3000 is a space too."""
    return line.replace("\u3000", " ").split()


def pos_words_of_line(line: str, where: str) -> tuple[list[str], list[str]]:
    """(words, their POS tags) of a People's Daily line; a bracketed group's words keep their own tags."""
    tokens = words_of_line(line)
    if tokens and PARAGRAPH_ID.match(tokens[0]):
        tokens = tokens[1:]
    words, tags = [], []
    for token in tokens:
        match = POS_TOKEN.match(token)
        if not match:
            raise CorpusError(f"{where}: token {token!r} is not word/POS; is this file --format words?")
        words.append(match.group(1))
        tags.append(match.group(2))
    return words, tags


def read_corpus(path: str | os.PathLike, format: Format | str = Format.WORDS) -> Corpus:
    """Read a segmented corpus as sentences of words."""
    format = parse_enum(Format, format, "format")
    lines = read_text_lines(path)
    if format is Format.CONLL:
        return read_conll(lines, str(path))
    corpus = Corpus([], path=str(path), pos=[] if format is Format.POS else None)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            corpus.empty_lines += 1
            continue
        if format is Format.POS:
            words, tags = pos_words_of_line(line, f"{path}, line {number}")
            corpus.sentences.append(words)
            corpus.pos.append(tags)
        else:
            corpus.sentences.append(words_of_line(line))
    check_corpus(corpus, format)
    return corpus


def read_conll(lines: list[str], path: str) -> Corpus:
    corpus, sentence, tags = Corpus([], path=path, pos=[]), [], []
    for number, line in enumerate(lines, 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if sentence:
                corpus.sentences.append(sentence)
                corpus.pos.append(tags)
                sentence, tags = [], []
            else:
                corpus.empty_lines += 1
            continue
        columns = line.split("\t")
        if len(columns) < 2:
            raise CorpusError(f"{path}, line {number}: expected tab-separated ID and FORM columns "
                              "(CoNLL); is this file --format words?")
        token_id = columns[0]
        if "-" in token_id or "." in token_id:  # multi-word ranges and empty nodes
            continue
        if not token_id.isdigit():
            raise CorpusError(f"{path}, line {number}: ID column {token_id!r} is not a number (CoNLL)")
        sentence.append(columns[1])
        tags.append(columns[3] if len(columns) > 3 else "_")
    if sentence:
        corpus.sentences.append(sentence)
        corpus.pos.append(tags)
    if any(tag == "_" for row in corpus.pos for tag in row):  # POS tags only where every word has one
        corpus.pos = None
    check_corpus(corpus, Format.CONLL)
    return corpus


def check_corpus(corpus: Corpus, format: Format) -> None:
    if not corpus.sentences:
        raise CorpusError(f"{corpus.path}: no sentences (the file is empty or has only blank lines)")
    tokens = [word for sentence in corpus.sentences[:2000] for word in sentence]
    if format is Format.WORDS and sum(bool(POS_TOKEN.match(w)) for w in tokens) > 0.5 * len(tokens):
        raise CorpusError(f"{corpus.path}: most words look like word/POS; use --format pos")
    if not any(len(word) > 1 for sentence in corpus.sentences for word in sentence):
        raise CorpusError(f"{corpus.path}: no multi-character words, so there is no segmentation to learn "
                          "(is the file segmented?)")


# Model input only: full-width ASCII folded to half-width, digits to 0, Latin letters lower-cased.
# Output words always keep the original characters.
FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
FOLD |= {ord(d): ord("0") for d in "123456789"} | {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
FOLD = {code: FOLD.get(folded, folded) for code, folded in FOLD.items()}  # ０ -> 0 -> 0 in one step: Ａ -> A -> a


def normalize(text: str) -> str:
    """One character in, one character out, so positions line up with the original text."""
    return text.translate(FOLD)


SPLIT_AFTER = set("。！？；，、：!?;,:")


def split_long(words: list[str], max_chars: int) -> Iterator[list[str]]:
    """Cut a sentence into pieces of at most ``max_chars`` characters at word boundaries, preferring the
    boundary after the last punctuation mark that fits; no character is lost (one over-long word stays whole).
    """
    piece: list[str] = []
    length = 0
    last_punct = -1  # index in piece after which to cut
    for word in words:
        if piece and length + len(word) > max_chars:
            cut = last_punct + 1 if last_punct >= 0 else len(piece)
            yield piece[:cut]
            piece = piece[cut:]
            length = sum(len(w) for w in piece)
            last_punct = max((i for i, w in enumerate(piece) if w in SPLIT_AFTER), default=-1)
            if piece and length + len(word) > max_chars:
                yield piece
                piece, length, last_punct = [], 0, -1
        piece.append(word)
        length += len(word)
        if word in SPLIT_AFTER:
            last_punct = len(piece) - 1
    if piece:
        yield piece


def hold_out(sentences: list, share: int = 20) -> tuple[list, list]:
    """(train, dev): the last 1/``share`` (5%) of ``sentences`` held out for model selection."""
    if len(sentences) < 2:
        raise ValueError("need at least 2 training sentences to hold out a dev set; give --dev")
    cut = max(1, len(sentences) // share)
    return sentences[:-cut], sentences[-cut:]


def as_corpus(data: str | os.PathLike | Corpus | Sequence[Sequence[str]], format: Format | str = Format.WORDS
              ) -> Corpus:
    """A corpus from a file (read in ``format``), a :class:`Corpus`, or lists of words."""
    if isinstance(data, (str, os.PathLike)):
        return read_corpus(data, format)
    if isinstance(data, Corpus):
        return data
    return Corpus([list(sentence) for sentence in data])
