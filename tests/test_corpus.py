import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhtagger.text.align import align_to_vocabulary, split_into_vocabulary
from zhtagger.text.corpus import Corpus, CorpusError, normalize, read_corpus, split_long
from zhtagger.text.vocab import char_codes, normalized_codes


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def test_words_format_with_blank_lines_and_ideographic_spaces(tmp_path):
    path = write(tmp_path, "w.txt", "我  爱  北京\n\n今天\u3000天气  好\n   \n")
    corpus = read_corpus(path)
    assert corpus.sentences == [["我", "爱", "北京"], ["今天", "天气", "好"]]
    assert corpus.empty_lines == 2


def test_pos_format_drops_paragraph_ids_tags_and_brackets(tmp_path):
    text = ("19980101-01-001-002/m  中共中央/nt  总书记/n  、/w  国家/n  主席/n  江/nr  泽民/nr\n"
            "[中央/n  人民/n  广播/vn  电台/n]nt  发表/v  １９９８年/t\n")
    corpus = read_corpus(write(tmp_path, "p.txt", text), "pos")
    assert corpus.sentences == [["中共中央", "总书记", "、", "国家", "主席", "江", "泽民"],
                                ["中央", "人民", "广播", "电台", "发表", "１９９８年"]]
    assert corpus.pos == [["nt", "n", "w", "n", "n", "nr", "nr"], ["n", "n", "vn", "n", "v", "t"]]


def test_conll_reads_form_and_skips_comments_and_ranges(tmp_path):
    text = ("# sent_id = 1\n1\t我\t我\tPRON\n2-3\t北京人\t_\t_\n2\t北京\t北京\tPROPN\n3\t人\t人\tNOUN\n\n"
            "1\t今天\t_\n2\t好\t_\n")
    corpus = read_corpus(write(tmp_path, "c.conllu", text), "conll")
    assert corpus.sentences == [["我", "北京", "人"], ["今天", "好"]]
    assert corpus.pos is None  # the second sentence has no UPOS tags, so the corpus has none
    tagged = read_corpus(write(tmp_path, "t.conllu", text.replace("1\t今天\t_\n2\t好\t_\n", "")), "conll")
    assert tagged.pos == [["PRON", "PROPN", "NOUN"]]
    assert read_corpus(write(tmp_path, "w.txt", "我  爱  北京\n")).pos is None


@pytest.mark.parametrize(
    "content,format,message",
    [
        ("", "words", "no sentences"),
        ("\n\n", "words", "no sentences"),
        ("我 爱 你\n好\n", "words", "no multi-character words"),
        ("我爱/v 北京/ns\n", "words", "use --format pos"),
        ("我爱  北京\n", "pos", "line 1: token '我爱' is not word/POS"),
        ("我爱 北京\n", "conll", "line 1: expected tab-separated"),
    ],
)
def test_bad_corpora_say_what_is_wrong(tmp_path, content, format, message):
    with pytest.raises(CorpusError, match=message):
        read_corpus(write(tmp_path, "bad.txt", content), format)


def test_undecodable_bytes_name_the_line(tmp_path):
    path = write(tmp_path, "gbk.txt", "我们  好\n".encode() + "北京  天安门\n".encode("gbk"))
    with pytest.raises(CorpusError, match=r"gbk.txt, line 2: not valid utf-8"):
        read_corpus(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_corpus(tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match="is a directory"):
        read_corpus(tmp_path)


def test_normalize_is_one_to_one():
    assert normalize("１９９８年ＡＢＣ，Ｑ版abc") == "0000年abc,q版abc"
    assert normalize("İß") == "İß"  # no case mapping that changes length


@given(st.text())
def test_normalize_keeps_length(text):
    assert len(normalize(text)) == len(text)


def test_normalized_codes_fold_as_normalize_does():
    every = "".join(map(chr, [*range(0xD800), *range(0xE000, 0x20000)]))  # all but surrogates, past the BMP
    assert (normalized_codes(char_codes(every)) == char_codes(normalize(every))).all()


@given(st.lists(st.sampled_from(["北京", "，", "天安门", "我", "。", "非常非常长的词语"]), max_size=40),
       st.integers(min_value=1, max_value=12))
def test_split_long_loses_nothing_and_respects_the_limit(words, max_chars):
    pieces = list(split_long(words, max_chars))
    assert [w for piece in pieces for w in piece] == words
    for piece in pieces:
        assert piece and (sum(map(len, piece)) <= max_chars or len(piece) == 1)


def test_split_long_prefers_punctuation():
    words = ["我们", "今天", "，", "去", "北京", "天安门", "。"]
    assert list(split_long(words, 8)) == [["我们", "今天", "，"], ["去", "北京", "天安门", "。"]]


def test_split_into_vocabulary_takes_the_fewest_then_most_frequent_pieces():
    vocabulary = {"放", "在", "看", "不", "到", "不到", "看不", "官兵", "们"}
    assert split_into_vocabulary("放在", vocabulary, {}) == ["放", "在"]
    assert split_into_vocabulary("官兵们", vocabulary, {}) == ["官兵", "们"]
    # 看不到: 看 不到 and 看不 到 both have two pieces; the more frequent words win
    assert split_into_vocabulary("看不到", vocabulary, {"看不": 1, "到": 1, "看": 5, "不到": 5}) == ["看", "不到"]
    assert split_into_vocabulary("看不到", vocabulary, {"看不": 9, "到": 9, "看": 1, "不到": 1}) == ["看不", "到"]
    assert split_into_vocabulary("放", vocabulary, {}) is None  # a word is never "split" into itself
    assert split_into_vocabulary("放过", vocabulary, {}) is None  # 过 is not a listed word


def test_align_to_vocabulary_splits_unlisted_words_and_keeps_the_rest():
    corpus = Corpus([["把", "书", "放在", "桌上"], ["放在", "哪儿"], ["在", "这", "放"]],
                    empty_lines=2, path="x.txt", pos=[["p", "n", "v", "s"], ["v", "r"], ["p", "r", "v"]])
    aligned, splits = align_to_vocabulary(corpus, {"把", "书", "放", "在", "这"})
    assert aligned.sentences == [["把", "书", "放", "在", "桌上"], ["放", "在", "哪儿"], ["在", "这", "放"]]
    # the pieces take their own most common tags; words that cannot be split (桌上, 哪儿) stay whole
    assert aligned.pos == [["p", "n", "v", "p", "s"], ["v", "p", "r"], ["p", "r", "v"]]
    assert splits == {"放在": 2}
    assert (aligned.empty_lines, aligned.path) == (2, "x.txt")
    assert corpus.sentences[0] == ["把", "书", "放在", "桌上"]  # the input is left as it was
    words_only, _ = align_to_vocabulary(Corpus([["放在", "这"]]), {"放", "在", "这"})
    assert words_only.sentences == [["放", "在", "这"]] and words_only.pos is None
