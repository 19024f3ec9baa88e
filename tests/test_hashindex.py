"""The numpy hash table behind vocabulary and lexicon lookups: every key found with its value, nothing else."""

import numpy as np
import pytest

from zhtagger.text.hashindex import EMPTY, HashIndex


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 50_000])
def test_every_key_is_found_with_its_value_and_no_other_query_is(n):
    rng = np.random.default_rng(n)
    keys = rng.integers(0, 2**63, n, dtype=np.int64)
    index = HashIndex(keys, np.arange(n))
    assert len(index) == len(set(keys.tolist()))
    assert (index.get(keys, -1) == np.arange(n)).all()
    others = rng.integers(0, 2**63, 2 * n + 10, dtype=np.int64)
    others = others[~np.isin(others, keys)]
    assert (index.get(others, -1) == -1).all() and not index.contains(others).any()


def test_keys_that_share_home_slots_are_all_kept():
    keys = np.arange(0, 64 * 2**20, 2**20, dtype=np.uint64)  # small tables: many keys per home slot, long runs
    index = HashIndex(keys, np.arange(64) * 10)
    assert (index.get(keys, -1) == np.arange(64) * 10).all()
    assert (index.get(keys + 1, -1) == -1).all()


def test_a_repeated_key_keeps_its_first_value_and_the_empty_marker_is_refused():
    assert HashIndex(np.array([5, 5, 6]), np.array([1, 2, 3])).get(np.array([5, 6]), 0).tolist() == [1, 3]
    with pytest.raises(ValueError, match="below 2"):
        HashIndex(np.array([EMPTY]))
    with pytest.raises(TypeError, match="without values"):
        HashIndex(np.array([5])).get(np.array([5]), 0)  # a membership table keeps no values


def test_lexicon_matches_exactly_the_dictionary_words():
    """Every window of the text is a word exactly when the dictionary lists it: characters one code point
    apart (国 U+56FD, 图 U+56FE) included, which a hash that only cleared its lowest bit confused."""
    import random

    from zhtagger.text.lexicon import BEGIN, END, INSIDE, MAX_WORD, Lexicon

    rng = random.Random(0)
    alphabet = [chr(0x56FC + k) for k in range(6)]  # adjacent code points
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(2, MAX_WORD))) for _ in range(60)}
    text = "".join(rng.choice(alphabet) for _ in range(3000))
    expected = [0] * len(text)
    for start in range(len(text)):
        for size in range(2, MAX_WORD + 1):
            if text[start : start + size] in words and start + size <= len(text):
                expected[start] |= BEGIN
                for k in range(1, size - 1):
                    expected[start + k] |= INSIDE
                expected[start + size - 1] |= END
    assert (Lexicon(words).features(text) - 2).tolist() == expected
    assert (Lexicon(["国图"]).features("国国国图") - 2).tolist() == [0, 0, BEGIN, END]
