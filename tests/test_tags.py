import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtagger.text.tags import B, E, M, S, is_legal, joint_tags, tags_to_words, texts_to_words, words_to_tags

words_strategy = st.lists(st.text(alphabet="我爱北京天安门abc1", min_size=1, max_size=5), max_size=12)


def test_golden_tags():
    assert words_to_tags(["我", "爱", "北京", "天安门"]) == [S, S, B, E, B, M, E]
    assert tags_to_words(list("我爱北京天安门"), [S, S, B, E, B, M, E]) == ["我", "爱", "北京", "天安门"]


def test_joint_tags_put_the_pos_tags_of_one_bmes_tag_side_by_side():
    index = {"n": 0, "r": 1, "v": 2}
    assert joint_tags(["我", "爱", "天安门"], ["r", "v", "n"], index) == [S * 3 + 1, S * 3 + 2, B * 3, M * 3, E * 3]
    with pytest.raises(ValueError):
        joint_tags(["我", "爱"], ["r"], index)  # a tag for every word


@given(words_strategy)
def test_round_trip(words):
    tags = words_to_tags(words)
    assert is_legal(tags)
    assert tags_to_words("".join(words), tags) == words


@given(st.lists(st.sampled_from([B, M, E, S]), max_size=15))
def test_any_tag_sequence_keeps_every_character(tags):
    text = "".join(chr(0x4E00 + i) for i in range(len(tags)))
    assert "".join(tags_to_words(text, tags)) == text


@given(st.lists(st.tuples(st.text(st.characters(codec=None), min_size=1), st.sampled_from([B, M, E, S])),
                max_size=12))
def test_words_come_out_whole_whatever_characters_they_hold(pieces):
    """Control characters (the separator texts_to_words cuts with is one the text lacks), lone surrogates and
    characters past the BMP come out as they went in."""
    text = "\x00\x01\ud800" + "".join(piece for piece, _ in pieces) + "\U0001F600"
    tags = [S, S, S] + [tag for piece, tag in pieces for _ in piece] + [S]
    assert "".join(tags_to_words(text, tags)) == text
    assert tags_to_words("\x00a\x00", [S, B, E]) == ["\x00", "a\x00"]


def test_illegal_sequences():
    assert not is_legal([M, E])
    assert not is_legal([B])
    assert not is_legal([S, E])
    assert not is_legal([B, S, E])
    with pytest.raises(ValueError, match="one tag per character"):
        tags_to_words("ab", [S])


def test_many_texts_are_cut_in_one_pass_each_keeping_its_own_characters():
    texts = ["我爱北京", "", "天安门", "好", ""]
    tags = [S, S, B, E, B, M, E, S]
    offsets = np.cumsum([0] + [len(t) for t in texts])
    assert texts_to_words("".join(texts), np.array(tags), offsets) == [["我", "爱", "北京"], [], ["天安门"], ["好"], []]
    # a word never runs from one text into the next, whatever the tags say
    assert texts_to_words("ab" + "cd", np.array([B, M, M, E]), np.array([0, 2, 4])) == [["ab"], ["cd"]]


def test_a_word_is_one_string_object_across_calls_that_share_a_dict():
    shared: dict[str, str] = {}
    first = texts_to_words("北京" + "北京", np.array([B, E, B, E]), np.array([0, 2, 4]), shared)
    second = texts_to_words("到北京", np.array([S, B, E]), np.array([0, 3]), shared)
    assert first == [["北京"], ["北京"]] and second == [["到", "北京"]]
    assert first[0][0] is first[1][0] is second[0][1]
