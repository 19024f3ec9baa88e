"""Reading tagged corpora as texts with chunks (see :mod:`zhtagger.text.schemes`).

Formats (``TagFormat``):

- ``bio``, ``bioes``, ``bmes``: one character and its tag a line (``高 B-NAME``, tab or spaces), a blank line
  between sentences, tags in that scheme. A file whose every token is one character followed by digits (Weibo
  NER's ``科0``: the character's place in an automatic segmentation) is read as those characters.
- ``conll``: CoNLL / CoNLL-U, one token a line; ``columns`` (1-based FORM and TAG, default 2 and 4, UPOS) pick
  the columns; comments and multi-word ranges are skipped. When every FORM is one character and every tag is
  O or a scheme tag (``B-PER``), the file is character-level; otherwise each word is a chunk of its tag (a
  word-level tag set such as UPOS: segmentation and tagging in one).
- ``pos``: People's Daily ``word/POS`` lines: each word a chunk of its tag.

A sequence that breaks its scheme is recorded in ``TaggedCorpus.problems`` with file and line: training
refuses such data unless asked to repair it (by the rule :func:`~zhtagger.text.schemes.chunks_of_tags` documents).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from zhtagger.config import parse_enum
from zhtagger.text.corpus import CorpusError, read_corpus, read_text_lines
from zhtagger.text.schemes import OUTSIDE, Chunk, Scheme, SchemeError, chunks_of_tags, split_tag


class TagFormat(str, Enum):
    BIO = "bio"
    BIOES = "bioes"
    BMES = "bmes"
    CONLL = "conll"
    POS = "pos"


logger = logging.getLogger(__name__)

CHAR_FORMATS = {TagFormat.BIO: Scheme.BIO, TagFormat.BIOES: Scheme.BIOES, TagFormat.BMES: Scheme.BMES}
POSITION_SUFFIX = re.compile(r"^(.+?)\d+$")  # Weibo NER's character + its place in a word
SCHEME_TAG = re.compile(r"^[BIMES](-.+)?$")


@dataclass
class TaggedCorpus:
    """Texts and their chunks; ``lines[i]`` is the line where text i starts (for messages); ``problems`` the
    places that break the file's scheme, as (line, what), read by the repair rule."""

    texts: list[str]
    chunks: list[list[Chunk]]
    path: str = ""
    lines: list[int] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    empty_lines: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    def kinds(self) -> list[str]:
        return sorted({kind for row in self.chunks for _, _, kind in row})

    def has_outside(self) -> bool:
        """Whether some character is in no chunk (entity data), unlike word-level data (POS)."""
        return any(sum(end - start for start, end, _ in row) < len(text)
                   for text, row in zip(self.texts, self.chunks, strict=True))

    def describe_problems(self, limit: int = 5) -> str:
        shown = "; ".join(f"line {line}: {what}" for line, what in self.problems[:limit])
        more = f" (and {len(self.problems) - limit} more)" if len(self.problems) > limit else ""
        return f"{self.path}: {len(self.problems)} tags break the scheme: {shown}{more}"


def read_tagged(path: str | os.PathLike, format: TagFormat | str, columns: Sequence[int] = (2, 4)) -> TaggedCorpus:
    """Read a tagged corpus (see the module's docstring for the formats)."""
    format = parse_enum(TagFormat, format, "format")
    if format is TagFormat.POS:
        corpus = read_corpus(path, "pos")
        return words_as_chunks(corpus.sentences, corpus.pos, str(path), corpus.empty_lines)
    rows, empty = token_rows(read_text_lines(path), str(path), format, columns)
    if not rows:
        raise CorpusError(f"{path}: no sentences (the file is empty or has only blank lines)")
    if format is TagFormat.CONLL and not is_character_level(rows):
        sentences = [[form for form, _, _ in row] for row in rows]
        corpus = words_as_chunks(sentences, [[tag for _, tag, _ in row] for row in rows], str(path), empty)
        corpus.lines = [row[0][2] for row in rows]
        return corpus
    return characters_as_chunks(rows, str(path), CHAR_FORMATS.get(format) or inferred_scheme(rows), empty)


def token_rows(lines: list[str], path: str, format: TagFormat, columns: Sequence[int]
               ) -> tuple[list[list[tuple[str, str, int]]], int]:
    """Sentences as (token, tag, line number) rows, and the number of blank lines between none."""
    form_column, tag_column = (0, 1) if format in CHAR_FORMATS else (columns[0] - 1, columns[1] - 1)
    rows, row, empty = [], [], 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            if row:
                rows.append(row)
                row = []
            else:
                empty += 1
            continue
        if format is TagFormat.CONLL and line.startswith("#"):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) <= max(form_column, tag_column):
            expected = "a character and a tag" if format in CHAR_FORMATS else f"{max(columns)} columns"
            raise CorpusError(f"{path}, line {number}: expected {expected}; got {line!r} (is this the right "
                              "--format?)")
        if format is TagFormat.CONLL and ("-" in fields[0] or "." in fields[0]):
            continue  # multi-word ranges and empty nodes
        row.append((fields[form_column], fields[tag_column].strip(), number))
    if row:
        rows.append(row)
    if format in CHAR_FORMATS:
        rows = single_characters(rows, path)
    return rows, empty


def single_characters(rows: list[list[tuple[str, str, int]]], path: str) -> list[list[tuple[str, str, int]]]:
    """Rows of a one-character-a-line file. When every token is text followed by digits (Weibo's places in a
    segmentation), the digits are stripped, and a token then longer than one character but tagged O (Weibo's
    damaged emoji: two U+FFFD) is split into its characters, all O, with a warning. Any other token of more
    than one character is an error."""
    tokens = [token for row in rows for token, _, _ in row]
    positions = bool(tokens) and all(POSITION_SUFFIX.match(token) for token in tokens)
    result, split = [], []
    for row in rows:
        result.append([])
        for token, tag, line in row:
            char = POSITION_SUFFIX.match(token).group(1) if positions else token
            if len(char) > 1 and not (positions and tag == OUTSIDE):
                raise CorpusError(f"{path}, line {line}: {token!r} is not one character; a character-a-line "
                                  "format needs one (words with tags: --format conll or pos)")
            if len(char) > 1:
                split.append(line)
            result[-1] += [(c, tag, line) for c in char]
    if split:
        logger.warning("%s: %d tokens of several characters tagged O split into characters (lines %s)", path,
                       len(split), ", ".join(map(str, split[:5])) + (" ..." if len(split) > 5 else ""))
    return result


def is_character_level(rows: list[list[tuple[str, str, int]]]) -> bool:
    return all(len(form) == 1 and (tag == OUTSIDE or SCHEME_TAG.match(tag)) for row in rows for form, tag, _ in row)


def inferred_scheme(rows: list[list[tuple[str, str, int]]]) -> Scheme:
    prefixes = {tag[0] for row in rows for _, tag, _ in row if tag != OUTSIDE}
    return Scheme.BMES if "M" in prefixes else Scheme.BIOES if prefixes & {"E", "S"} else Scheme.BIO


def characters_as_chunks(rows: list[list[tuple[str, str, int]]], path: str, scheme: Scheme, empty: int
                         ) -> TaggedCorpus:
    corpus = TaggedCorpus([], [], path, empty_lines=empty)
    for row in rows:
        tags = [tag for _, tag, _ in row]
        try:
            chunks, problems = chunks_of_tags(tags, scheme)
        except SchemeError as error:
            bad = next(line for _, tag, line in row if not valid_tag(tag, scheme))
            raise CorpusError(f"{path}, line {bad}: {error}; is this the right --format?") from None
        lines = [line for _, _, line in row] + [row[-1][2]]
        corpus.problems += [(lines[position], what) for position, what in problems]
        corpus.texts.append("".join(char for char, _, _ in row))
        corpus.chunks.append(chunks)
        corpus.lines.append(row[0][2])
    return corpus


def valid_tag(tag: str, scheme: Scheme) -> bool:
    try:
        split_tag(tag, scheme)
    except SchemeError:
        return False
    return True


def words_as_chunks(sentences: list[list[str]], tags: list[list[str]], path: str, empty: int) -> TaggedCorpus:
    """Each word a chunk of its tag: word-level tagging read as segmentation and tagging together."""
    corpus = TaggedCorpus([], [], path, empty_lines=empty)
    for number, (words, row) in enumerate(zip(sentences, tags, strict=True), 1):
        start, chunks = 0, []
        for word, tag in zip(words, row, strict=True):
            if not word or any(char.isspace() for char in word) or not tag or "-" in tag:
                raise CorpusError(f"{path}, sentence {number}: the word {word!r} / tag {tag!r} cannot be a chunk "
                                  "(an empty word or tag, whitespace in a word, or a tag with a scheme prefix in "
                                  "a file of words: give character-level data)")
            chunks.append((start, start + len(word), tag))
            start += len(word)
        corpus.texts.append("".join(words))
        corpus.chunks.append(chunks)
        corpus.lines.append(number)
    return corpus
