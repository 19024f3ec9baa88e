import json
import logging

import numpy as np
import pytest

from zhtagger.cli import main
from zhtagger.core.config import TrainConfig
from zhtagger.modeldir import ModelDirError
from zhtagger.tasks.segment.config import SegmenterConfig
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.train import train_segmenter


def test_tiny_corpus_trains_to_a_good_f1_in_seconds(tiny_segmenter, tiny_corpus):
    segmenter, result, out = tiny_segmenter
    assert result.best["f1"] > 0.9
    assert segmenter.evaluate(tiny_corpus[1]).f1 == pytest.approx(result.best["f1"])
    assert (out / "history.json").is_file() and (out / "curve.png").is_file()
    assert segmenter.lcut_batch(["我喜欢北京天安门"]) == [["我", "喜欢", "北京", "天安门"]]


def test_save_load_gives_identical_segmentation(tiny_segmenter, tiny_corpus):
    segmenter, _, out = tiny_segmenter
    loaded = Segmenter.load(out / "model")
    texts = ["".join(sentence) for sentence in tiny_corpus[1]]
    assert loaded.lcut_batch(texts) == segmenter.lcut_batch(texts)
    assert loaded.train_words == segmenter.train_words


def test_batched_equals_one_by_one(tiny_segmenter, tiny_corpus):
    segmenter, _, _ = tiny_segmenter
    texts = ["".join(sentence) for sentence in tiny_corpus[1][:20]] + ["", "我"]
    batched = segmenter.lcut_batch(texts)
    assert batched == [segmenter.lcut_batch([text])[0] for text in texts]
    for text, words in zip(texts, batched, strict=True):
        assert "".join(words) == text


@pytest.mark.parametrize("decoder", ["greedy", "viterbi"])
def test_decoders_and_unknown_characters(tiny_segmenter, decoder):
    segmenter, _, _ = tiny_segmenter
    text = "我喜欢𠀀火星ABC１２３学习"
    assert "".join(segmenter.lcut_batch([text], decoder)[0]) == text


def test_crf_variant_trains_and_round_trips(tiny_corpus, tmp_path):
    train, dev = tiny_corpus
    config = SegmenterConfig(char_dim=16, bigram_dim=0, hidden=16, batch_size=16, decoder="crf")
    segmenter, result = train_segmenter(train[:200], dev, tmp_path, config, TrainConfig(epochs=2, lr=1e-2, quiet=True))
    assert result.best["f1"] > 0.5
    loaded = Segmenter.load(tmp_path / "model")
    texts = ["".join(s) for s in dev[:10]]
    assert loaded.lcut_batch(texts) == segmenter.lcut_batch(texts)
    assert loaded.lcut_batch(texts, "viterbi")  # the CRF model's emissions also decode under the fixed rules


def test_crf_decoder_needs_a_crf_model(tiny_segmenter):
    segmenter, _, _ = tiny_segmenter
    with pytest.raises(ValueError, match="not trained with a CRF"):
        segmenter.lcut_batch(["我喜欢"], "crf")


def test_cli_train_and_eval(tiny_corpus, tmp_path, capsys):
    train, dev = tiny_corpus
    (tmp_path / "train.txt").write_text("\n".join("  ".join(s) for s in train[:300]) + "\n", encoding="utf-8")
    (tmp_path / "gold.txt").write_text("\n".join("  ".join(s) for s in dev) + "\n", encoding="utf-8")
    assert main(["train", "segment", "--train", str(tmp_path / "train.txt"), "--out", str(tmp_path / "run"),
                 "--epochs", "2", "--hidden", "16", "--char-dim", "16", "--bigram-dim", "8", "--lr", "0.01",
                 "--pretrain-self", "--lexicon-dim", "4", "--lexicon", "train", "--bigram-unk", "0.5", "-q"]) == 0
    assert "best dev F1" in capsys.readouterr().out
    config = json.loads((tmp_path / "run" / "model" / "config.json").read_text())
    assert config["task"] == "segment" and config["core"]["hidden"] == 16
    segmenter_config = config["settings"]
    assert segmenter_config["pretrain_self"] and segmenter_config["lexicon"] == "train"
    assert segmenter_config["bigram_unk"] == 0.5
    assert main(["eval", "segment", "--model", str(tmp_path / "run"), "--gold", str(tmp_path / "gold.txt"),
                 "--output", str(tmp_path / "pred.txt"), "--errors", str(tmp_path / "errors.txt"), "--seqeval"]) == 0
    out = capsys.readouterr().out
    assert "=== F MEASURE:" in out and "W" in out
    assert len((tmp_path / "pred.txt").read_text(encoding="utf-8").splitlines()) == len(dev)


def test_cli_errors(tmp_path, capsys):
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    assert main(["train", "segment", "--train", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "r")]) == 2
    assert "no sentences" in capsys.readouterr().err
    assert main(["train", "segment", "--train", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "r"),
                 "--bigram-unk", "sometimes"]) == 2
    assert "bigram-unk must be a number >= 0 or 'auto'" in capsys.readouterr().err
    assert main(["eval", "segment", "--model", str(tmp_path), "--gold", str(tmp_path / "empty.txt")]) == 2
    assert "not a zhtagger model directory" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_loading_a_cumsum_model_as_segmenter_fails(tmp_path):
    from zhtagger.tasks.cumsum.config import recipe_configs
    from zhtagger.tasks.cumsum.network import build_net
    from zhtagger.tasks.cumsum.predictor import Cumsum

    data, model, _ = recipe_configs("reference")
    Cumsum(build_net(model), data).save(tmp_path / "m")
    with pytest.raises(ModelDirError, match="holds a 'cumsum' model, not a 'segment' model"):
        Segmenter.load(tmp_path / "m")


def test_lexicon_features_mark_dictionary_words():
    from zhtagger.text.lexicon import BEGIN, END, INSIDE, Lexicon

    features = Lexicon(["北京", "天安门", "京天"]).features("我北京天安门")
    assert (features - 2).tolist() == [0, BEGIN, END | BEGIN, END | BEGIN, INSIDE, END]


def test_open_track_lexicon_channel_trains(tiny_corpus, tmp_path):
    train, dev = tiny_corpus
    config = SegmenterConfig(char_dim=8, bigram_dim=0, lexicon_dim=4, hidden=8, batch_size=32)
    segmenter, result = train_segmenter(train[:100], dev[:20], tmp_path, config, TrainConfig(epochs=1, quiet=True))
    assert segmenter.net.config.vocab_sizes[-1] == 10
    loaded = Segmenter.load(tmp_path / "model")
    assert loaded.lcut_batch(["我喜欢北京"]) == segmenter.lcut_batch(["我喜欢北京"])


def test_jackknifed_lexicon_features_match_each_block_against_the_others():
    from zhtagger.text.lexicon import BEGIN, END, Lexicon, jackknifed_features

    sentences = [["北京", "天安门"], ["北京", "大学"], ["天安门", "大学"], ["大学", "北京"]]
    # sentence 0 is cut into two pieces; the four sentences make two blocks of two
    pieces, piece_sentence = ["北京", "天安门", "北京大学", "天安门大学", "大学北京"], [0, 0, 1, 2, 3]
    features = jackknifed_features(sentences, pieces, np.array(piece_sentence), folds=2) - 2
    word = [BEGIN, END]
    # block 0 (sentences 0, 1) sees the words of block 1: 天安门, 大学, 北京 — but 北京 only from sentence 3
    assert features[:2].tolist() == word  # 北京
    assert features[2:5].tolist() == [BEGIN, 2, END]  # 天安门
    assert features[5:9].tolist() == word + word  # 北京大学
    # block 1 (sentences 2, 3) sees 北京, 天安门, 大学 (sentences 0, 1): everything is known there
    assert features[9:].tolist() == [BEGIN, 2, END] + word + word + word
    # a word only its own block has is not marked in training
    sentences = [["天安门"], ["北京"]]
    assert (jackknifed_features(sentences, ["天安门", "北京"], np.array([0, 1]), folds=2) - 2).tolist() == [0] * 5
    # whereas the lexicon of all the training words, used at prediction time, marks it
    assert (Lexicon(["天安门", "北京"]).features("天安门") - 2).tolist() == [BEGIN, 2, END]


def test_training_word_lexicon_trains_saves_and_loads(tiny_corpus, tmp_path):
    train, dev = tiny_corpus
    config = SegmenterConfig(char_dim=8, bigram_dim=0, lexicon_dim=4, lexicon="train", hidden=8, batch_size=32)
    segmenter, _ = train_segmenter(train[:100], dev[:20], None, config, TrainConfig(epochs=1, quiet=True))
    known = next(word for word in sorted(segmenter.train_words) if len(word) >= 2)
    assert (segmenter.lexicon().features(known) - 2).tolist()[0] & 1  # a training word begins there
    assert (segmenter.lexicon().features("火星") - 2).tolist() == [0, 0]  # jieba's words are not used
    # the lexicon is made of the training words, so they are saved even when asked to leave them out
    segmenter.save(tmp_path / "model", train_words=False)
    loaded = Segmenter.load(tmp_path / "model")
    assert loaded.train_words == segmenter.train_words and loaded.config.lexicon == "train"
    texts = ["".join(sentence) for sentence in dev[:20]]
    assert loaded.lcut_batch(texts) == segmenter.lcut_batch(texts)
    (tmp_path / "model" / "train_words.txt").unlink()
    with pytest.raises(ModelDirError, match="no train_words.txt, which its lexicon feature is made of"):
        Segmenter.load(tmp_path / "model")


# made-up POS tags for conftest.WORDS: r pronoun, u particle, d adverb, a adjective, t time, v verb, w punctuation
POS = {"我": "r", "你": "r", "他": "r", "们": "k", "的": "u", "了": "u", "在": "p", "是": "v", "很": "d", "好": "a",
       "今天": "t", "明天": "t", "喜欢": "v", "学习": "v", "吃饭": "v", "睡觉": "v", "休息": "v", "请假": "v",
       "发展": "v", "。": "w", "，": "w"}


def tagged(sentences):
    from zhtagger.text.corpus import Corpus

    return Corpus(sentences, pos=[[POS.get(word, "n") for word in sentence] for sentence in sentences])


def test_joint_pos_tagging_trains_segments_and_round_trips(tiny_corpus, tmp_path):
    import torch

    train, dev = tiny_corpus
    config = SegmenterConfig(char_dim=16, bigram_dim=16, hidden=32, batch_size=16, min_bigram_count=1, pos=True)
    segmenter, result = train_segmenter(tagged(train), dev, tmp_path, config,
                                        TrainConfig(epochs=4, lr=1e-2, quiet=True))
    assert result.best["f1"] > 0.9
    assert segmenter.config.pos_tags == ("a", "d", "k", "n", "p", "r", "t", "u", "v", "w")
    assert segmenter.net.core.config.n_outputs == 4 * 10  # one output per (BMES, POS) pair
    encoded = segmenter.encode(["我喜欢北京天安门"])
    batch = encoded.batch(np.arange(1))
    scores = segmenter.net(batch.inputs, batch.lengths)  # BMES log-probabilities, POS summed out
    assert scores.shape == (1, 8, 4) and torch.allclose(scores.exp().sum(-1), torch.ones(1, 8), atol=1e-5)
    loaded = Segmenter.load(tmp_path / "model")
    assert loaded.config.pos_tags == segmenter.config.pos_tags
    texts = ["".join(sentence) for sentence in dev]
    assert loaded.lcut_batch(texts) == segmenter.lcut_batch(texts)

    # words and tags: the same words as lcut_batch, tags the model learnt (numpy and torch engines alike)
    texts += ["他 喜欢 https://x.cn 2024", ""]
    tagged_words = loaded.pos_batch(texts)
    assert [[w for w, _ in row] for row in tagged_words] == loaded.lcut_batch(texts)
    assert segmenter.pos_batch(texts) == tagged_words
    learnt = [(w, t) for row in tagged_words[:-2] for w, t in row]
    assert all(t in loaded.config.pos_tags for _, t in learnt)
    assert sum(POS.get(w, "n") == t for w, t in learnt) >= 0.8 * len(learnt)  # 4 epochs of made-up text
    kept_whole = [(w, t) for w, t in tagged_words[-2] if not w.strip() or w.startswith("http")]
    assert kept_whole == [(" ", "x"), (" ", "x"), ("https://x.cn", "eng"), (" ", "x")]
    # each word's tag: the best sum of its characters' joint log-probabilities under their BMES tags
    from zhtagger.tasks.segment.light import joint_log_probs
    from zhtagger.text.tags import words_to_tags

    batch = next(loaded.encode([texts[0]]).prediction_batches(10_000))
    joint = joint_log_probs(loaded.net.logits(batch.inputs, batch.lengths), len(loaded.config.pos_tags))[0]
    bmes, start, expected = words_to_tags([w for w, _ in tagged_words[0]]), 0, []
    for word, _ in tagged_words[0]:
        sums = sum(joint[k, bmes[k]] for k in range(start, start + len(word)))
        expected.append(loaded.config.pos_tags[int(np.argmax(sums))])
        start += len(word)
    assert [t for _, t in tagged_words[0]] == expected

    from zhtagger.posseg import POSTokenizer
    from zhtagger.tokenizer import Tokenizer

    pairs = POSTokenizer(Tokenizer(model=tmp_path / "model")).lcut(texts[0])  # jieba's posseg on this model
    assert [(p.word, p.flag) for p in pairs] == tagged_words[0]
    loaded.add_word("天安门", tag="ns")  # a user word keeps its own tag
    assert ("天安门", "ns") in loaded.pos_batch(["我喜欢北京天安门"])[0]
    with pytest.raises(ValueError, match="no part-of-speech tags"):
        Segmenter.load("pku").pos_batch(["我"])


def test_joint_pos_tagging_needs_pos_tags_and_no_crf(tiny_corpus):
    from zhtagger.text.corpus import Corpus

    train, dev = tiny_corpus
    with pytest.raises(ValueError, match="has no POS tags to learn"):
        train_segmenter(train[:50], dev[:5], None, SegmenterConfig(pos=True), TrainConfig(quiet=True))
    with pytest.raises(ValueError, match="one POS tag for every word"):
        train_segmenter(Corpus(train[:2], pos=[["n"], ["n"]]), dev[:5], None, SegmenterConfig(pos=True))
    with pytest.raises(ValueError, match="decodes with viterbi or greedy, not crf"):
        SegmenterConfig(pos=True, decoder="crf")


def test_cli_trains_on_pos_tags_of_a_word_pos_file(tiny_corpus, tmp_path, capsys):
    train, _ = tiny_corpus
    lines = ["  ".join(f"{word}/{POS.get(word, 'n')}" for word in sentence) for sentence in train[:200]]
    (tmp_path / "train.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "words.txt").write_text("\n".join("  ".join(s) for s in train[:200]) + "\n", encoding="utf-8")
    args = ["train", "segment", "--epochs", "1", "--hidden", "8", "--char-dim", "8", "--bigram-dim", "8", "-q",
            "--pos"]
    assert main([*args, "--train", str(tmp_path / "train.txt"), "--format", "pos", "--out", str(tmp_path / "run")]) == 0
    saved = json.loads((tmp_path / "run" / "model" / "config.json").read_text())["settings"]
    assert saved["pos"] and len(saved["pos_tags"]) == 10
    assert main([*args, "--train", str(tmp_path / "words.txt"), "--out", str(tmp_path / "run2")]) == 2
    assert "has no POS tags to learn" in capsys.readouterr().err
    assert not (tmp_path / "run2").exists()


@pytest.mark.parametrize("settings, message", [
    (dict(lexicon="hownet"), "lexicon must be one of jieba, train"),
    (dict(dropout=1.0), "dropout must be in"),
    (dict(bigram_dim=-1), "bigram-dim and lexicon-dim must be >= 0"),
    (dict(hidden=0), "hidden"),
    (dict(bigram_unk=-1), "bigram-unk must be a number >= 0 or 'auto'"),
    (dict(bigram_unk="often"), "bigram-unk must be a number >= 0 or 'auto'"),
])
def test_bad_segmenter_settings_are_clear_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        SegmenterConfig(**settings)


def test_matching_unk_alpha_hits_the_target_rate():
    from zhtagger.tasks.segment.train import matching_unk_alpha

    seen = np.array([0, 1, 1, 3, 3, 3, 10, 100], dtype=np.float64)  # bigram counts; 0: unknown already
    alpha = matching_unk_alpha(seen, 0.5)
    rate = np.mean(np.where(seen > 0, alpha / (alpha + seen), 1.0))
    assert rate == pytest.approx(0.5, abs=1e-9)
    assert matching_unk_alpha(seen, 0.1) == 0.0  # 1 in 8 unknown already: nothing to add


def test_bigram_unk_reads_rare_bigrams_as_unknown_in_training_only(tiny_corpus, tmp_path):
    import torch

    train, dev = tiny_corpus
    dev = dev[:30] + [["火星", "文字", "新词"]] * 10  # bigrams training never had
    config = SegmenterConfig(char_dim=8, bigram_dim=8, hidden=8, batch_size=32, min_bigram_count=1,
                             bigram_unk="auto")
    segmenter, _ = train_segmenter(train[:200], dev, tmp_path, config, TrainConfig(epochs=1, quiet=True))
    alpha = segmenter.config.bigram_unk
    assert alpha > 0 and Segmenter.load(tmp_path / "model").config.bigram_unk == alpha  # the a used is kept
    encoded = segmenter.encode(["".join(s) for s in train[:200]])
    dev_rate = np.mean(segmenter.encode(["".join(s) for s in dev]).ids[:, 1] == 1)
    assert np.mean(encoded.ids[:, 1] == 1) < dev_rate  # why: training text knows all its bigrams
    counts = np.bincount(encoded.ids[:, 1], minlength=len(segmenter.bigrams)).astype(float)
    encoded.unknown = alpha / (alpha + counts[encoded.ids[:, 1]])
    rates = [np.mean(np.concatenate([b.inputs[..., 1][b.mask()].numpy() for b in
                                     encoded.batches(32, torch.Generator().manual_seed(seed))]) == 1)
             for seed in range(20)]
    assert np.mean(rates) == pytest.approx(dev_rate, abs=0.02)  # as many unknowns as the dev text has
    before = encoded.ids.copy()
    encoded.batches(32, torch.Generator().manual_seed(0))
    assert np.array_equal(encoded.ids, before)  # each epoch draws afresh; the encoded corpus is untouched


def test_pretrained_embeddings_from_raw_text(tiny_corpus, tmp_path):
    from conftest import make_sentences

    raw = tmp_path / "raw.txt"
    lines = ["".join(s) for s in make_sentences(200, 7)] + ["火星文字", "火星文字 新词"]
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    train, dev = tiny_corpus
    config = SegmenterConfig(char_dim=8, bigram_dim=8, hidden=8, batch_size=32, pretrain=(str(raw),))
    segmenter, _ = train_segmenter(train[:100], dev[:20], None, config, TrainConfig(epochs=1, quiet=True))
    assert "火星" in segmenter.bigrams.index  # a bigram only the raw text has gets a (pretrained) row
    assert segmenter.config.pretrain == (str(raw),)


def test_datasets_encoding_equals_direct_encoding(tiny_segmenter, tiny_corpus, tmp_path):
    import numpy as np

    from zhtagger.tasks.segment.data import encode_training
    from zhtagger.text.tags import words_to_tags

    segmenter, _, _ = tiny_segmenter
    sentences = tiny_corpus[1]
    via_datasets = encode_training(segmenter.encode, sentences, None, (), ["key"], tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("segment-*.arrow"))) == 1
    cached = encode_training(segmenter.encode, sentences, None, (), ["key"], tmp_path / "cache")  # from the Arrow file
    assert np.array_equal(cached.ids, via_datasets.ids)
    direct = segmenter.encode(["".join(s) for s in sentences], [words_to_tags(s) for s in sentences])
    for name in ("ids", "tags", "offsets"):
        assert np.array_equal(getattr(via_datasets, name), getattr(direct, name))


def test_vectorised_token_codes_equal_one_by_one():
    from zhtagger.text.vocab import END, Vocabulary, bigram_codes, char_codes, token_code, token_codes

    tokens = Vocabulary(["北", "北京", "京" + END, "a", "ab", "😀", "😀x", "\ud800", "abc"]).tokens
    assert token_codes(tokens).tolist() == [token_code(t) for t in tokens]
    vocab = Vocabulary(["京" + END, "北京", "北"])
    codes = char_codes("北京")
    assert vocab.code_ids(codes).tolist() == [vocab.index["北"], 1]
    bigram_ids = vocab.code_ids(bigram_codes(codes, np.array([0, 2])))
    assert bigram_ids.tolist() == [vocab.index["北京"], vocab.index["京" + END]]


def test_cli_aligns_the_corpus_to_a_word_list(tiny_corpus, tmp_path, capsys):
    train, _ = tiny_corpus
    (tmp_path / "train.txt").write_text("\n".join("  ".join(s) for s in train[:200]) + "\n", encoding="utf-8")
    merged = sorted({word for sentence in train[:200] for word in sentence if len(word) > 1})[0]
    listed = {word for sentence in train[:200] for word in sentence} - {merged} | set(merged)
    (tmp_path / "words.txt").write_text("\n".join(sorted(listed)) + "\n", encoding="utf-8")
    args = ["train", "segment", "--epochs", "1", "--hidden", "8", "--char-dim", "8", "--bigram-dim", "8", "-q",
            "--train", str(tmp_path / "train.txt")]
    assert main([*args, "--out", str(tmp_path / "run"), "--align-to", str(tmp_path / "words.txt")]) == 0
    assert f"missing from {tmp_path / 'words.txt'}, e.g. {merged} " in capsys.readouterr().out
    model = Segmenter.load(tmp_path / "run" / "model")
    assert merged not in model.train_words and model.train_words <= listed
    (tmp_path / "none.txt").write_text("\n\n", encoding="utf-8")
    assert main([*args, "--out", str(tmp_path / "run2"), "--align-to", str(tmp_path / "none.txt")]) == 2
    assert "none.txt: no words to align to" in capsys.readouterr().err
    assert not (tmp_path / "run2").exists()


def test_training_without_a_terminal_logs_progress_lines(tiny_corpus, tmp_path, caplog):
    train, _ = tiny_corpus
    (tmp_path / "train.txt").write_text("\n".join("  ".join(s) for s in train[:200]) + "\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="zhtagger.core.training"):
        assert main(["train", "segment", "--train", str(tmp_path / "train.txt"), "--out", str(tmp_path / "run"),
                     "--epochs", "1", "--hidden", "8", "--char-dim", "8", "--bigram-dim", "8"]) == 0
    messages = [record.getMessage() for record in caplog.records]
    assert any("epoch 1/1: 100% of" in m for m in messages) and any(m.startswith("after epoch 1") for m in messages)


def test_a_lexicon_read_from_dictionary_text_holds_the_same_words_as_one_from_a_word_list():
    from zhtagger.text.lexicon import Lexicon

    text = "北京 3 ns\n天安门 2\r\n南京市长\n长江大桥 5 n\n\n我们 1 r"
    from_text = Lexicon.of_dictionary_text(text)
    from_words = Lexicon(["北京", "天安门", "南京市长", "长江大桥", "我们"])
    sentence = "我们在北京天安门和南京市长江大桥"
    assert from_text.features(sentence).tolist() == from_words.features(sentence).tolist()
    assert {size: len(index) for size, index in from_text.hashes.items()} == {2: 2, 3: 1, 4: 2}
