"""zhtagger: Chinese sequence tagging with one shared BiLSTM core.

    >>> import zhtagger
    >>> zhtagger.lcut("我爱北京天安门")  # the shipped PKU model, loaded on first use
    ['我', '爱', '北京', '天安门']
    >>> zhtagger.ner("江泽民在北京会见了联合国秘书长")  # (entity, type, start, end)
    [('江泽民', 'PER', 0, 3), ('北京', 'LOC', 4, 6), ('联合国', 'ORG', 9, 12)]
    >>> zhtagger.load("cloze").fill("我今天不舒服，我打算____一天。")  # any model, by name or directory

Layers (see docs/architecture.md): ``core`` (torch, knows no text) <- ``text`` (no torch) <- ``tasks`` (one
folder each) <- ``api`` (jieba's functions), ``registry`` (``load``) and ``cli``.

Heavy modules (torch, datasets) load on first use, so ``import zhtagger`` stays fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.3.0"

_LAZY = {
    **dict.fromkeys(["cut", "lcut", "lcut_batch", "tokenize", "load_userdict", "add_word", "del_word", "initialize",
                     "cut_for_search", "lcut_for_search", "suggest_freq", "get_FREQ", "get_dict_file",
                     "set_dictionary", "setLogLevel", "enable_parallel", "disable_parallel", "dt", "set_model",
                     "enable_paddle", "get_DAG", "calc"],
                    "zhtagger.api"),
    "Tokenizer": "zhtagger.tokenizer",
    "load": "zhtagger.registry",
    "set_num_threads": "zhtagger.core.threads",
    "Evaluation": "zhtagger.evaluation",
    "Segmenter": "zhtagger.tasks.segment.predictor",
    "SegmenterConfig": "zhtagger.tasks.segment.config",
    "train_segmenter": "zhtagger.tasks.segment.train",
    "ner": "zhtagger.entities",
    "ner_batch": "zhtagger.entities",
    "Tagger": "zhtagger.tasks.tag.predictor",
    "TaggingConfig": "zhtagger.tasks.tag.config",
    "train_tagger": "zhtagger.tasks.tag.train",
    "Cloze": "zhtagger.tasks.cloze.predictor",
    "ClozeConfig": "zhtagger.tasks.cloze.config",
    "train_cloze": "zhtagger.tasks.cloze.train",
    "Cumsum": "zhtagger.tasks.cumsum.predictor",
    "CumsumConfig": "zhtagger.tasks.cumsum.config",
    "train_cumsum": "zhtagger.tasks.cumsum.train",
    "score": "zhtagger.text.scoring",
    "score_files": "zhtagger.text.scoring",
    "TrainConfig": "zhtagger.core.config",
    "TaggerConfig": "zhtagger.core.config",
    "SequenceTagger": "zhtagger.core.model",
}

# jieba's constants, regular expressions and Python 2 helpers, reached here as jieba's own so that code using
# them runs unchanged
_FROM_JIEBA = frozenset({
    "DEFAULT_DICT", "DEFAULT_DICT_NAME", "DICT_WRITING", "check_paddle_install", "re_eng", "re_han_default",
    "re_skip_default", "re_userdict", "PY2", "absolute_import", "unicode_literals", "default_encoding",
    "default_logger", "log_console", "get_module_res", "iteritems", "iterkeys", "itervalues", "md5", "log", "pool",
    "resolve_filename", "strdecode", "string_types", "text_type", "xrange",
})

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name == "posseg":  # jieba.posseg's twin, a module
        return importlib.import_module("zhtagger.posseg")
    if name == "user_word_tag_tab":  # jieba's module-level view of its default tokenizer's user tags
        return importlib.import_module("zhtagger.api").dt.user_word_tag_tab
    if name in _FROM_JIEBA:
        return getattr(importlib.import_module("jieba"), name)
    if name not in _LAZY:
        raise AttributeError(f"module 'zhtagger' has no attribute {name!r}")
    try:
        return getattr(importlib.import_module(_LAZY[name]), name)
    except ModuleNotFoundError as error:  # torch, for training: say which extra brings it
        from zhtagger.optional import OPTIONAL, missing

        if error.name not in OPTIONAL:
            raise
        raise missing(error.name, f"zhtagger.{name}") from None
