"""Adapting a segmenter to a domain: fine-tuning from a model (--init), replay, lexicon words, new words."""

import json

import numpy as np
import pytest
import torch
from conftest import make_sentences

from zhtagger.cli import main
from zhtagger.core.config import TrainConfig
from zhtagger.modeldir import ModelDirError
from zhtagger.tasks.segment.adapt import grow_vocabularies, start_from, with_replay
from zhtagger.tasks.segment.config import FINE_TUNE, SegmenterConfig
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.train import train_segmenter
from zhtagger.text.lexicon import BEGIN, END, INSIDE
from zhtagger.text.newwords import discover_words
from zhtagger.text.vocab import UNKNOWN_ID

# the domain: words the tiny corpus never has, made of characters it never has
DOMAIN_WORDS = ["阿莫西林", "胃镜", "肠息肉", "幽门螺杆菌", "复查", "咳嗽", "发烧", "头孢"]


def domain_sentences(count: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    general = [word for sentence in make_sentences(count, seed) for word in sentence]
    return [[DOMAIN_WORDS[rng.integers(len(DOMAIN_WORDS))] if rng.random() < 0.4
             else general[(i * 7 + k) % len(general)] for k in range(rng.integers(3, 10))] for i in range(count)]


@pytest.fixture(scope="module")
def base_model(tiny_corpus, tmp_path_factory):
    train, dev = tiny_corpus
    out = tmp_path_factory.mktemp("base")
    config = SegmenterConfig(char_dim=16, bigram_dim=16, lexicon_dim=4, hidden=24, batch_size=16, min_bigram_count=1)
    train_segmenter(train, dev, out, config, TrainConfig(epochs=4, lr=1e-2, quiet=True))
    return out / "model"


def test_grown_vocabularies_leave_predictions_unchanged_until_training(base_model):
    """New characters and bigrams start as the unknown token's row: the model reads them as it did before."""
    original = Segmenter.load(base_model, engine="torch", precision="float32")
    texts = ["我喜欢阿莫西林和胃镜", "幽门螺杆菌复查", "今天我们在北京"]
    expected = original.lcut_batch(texts)
    grown = start_from(base_model)
    added = grow_vocabularies(grown, *counts_of(texts))
    assert added["added_characters"] == len(grown.chars) - len(original.chars) > 0
    assert added["unknown_characters"] == sum(c not in original.chars.index for c in "".join(texts))
    assert len(grown.chars) > len(original.chars) and len(grown.bigrams) > len(original.bigrams)
    assert grown.chars.tokens[: len(original.chars)] == original.chars.tokens
    new_rows = grown.net.core.embeddings[0].weight[len(original.chars) :]
    assert torch.equal(new_rows, grown.net.core.embeddings[0].weight[UNKNOWN_ID].expand_as(new_rows))
    assert grown.net.config.vocab_sizes[:2] == (len(grown.chars), len(grown.bigrams))
    assert grown.lcut_batch(texts) == expected


def counts_of(texts):
    from collections import Counter

    from zhtagger.text.vocab import bigrams

    bigram_counts = Counter(b for text in texts for b in bigrams(text))
    return Counter("".join(texts)), Counter({b: 2 * n for b, n in bigram_counts.items()})  # 2: often enough


def test_fine_tuning_learns_the_domain_and_saves_a_model_that_loads(base_model, tmp_path):
    train, dev = domain_sentences(300, 1), domain_sentences(60, 2)
    texts = ["".join(sentence) for sentence in dev]
    before = Segmenter.load(base_model).evaluate(dev).metrics["f1"]
    tuned, result = train_segmenter(train, dev, tmp_path, init=base_model,
                                    train_config=TrainConfig(epochs=3, lr=1e-2, quiet=True))
    assert result.best["f1"] > before + 0.05
    loaded = Segmenter.load(tmp_path / "model")
    assert loaded.lcut_batch(texts) == tuned.lcut_batch(texts)
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["extra"]["init"] == str(base_model)
    assert config["settings"] == json.loads((base_model / "config.json").read_text())["settings"]
    assert "阿" in loaded.chars.index and "阿莫" in loaded.bigrams.index
    assert {"胃镜", "北京"} <= loaded.train_words  # its training words and the domain's define OOV


def test_replay_mixes_a_fresh_share_of_the_original_text_into_every_epoch(tiny_corpus):
    segmenter = Segmenter.load("pku")
    domain = segmenter.encode(["胃镜复查", "阿莫西林一天三次"])
    replay = segmenter.encode(["".join(s) for s in tiny_corpus[0][:200]])
    joined, rows = with_replay(domain, replay, ratio=2.0)
    generator = torch.Generator().manual_seed(0)
    first, second = rows(generator), rows(generator)
    for epoch in (first, second):
        assert epoch[:2].tolist() == [0, 1]  # every domain piece, every epoch
        replayed = joined.lengths()[epoch[2:]].sum()
        assert 2 * len(domain.tags) <= replayed < 2 * len(domain.tags) + replay.lengths().max()
    assert first.tolist() != second.tolist()
    second_replayed = joined.padded(joined.ids, np.array([3]), 0)[0]  # rows: the 2 domain pieces, then replay's
    assert second_replayed.tolist() == replay.padded(replay.ids, np.array([1]), 0)[0].tolist()


def test_fine_tuning_with_replay_and_lexicon_words(base_model, tiny_corpus, tmp_path):
    train, dev = domain_sentences(100, 3), domain_sentences(20, 4)
    tuned, _ = train_segmenter(train, dev, tmp_path, init=base_model, replay=tiny_corpus[0], replay_ratio=1.0,
                               lexicon_words=["幽门螺杆菌", "肠息肉", "two words"],
                               train_config=TrainConfig(epochs=1, quiet=True))
    assert tuned.lexicon_words == {"幽门螺杆菌", "肠息肉"}  # a "word" with a space cannot be matched: left out
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["extra"]["replay"] == "sentences given in Python" and config["extra"]["replay_ratio"] == 1.0
    loaded = Segmenter.load(tmp_path / "model")
    assert loaded.lexicon_words == tuned.lexicon_words
    features = loaded.encode(["幽门螺杆菌"]).ids[:, -1] - 2
    assert features[0] & BEGIN and all(features[1:-1] & INSIDE) and features[-1] & END
    assert not all(Segmenter.load(base_model).encode(["幽门螺杆菌"]).ids[1:-1, -1] - 2 & INSIDE)  # jieba's alone


def test_lexicon_words_need_a_lexicon_channel():
    segmenter = Segmenter.load("pku")
    assert segmenter.add_lexicon_words(["幽门螺杆菌", "幽门螺杆菌"]) == 1
    features = segmenter.encode(["幽门螺杆菌"]).ids[:, -1] - 2
    assert features[0] & BEGIN and all(features[1:-1] & INSIDE) and features[-1] & END
    no_channel = Segmenter(segmenter.net, SegmenterConfig(lexicon_dim=0), segmenter.chars, segmenter.bigrams)
    with pytest.raises(ValueError, match="no lexicon channel"):
        no_channel.add_lexicon_words(["胃镜"])


def test_init_errors_come_before_training(base_model, tmp_path, capsys):
    (tmp_path / "train.txt").write_text("胃镜 复查\n阿莫西林 一天 三次\n", encoding="utf-8")
    with pytest.raises(ModelDirError, match="the shipped cloze model, not a segment model"):
        train_segmenter(tmp_path / "train.txt", init="cloze")
    with pytest.raises(ValueError, match="keeps the settings of the model it starts from"):
        train_segmenter(tmp_path / "train.txt", init=base_model, config=SegmenterConfig())
    run = ["train", "segment", "--train", str(tmp_path / "train.txt"), "--out", str(tmp_path / "run")]
    assert main([*run, "--init", "cloze"]) == 2
    assert "not a segment model" in capsys.readouterr().err
    assert main([*run, "--init", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert main([*run, "--init", "pku", "--hidden", "32", "--decoder", "crf"]) == 2
    assert "drop --hidden, --decoder" in capsys.readouterr().err
    assert main([*run, "--replay", str(tmp_path / "train.txt")]) == 2
    assert "give --init too" in capsys.readouterr().err
    assert main([*run, "--init", "pku", "--lexicon-dict", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_cli_fine_tunes_with_a_lexicon_dictionary(base_model, tmp_path, capsys):
    train, dev = domain_sentences(120, 5), domain_sentences(20, 6)
    for name, sentences in (("train", train), ("dev", dev)):
        (tmp_path / f"{name}.txt").write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf-8")
    (tmp_path / "terms.txt").write_text("幽门螺杆菌 3 n\n肠息肉\n", encoding="utf-8")
    assert main(["train", "segment", "--train", str(tmp_path / "train.txt"), "--dev", str(tmp_path / "dev.txt"),
                 "--out", str(tmp_path / "run"), "--init", str(base_model), "--epochs", "1",
                 "--lexicon-dict", str(tmp_path / "terms.txt"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "best dev F1" in out and "training characters" in out and "bigrams added to its vocabularies" in out
    config = json.loads((tmp_path / "run" / "model" / "config.json").read_text())
    assert config["train"]["lr"] == FINE_TUNE.lr and config["train"]["epochs"] == 1  # the defaults, --epochs
    assert config["extra"]["added_characters"] > 0
    assert Segmenter.load(tmp_path / "run").lexicon_words == {"幽门螺杆菌", "肠息肉"}


def test_new_words_hold_together_and_are_free_at_both_ends():
    rng = np.random.default_rng(0)
    fillers = list("的了是在我有他这中大来上国个到说们为子和你地出道也时年")
    texts = []
    for _ in range(300):
        words = [rng.choice(fillers) for _ in range(6)]
        words.insert(int(rng.integers(7)), "幽门螺杆菌" if rng.random() < 0.5 else "胃镜")
        texts.append("".join(words) + "，" + "".join(rng.choice(fillers) for _ in range(3)))
    found = {word.word: word for word in discover_words(texts, max_len=5)}
    assert {"幽门螺杆菌", "胃镜"} <= set(found)
    assert not {"幽门螺杆", "门螺杆菌", "幽门"} & set(found)  # parts of a word are not free at their cut end
    assert found["胃镜"].left_entropy > 2.5
    with pytest.raises(ValueError, match="no Chinese characters"):
        discover_words(["abc 123", ""])


@pytest.mark.parametrize("teacher", ["jieba", "self"])
def test_learning_from_raw_text_segmented_by_a_teacher(base_model, tmp_path, teacher):
    raw = ["".join(sentence) for sentence in domain_sentences(80, 7)]
    (tmp_path / "raw.txt").write_text("\n".join(raw[:40]) + "\n\n" + "\n".join(raw[40:]) + "\n", encoding="utf-8")
    tuned, result = train_segmenter(None, domain_sentences(20, 8), tmp_path, init=base_model,
                                    raw=[tmp_path / "raw.txt"], raw_teacher=teacher,
                                    train_config=TrainConfig(epochs=1, quiet=True))
    assert len(result.history) == 1
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["extra"]["raw_sentences"] == 80 and config["extra"]["raw_teacher"] == teacher
    assert config["extra"]["train_sentences"] == 80
    if teacher == "jieba":  # jieba's words are the training words: its dictionary knows these
        assert {"咳嗽", "发烧"} <= tuned.train_words
    assert tuned.lexicon_words and all(any(word in text for text in raw) for word in tuned.lexicon_words)
    assert set(config["extra"]) >= {"init", "raw_teacher"}


def test_new_words_join_the_lexicon_unless_asked_not_to(base_model, tmp_path):
    from zhtagger.tasks.segment.adapt import RawText, discovered_lexicon_words

    raw = RawText(["".join(sentence) for sentence in domain_sentences(80, 7)])
    found = discovered_lexicon_words(Segmenter.load(base_model), raw.texts)
    assert "肠息肉" in found and "咳嗽" not in found  # jieba's dictionary marks 咳嗽 already
    tuned, _ = train_segmenter(None, domain_sentences(20, 8), init=base_model, raw=raw, raw_words=False,
                               train_config=TrainConfig(epochs=1, quiet=True))
    assert not tuned.lexicon_words


def test_raw_text_errors(base_model, tmp_path, capsys):
    from zhtagger.tasks.segment.adapt import RawText

    (tmp_path / "latin.txt").write_text("abc 123\n\nxyz\n", encoding="utf-8")
    (tmp_path / "raw.txt").write_text("胃镜复查\n\n  \n阿莫西林\n", encoding="utf-8")
    with pytest.raises(ValueError, match="latin.txt: 3 lines and no Chinese characters"):
        RawText.read([tmp_path / "latin.txt"])
    raw = RawText.read([tmp_path / "raw.txt"])
    assert raw.texts == ["胃镜复查", "阿莫西林"] and raw.empty_lines == 2
    assert raw.describe() == "raw text: 4 lines, 8 characters (8 Chinese), 2 empty lines skipped"
    with pytest.raises(ValueError, match="give init"):
        train_segmenter(None, raw=raw)
    with pytest.raises(ValueError, match="nothing to train on"):
        train_segmenter(None, init=base_model)
    with pytest.raises(ValueError, match="teacher is one of jieba, self"):
        train_segmenter(None, init=base_model, raw=raw, raw_teacher="hmm")
    run = ["train", "segment", "--out", str(tmp_path / "run")]
    assert main([*run, "--raw", str(tmp_path / "raw.txt")]) == 2
    assert "--raw adapts a trained model: give --init too" in capsys.readouterr().err
    assert main([*run, "--init", str(base_model)]) == 2
    assert "give --train" in capsys.readouterr().err
    assert main([*run, "--init", str(base_model), "--raw", str(tmp_path / "latin.txt")]) == 2
    assert "no Chinese characters" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_cli_adapts_with_raw_text_alone(base_model, tmp_path, capsys):
    raw = ["".join(sentence) for sentence in domain_sentences(60, 9)]
    (tmp_path / "raw.txt").write_text("\n".join(raw) + "\n", encoding="utf-8")
    assert main(["train", "segment", "--init", str(base_model), "--raw", str(tmp_path / "raw.txt"),
                 "--out", str(tmp_path / "run"), "--epochs", "1", "-q"]) == 0
    out = capsys.readouterr().out
    assert "raw text: 60 lines" in out and "best dev F1" in out
    assert Segmenter.load(tmp_path / "run").lcut("胃镜复查")


def test_fine_tuning_a_segmenter_object_leaves_it_as_it_was(base_model, tmp_path):
    import pickle

    original = Segmenter.load(base_model, engine="torch", precision="float32")
    before = {name: tensor.clone() for name, tensor in original.net.state_dict().items()}
    chars = len(original.chars)
    tuned, _ = train_segmenter(domain_sentences(60, 10), domain_sentences(10, 11), init=original,
                               train_config=TrainConfig(epochs=1, quiet=True))
    assert len(original.chars) == chars and len(tuned.chars) > chars
    assert all(torch.equal(before[name], tensor) for name, tensor in original.net.state_dict().items())
    assert tuned.source is None  # trained here: pickled whole, weights and all
    copy = pickle.loads(pickle.dumps(tuned))
    texts = ["".join(sentence) for sentence in domain_sentences(10, 12)]
    assert copy.lcut_batch(texts) == tuned.lcut_batch(texts)
