"""The numpy engine's settings, without torch: its BLAS threads are its own and never leak to the user's numpy;
segmenting a stream in threads gives what one thread gives."""

import threading
import time
from functools import partial

import pytest
from threadpoolctl import threadpool_info

import zhtagger.core.light as light
import zhtagger.core.threads as threads_setting
import zhtagger.tasks.segment.predictor as predictor
from zhtagger.tasks.engine import run_in_order
from zhtagger.tasks.segment.predictor import Segmenter
from zhtagger.tasks.segment.stream import PAUSE, batched, bursts, format_tokens, segment_lines


def blas_threads_now() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_the_engine_runs_its_own_thread_count_and_restores_the_users(monkeypatch):
    segmenter = Segmenter.load("pku")
    before = blas_threads_now()
    seen = []
    run_cells = light.run_cells

    def spying(*args, **kwargs):
        seen.append(blas_threads_now())
        return run_cells(*args, **kwargs)

    monkeypatch.setattr(light, "run_cells", spying)
    assert segmenter.lcut("我爱北京天安门") == ["我", "爱", "北京", "天安门"]
    assert seen and all(counts == [1] * len(counts) for counts in seen)
    assert blas_threads_now() == before
    with pytest.raises(ValueError, match="at least one thread"):
        threads_setting.set_num_threads(0)


def test_jobs_run_in_threads_and_come_back_in_order():
    seen_threads = set()

    def job(number):
        def run():
            seen_threads.add(threading.get_ident())
            time.sleep(0.01 * (number % 3))  # later jobs may finish first
            return number
        return run

    assert list(run_in_order(map(job, range(12)), 3)) == list(range(12))
    assert len(seen_threads) > 1 and threading.get_ident() not in seen_threads
    seen_threads.clear()
    assert list(run_in_order([job(5)], 3)) == [5]  # a single job runs where it is called
    assert list(run_in_order(map(job, range(4)), 1)) == list(range(4))
    assert seen_threads == {threading.get_ident()}


def test_a_job_that_runs_jobs_runs_them_in_its_own_thread():
    def inner():
        return threading.get_ident()

    def outer():
        return threading.get_ident(), list(run_in_order([inner, inner], 2))

    for ident, inner_idents in run_in_order([outer, outer], 2):
        assert inner_idents == [ident, ident]


def test_a_failing_job_raises_in_the_caller():
    def fail():
        raise ValueError("bad job")

    with pytest.raises(ValueError, match="bad job"):
        list(run_in_order([lambda: 1, fail, lambda: 3], 2))


def test_segmenting_a_stream_in_threads_gives_what_one_thread_gives(monkeypatch):
    segmenter = Segmenter.load("pku")
    monkeypatch.setattr(predictor, "GROUP_CHARS", 50)  # many groups, and long texts cut into blocks
    texts = ["他说：“我们明天去上海。”" * 9, "", "南京市长江大桥", "iPhone 15售价5999元。" * 5, "我爱北京天安门"] * 3
    long_text = "".join(texts)
    one, one_long = segmenter.lcut_batch(texts), list(segmenter.cut(long_text))
    assert "".join(one_long) == long_text and [token for row in one for token in row] == one_long
    monkeypatch.setattr(threads_setting, "_threads", 2)
    threads = set()
    lcut_group = Segmenter._lcut_group

    def spying(self, *args, **kwargs):
        threads.add(threading.get_ident())
        return lcut_group(self, *args, **kwargs)

    monkeypatch.setattr(Segmenter, "_lcut_group", spying)
    assert segmenter.lcut_batch(texts) == one and list(segmenter.cut(long_text)) == one_long
    assert threads == {threading.get_ident()}  # in the calling thread, whatever set_num_threads says
    assert list(segment_lines(texts, segmenter, batch_size=2)) == one
    assert len(threads) > 1  # a stream's batches in threads of their own
    formatted = list(segment_lines(texts, segmenter, 2, formatter=partial(format_tokens, delimiter="/")))
    assert formatted == ["/".join(token for token in row if not token.isspace()) for row in one]


def test_batches_come_in_runs_that_end_where_the_input_paused():
    lines = ["a", "b", "c", PAUSE, "d", PAUSE, PAUSE, "e"]
    assert [list(run) for run in bursts(lines, 2)] == [[["a", "b"], ["c"]], [["d"]], [], [["e"]]]
    assert list(batched(lines, 2)) == [["a", "b"], ["c"], ["d"], ["e"]]
