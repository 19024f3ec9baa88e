import pytest

from zhtagger.cli import main
from zhtagger.text.scoring import common_subsequence, error_analysis, score, score_files, seqeval_report


def test_hand_computed_scores():
    gold = [["我", "爱", "北京", "天安门"], ["今天", "天气", "很", "好"]]
    predicted = [["我", "爱", "北京天安门"], ["今天", "天气", "很好"]]
    result = score(gold, predicted, words={"我", "爱", "北京", "今天", "很", "好"})
    # correct: 我 爱 今天 天气
    assert (result.true_words, result.test_words, result.correct) == (8, 6, 4)
    assert result.recall == pytest.approx(4 / 8)
    assert result.precision == pytest.approx(4 / 6)
    assert result.f1 == pytest.approx(2 * (4 / 6) * (4 / 8) / (4 / 6 + 4 / 8))
    # OOV gold words: 天安门, 天气 (2 of 8); 天安门 missed, 天气 found
    assert result.oov_rate == pytest.approx(2 / 8)
    assert result.oov_recall == pytest.approx(1 / 2)
    assert result.iv_recall == pytest.approx(1 - 3 / 6)  # 北京, 很 and 好 missed


def test_repeated_strings_count_by_subsequence_not_by_span():
    # gold 哈 | 哈哈 ; predicted 哈哈 | 哈: no word has the same span, yet the LCS pairs 哈 with 哈 (or
    # 哈哈 with 哈哈), so the official scorer counts one correct word.
    result = score([["哈", "哈哈"]], [["哈哈", "哈"]])
    assert result.correct == 1
    assert common_subsequence(["哈", "哈哈", "哈"], ["哈哈", "哈", "哈"]) in (
        [False, True, True], [True, False, True])


def test_empty_gold_lines_are_skipped_and_line_counts_must_match():
    result = score([[], ["好"]], [["多余"], ["好"]])
    assert (result.lines, result.true_words, result.test_words, result.correct) == (1, 1, 1, 1)
    with pytest.raises(ValueError, match="gold has 2 lines but the prediction has 1"):
        score([["a"], ["b"]], [["a"]])


def test_official_table_format():
    table = score([["我", "爱"]], [["我爱"]], words={"我"}).table().splitlines()
    assert table[0] == "=== TOTAL TRUE WORD COUNT:\t2"
    assert table[4] == "=== F MEASURE:\t0.000"
    assert [line.split(":")[0] for line in table][5:] == ["=== OOV Rate", "=== OOV Recall Rate", "=== IV Recall Rate"]


def test_without_a_word_list_oov_is_left_out_not_reported_as_everything():
    result = score([["我", "爱"]], [["我", "爱"]])
    assert "OOV Rate" not in result.table() and "need one, --words" in result.table()
    assert "oov_recall" not in result.as_dict() and result.as_dict()["f1"] == 1.0


def test_error_analysis_splits_oov_and_iv():
    result = score([["北京", "天安门"]], [["北京天安门"]], words={"北京"})
    report = error_analysis(result, {"北京"})
    assert "## missed gold words, OOV (1 in all)\n1\t天安门" in report
    assert "## missed gold words, IV (1 in all)\n1\t北京" in report
    assert "## wrongly produced words, OOV (1 in all)\n1\t北京天安门" in report


def test_seqeval_report_maps_bmes_to_iobes():
    pytest.importorskip("seqeval")  # zhtagger[eval]
    report = seqeval_report([[0, 2, 3]], [[0, 2, 3]])
    assert "W" in report and "1.0000" in report


def test_score_files_and_cli(tmp_path, capsys):
    (tmp_path / "gold.txt").write_text("我  爱  北京\n\n今天  好\n", encoding="utf-8")
    (tmp_path / "pred.txt").write_text("我 爱 北京\n\n今天好\n", encoding="utf-8")
    (tmp_path / "words.txt").write_text("我\n爱\n", encoding="utf-8")
    result = score_files(tmp_path / "gold.txt", tmp_path / "pred.txt", tmp_path / "words.txt")
    assert (result.true_words, result.correct) == (5, 3)
    assert main(["score", str(tmp_path / "gold.txt"), str(tmp_path / "pred.txt"), "--words",
                 str(tmp_path / "words.txt"), "--errors", str(tmp_path / "errors.txt")]) == 0
    assert "=== TOTAL TRUE WORDS RECALL:\t0.600" in capsys.readouterr().out
    assert "今天好" in (tmp_path / "errors.txt").read_text(encoding="utf-8")
    (tmp_path / "short.txt").write_text("我 爱 北京\n", encoding="utf-8")
    assert main(["score", str(tmp_path / "gold.txt"), str(tmp_path / "short.txt")]) == 2
    assert "has 3 lines but" in capsys.readouterr().err
