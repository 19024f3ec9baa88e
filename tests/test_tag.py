"""Training, saving, loading, fine-tuning and the command line of the tagger for any tag set."""

import json
import pickle
import random

import numpy as np
import pytest

from zhtagger.cli import main
from zhtagger.core.config import TrainConfig
from zhtagger.tasks.tag.config import TaggingConfig
from zhtagger.tasks.tag.predictor import Tagger
from zhtagger.tasks.tag.train import train_tagger
from zhtagger.text.schemes import Scheme, SchemeError, tags_of_chunks
from zhtagger.text.tagdata import TaggedCorpus

NAMES = {"PER": ["张三", "李四", "王小明", "赵敏", "欧阳锋"], "LOC": ["北京", "上海", "广州", "西安", "杭州"],
         "ORG": ["联合国", "新华社", "红十字会", "世界银行"]}
TEMPLATES = ["{PER}在{LOC}工作。", "{PER}是{ORG}的老师，", "我们去{LOC}看{PER}了", "{ORG}在{LOC}开会", "今天天气很好"]
SMALL = TaggingConfig(char_dim=16, bigram_dim=16, lexicon_dim=0, hidden=32, batch_size=8, dropout=0.1)
QUICK = TrainConfig(epochs=8, lr=1e-2, quiet=True)


def make_corpus(count: int, seed: int, kinds=("PER", "LOC")) -> TaggedCorpus:
    rng = random.Random(seed)
    texts, chunks = [], []
    for _ in range(count):
        template = rng.choice([t for t in TEMPLATES if all(f"{{{k}}}" not in t or k in kinds for k in NAMES)])
        text, row = "", []
        for part in template.replace("{", "}{").split("}"):
            if part.startswith("{"):
                name = rng.choice(NAMES[part[1:]])
                row.append((len(text), len(text) + len(name), part[1:]))
                text += name
            else:
                text += part
        texts.append(text)
        chunks.append(row)
    return TaggedCorpus(texts, chunks, "made up")


def write_bio(path, corpus: TaggedCorpus):
    lines = []
    for text, row in zip(corpus.texts, corpus.chunks, strict=True):
        lines += [f"{c} {t}" for c, t in zip(text, tags_of_chunks(len(text), row, Scheme.BIO), strict=True)] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("tagger")
    tagger, result = train_tagger(make_corpus(300, 1), make_corpus(60, 2), out, SMALL, QUICK)
    return tagger, result, out


def test_learns_the_entities(trained):
    tagger, result, out = trained
    assert result.best["f1"] > 0.95
    assert (out / "model" / "config.json").is_file() and (out / "history.json").is_file()
    assert tagger.evaluate(make_corpus(50, 3)).f1 > 0.95
    assert tagger.entities("李四在杭州工作。") == [("李四", "PER", 0, 2), ("杭州", "LOC", 3, 5)]


def test_save_load_engines_batch_and_pickle_agree(trained, tmp_path):
    tagger, _, out = trained
    texts = make_corpus(40, 4).texts + ["", " ", "张三\n在 北京"]
    expected = tagger.predict(texts)
    light = Tagger.load(out / "model")
    assert light.predict(texts) == expected  # numpy engine
    assert Tagger.load(out / "model", engine="torch").predict(texts) == expected
    assert [light.predict([text])[0] for text in texts] == expected  # batch == one by one
    assert pickle.loads(pickle.dumps(light)).predict(texts) == expected  # travels as its path
    tagger.save(tmp_path / "again")
    assert Tagger.load(tmp_path / "again").predict(texts) == expected


def test_offsets_index_the_input_and_pieces_join(trained):
    tagger = trained[0]
    long = "王小明在西安工作。" * 200  # longer than one piece
    for text in [long, "x张三y", "", "北京"]:
        for entity, _, start, end in tagger.entities(text):
            assert text[start:end] == entity
        assert "".join(piece for piece, _ in tagger.tag(text)) == text
    assert len(tagger.entities(long)) == 400


def test_decoders_keep_the_scheme(trained):
    tagger = trained[0]
    texts = make_corpus(20, 5).texts
    for decoder in ("viterbi", "crf"):
        from zhtagger.text.schemes import is_legal

        assert all(is_legal(row, tagger.config.scheme) for row in tagger.predict(texts, decoder))


def test_fine_tuning_grows_the_outputs(trained, tmp_path):
    from zhtagger.tasks.tag.train import grown

    tagger, _, out = trained
    texts = make_corpus(30, 6).texts
    bigger = grown(Tagger.load(out / "model", engine="torch", precision="float32"), ["B-ORG", "I-ORG", "E-ORG",
                                                                                    "S-ORG"])
    assert bigger.config.tags[-4:] == ("B-ORG", "I-ORG", "E-ORG", "S-ORG")
    assert bigger.predict(texts) == tagger.predict(texts)  # new outputs are not chosen before training
    tuned, result = train_tagger(make_corpus(300, 7, ("PER", "LOC", "ORG")), make_corpus(60, 8, ("PER", "LOC", "ORG")),
                                 tmp_path, None, QUICK, init=out / "model")
    assert "S-ORG" in tuned.config.tags and result.best["f1"] > 0.9
    assert ("联合国", "ORG", 0, 3) in tuned.entities("联合国在上海开会")


def test_starts_from_a_segmenter(tiny_segmenter, tmp_path):
    segmenter = tiny_segmenter[0]
    tagger, _ = train_tagger(make_corpus(100, 9), make_corpus(20, 10), None, TaggingConfig(dropout=0.1),
                             TrainConfig(epochs=1, quiet=True), init=tiny_segmenter[2])
    assert tagger.config.hidden == segmenter.config.hidden and tagger.net.config.n_outputs == 9
    assert len(tagger.chars) >= len(segmenter.chars)  # grown with the new text's characters


def test_breaking_data_is_refused_unless_repaired(tmp_path):
    path = tmp_path / "bad.bio"
    path.write_text("张 B-PER\n三 I-PER\n\n在 O\n北 I-LOC\n京 I-LOC\n", encoding="utf-8")
    with pytest.raises(SchemeError, match=r"bad.bio: 1 tags break the scheme: line 5: I-LOC does not continue O"):
        train_tagger(path, path, None, SMALL, TrainConfig(epochs=1, quiet=True), format="bio")
    tagger, _ = train_tagger(path, path, None, SMALL, TrainConfig(epochs=1, quiet=True), format="bio", repair=True)
    assert tagger.config.tags == ("O", "B-LOC", "I-LOC", "E-LOC", "S-LOC", "B-PER", "I-PER", "E-PER", "S-PER")


def test_command_line(tmp_path, capsys):
    train = write_bio(tmp_path / "train.bio", make_corpus(300, 1))
    dev = write_bio(tmp_path / "dev.bio", make_corpus(60, 2))
    args = ["train", "tag", "--train", str(train), "--dev", str(dev), "--out", str(tmp_path / "run"), "--format", "bio",
            "--char-dim", "16", "--bigram-dim", "16", "--lexicon-dim", "0", "--hidden", "32", "--dropout", "0.1",
            "--batch-size", "8", "--epochs", "8", "--lr", "0.01", "-q"]
    assert main(args) == 0
    assert "best dev F1" in capsys.readouterr().out
    model = str(tmp_path / "run")
    assert main(["eval", "tag", "--model", model, "--gold", str(dev), "--format", "bio", "--errors",
                 str(tmp_path / "errors.txt"), "--json", str(tmp_path / "m.json")]) == 0
    assert "strict F1" in capsys.readouterr().out and "most often missed" in (tmp_path / "errors.txt").read_text()
    assert json.loads((tmp_path / "m.json").read_text())["metrics"]["f1"] > 0.9
    (tmp_path / "in.txt").write_text("李四在杭州工作。\n\n赵敏是新华社的老师\r\n", encoding="utf-8")
    assert main(["ner", "-m", model, str(tmp_path / "in.txt"), "-o", str(tmp_path / "out.jsonl")]) == 0
    lines = (tmp_path / "out.jsonl").read_bytes().decode().split("\n")
    assert json.loads(lines[0])["entities"][0] == {"text": "李四", "type": "PER", "start": 0, "end": 2}
    assert json.loads(lines[1]) == {"text": "", "entities": []} and lines[2].endswith("\r")
    assert main(["ner", "-m", model, "--text", "李四在杭州工作", "--format", "inline"]) == 0
    assert capsys.readouterr().out == "[李四]PER在[杭州]LOC工作\n"
    assert main(["ner", "-m", model, "--text", "李四", "--format", "conll"]) == 0
    assert capsys.readouterr().out == "李\tB-PER\n四\tE-PER\n\n"


def test_command_line_errors_write_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.bio"
    bad.write_text("在 O\n北 I-LOC\n", encoding="utf-8")
    args = ["train", "tag", "--train", str(bad), "--out", str(tmp_path / "run"), "--format", "bio", "-q"]
    assert main(args) == 2
    assert "I-LOC does not continue O" in capsys.readouterr().err and not (tmp_path / "run").exists()
    with pytest.raises(SystemExit):  # argparse's own usage error
        main(["train", "tag", "--train", str(bad), "--out", str(tmp_path / "r"), "--format", "bio", "--scheme", "IOB9"])
    assert "invalid choice: 'IOB9'" in capsys.readouterr().err
    assert main(["ner", "-m", str(tmp_path / "nowhere"), "--text", "x"]) == 2
    assert "no model directory" in capsys.readouterr().err
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"ok\n\xff\xfe\n")
    assert main(["ner", str(binary), "-o", str(tmp_path / "out.txt")]) == 2
    assert "line 2" in capsys.readouterr().err and not (tmp_path / "out.txt").exists()


def test_scores_by_seqeval(trained):
    from seqeval.metrics import f1_score
    from seqeval.scheme import IOBES

    tagger = trained[0]
    gold = make_corpus(40, 11)
    result = tagger.evaluate(gold)
    predicted = [tags_of_chunks(len(t), row, Scheme.BIOES) for t, row in zip(gold.texts, result.predictions,
                                                                               strict=True)]
    truth = [tags_of_chunks(len(t), row, Scheme.BIOES) for t, row in zip(gold.texts, gold.chunks, strict=True)]
    assert result.f1 == pytest.approx(f1_score(truth, predicted, mode="strict", scheme=IOBES))
    assert set(result.metrics) >= {"f1_PER", "f1_LOC", "span_f1", "accuracy"}
    assert np.isclose(result.accuracy, 1.0, atol=0.05)
