"""Optional dependencies, imported when first needed, with an error that names the fix.

Segmenting text needs none of them: torch trains models (and runs them on a GPU), matplotlib draws training
curves and experiment plots, datasets keeps the encoded-corpus cache, seqeval writes tag-level reports.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# module -> (pip package, zhtagger extra that installs it)
OPTIONAL = {
    "torch": ("torch", "train"),
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
        top = module.split(".")[0]
        package, extra = OPTIONAL[top]
        raise MissingDependency(f"{purpose} needs the {package!r} package, which is not installed: "
                                f"pip install {package} (or pip install 'zhtagger[{extra}]')") from None
