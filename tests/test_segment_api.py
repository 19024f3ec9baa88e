"""The jieba-style API on a segmenter: tokens, the join invariant, constraints and user dictionaries."""

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.text.spans import Kind, allowed_tags, matched_spans, split_spans, texts_allowed_tags
from zhtagger.text.tags import B, E, M, S
from zhtagger.text.userdict import UserDictionary


def test_spans_keep_whitespace_urls_and_emails_apart():
    text = "看 https://example.com/a?b=1。 写信给 a.b@example.org\n好"
    spans = [(text[a:b], kind) for a, b, kind in split_spans(text)]
    assert spans == [("看", Kind.MODEL), (" ", Kind.SPACE), ("https://example.com/a?b=1", Kind.WHOLE),
                     ("。", Kind.MODEL), (" ", Kind.SPACE), ("写信给", Kind.MODEL), (" ", Kind.SPACE),
                     ("a.b@example.org", Kind.WHOLE), ("\n", Kind.SPACE), ("好", Kind.MODEL)]


def test_url_trailing_full_stop_is_not_part_of_it():
    text = "see http://x.cn."
    assert [text[a:b] for a, b, _ in split_spans(text)][-2:] == ["http://x.cn", "."]


@given(st.text())
def test_spans_cover_any_text(text):
    spans = list(split_spans(text))
    assert "".join(text[a:b] for a, b, _ in spans) == text
    assert all(b > a for a, b, _ in spans)


@given(st.text(alphabet=st.sampled_from(list("aw1.:/@ \n\u3000中，"))))
def test_spans_found_without_the_pattern_only_where_it_finds_none(text):
    assert list(split_spans(text)) == list(matched_spans(text))


def test_letter_and_number_runs_cannot_hold_a_boundary():
    allowed = allowed_tags("买iPhone用了3.5%")
    assert allowed[1].tolist() == [True, True, False, False]  # i: B or M
    assert allowed[2].tolist() == [False, True, False, False]  # P: M only
    assert allowed[6].tolist() == [False, True, True, False]  # e: M or E
    assert allowed[0].all() and allowed[7].all()  # 用, 了 free
    assert allowed_tags("我爱北京") is None


def test_user_words_are_forced():
    allowed = allowed_tags("我爱北京天安门", [(2, 7)])
    assert [row.nonzero()[0].tolist() for row in allowed[2:7]] == [[B], [M], [M], [M], [E]]
    assert allowed_tags("我爱你", [(1, 2)])[1].nonzero()[0].tolist() == [S]


def test_user_dictionary_format_and_overlaps(tmp_path):
    words = UserDictionary()
    assert words.load(io.StringIO("云计算 5\n创新办 3 i\n凱特琳 nz\n\n台中\n# a comment\nEdu Trust认证 2000\n")) == 5
    assert words.entries["创新办"].freq == 3 and words.entries["创新办"].tag == "i"
    assert words.entries["凱特琳"].tag == "nz" and words.entries["Edu Trust认证"].freq == 2000
    words.add_word("计算机")  # frequency 1: the overlapping 云计算 (5) wins
    assert words.matches("云计算机") == [(0, 3)]
    words.add_word("计算机", 10)
    assert words.matches("云计算机") == [(1, 4)]
    words.del_word("计算机")  # forbidden, never forced
    assert words.matches("云计算机") == [(0, 3)] and words.forbidden("计算机")
    (tmp_path / "d.txt").write_bytes("\ufeff北京大学 10 nt\r\n清华 5\r\n".encode())
    assert words.load(tmp_path / "d.txt") == 2 and words.entries["北京大学"].tag == "nt" and "清华" in words.entries
    assert words.load(io.StringIO("a 1 b c\n")) == 1 and words.entries["a 1 b"].tag == "c"  # as jieba reads it


def test_loading_a_user_dictionary_is_all_or_nothing(tmp_path):
    words = UserDictionary()
    words.add_word("原有")
    path = tmp_path / "bad.txt"
    path.write_bytes("新词 3\n另一个 4\n".encode() + b"\xff\xfe bad\n")
    with pytest.raises(ValueError, match="line 3: not UTF-8"):
        words.load(path)
    assert list(words.entries) == ["原有"]  # nothing of the bad file was added


def test_lcut_keeps_everything_and_tokenize_gives_offsets(tiny_segmenter):
    segmenter, _, _ = tiny_segmenter
    text = "我喜欢北京 天安门\n\t见 https://zh.example.com 和 iPhone15，价格3.5%。"
    tokens = segmenter.lcut(text)
    assert "".join(tokens) == text
    assert " " in tokens and "\n\t" in tokens and "https://zh.example.com" in tokens
    assert any("iPhone" in token for token in tokens) and any("3.5%" in token for token in tokens)
    assert list(segmenter.cut(text)) == tokens
    for word, start, end in segmenter.tokenize(text):
        assert text[start:end] == word
    assert segmenter.lcut("") == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_join_invariant_for_any_string(tiny_segmenter, text):
    segmenter, _, _ = tiny_segmenter
    assert "".join(segmenter.lcut(text)) == text


def test_batch_equals_one_by_one_and_user_words(tiny_segmenter):
    segmenter, _, _ = tiny_segmenter
    texts = ["我喜欢北京天安门", "", "  ", "学生喜欢图书馆。老师喜欢电脑", "x"]
    assert segmenter.lcut_batch(texts) == [segmenter.lcut(t) for t in texts]
    assert "北京天安门" not in segmenter.lcut("我喜欢北京天安门")
    segmenter.add_word("北京天安门")
    try:
        assert "北京天安门" in segmenter.lcut("我喜欢北京天安门")
    finally:
        segmenter.del_word("北京天安门")


def test_very_long_runs_are_cut_into_bounded_pieces(tiny_segmenter):
    segmenter, _, _ = tiny_segmenter
    text = "我喜欢北京天安门" * 400  # 3,200 characters without punctuation
    assert "".join(segmenter.lcut(text)) == text


def test_long_runs_of_letters_and_digits_are_whole_tokens_found_in_linear_time():
    from zhtagger.tasks.segment.predictor import MAX_PIECE
    from zhtagger.text.spans import LONGEST_RUN, Kind, chunk_spans, split_spans

    hex_line = "deadbeef0123" * 20_000  # 240,000 characters: matching from every position would take minutes
    assert list(split_spans(hex_line)) == [(0, len(hex_line), Kind.WHOLE)]
    letters = "a" * 200_000 + "@"  # an e-mail address never completes
    assert list(split_spans(letters)) == [(0, 200_000, Kind.WHOLE), (200_000, 200_001, Kind.MODEL)]
    text = "我们" + "x" * (LONGEST_RUN + 1) + "在北京"
    assert [kind for _, _, kind in split_spans(text)] == [Kind.MODEL, Kind.WHOLE, Kind.MODEL]
    mixed = "写信给a.b@x.org或abc.def@mail.example.com，见http://x.cn/a?b=1。"
    assert [mixed[a:b] for a, b, kind in split_spans(mixed) if kind is Kind.WHOLE] == [
        "a.b@x.org", "abc.def@mail.example.com", "http://x.cn/a?b=1"]
    # a piece cut where there is no punctuation is cut before a run of letters, not inside it
    long_text = "中" * (MAX_PIECE - 5) + "iPhone15" + "中" * 10
    pieces = [long_text[a:b] for a, b in chunk_spans(long_text, 0, len(long_text), MAX_PIECE)]
    assert pieces[1].startswith("iPhone15") and "".join(pieces) == long_text


def test_model_text_is_cut_at_punctuation_into_pieces_as_long_as_the_training_pieces():
    from zhtagger.text.spans import chunk_spans

    text = "一二三，四五六七八九十。" + "甲" * 30 + "，乙乙" + "丙" * 25

    def pieces(limit, short):
        return [text[a:b] for a, b in chunk_spans(text, 0, len(text), limit, short)]

    # after the last mark among the first 12 characters, else the first mark after them
    assert pieces(1000, 12) == ["一二三，四五六七八九十。", "甲" * 30 + "，", "乙乙" + "丙" * 25]
    assert pieces(1000, 10)[:2] == ["一二三，", "四五六七八九十。"]
    assert pieces(20, 12)[:3] == ["一二三，四五六七八九十。", "甲" * 20, "甲" * 10 + "，"]  # no mark within the limit
    assert pieces(1000, None) == [text]
    segmenter = Segmenter.load("pku")
    lines = ["他说：“我们明天去上海。”" * 30, "南京市长江大桥" * 30]  # 390 and 210 characters
    assert ["".join(row) for row in segmenter.lcut_batch(lines)] == lines


def test_constraints_of_many_texts_at_once_are_each_texts_own():
    texts = ["买iPhone", "3.5%", "我爱你", "", "12"]
    words = [[], [], [(1, 2)], [], []]
    together = texts_allowed_tags(texts, words, [[1], [], [], [], []])
    alone = [allowed_tags(t, w, b) for t, w, b in zip(texts, words, [[1], [], [], [], []], strict=True)]
    assert (together == np.concatenate([np.ones((len(t), 4), bool) if a is None else a
                                        for t, a in zip(texts, alone, strict=True)])).all()
    assert texts_allowed_tags(["我爱", "北京"]) is None
