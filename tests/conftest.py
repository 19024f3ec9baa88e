import importlib.util
import random

import pytest

# An inference-only install (pip install zhtagger, no torch) runs the rest: reading, scoring, the shipped models
# on the numpy engine, the command line, the layout. These need torch to train or to compare with it.
NEEDS_TORCH = ["test_model.py", "test_training.py", "test_decoding.py", "test_cumsum.py", "test_cloze.py",
               "test_segmenter.py", "test_contract.py", "test_modeldir.py", "test_optional.py", "test_light.py",
               "test_adapt.py", "test_distributed.py", "test_tag.py"]
collect_ignore = [] if importlib.util.find_spec("torch") else NEEDS_TORCH

# A made-up lexicon; sentences are random word sequences, so segmenting them needs knowing the words.
WORDS = [
    *"我 你 他 们 的 了 在 是 很 好 北京 上海 天安门 人民 银行 经济 发展 城市 今天 明天 学生 老师 喜欢".split(" "),
    *"学习 中文 电脑 手机 朋友 吃饭 睡觉 休息 请假 医院 一天 研究生 图书馆 自行车 中华人民共和国 。 ，".split(" "),
]


def make_sentences(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(WORDS) for _ in range(rng.randint(3, 12))] for _ in range(count)]


@pytest.fixture(scope="session")
def tiny_corpus() -> tuple[list[list[str]], list[list[str]]]:
    return make_sentences(600, 1), make_sentences(100, 2)


@pytest.fixture(scope="session")
def tiny_segmenter(tiny_corpus, tmp_path_factory):
    pytest.importorskip("torch")  # trained here
    from zhtagger.core.config import TrainConfig
    from zhtagger.tasks.segment.config import SegmenterConfig
    from zhtagger.tasks.segment.train import train_segmenter

    out = tmp_path_factory.mktemp("segmenter")
    train, dev = tiny_corpus
    config = SegmenterConfig(char_dim=16, bigram_dim=16, hidden=32, batch_size=16, min_bigram_count=1)
    segmenter, result = train_segmenter(train, dev, out, config, TrainConfig(epochs=6, lr=1e-2, quiet=True))
    return segmenter, result, out
