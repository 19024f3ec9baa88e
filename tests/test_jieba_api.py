"""jieba programs run unchanged with ``import zhtagger as jieba``: the same public names, signatures and kinds
of results, and the switches given an honest meaning (see zhtagger/tokenizer.py)."""

import inspect
import subprocess
import sys
import types

import jieba as real_jieba
import pytest

import zhtagger as jieba

PUBLIC = ["cut", "lcut", "cut_for_search", "lcut_for_search", "tokenize", "load_userdict", "add_word", "del_word",
          "suggest_freq", "get_FREQ", "get_dict_file", "set_dictionary", "initialize", "enable_parallel",
          "disable_parallel", "setLogLevel"]


def public_names(module) -> list[str]:
    return sorted(name for name in dir(module)
                  if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType))


@pytest.mark.parametrize("module", ["jieba", "jieba.posseg"])
def test_every_public_name_of_jieba_is_here_with_its_parameters(module):
    import importlib

    theirs_module = importlib.import_module(module)
    ours_module = importlib.import_module(module.replace("jieba", "zhtagger"))
    for name in public_names(theirs_module):
        assert hasattr(ours_module, name), f"{module}.{name}"
        theirs, ours = getattr(theirs_module, name), getattr(ours_module, name)
        if callable(theirs) and not isinstance(theirs, type) and not isinstance(theirs, types.BuiltinFunctionType):
            assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters), name


def test_jiebas_word_graph_functions_work_on_the_same_dictionary():
    text = "我们在南京市长江大桥上看风景"
    assert jieba.get_DAG(text) == real_jieba.get_DAG(text)
    ours, theirs = {}, {}
    jieba.calc(text, jieba.get_DAG(text), ours)
    real_jieba.calc(text, real_jieba.get_DAG(text), theirs)
    assert ours == theirs
    with jieba.get_dict_file() as mine, real_jieba.get_dict_file() as its:
        assert jieba.dt.gen_pfdict(mine) == real_jieba.dt.gen_pfdict(its)
    tokenizer = jieba.Tokenizer()
    tokenizer.add_word("京市长江", 100000, "ns")  # a word jieba's dictionary lacks
    assert tokenizer.get_DAG(text)[4] == [4, 5, 7] and tokenizer.FREQ["京市长江"] == 100000
    assert tokenizer.user_word_tag_tab == {"京市长江": "ns"}


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_function_has_jiebas_signature(name):
    ours, theirs = inspect.signature(getattr(jieba, name)), inspect.signature(getattr(real_jieba, name))
    assert list(ours.parameters) == list(theirs.parameters)
    assert [p.default for p in ours.parameters.values()] == [p.default for p in theirs.parameters.values()]


def test_cut_modes_give_the_kinds_of_results_jieba_gives():
    text = "我来到北京清华大学"
    assert isinstance(jieba.cut(text), types.GeneratorType | type(iter([])))
    assert jieba.lcut(text) == ["我", "来到", "北京", "清华大学"]
    full = jieba.lcut(text, cut_all=True)
    assert {"清华", "清华大学", "华大", "大学", "北京"} <= set(full)  # every dictionary word found
    assert jieba.lcut(text, use_paddle=True) == jieba.lcut(text)
    no_new_words = jieba.lcut("他来到了网易杭研大厦", HMM=False)
    assert "杭研" not in no_new_words and "".join(no_new_words) == "他来到了网易杭研大厦"
    search = jieba.lcut_for_search("小明硕士毕业于中国科学院计算所")
    assert search.index("科学") < search.index("科学院") and "计算所" in search


def test_tokenize_modes_give_offsets_into_the_text():
    text = "永和服装饰品有限公司"
    default = list(jieba.tokenize(text))
    assert all(text[start:end] == word for word, start, end in default)
    assert "".join(word for word, _, _ in default) == text
    search = list(jieba.tokenize(text, mode="search"))
    assert ("有限", 6, 8) in search and ("有限公司", 6, 10) in search
    assert all(text[start:end] == word for word, start, end in search)
    with pytest.raises(ValueError, match="should be unicode"):
        list(jieba.tokenize(b"bytes"))


def test_bytes_are_decoded_as_jieba_does_and_a_string_is_not_a_batch():
    assert jieba.lcut("我爱北京".encode()) == jieba.lcut("我爱北京") == jieba.lcut("我爱北京".encode("gbk"))
    with pytest.raises(TypeError, match="a list of texts, not one text"):
        jieba.lcut_batch("我爱北京")


def test_user_dictionary_functions_and_frequencies(tmp_path):
    tokenizer = jieba.Tokenizer()  # its own dictionary: the default tokenizer is left alone
    assert tokenizer.suggest_freq(("中", "将"), tune=True) >= 0  # keep 中 and 将 apart
    assert "中将" not in tokenizer.lcut("如果放到post中将出错。")
    assert tokenizer.suggest_freq("台中", tune=True) > 0
    assert "台中" in tokenizer.lcut("「台中」正确应该不会被切开")
    tokenizer.add_word("石墨烯", 20, "n")
    reference = real_jieba.Tokenizer()
    reference.initialize()
    assert tokenizer.get_FREQ("石墨烯") == 20 and tokenizer.get_FREQ("北京") == reference.FREQ["北京"]
    assert tokenizer.get_FREQ("没有这个词", 0) == 0
    assert "石墨烯" not in jieba.dt.segmenter.user_dict.entries
    path = tmp_path / "user.txt"
    path.write_text("创新办 3 i\n云计算 5\n", encoding="utf-8")
    assert tokenizer.load_userdict(str(path)) == 2 and "云计算" in tokenizer.lcut("我们用云计算")


def test_set_dictionary_changes_the_main_dictionary(tmp_path):
    tokenizer = jieba.Tokenizer()
    with pytest.raises(FileNotFoundError):
        tokenizer.set_dictionary(tmp_path / "missing.txt")
    path = tmp_path / "dict.txt"
    path.write_text("北京 100 ns\n清华 50 nt\n", encoding="utf-8")
    tokenizer.set_dictionary(path)
    assert tokenizer.get_FREQ("北京") == 100 and tokenizer.get_FREQ("天安门") is None
    with tokenizer.get_dict_file() as file:
        assert file.read().decode("utf-8").startswith("北京 100")
    assert "".join(tokenizer.lcut("我爱北京天安门")) == "我爱北京天安门"


def test_threads_share_the_default_tokenizer():
    from concurrent.futures import ThreadPoolExecutor

    texts = ["我爱北京天安门", "今天天气很好", "他是一名学生"] * 20
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(jieba.lcut, texts))
    assert results == [jieba.lcut(text) for text in texts]


def test_enable_parallel_works_without_a_main_guard(tmp_path):
    script = tmp_path / "script.py"  # no `if __name__ == "__main__"`, as jieba users write it
    script.write_text("import zhtagger as jieba\njieba.add_word('天气很好', 100)\njieba.enable_parallel(2)\n"
                      "print('/'.join(jieba.cut('我爱北京天安门\\n今天天气很好\\n' * 3)))\njieba.disable_parallel()\n",
                      encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.count("北京") == 3 and "Traceback" not in result.stderr
    assert result.stdout.count("/天气很好/") == 3  # the workers have the user's words


@pytest.mark.parametrize("name", ["cut", "lcut"])
def test_posseg_has_jiebas_functions(name):
    import jieba.posseg as real_posseg

    ours, theirs = inspect.signature(getattr(jieba.posseg, name)), inspect.signature(getattr(real_posseg, name))
    assert list(ours.parameters) == list(theirs.parameters)


def test_posseg_pairs_unpack_print_and_keep_every_character():
    text = "我爱北京天安门，iPhone售价5999元。"
    pairs = jieba.posseg.lcut(text)
    assert "".join(word for word, _ in pairs) == text
    assert [str(p) for p in pairs][:4] == ["我/r", "爱/v", "北京/ns", "天安门/ns"]
    assert {str(p) for p in pairs} >= {"，/x", "iPhone/eng", "5999/m"}
    assert repr(pairs[0]) == "pair('我', 'r')" and pairs[0] == jieba.posseg.pair("我", "r")
    tokenizer = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    tokenizer.tokenizer.add_word("云计算平台", 10, "nz")  # a user word keeps its given tag
    assert jieba.posseg.pair("云计算平台", "nz") in tokenizer.lcut("他在云计算平台工作")


def test_posseg_tags_with_the_pku_pos_model_sharing_the_tokenizers_user_dictionary():
    tokenizer = jieba.Tokenizer()
    tagger = jieba.posseg.POSTokenizer(tokenizer)
    assert tagger.tagger().config.pos_tags and tagger.tagger().user_dict is tokenizer.segmenter.user_dict
    words = [(p.word, p.flag) for p in tagger.lcut("邓小平会见了外宾。")]
    assert words == [("邓", "nr"), ("小平", "nr"), ("会见", "v"), ("了", "u"), ("外宾", "n"), ("。", "x")]
    tokenizer.add_word("邓小平", 100, "nr")  # added on the tokenizer, seen by the tagger
    assert tagger.lcut("邓小平会见了外宾。")[0] == jieba.posseg.pair("邓小平", "nr")
    tokenizer.del_word("外宾")
    assert "外宾" not in [p.word for p in tagger.lcut("邓小平会见了外宾。")]
    # without the neural tags (HMM=False): the tokenizer's words, flags from the dictionaries
    text = "邓小平会见了外宾。"
    assert [p.word for p in tagger.lcut(text, HMM=False)] == tokenizer.lcut(text, HMM=False)


def test_set_model_switches_the_module_functions_and_posseg():
    try:
        jieba.set_model("ctb")  # keeps person names whole
        assert jieba.lcut("邓小平会见了张三丰。")[:1] == ["邓小平"]
        assert str(jieba.posseg.lcut("邓小平会见了张三丰。")[0]) == "邓小平/nr"
    finally:
        jieba.set_model("pku")
    assert jieba.lcut("邓小平会见了张三丰。")[:2] == ["邓", "小平"]  # the PKU standard
