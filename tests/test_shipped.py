"""The shipped models and what users call: zhtagger.cut/lcut/tokenize, Segmenter.load, and `zhtagger cut`."""

import io
import pickle
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhtagger
from zhtagger.cli import main
from zhtagger.modeldir import ModelDirError
from zhtagger.registry import resolve, shipped_names
from zhtagger.tasks.segment.predictor import GROUP_CHARS, Segmenter
from zhtagger.text.scoring import score

# Sentences whose segmentation is not in doubt, the same under the PKU and CTB standards.
UNAMBIGUOUS = [
    "我 爱 北京 天安门 。", "今天 天气 很 好 。", "他 是 一 名 学生 。", "我们 明天 去 上海 。",
    "中国 经济 发展 很 快 。", "她 在 医院 工作 。", "孩子 在 公园 里 玩 。", "我 喜欢 吃 苹果 。",
    "这 本 书 非常 有意思 。", "老师 和 学生 都 来 了 。", "政府 要 加强 环境 保护 。", "他 喜欢 在 早上 跑步 。",
    "我们 要 努力 学习 科学 知识 。", "春节 是 中国 最 重要 的 节日 。", "欢迎 大家 参加 会议 。",
]


@pytest.fixture(scope="module")
def shipped():
    return Segmenter.load()


@pytest.mark.parametrize("name", shipped_names("segment"))
def test_shipped_models_segment_plain_sentences_correctly(name):
    model = Segmenter.load(name)
    gold = [line.split() for line in UNAMBIGUOUS]
    predicted = model.lcut_batch(["".join(words) for words in gold])
    result = score(gold, predicted, set())
    assert result.f1 >= 0.97, [p for p, g in zip(predicted, gold, strict=True) if p != g]
    assert sum(p == g for p, g in zip(predicted, gold, strict=True)) >= len(gold) - 1


def test_module_functions_use_the_default_model(shipped):
    assert zhtagger.lcut("我爱北京天安门") == ["我", "爱", "北京", "天安门"]
    assert list(zhtagger.cut("今天天气很好")) == shipped.lcut("今天天气很好")
    assert list(zhtagger.tokenize("南京市长江大桥")) == [("南京市", 0, 3), ("长江", 3, 5), ("大桥", 5, 7)]
    assert zhtagger.lcut_batch(["我爱你", ""]) == [["我", "爱", "你"], []]


def test_load_by_name_path_and_errors(shipped, tmp_path):
    model_dir = resolve("ctb", "segment")
    assert Segmenter.load(model_dir).lcut("我爱北京") == Segmenter.load("ctb").lcut("我爱北京")
    with pytest.raises(ModelDirError, match="shipped models: pku, pku-pos, ctb"):
        Segmenter.load("no-such-model")
    with pytest.raises(ModelDirError, match="config.json is missing"):
        Segmenter.load(tmp_path)


def test_a_renamed_model_loads_the_model_that_replaced_it():
    renamed = Segmenter.load("pku-fast")  # shipped before 0.3; pku is as fast now
    assert renamed.lcut("南京市长江大桥") == Segmenter.load("pku").lcut("南京市长江大桥")
    assert pickle.loads(pickle.dumps(renamed)).lcut("我爱北京天安门") == ["我", "爱", "北京", "天安门"]


def test_non_chinese_text_stays_whole(shipped):
    text = "iPhone 15售价5999元，涨幅3.5%，比去年高１２．５％。详见https://apple.com/cn或写信给a.b@x.org！😀"
    tokens = shipped.lcut(text)
    assert "".join(tokens) == text
    for whole in ("iPhone", "5999", "3.5%", "１２．５％", "https://apple.com/cn", "a.b@x.org", " "):
        assert whole in tokens


ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)  # emoji, combining marks, controls, ...
MIXED = st.text("北京大学生 0.5%a\n\t😀é\u0301", max_size=30)


@settings(max_examples=80, deadline=None)
@given(ANY_TEXT | MIXED)
def test_join_invariant_with_the_shipped_model(text):
    assert "".join(zhtagger.lcut(text)) == text


def test_user_dictionary_words_are_forced(shipped, tmp_path):
    text = "他在云计算平台工作"
    assert "云计算平台" not in shipped.lcut(text)
    (tmp_path / "user.txt").write_text("云计算平台 10 n\n", encoding="utf-8")
    assert shipped.load_userdict(tmp_path / "user.txt") == 1
    try:
        assert "云计算平台" in shipped.lcut(text)
    finally:
        shipped.del_word("云计算平台")


def test_a_long_line_without_punctuation_is_taken_in_bounded_blocks(shipped, monkeypatch):
    groups = []
    original = Segmenter._lcut_group

    def recording(self, texts, *args):
        groups.append(sum(map(len, texts)))
        return original(self, texts, *args)

    monkeypatch.setattr(Segmenter, "_lcut_group", recording)
    text = "我们在北京天安门广场看升旗仪式" * 15_000  # 225,000 characters, no punctuation
    assert "".join(shipped.cut(text)) == text
    assert len(groups) == 3 and max(groups) <= GROUP_CHARS


def run_cli(args, capsys, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(["cut", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_reads_stdin_and_keeps_one_line_per_line(capsys, monkeypatch):
    code, out, _ = run_cli([], capsys, "我爱北京天安门\n\n今天 天气\u2028很好\r\n我们去上海".encode(), monkeypatch)
    assert code == 0
    assert out == "我 爱 北京 天安门\n\n今天 天气 很 好\r\n我们 去 上海"  # each line keeps its own line end


def test_cli_pos_tags_words_as_jiebas_p_does(tmp_path, capsys, monkeypatch):
    code, out, _ = run_cli(["--text", "我爱北京天安门", "-p"], capsys)
    assert (code, out) == (0, "我_r 爱_v 北京_ns 天安门_ns\n")
    (tmp_path / "user.txt").write_text("云计算平台 10 nz\n", encoding="utf-8")
    code, out, _ = run_cli(["-p", "/", "-u", str(tmp_path / "user.txt")], capsys, "他在云计算平台工作\n\n".encode(),
                           monkeypatch)
    assert (code, out) == (0, "他/r 在/p 云计算平台/nz 工作/vn\n\n")
    code, _, err = run_cli(["--text", "我", "-p", "-m", "pku"], capsys)
    assert code == 2 and "--pos needs a model that learnt part-of-speech tags" in err


def test_cli_files_output_delimiter_and_userdict(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("我爱北京天安门\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("他在云计算平台工作\n", encoding="utf-8")
    (tmp_path / "user.txt").write_text("云计算平台\n", encoding="utf-8")
    out_file = tmp_path / "out" / "seg.txt"
    code, out, _ = run_cli([str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "-o", str(out_file), "-d", "/",
                            "-u", str(tmp_path / "user.txt"), "-q"], capsys)
    assert code == 0 and out == ""
    assert out_file.read_text(encoding="utf-8") == "我/爱/北京/天安门\n他/在/云计算平台/工作\n"
    code, out, _ = run_cli(["--text", "我爱北京天安门", "-d", " | "], capsys)
    assert (code, out) == (0, "我 | 爱 | 北京 | 天安门\n")


def test_cli_errors_exit_2_and_leave_no_output(tmp_path, capsys):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("我爱北京\n" * 3, encoding="utf-8")
    bad.write_bytes("第一行\n第二".encode() + b"\xff" + "行\n".encode())
    out_file = tmp_path / "out.txt"
    code, _, err = run_cli([str(good), str(bad), "-o", str(out_file)], capsys)
    assert code == 2 and "bad.txt, line 2: not valid utf-8" in err and "--errors replace" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt", "good.txt"]  # no output, no temporary file
    code, _, err = run_cli([str(bad), "--errors", "replace", "-o", str(out_file)], capsys)
    assert code == 0 and out_file.read_text(encoding="utf-8").splitlines()[1].replace(" ", "") == "第二\ufffd行"
    for args, message in (([str(tmp_path / "missing.txt")], "no such file"), ([str(tmp_path)], "is a directory"),
                          (["--text", "x", "-m", str(tmp_path)], "config.json is missing"),
                          ([str(good), "--encoding", "no-such-codec"], "unknown encoding")):
        code, _, err = run_cli(args, capsys)
        assert code == 2 and message in err, (args, err)


def test_cli_workers_keep_the_order(tmp_path, capsys):
    lines = ["我爱北京天安门", "今天天气很好", "", "他是一名学生"] * 50
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run_cli([str(tmp_path / "in.txt"), "--workers", "2", "--batch-size", "7", "-q"], capsys)
    assert code == 0
    expected = [" ".join(words) for words in Segmenter.load().lcut_batch(lines)]
    assert out.splitlines() == expected
    code, out, _ = run_cli([str(tmp_path / "in.txt"), "--workers", "2", "--batch-size", "7", "-q", "-p"], capsys)
    tagged = Segmenter.load("pku-pos").pos_batch(lines)
    assert code == 0 and out.splitlines() == [" ".join(f"{w}_{t}" for w, t in row) for row in tagged]


def test_datasets_map_through_lcut_batch():
    Dataset = pytest.importorskip("datasets").Dataset  # not needed to segment: installed with zhtagger[train]

    texts = ["我爱北京天安门", "今天天气很好", ""]
    ds = Dataset.from_dict({"text": texts})
    ds = ds.map(lambda batch: {"words": zhtagger.lcut_batch(batch["text"])}, batched=True, batch_size=2)
    assert ds["words"] == zhtagger.lcut_batch(texts)


def test_engine_and_precision_errors():
    assert type(Segmenter.load().net).__name__ == "LightSegmenterNet"  # numpy, float32, on the CPU
    with pytest.raises(ValueError, match="precision must be auto, float32 or bfloat16"):
        Segmenter.load(precision="int8")
    with pytest.raises(ValueError, match="engine must be auto, numpy or torch"):
        Segmenter.load(engine="onnx")
    with pytest.raises(ValueError, match="the numpy engine runs on the CPU in float32"):
        Segmenter.load(engine="numpy", precision="bfloat16")


def test_a_folder_named_like_a_shipped_model_does_not_shadow_it(tmp_path, monkeypatch):
    (tmp_path / "pku").mkdir()  # not a model directory
    monkeypatch.chdir(tmp_path)
    assert Segmenter.load("pku").lcut("我爱北京天安门") == ["我", "爱", "北京", "天安门"]
    with pytest.raises(ModelDirError, match="config.json is missing"):
        Segmenter.load("./pku")  # a path is a path
    with pytest.raises(ModelDirError, match="'cloze' is the shipped cloze model, not a segment model"):
        Segmenter.load("cloze")


def test_segmenting_while_other_threads_add_and_delete_words():
    import threading

    segmenter = Segmenter.load()
    text = "我们在北京天安门广场看升旗仪式。" * 20
    expected = segmenter.lcut(text)
    errors, stop = [], threading.Event()

    def read():
        try:
            while not stop.is_set():
                assert "".join(segmenter.lcut(text)) == text
        except Exception as error:  # noqa: BLE001 -- any failure in a thread is the test's failure
            errors.append(error)

    def write(offset):
        try:
            for n in range(3000):
                segmenter.add_word(f"词{offset}{n}")
                if n % 3 == 0:
                    segmenter.del_word(f"词{offset}{n - 3}")
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(8)]
    writers = [threading.Thread(target=write, args=(k,)) for k in range(3)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert not errors
    assert segmenter.lcut(text) == expected  # the words added are not in this text


def test_help_shows_defaults_and_score_without_words_leaves_out_oov(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "segment", "--help"])
    help_text = capsys.readouterr().out
    assert "--hidden HIDDEN       LSTM units a direction (default: 150)" in help_text
    assert "config dataclasses" not in help_text
    gold = tmp_path / "gold.txt"
    gold.write_text("我 爱 北京\n", encoding="utf-8")
    assert main(["score", str(gold), str(gold)]) == 0
    out = capsys.readouterr().out
    assert "=== F MEASURE:\t1.000" in out and "OOV Rate" not in out


def test_a_byte_order_mark_is_not_a_word(tmp_path, capsys):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff我爱北京天安门\n".encode())
    assert main(["cut", str(path)]) == 0
    assert capsys.readouterr().out == "我 爱 北京 天安门\n"


def test_a_closed_pipe_ends_cut_quietly(tmp_path):
    import subprocess

    path = tmp_path / "many.txt"
    path.write_text("我爱北京天安门。\n" * 20_000, encoding="utf-8")
    shell = f"{sys.executable} -m zhtagger cut {path} | head -1; echo status ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True)
    assert result.stdout == "我 爱 北京 天安门 。\nstatus 141\n" and result.stderr == ""


def damaged_copy(tmp_path, damage) -> str:
    import shutil

    target = tmp_path / "model"
    shutil.copytree(resolve("pku", "segment"), target)
    damage(target)
    return str(target)


def rewrite_config(**changes):
    import json

    def damage(target):
        config = json.loads((target / "config.json").read_text(encoding="utf-8"))
        for key, value in changes.items():
            if value is None:
                del config[key]
            else:
                config[key] = value
        (target / "config.json").write_text(json.dumps(config), encoding="utf-8")

    return damage


def append_token(target):
    with open(target / "chars.txt", "a", encoding="utf-8") as file:
        file.write("\ue000\n")


def insert_token(target):
    lines = (target / "chars.txt").read_text(encoding="utf-8").split("\n")
    (target / "chars.txt").write_text("\n".join(lines[:5] + ["\ue000"] + lines[5:]), encoding="utf-8")


@pytest.mark.parametrize("damage, message", [
    (lambda t: (t / "weights.npz").write_bytes((t / "weights.npz").read_bytes()[:1000]), "not a readable weights file"),
    (lambda t: (t / "weights.npz").write_bytes(b""), "not a readable weights file"),
    (lambda t: (t / "weights.npz").write_bytes(b"garbage" * 100), "not a readable weights file"),
    (rewrite_config(settings=None), "lacks its settings section"),
    (rewrite_config(core=None, task=None), "lacks its task, core section"),
    (rewrite_config(format_version=-1), "unknown model format version -1"),
    (append_token, "chars.txt is not the file this model was saved with"),
    (insert_token, "chars.txt is not the file this model was saved with"),
    (lambda t: [append_token(t), rewrite_config(files=None)(t)], "chars.txt has 5,634 tokens but the model's "
                                                                  "embedding table has 5,633 rows"),
])
def test_every_bad_model_directory_is_a_clear_error(tmp_path, capsys, damage, message):
    model = damaged_copy(tmp_path, damage)
    with pytest.raises(ModelDirError, match=message):
        Segmenter.load(model)
    assert main(["cut", "-m", model, "--text", "我爱北京"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zhtagger: error: ") and message.split(" ")[0] in err and "Traceback" not in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "gb18030"])
def test_cut_reads_any_encoding_and_keeps_line_ends(tmp_path, capsys, encoding):
    path = tmp_path / "in.txt"
    path.write_bytes("我爱北京天安门\r\n今天天气很好\n".encode(encoding))
    assert main(["cut", str(path), "--encoding", encoding]) == 0
    assert capsys.readouterr().out == "我 爱 北京 天安门\r\n今天 天气 很 好\n"


def test_surrogateescape_round_trips_undecodable_bytes_to_a_file(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes("我爱北京".encode() + b"\xff\n")
    out = tmp_path / "out.txt"
    assert main(["cut", str(path), "--errors", "surrogateescape", "-o", str(out)]) == 0
    assert out.read_bytes().endswith(b"\xff\n") and out.read_bytes().startswith("我 爱 北京".encode())


@pytest.mark.parametrize("threads", ["1", "2"])
def test_an_interactive_line_is_answered_before_the_next_arrives(tmp_path, threads):
    import subprocess

    process = subprocess.Popen([sys.executable, "-m", "zhtagger", "cut", "--threads", threads], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        process.stdin.write("我爱北京天安门\n")
        process.stdin.flush()
        assert process.stdout.readline() == "我 爱 北京 天安门\n"  # while stdin is still open
        process.stdin.write("今天天气很好\n")
        process.stdin.flush()
        assert process.stdout.readline() == "今天 天气 很 好\n"
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    assert process.returncode == 0


def test_user_word_frequencies_and_deleted_words_behave_as_in_jieba():
    segmenter = Segmenter.load()
    segmenter.add_word("南京市长", 1)
    segmenter.add_word("长江大桥", 100000)
    assert segmenter.lcut("南京市长江大桥")[-1] == "长江大桥"  # the frequent word wins the overlap
    assert "北京" in segmenter.lcut("我爱北京天安门")
    segmenter.del_word("北京")  # also a word the model produces on its own
    words = segmenter.lcut("我爱北京天安门")
    assert "北京" not in words and "".join(words) == "我爱北京天安门"
    segmenter.add_word("天安门", freq=0)
    assert "天安门" not in segmenter.lcut("我爱北京天安门")
    segmenter.add_word("北京", 5)  # added again: allowed again, and forced
    assert "北京" in segmenter.lcut("我爱北京天安门")


def test_cli_lexicon_dictionary_hints_domain_terms_in_every_worker(tmp_path, capsys):
    lines = ["查出幽门螺杆菌阳性，吃了阿魏酸钠", "二氢丙茶碱一天三次"] * 20
    (tmp_path / "in.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "terms.txt").write_text("幽门螺杆菌 5 n\n阿魏酸钠\n二氢丙茶碱\n", encoding="utf-8")
    plain = Segmenter.load()
    hinted = Segmenter.load()
    hinted.add_lexicon_words(["幽门螺杆菌", "阿魏酸钠", "二氢丙茶碱"])
    expected = [" ".join(words) for words in hinted.lcut_batch(lines)]
    assert expected != [" ".join(words) for words in plain.lcut_batch(lines)]
    assert "幽门螺杆菌" in expected[0].split()
    for workers in ("1", "2"):
        code, out, _ = run_cli([str(tmp_path / "in.txt"), "--lexicon-dict", str(tmp_path / "terms.txt"),
                                "--workers", workers, "--batch-size", "7", "-q"], capsys)
        assert code == 0 and out.splitlines() == expected, workers
    code, _, err = run_cli([str(tmp_path / "in.txt"), "--lexicon-dict", str(tmp_path / "none.txt")], capsys)
    assert code == 2 and "none.txt: no such file" in err
