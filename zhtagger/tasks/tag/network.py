"""The tagging network: the shared core with its tagging head (:mod:`zhtagger.core.tagging`), a CRF over the
tag scheme's rules when the decoder is ``crf``."""

from __future__ import annotations

from zhtagger.core.tagging import TaggingNet


class TagNet(TaggingNet):
    """Per-character tag scores, one output per tag of the tagger's ``tags``."""
