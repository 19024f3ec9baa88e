"""The numpy engine's settings, without torch: its BLAS threads are its own and never leak to the user's numpy."""

import pytest
from threadpoolctl import threadpool_info

import zhtagger.core.light as light
from zhtagger.tasks.segment.predictor import Segmenter


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
        light.set_num_threads(0)
