"""Optional dependencies, imported when first needed, with an error that names the fix.

Segmenting text needs none of them: torch trains models (and runs them on a GPU), matplotlib draws training
curves and experiment plots, datasets keeps the encoded-corpus cache, seqeval writes tag-level reports.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# module -> (pip package, zhtagger extra that installs it)
OPTIONAL = {
    "torch": ("torch", "train"),  # pip install torch==2.13.0 (the CPU wheel) before zhtagger[train]
    "matplotlib": ("matplotlib", "plot"),
    "datasets": ("datasets", "train"),
    "seqeval": ("seqeval", "eval"),
}


class MissingDependency(ImportError):
    """An optional package is needed for what was asked and is not installed."""


def require(module: str, purpose: str) -> ModuleType:
    """``import module``; if it is missing, a :class:`MissingDependency` saying what needs it and how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise missing(module.split(".")[0], purpose) from None


def missing(module: str, purpose: str) -> MissingDependency:
    """The error for an optional ``module`` (a top-level name of :data:`OPTIONAL`) that is not installed."""
    package, extra = OPTIONAL[module]
    fix = f"pip install {package} (or pip install 'zhtagger[{extra}]')"
    if module == "torch":  # the CPU wheel: a plain install of torch fetches the multi-GB CUDA build on Linux
        fix = "pip install torch==2.13.0 && pip install 'zhtagger[train]' (torch's CPU wheel first)"
    return MissingDependency(f"{purpose} needs the {package!r} package, which is not installed: {fix}")
