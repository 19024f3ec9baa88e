"""Predictors in other processes and threads: pickled small (by where they were loaded from), thread-safe."""

import multiprocessing
import pickle
import threading

import pytest
from threadpoolctl import threadpool_info

import zhtagger
from zhtagger import posseg
from zhtagger.tasks.segment.predictor import Segmenter

TEXTS = ["查出幽门螺杆菌阳性，吃了阿魏酸钠", "我爱北京天安门", "今天天气很好，我们去颐和园"]


def customised() -> Segmenter:
    segmenter = Segmenter.load("pku")
    segmenter.add_word("北京天安门", 5)
    segmenter.del_word("天气")
    segmenter.add_lexicon_words(["幽门螺杆菌", "阿魏酸钠"])
    return segmenter


def segment_in_worker(payload: bytes) -> list[list[str]]:
    return pickle.loads(payload).lcut_batch(TEXTS)


def test_a_loaded_segmenter_pickles_as_its_source_and_user_state():
    segmenter = customised()
    expected = segmenter.lcut_batch(TEXTS)
    assert ["我", "爱", "北京天安门"] in expected and "幽门螺杆菌" in expected[0]  # the customisations matter
    payload = pickle.dumps(segmenter)
    assert len(payload) < 2000  # not the 9 MB of weights
    copy = pickle.loads(payload)
    assert "net" not in copy.__dict__  # loaded on first use
    assert copy.lcut_batch(TEXTS) == expected
    other = pickle.loads(payload)
    assert other.net is copy.net and other.user_dict is not copy.user_dict  # one model a process, own words
    other.add_word("颐和园", 3)
    assert copy.user_dict.entries.keys() != other.user_dict.entries.keys()
    assert len(pickle.dumps(copy)) == len(payload)  # a copy pickles small again


def test_a_spawned_process_segments_identically_with_the_user_dictionary():
    segmenter = customised()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(segment_in_worker, [pickle.dumps(segmenter)] * 2)
    assert results == [segmenter.lcut_batch(TEXTS)] * 2


def test_jieba_style_tokenizers_pickle_small_with_their_words():
    tokenizer = zhtagger.Tokenizer()
    tokenizer.add_word("北京天安门", 5, "nz")
    tagger = posseg.POSTokenizer(tokenizer)
    for obj, run in ((tokenizer, lambda t: t.lcut("我爱北京天安门")),
                     (tagger, lambda t: [tuple(p) for p in t.cut("我爱北京天安门")])):
        payload = pickle.dumps(obj)
        assert len(payload) < 2000
        assert run(pickle.loads(payload)) == run(obj)
    assert ("北京天安门", "nz") in [tuple(p) for p in pickle.loads(pickle.dumps(tagger)).cut("我爱北京天安门")]


def test_segmenting_from_many_threads_while_words_are_added():
    segmenter = Segmenter.load("pku")
    texts = ["我爱北京天安门，今天天气很好。" * 10, "他是一名学生，在图书馆学习。"] * 20
    expected = segmenter.lcut_batch(texts)
    blas_before = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    failures, stop = [], threading.Event()

    def segment():
        for _ in range(5):
            if segmenter.lcut_batch(texts) != expected:
                failures.append("changed")

    def add_words():
        n = 0
        while not stop.is_set():
            segmenter.add_word(f"幽门螺杆菌{n}", 3)  # words these texts never hold
            n += 1

    adder = threading.Thread(target=add_words)
    adder.start()
    workers = [threading.Thread(target=segment) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop.set()
    adder.join()
    assert not failures
    assert len(segmenter.user_dict) > 0
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == blas_before


def test_a_segmenter_changed_after_loading_pickles_whole():
    segmenter = Segmenter.load("pku")
    segmenter.set_lexicon_words(["北京天安门"])  # no longer as loaded
    copy = pickle.loads(pickle.dumps(segmenter))
    assert copy.lcut_batch(TEXTS) == segmenter.lcut_batch(TEXTS)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        copy.nothing  # noqa: B018


def test_dask_bag_and_dataframe_on_a_local_cluster_of_two_processes():
    pytest.importorskip("distributed")
    import dask.bag as db
    import dask.dataframe as dd
    import pandas as pd
    from dask.distributed import Client, LocalCluster

    segmenter = customised()
    lines = TEXTS * 20 + [""]
    expected = segmenter.lcut_batch(lines)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        bag = db.from_sequence(lines, npartitions=4)
        assert bag.map_partitions(segmenter.lcut_batch).compute() == expected  # the README's recipe
        frame = dd.from_pandas(pd.DataFrame({"text": lines}), npartitions=3)
        words = frame["text"].map_partitions(lambda texts: pd.Series(segmenter.lcut_batch(texts.tolist()),
                                                                     index=texts.index), meta=("text", object))
        assert words.compute().tolist() == expected
        with pytest.raises(ValueError, match="neither UTF-8 nor GBK"):  # our message, not a pickling error
            bad = db.from_sequence(["我爱北京", b"\xff\xfe\xfa"], npartitions=1)
            bad.map_partitions(segmenter.lcut_batch).compute()


def test_ray_data_map_batches_on_a_local_cluster():
    ray = pytest.importorskip("ray")

    segmenter = customised()
    lines = TEXTS * 10 + [""]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # Ray Data may reorder rows otherwise
        dataset = ray.data.from_items([{"text": line} for line in lines])
        rows = dataset.map_batches(lambda batch: {"words": segmenter.lcut_batch(list(batch["text"]))},
                                   batch_size=8).take_all()  # the README's recipe
        assert [list(row["words"]) for row in rows] == segmenter.lcut_batch(lines)
        bad = ray.data.from_items([{"text": b"\xff\xfe\xfa"}])
        with pytest.raises(Exception, match="neither UTF-8 nor GBK"):  # our message, in Ray's task error
            bad.map_batches(lambda batch: {"words": segmenter.lcut_batch(list(batch["text"]))}).take_all()
    finally:
        ray.shutdown()
