"""Tag schemes, the readers of tagged corpora and People's Daily's entities: pure functions, no torch."""

import itertools
import random

import numpy as np
import pytest

from zhtagger.core.light import viterbi
from zhtagger.tasks.engine import rule_scores
from zhtagger.text.corpus import CorpusError
from zhtagger.text.peoples_daily import entity_chunks, split_by_document
from zhtagger.text.schemes import (
    Scheme,
    SchemeError,
    chunks_of_tags,
    is_legal,
    parse_scheme,
    scheme_rules,
    tag_set,
    tags_of_chunks,
)
from zhtagger.text.tagdata import read_tagged

CHUNKS = [(0, 2, "PER"), (3, 4, "LOC"), (4, 7, "ORG")]


@pytest.mark.parametrize(("scheme", "expected"), [
    (Scheme.BIO, "B-PER I-PER O B-LOC B-ORG I-ORG I-ORG O"),
    (Scheme.BIOES, "B-PER E-PER O S-LOC B-ORG I-ORG E-ORG O"),
    (Scheme.BMES, "B-PER E-PER O S-LOC B-ORG M-ORG E-ORG O"),
])
def test_tags_of_chunks_golden(scheme, expected):
    tags = tags_of_chunks(8, CHUNKS, scheme)
    assert " ".join(tags) == expected
    assert chunks_of_tags(tags, scheme) == (CHUNKS, [])


@pytest.mark.parametrize("scheme", list(Scheme))
def test_random_chunks_round_trip(scheme):
    rng = random.Random(0)
    for _ in range(200):
        length, chunks, at = rng.randint(1, 15), [], 0
        while at < length:
            end = min(length, at + rng.randint(1, 4))
            if rng.random() < 0.6:
                chunks.append((at, end, rng.choice(["A", "B", ""])))
            at = end
        assert chunks_of_tags(tags_of_chunks(length, chunks, scheme), scheme) == (chunks, [])


def test_repair_rule_and_its_report():
    chunks, problems = chunks_of_tags(["I-PER", "I-PER", "O", "B-LOC", "I-ORG"], Scheme.BIO)
    assert chunks == [(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "ORG")]  # an I that continues nothing begins a chunk
    assert [position for position, _ in problems] == [0, 4]
    chunks, problems = chunks_of_tags(["B-X", "M-X", "O", "E-Y"], Scheme.BMES)
    assert chunks == [(0, 2, "X"), (3, 4, "Y")]  # an open chunk ends where its tags end
    assert [position for position, _ in problems] == [2, 3]
    assert "left open" in problems[0][1] and "does not continue" in problems[1][1]


def test_bad_tags_and_schemes():
    with pytest.raises(SchemeError, match="not a BIO tag"):
        chunks_of_tags(["B-X", "E-X"], Scheme.BIO)
    with pytest.raises(SchemeError, match="unknown scheme"):
        parse_scheme("IOB9")
    assert parse_scheme("bioes") is Scheme.BIOES


@pytest.mark.parametrize("scheme", list(Scheme))
def test_rules_accept_exactly_the_legal_sequences(scheme):
    tags = tag_set(["X", "Y"], scheme)
    allowed, start, end = scheme_rules(tags, scheme)
    for length in range(1, 4):
        for sequence in itertools.product(range(len(tags)), repeat=length):
            by_rules = start[sequence[0]] and end[sequence[-1]] and all(
                allowed[a][b] for a, b in zip(sequence, sequence[1:], strict=False))
            assert by_rules == is_legal([tags[k] for k in sequence], scheme), [tags[k] for k in sequence]


@pytest.mark.parametrize("scheme", [Scheme.BIO, Scheme.BIOES])
def test_viterbi_under_rules_equals_brute_force(scheme):
    tags = tag_set(["X", "Y"], scheme)
    tables = rule_scores(scheme_rules(tags, scheme))
    rng = np.random.default_rng(0)
    for _ in range(20):
        length = int(rng.integers(1, 5))
        emissions = rng.normal(size=(1, length, len(tags))).astype(np.float32)
        best = max((seq for seq in itertools.product(range(len(tags)), repeat=length)
                    if is_legal([tags[k] for k in seq], scheme)),
                   key=lambda seq: sum(emissions[0, t, k] for t, k in enumerate(seq)))
        assert tuple(viterbi(emissions, np.array([length]), *tables)[0]) == best


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_read_character_files(tmp_path):
    bmes = write(tmp_path / "a.bmes", "高 B-NAME\n勇 E-NAME\n： O\n\n\n男 S-X\n")
    corpus = read_tagged(bmes, "bmes")
    assert corpus.texts == ["高勇：", "男"] and corpus.chunks == [[(0, 2, "NAME")], [(0, 1, "X")]]
    assert corpus.empty_lines == 1 and corpus.lines == [1, 6] and corpus.has_outside()
    weibo = write(tmp_path / "w.bio", "科0\tO\n技1\tO\n嘉0\tB-LOC.NAM\n鱼1\tI-LOC.NAM\n10\tO\n")  # 10: '1', place 0
    corpus = read_tagged(weibo, "bio")
    assert corpus.texts == ["科技嘉鱼1"] and corpus.chunks == [[(2, 4, "LOC.NAM")]]
    damaged = write(tmp_path / "d.bio", "好0\tO\n\ufffd\ufffd0\tO\n")  # an emoji Weibo's file holds as two U+FFFD
    assert read_tagged(damaged, "bio").texts == ["好\ufffd\ufffd"]  # nothing dropped
    entity = write(tmp_path / "e.bio", "好0\tO\n北京0\tB-LOC\n")
    with pytest.raises(CorpusError, match="line 2: '北京0' is not one character"):
        read_tagged(entity, "bio")


def test_read_breaking_data_reports_lines(tmp_path):
    corpus = read_tagged(write(tmp_path / "a.bio", "a O\nb I-PER\nc I-PER\n"), "bio")
    assert corpus.chunks == [[(1, 3, "PER")]] and corpus.problems[0][0] == 2
    assert "line 2" in corpus.describe_problems()


@pytest.mark.parametrize(("text", "format", "message"), [
    ("高 B-NAME\n勇敢 E-NAME\n", "bmes", "line 2: '勇敢' is not one character"),
    ("高 B-NAME\n勇 X-NAME\n", "bmes", "line 2:.*not a BMES tag"),
    ("高\n", "bio", "line 1: expected a character and a tag"),
    ("\n\n", "bio", "no sentences"),
    ("1\t看似\t_\tVERB\n", "bio", "line 1: '看似' is not a BIO tag.*right --format"),
])
def test_bad_files_are_refused_with_their_line(tmp_path, text, format, message):
    with pytest.raises(CorpusError, match=message):
        read_tagged(write(tmp_path / "bad.txt", text), format)


def test_read_conll_words_and_characters(tmp_path):
    words = write(tmp_path / "w.conll", "# sent 1\n1\t看似\t_\tVERB\tVV\n2\t简单\t_\tADJ\tJJ\n\n1\t好\t_\tADJ\tJJ\n")
    corpus = read_tagged(words, "conll")
    assert corpus.texts == ["看似简单", "好"] and not corpus.has_outside()
    assert corpus.chunks == [[(0, 2, "VERB"), (2, 4, "ADJ")], [(0, 1, "ADJ")]]
    assert read_tagged(words, "conll", columns=(2, 5)).chunks[0] == [(0, 2, "VV"), (2, 4, "JJ")]
    chars = write(tmp_path / "c.conll", "1\t北\t_\tB-LOC\n2\t京\t_\tE-LOC\n3\t好\t_\tO\n")
    assert read_tagged(chars, "conll").chunks == [[(0, 2, "LOC")]]


def test_read_pos_words(tmp_path):
    corpus = read_tagged(write(tmp_path / "p.txt", "19980101-01-001-001/m  迈向/v  [中国/ns  政府/n]nt\n"), "pos")
    assert corpus.texts == ["迈向中国政府"] and corpus.chunks == [[(0, 2, "v"), (2, 4, "ns"), (4, 6, "n")]]


def test_peoples_daily_entities():
    line = ("19980101-01-001-002/m  江/nr  泽民/nr  李/nr  鹏/nr  克林顿/nr  在/p  [中国/ns  政府/n]nt  和/c  "
            "北京/ns  [香港/ns  特别/a  行政区/n]ns  新华社/nt  [国际/n  足球/n]nz")
    text, chunks = entity_chunks(line, "here")
    found = [(text[a:b], kind) for a, b, kind in chunks]
    assert found == [("江泽民", "PER"), ("李鹏", "PER"), ("克林顿", "PER"), ("中国政府", "ORG"), ("北京", "LOC"),
                     ("香港特别行政区", "LOC"), ("新华社", "ORG")]
    with pytest.raises(CorpusError, match="left open"):
        entity_chunks("[中国/ns  政府/n", "here")


def test_split_by_document_keeps_documents_whole():
    lines = [f"199801{d:02d}-01-001-00{p}/m  好/a" for d in range(1, 41) for p in (1, 2)]
    parts = split_by_document(lines)
    assert [len(parts[name]) for name in ("train", "dev", "test")] == [72, 4, 4]
    assert parts["test"][0].startswith("19980139") and parts["dev"][0].startswith("19980137")
