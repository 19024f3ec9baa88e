"""Cloze: blanks, masking, the loss at masked steps only, ranking any candidate, save/load, a tiny corpus."""

import random

import numpy as np
import pytest
import torch

from zhtagger.cli import main
from zhtagger.core.config import TrainConfig
from zhtagger.core.training import Batch
from zhtagger.tasks.cloze.config import ClozeConfig, Unit
from zhtagger.tasks.cloze.data import MASK, MASK_ID, encode_pieces, parse_blank
from zhtagger.tasks.cloze.evaluate import evaluate_cloze, make_probes, summarise, unigram_baseline
from zhtagger.tasks.cloze.network import ClozeNet, build_net
from zhtagger.tasks.cloze.predictor import Cloze
from zhtagger.tasks.cloze.train import train_cloze
from zhtagger.text.vocab import Vocabulary

OBJECTS = {"吃": ["饭", "苹果", "面条"], "喝": ["水", "茶", "咖啡"], "骑": ["自行车", "马"], "看": ["书", "电影"],
           "去": ["医院", "学校", "公园"], "打": ["篮球", "电话"]}


def make_sentences(count: int, seed: int) -> list[list[str]]:
    """Subject, time, verb, object: the object tells the verb (right context), the verb narrows the object."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(count):
        verb = rng.choice(list(OBJECTS))
        sentences.append([rng.choice(["我", "你", "他", "我们", "老师"]), rng.choice(["今天", "明天", "昨天"]), verb,
                          rng.choice(OBJECTS[verb]), "。"])
    return sentences


@pytest.fixture(scope="module")
def tiny_cloze(tmp_path_factory):
    out = tmp_path_factory.mktemp("cloze")
    config = ClozeConfig(embedding_dim=32, hidden=32, min_count=1, batch_size=32, mask_rate=0.3)
    model, result = train_cloze(make_sentences(3000, 1), make_sentences(300, 2), out, config,
                                TrainConfig(epochs=4, lr=1e-2, quiet=True))
    return model, out


@pytest.mark.parametrize("text, parts", [
    ("我打算____一天。", ("我打算", "一天。")), ("我打算＿＿一天", ("我打算", "一天")),
    ("我打算[MASK]一天", ("我打算", "一天")), ("____", ("", "")), ("我打算＿一天", ("我打算", "一天")),
])
def test_blanks_are_parsed(text, parts):
    assert parse_blank(text) == parts


@pytest.mark.parametrize("text, message", [("我打算一天", "no blank"), ("我____打算[MASK]一天", "2 blanks"),
                                           ("user_name 里只有一个下划线", "no blank")])
def test_no_blank_or_several_is_a_clear_error(text, message):
    with pytest.raises(ValueError, match=message):
        parse_blank(text)


def test_masking_only_words_and_the_loss_only_at_masked_steps():
    words = Vocabulary([MASK, "我", "吃", "饭", "。"])
    data = encode_pieces([["我", "吃", "饭", "。"], ["。", "我"]], words, max_words=64)
    assert data.maskable.tolist() == [[True, True, True, False], [False, True, False, False]]
    config = ClozeConfig(embedding_dim=8, hidden=8, mask_rate=0.5, batch_size=2)
    for seed in range(5):
        (batch,) = data.batches(config, torch.Generator().manual_seed(seed))
        masked = batch.inputs == MASK_ID
        assert torch.equal(masked, batch.targets > 0)  # targets exactly where the inputs are masked
        assert masked.sum(1).min() >= 1 and not (masked & ~torch.from_numpy(data.maskable[:, : masked.size(1)])).any()
    # the loss is the mean negative log-probability of the answers at the masked steps, and nothing else
    net = build_net(config, len(words)).eval()
    inputs = torch.tensor([[3, MASK_ID, 5, MASK_ID]])
    targets = torch.tensor([[0, 4, 0, 6]])
    loss = ClozeNet.loss(net, Batch(inputs, targets, torch.tensor([4])))
    scores = net.masked_scores(inputs, torch.tensor([4]), targets > 0)  # (2, V): steps 1 and 3
    torch.testing.assert_close(loss, -(scores[0, 4] + scores[1, 6]) / 2)


def test_tiny_corpus_beats_the_unigram_baseline(tiny_cloze):
    model, _ = tiny_cloze
    probes = make_probes(make_sentences(400, 3), model.words, n=400, seed=0)
    ours, unigram = evaluate_cloze(model, probes), unigram_baseline(probes, model.words)
    assert ours["acc1"] > unigram["acc1"] + 0.2 and ours["five_way"] > unigram["five_way"] + 0.3, (ours, unigram)


def test_a_character_model_masks_whole_words():
    chars = Vocabulary([MASK, *"我吃苹果饭。"])
    data = encode_pieces([["我", "吃", "苹果", "。"], ["。", "吃", "饭"]], chars, max_words=64, unit=Unit.CHAR)
    assert data.lengths.tolist() == [5, 3]
    assert data.word_start.tolist() == [[0, 1, 2, 2, 4], [0, 1, 2, 0, 0]]
    config = ClozeConfig(embedding_dim=8, hidden=8, mask_rate=0.5, batch_size=2, unit="char")
    for seed in range(10):
        (batch,) = data.batches(config, torch.Generator().manual_seed(seed))
        masked = batch.inputs == MASK_ID
        assert torch.equal(masked, batch.targets > 0) and masked.sum(1).min() >= 1
        rows = {int(n): row for n, row in zip(batch.lengths, masked.tolist(), strict=True)}
        assert rows[5][2] == rows[5][3] and not rows[5][4] and not rows[3][0]  # 苹果 whole, never 。


def test_a_tiny_character_model_picks_the_object_from_its_context(tiny_cloze):
    word_model, _ = tiny_cloze
    config = ClozeConfig(embedding_dim=32, hidden=32, min_count=1, batch_size=32, mask_rate=0.3, unit="char")
    model, result = train_cloze(make_sentences(3000, 1), make_sentences(300, 2), None, config,
                                TrainConfig(epochs=4, lr=1e-2, quiet=True))
    assert len(model.words) == 3 + len({ch for s in make_sentences(3000, 1) for w in s for ch in w})
    assert result.best["five_way"] > 0.5  # chance: 0.2
    probes = make_probes(make_sentences(200, 3), word_model.words, n=200, seed=0)
    assert set(evaluate_cloze(model, probes)) == {"five_way", "n"}
    ranked = [word for word, _ in model.rank("他明天骑____。", ["咖啡", "自行车", "医院"])]
    assert ranked[0] == "自行车"  # three characters against two: lengths differ, the context decides


def test_metrics_from_ranks_count_unknown_answers_as_misses():
    ranks = np.array([1, 3, 0, 7])  # 0: the answer is not in the vocabulary
    metrics = summarise(ranks, np.array([True, False, False, True]))
    assert metrics == pytest.approx({"acc1": 0.25, "acc5": 0.5, "mrr": (1 + 1 / 3 + 1 / 7) / 4, "five_way": 0.5,
                                     "n": 4})


def test_right_context_decides(tiny_cloze):
    model, _ = tiny_cloze
    ranked = [word for word, _ in model.rank("我今天____咖啡。", ["吃", "喝", "骑"])]
    assert ranked[0] == "喝"
    assert model.fill("他明天____自行车。", k=1)[0][0] == "骑"


def test_rank_takes_candidates_of_any_length_and_unknown_words(tiny_cloze):
    model, _ = tiny_cloze
    ranked = dict(model.rank("我今天去____。", ["医院", "学校公园", "图书馆", "水"]))
    assert set(ranked) == {"医院", "学校公园", "图书馆", "水"}
    assert all(np.isfinite(v) for v in ranked.values())
    assert ranked["医院"] > ranked["学校公园"] > ranked["图书馆"]  # unknown words pay for <unk>'s rare words
    with pytest.raises(ValueError, match="non-empty candidates"):
        model.rank("我____", [])


def test_save_load_gives_identical_scores(tiny_cloze, tmp_path):
    model, out = tiny_cloze
    model.save(tmp_path / "m")
    again = Cloze.load(tmp_path / "m", engine="torch")
    assert again.fill("我今天____饭。") == model.fill("我今天____饭。")
    assert again.rank("我今天____饭。", ["吃", "喝茶"]) == model.rank("我今天____饭。", ["吃", "喝茶"])
    light = Cloze.load(tmp_path / "m")  # numpy: the same words, probabilities equal to float32 rounding
    text = "我今天____饭。"
    for (word, p), (light_word, light_p) in zip(model.fill(text), light.fill(text), strict=True):
        assert word == light_word and light_p == pytest.approx(p, rel=1e-4, abs=1e-9)
    best = Cloze.load(out / "model")  # the best epoch, saved during training
    assert best.words.tokens == model.words.tokens and len(best.fill("我____饭", k=3)) == 3


def test_cli_cloze_and_train(tiny_cloze, tmp_path, capsys):
    model, out = tiny_cloze
    assert main(["cloze", "我今天____咖啡。", "-m", str(out / "model"), "--candidates", "吃,喝,骑"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header == "candidate\tlog-probability"
    assert len(lines) == 3 and {line.split("\t")[0] for line in lines} == {"吃", "喝", "骑"}
    assert main(["cloze", "我今天没有空", "-m", str(out / "model")]) == 2
    assert "no blank" in capsys.readouterr().err
    train = tmp_path / "train.txt"
    train.write_text("".join(" ".join(s) + "\n" for s in make_sentences(300, 5)), encoding="utf-8")
    assert main(["train", "cloze", "--train", str(train), "--format", "words", "--out", str(tmp_path / "run"),
                 "--embedding-dim", "8", "--hidden", "8", "--epochs", "1", "--min-count", "1", "--dropout", "0.1",
                 "--lr-decay", "0.9", "--layers", "2", "-q"]) == 0
    stacked = Cloze.load(tmp_path / "run" / "model")
    assert stacked.config.layers == 2 and len(stacked.net.core.layers) == 2 and stacked.fill("我____饭", k=3)
    assert main(["train", "cloze", "--train", str(train), "--format", "words", "--out", str(tmp_path / "chars"),
                 "--unit", "char", "--embedding-dim", "8", "--hidden", "8", "--epochs", "1", "--min-count", "1",
                 "-q"]) == 0
    chars = Cloze.load(tmp_path / "chars" / "model")
    assert chars.config.unit is Unit.CHAR and all(len(word) == 1 for word, _ in chars.fill("我____饭", k=3))


def test_sampler_draws_as_often_as_its_correction_assumes():
    from zhtagger.tasks.cloze.network import log_expected_counts, sample_words

    torch.manual_seed(0)
    vocab, draws = 40, 200_000
    counts = torch.bincount(sample_words(draws, vocab), minlength=vocab).float()
    assert counts[0] == 0 and counts[MASK_ID] == 0  # never <pad> or <mask>; <unk> (id 1) is drawn
    for word in (1, 3, 4, 10, 39):
        expected = log_expected_counts(torch.tensor([word]), draws, vocab).exp().item()
        assert abs(counts[word].item() - expected) < 0.05 * expected + 30, (word, counts[word], expected)


def test_fill_gives_a_probability_distribution_over_words(tiny_cloze):
    model, _ = tiny_cloze
    filled = model.fill("他明天____自行车。", k=len(model.words))
    assert abs(sum(p for _, p in filled) - 1) < 1e-3 and filled[0][1] > 0.5
    assert not {"。", "<unk>", "<mask>", "<pad>"} & {w for w, _ in filled}


def test_the_shipped_model_uses_the_right_context():
    model = Cloze.load()  # package data, offline
    ranked = [word for word, _ in model.rank("我今天不舒服，我打算____一天。", ["去医院", "睡觉", "请假", "休息"])]
    assert ranked[-1] == "去医院"
    words = [word for word, _ in model.fill("中国的首都是____。", k=5)]
    assert len(words) == 5 and all(not w.isspace() for w in words)


@pytest.mark.parametrize("option, value, message", [
    ("mask_rate", 0.0, "mask-rate must be in"), ("dropout", 1.0, "dropout must be in"),
    ("sampled", -1, "sampled must be"), ("unit", "byte", "unit must be one of"), ("hidden", 0, "hidden"),
    ("layers", 0, "layers"),
])
def test_invalid_cloze_settings_are_clear_errors(option, value, message):
    with pytest.raises(ValueError, match=message):
        ClozeConfig(**{option: value})
