"""Tag schemes for chunks (named entities, or words with their part of speech): tags <-> chunks, the
transition rules of a scheme written once as a table, and the documented repair of sequences that break them.

A chunk is ``(start, end, type)`` over characters. Schemes (prefixes in ``SCHEME_PREFIXES``):

- ``BIO``: B-X begins a chunk, I-X continues it, O is outside any; a one-character chunk is B-X;
- ``BIOES``: B-X begins, I-X continues, E-X ends a chunk of two or more characters, S-X is a one-character chunk;
- ``BMES``: BIOES with M for I (the Resume NER files; the segmenter's tags are BMES with no type).

A type may be empty: the tag is then the bare prefix (``B``, ``E``...), as in plain segmentation.

Repair (``chunks_of_tags``), for data that breaks its scheme: a tag that cannot continue the chunk before it
(I-X after O or after a chunk of another type; E-X without an open X) begins a new chunk, as conlleval reads
it; a chunk that is still open where the scheme wants it closed (B-X then O in BIOES) ends where its tags end.
Every such place is reported, so that nothing is repaired silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

OUTSIDE = "O"


class Scheme(str, Enum):
    BIO = "BIO"
    BIOES = "BIOES"
    BMES = "BMES"


# begin, inside, end, single: the prefix each role takes in each scheme
SCHEME_PREFIXES = {Scheme.BIO: ("B", "I", "I", "B"), Scheme.BIOES: ("B", "I", "E", "S"),
                   Scheme.BMES: ("B", "M", "E", "S")}
Chunk = tuple[int, int, str]  # start, end (exclusive), type


class SchemeError(ValueError):
    """A tag that is not a tag of the scheme, or a sequence that breaks it; the message says where."""


def parse_scheme(value: Scheme | str) -> Scheme:
    if isinstance(value, Scheme):
        return value
    try:
        return Scheme(str(value).upper())
    except ValueError:
        raise SchemeError(f"unknown scheme {value!r}; choose one of {', '.join(s.value for s in Scheme)}") from None


def closes(scheme: Scheme) -> bool:
    """Whether the scheme marks a chunk's end (E- or S-), so that an open chunk may not simply stop."""
    return scheme is not Scheme.BIO


def split_tag(tag: str, scheme: Scheme) -> tuple[str, str]:
    """"B-PER" -> ("B", "PER"); "O" -> ("O", ""); "E" -> ("E", "") (an untyped tag). Raises SchemeError for a
    tag whose prefix the scheme lacks."""
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, _, kind = tag.partition("-")
    if prefix not in SCHEME_PREFIXES[scheme]:
        names = "/".join(dict.fromkeys(SCHEME_PREFIXES[scheme]))
        raise SchemeError(f"{tag!r} is not a {scheme.value} tag ({names} then -TYPE, or O)")
    return prefix, kind


def join_tag(prefix: str, kind: str) -> str:
    return f"{prefix}-{kind}" if kind else prefix


def chunk_prefixes(length: int, scheme: Scheme) -> list[str]:
    """The prefixes of one chunk of ``length`` characters: 3, BIOES -> [B, I, E]."""
    begin, inside, end, single = SCHEME_PREFIXES[scheme]
    if length == 1:
        return [single]
    return [begin] + [inside] * (length - 2) + [end]


def tags_of_chunks(length: int, chunks: Sequence[Chunk], scheme: Scheme) -> list[str]:
    """Tags of ``length`` characters with the given (non-overlapping) chunks; O elsewhere."""
    tags = [OUTSIDE] * length
    for start, end, kind in chunks:
        if not 0 <= start < end <= length:
            raise SchemeError(f"chunk {start}:{end} is outside a text of {length} characters")
        tags[start:end] = [join_tag(prefix, kind) for prefix in chunk_prefixes(end - start, scheme)]
    return tags


def chunks_of_tags(tags: Sequence[str], scheme: Scheme) -> tuple[list[Chunk], list[tuple[int, str]]]:
    """(the chunks of a tag sequence, the places it breaks the scheme as (position, what)). A sequence that
    breaks it is read by the module's repair rule; raises SchemeError for a tag outside the scheme."""
    begin, inside, end, single = SCHEME_PREFIXES[scheme]
    chunks: list[Chunk] = []
    problems: list[tuple[int, str]] = []
    open_start, open_kind = None, ""

    def close(at: int) -> None:
        nonlocal open_start
        if open_start is not None:
            chunks.append((open_start, at, open_kind))
            open_start = None

    for position, tag in enumerate(tags):
        prefix, kind = split_tag(tag, scheme)
        continues = prefix in (inside, end) and prefix != begin and open_start is not None and kind == open_kind
        if prefix in (inside, end) and prefix != begin and not continues:
            problems.append((position, f"{tag} does not continue "
                             + (f"{tags[position - 1]}" if position else "anything (it starts the sentence)")))
        elif not continues and open_start is not None and closes(scheme):
            problems.append((position, f"{tags[position - 1]} is left open by {tag}"))
        if not continues:
            close(position)
            if prefix != OUTSIDE:
                open_start, open_kind = position, kind
        if prefix == end and closes(scheme) or prefix == single and closes(scheme):
            close(position + 1)
    if open_start is not None and closes(scheme):
        problems.append((len(tags), f"{tags[-1]} is left open at the end of the sentence"))
    close(len(tags))
    return chunks, problems


def tag_set(kinds: Sequence[str], scheme: Scheme, outside: bool = True) -> tuple[str, ...]:
    """Every tag of the scheme for the chunk types ``kinds``: O first (when there is an outside), then each
    type's prefixes in scheme order."""
    prefixes = list(dict.fromkeys(SCHEME_PREFIXES[scheme]))
    return ((OUTSIDE,) if outside else ()) + tuple(join_tag(p, kind) for kind in kinds for p in prefixes)


Rules = tuple[list[list[bool]], list[bool], list[bool]]  # allowed[from][to], may start, may end


def scheme_rules(tags: Sequence[str], scheme: Scheme) -> Rules:
    """Which tag may follow which, start and end a sentence: an inside or end tag only after the begin or
    inside tag of its own type; with BIOES / BMES, a chunk that is open must go on to its end tag."""
    begin, inside, end, _ = SCHEME_PREFIXES[scheme]
    parsed = [split_tag(tag, scheme) for tag in tags]
    is_open = [closes(scheme) and prefix in (begin, inside) for prefix, _ in parsed]
    is_continuation = [prefix in (inside, end) and prefix != begin for prefix, _ in parsed]

    def allowed(a: int, b: int) -> bool:
        if is_continuation[b]:
            return parsed[a][0] in (begin, inside) and parsed[a][0] != OUTSIDE and parsed[a][1] == parsed[b][1]
        return not is_open[a]

    size = range(len(tags))
    return ([[allowed(a, b) for b in size] for a in size], [not c for c in is_continuation],
            [not o for o in is_open])


def is_legal(tags: Sequence[str], scheme: Scheme) -> bool:
    return not chunks_of_tags(tags, scheme)[1]
