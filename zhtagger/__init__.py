"""zhtagger: Chinese sequence tagging with one shared BiLSTM core.

    >>> import zhtagger
    >>> zhtagger.lcut("我爱北京天安门")  # the shipped PKU model, loaded on first use
    ['我', '爱', '北京', '天安门']

Heavy modules (torch, datasets) load on first use, so ``import zhtagger`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    **dict.fromkeys(["cut", "lcut", "lcut_batch", "tokenize", "load_userdict", "add_word", "del_word"],
                    "zhtagger.default"),
    "Segmenter": "zhtagger.segment.segmenter",
    "SegmenterConfig": "zhtagger.segment.network",
    "train_segmenter": "zhtagger.segment.segmenter",
    "score": "zhtagger.segment.scoring",
    "score_files": "zhtagger.segment.scoring",
    "TrainConfig": "zhtagger.training",
    "TaggerConfig": "zhtagger.model",
    "SequenceTagger": "zhtagger.model",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'zhtagger' has no attribute {name!r}")
