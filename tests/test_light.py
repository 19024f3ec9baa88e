"""The numpy engine against torch: the same outputs up to float32 rounding, the same tags and words from the
shipped models. (Needs torch, to compare with; the numpy engine's own tests run without it.)"""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

import zhtagger.core.light as light
from zhtagger.core.model import SequenceTagger, TaggerConfig
from zhtagger.registry import shipped_names
from zhtagger.tasks.cloze.predictor import Cloze
from zhtagger.tasks.engine import LightTagNet
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.tag.predictor import Tagger
from zhtagger.text.tags import RULES

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # present beside a checkout, not in every CI
PKU_TEST = DATA / "icwb2" / "testing" / "pku_test.utf8"
TEST_TEXTS = {"pku": PKU_TEST, "pku-pos": PKU_TEST, "ctb": DATA / "ctb6" / "test.txt"}
MIXED = ["我爱北京天安门。", "iPhone 15售价5999元，涨幅3.5%，比去年高１２．５％。", "", "南京市长江大桥",
         "详见https://apple.com/cn或写信给a.b@x.org！😀", "他说：“我们明天去上海。”" * 40, "邓小平和张三丰在1998年见面"]


DIRECTIONS = [("forward", "concat"), ("backward", "concat"),
              *(("bidirectional", m) for m in ("concat", "sum", "mul", "ave"))]


# an id channel's kept projections: all made at load, none (projected per batch), or room for 20 to 40 of them
TABLES = {"all": 2**30, "none": 0, "some": 20 * 2 * 28 * 4}


@pytest.mark.parametrize("direction, merge, layers, inputs, tables", [
    (d, m, n, i, t) for (d, m), n, i, t in itertools.product(DIRECTIONS, [1, 2], ["ids", "features"], TABLES)
    if i == "ids" or t == "all"])
def test_the_numpy_core_computes_what_the_torch_core_does(monkeypatch, direction, merge, layers, inputs, tables):
    monkeypatch.setattr(light, "TABLE_BYTES", TABLES[tables])
    ids = inputs == "ids"
    config = TaggerConfig(n_outputs=5, vocab_sizes=(30, 2000) if ids else (), embedding_dims=(6, 4) if ids else (),
                          n_features=0 if ids else 3, hidden=7, layers=layers, direction=direction, merge=merge)
    torch.manual_seed(0)
    model = SequenceTagger(config).eval()
    numpy_model = light.LightTagger(config, {k: v.numpy() for k, v in model.state_dict().items()})
    rng = np.random.default_rng(1)
    lengths = np.array([9, 3, 1, 7, 9])
    x = (np.stack([rng.integers(1, 30, (5, 9)), rng.integers(1, 2000, (5, 9))], -1) if ids
         else rng.random((5, 9, 3), dtype=np.float32))
    with torch.no_grad():
        expected = model(torch.from_numpy(x), torch.from_numpy(lengths)).numpy()
    real = np.arange(9)[None, :] < lengths[:, None]  # outputs at padding are meaningless
    np.testing.assert_allclose(numpy_model(x, lengths)[real], expected[real], rtol=1e-5, atol=1e-6)
    if ids:  # again, from what the first call kept (and, with room for some, what it could not keep)
        np.testing.assert_allclose(numpy_model(x[::-1], lengths[::-1])[real[::-1]], expected[::-1][real[::-1]],
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("joint_ids", [1, 2**17])
def test_input_columns_looked_up_apart_or_joined_compute_the_same(monkeypatch, joint_ids):
    monkeypatch.setattr(light, "JOINT_IDS", joint_ids)  # 1: a lookup a column; 2**17: the two smallest as one
    monkeypatch.setattr(light, "TABLE_BYTES", TABLES["some"])
    config = TaggerConfig(n_outputs=4, vocab_sizes=(30, 7, 700), embedding_dims=(6, 3, 4), hidden=7,
                          direction="bidirectional", merge="concat")
    torch.manual_seed(0)
    model = SequenceTagger(config).eval()
    numpy_model = light.LightTagger(config, {k: v.numpy() for k, v in model.state_dict().items()})
    assert len(numpy_model.channels) == (3 if joint_ids == 1 else 2)  # 30 * 7 * 700 > 2**17: 700 stays apart
    rng = np.random.default_rng(2)
    x = np.stack([rng.integers(0, size, (4, 8)) for size in (30, 7, 700)], -1)
    lengths = np.array([8, 5, 8, 2])
    with torch.no_grad():
        expected = model(torch.from_numpy(x), torch.from_numpy(lengths)).numpy()
    real = np.arange(8)[None, :] < lengths[:, None]
    np.testing.assert_allclose(numpy_model(x, lengths)[real], expected[real], rtol=1e-5, atol=1e-6)


def test_characters_and_bigrams_folded_into_one_column_compute_the_same():
    """A known bigram decides its first character, so the two columns are looked up as one; unknown bigrams
    and padding (and a bigram whose character is unknown) keep a row for every character."""
    config = TaggerConfig(n_outputs=4, vocab_sizes=(12, 40, 10), embedding_dims=(6, 5, 3), hidden=7,
                          direction="bidirectional", merge="concat")
    torch.manual_seed(0)
    model = SequenceTagger(config).eval()
    net = LightTagNet(config, {f"core.{k}": v.numpy() for k, v in model.state_dict().items()}, RULES)
    rng = np.random.default_rng(3)
    first_chars = rng.integers(1, 12, 40)  # 1: a bigram whose first character is unknown to the characters
    first_chars[:2] = -1  # padding and unknown stand for no bigram
    net.fold_bigrams(first_chars)
    bigram_ids = rng.integers(0, 40, (5, 9))
    chars = np.where(first_chars[bigram_ids] >= 0, first_chars[bigram_ids], rng.integers(0, 12, (5, 9)))
    x = np.stack([chars, bigram_ids, rng.integers(0, 10, (5, 9))], -1)
    lengths = np.array([9, 4, 9, 1, 6])
    with torch.no_grad():
        expected = model(torch.from_numpy(x), torch.from_numpy(lengths)).numpy()
    real = np.arange(9)[None, :] < lengths[:, None]
    assert len(net.core.channels) == 1  # one lookup a step
    np.testing.assert_allclose(net.logits(x, lengths)[real], expected[real], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", shipped_names("segment"))
def test_shipped_segmenters_cut_alike_in_both_engines(name):
    numpy_model, torch_model = Segmenter.load(name), Segmenter.load(name, engine="torch", precision="float32")
    assert numpy_model.lcut_batch(MIXED) == torch_model.lcut_batch(MIXED)
    if TEST_TEXTS[name].is_file():  # the whole test text, when the corpora are beside the checkout
        lines = TEST_TEXTS[name].read_text(encoding="utf-8").replace(" ", "").splitlines()
        assert numpy_model.lcut_batch(lines) == torch_model.lcut_batch(lines)


def test_the_shipped_ner_model_tags_alike_in_both_engines():
    numpy_model, torch_model = Tagger.load("ner"), Tagger.load("ner", engine="torch", precision="float32")
    texts = MIXED + (PKU_TEST.read_text(encoding="utf-8").splitlines() if PKU_TEST.is_file() else [])
    assert numpy_model.predict(texts) == torch_model.predict(texts)


def test_the_shipped_cloze_model_ranks_alike_in_both_engines():
    numpy_model, torch_model = Cloze.load(), Cloze.load(engine="torch")
    text = "我今天不舒服，我打算____一天。"
    assert [w for w, _ in numpy_model.fill(text, 20)] == [w for w, _ in torch_model.fill(text, 20)]
    candidates = ["去医院", "睡觉", "请假", "休息"]
    for (word, score), (torch_word, torch_score) in zip(numpy_model.rank(text, candidates),
                                                         torch_model.rank(text, candidates), strict=True):
        assert word == torch_word and score == pytest.approx(torch_score, abs=1e-4)


def test_bfloat16_and_float32_torch_engines_stay_available():
    assert Segmenter.load(engine="torch", precision="float32").net.core.output.weight.dtype == torch.float32
    fast = Segmenter.load(precision="bfloat16")  # torch: numpy has no bfloat16
    assert fast.net.core.output.weight.dtype == torch.bfloat16
    assert fast.lcut("我爱北京天安门") == ["我", "爱", "北京", "天安门"]
