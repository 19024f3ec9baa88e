"""Named entities derived from People's Daily's part-of-speech tags (PKU tagset), and the corpus split by
document.

The rules, applied to a line of ``word/tag`` tokens with bracketed groups (``[中央/n  人民/n  广播/vn  电台/n]nt``):

- a bracketed group tagged ``nt`` is one ORG, one tagged ``ns`` one LOC (``[香港/ns 特别/a 行政区/n]ns``); the
  entities inside such a group are not counted apart (the outermost wins); groups of other tags (nz, i, l)
  are not entities, but their words are read by the rules below;
- ``nt`` -> ORG, ``ns`` -> LOC;
- ``nr`` -> PER, where the corpus writes a Chinese name as two ``nr`` words, surname and given name
  (``江/nr 泽民/nr``): a ``nr`` word of one or two characters followed by a ``nr`` word of one to three
  characters is one person, so a run of names (``江/nr 泽民/nr 李/nr 鹏/nr``) is read in pairs; any other ``nr``
  word (``克林顿/nr``) is a person of its own.
"""

from __future__ import annotations

import re

from zhtagger.text.corpus import PARAGRAPH_ID, CorpusError, pos_words_of_line, words_of_line
from zhtagger.text.schemes import Chunk

ENTITY_OF_TAG = {"nr": "PER", "ns": "LOC", "nt": "ORG"}
ENTITY_OF_GROUP = {"nt": "ORG", "ns": "LOC"}
GROUP_END = re.compile(r"\]([A-Za-z]+)$")


def entity_chunks(line: str, where: str) -> tuple[str, list[Chunk]]:
    """(the line's text, its PER/LOC/ORG chunks) by the module's rules."""
    words, tags = pos_words_of_line(line, where)
    starts = [0]
    for word in words:
        starts.append(starts[-1] + len(word))
    groups = bracket_groups(line, len(words), where)
    chunks = [(starts[a], starts[b], ENTITY_OF_GROUP[tag]) for a, b, tag in groups if tag in ENTITY_OF_GROUP]
    taken = {k for a, b, tag in groups if tag in ENTITY_OF_GROUP for k in range(a, b)}
    k = 0
    while k < len(words):
        tag = tags[k]
        if k in taken or tag not in ENTITY_OF_TAG:
            k += 1
            continue
        end = k + 1
        if (tag == "nr" and end < len(words) and tags[end] == "nr" and end not in taken and len(words[k]) <= 2
                and len(words[end]) <= 3):
            end += 1
        chunks.append((starts[k], starts[end], ENTITY_OF_TAG[tag]))
        k = end
    return "".join(words), sorted(chunks)


def bracket_groups(line: str, n_words: int, where: str) -> list[tuple[int, int, str]]:
    """The bracketed groups of a line as (first word, end word, tag)."""
    tokens = words_of_line(line)
    if tokens and PARAGRAPH_ID.match(tokens[0]):
        tokens = tokens[1:]  # the paragraph id
    groups, opened = [], None
    for k, token in enumerate(tokens):
        if token.startswith("["):
            opened = k
        match = GROUP_END.search(token)
        if match:
            if opened is None:
                raise CorpusError(f"{where}: {token!r} closes a group that was never opened")
            groups.append((opened, k + 1, match.group(1)))
            opened = None
    if opened is not None or len(tokens) != n_words:
        raise CorpusError(f"{where}: a bracketed group is left open")
    return groups


def document_of(line: str) -> str:
    """A paragraph id's document (date-page-article): ``19980101-01-001-002/m`` -> ``19980101-01-001``."""
    return line.split(maxsplit=1)[0].rsplit("-", 1)[0]


def split_by_document(lines: list[str], share: int = 20) -> dict[str, list[str]]:
    """Non-empty lines parted by document: the last 1/``share`` of the documents ``test``, the 1/``share``
    before them ``dev``, the rest ``train``."""
    lines = [line for line in lines if line.strip()]
    documents = list(dict.fromkeys(map(document_of, lines)))
    cut = len(documents) // share
    part = dict.fromkeys(documents[: -2 * cut], "train") | dict.fromkeys(documents[-2 * cut : -cut], "dev")
    part |= dict.fromkeys(documents[-cut:], "test")
    parts: dict[str, list[str]] = {"train": [], "dev": [], "test": []}
    for line in lines:
        parts[part[document_of(line)]].append(line)
    return parts
