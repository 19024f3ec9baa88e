"""Writing files and directories so that no crash, Ctrl-C or kill leaves a half-written result, nor loses the
complete one that was there.

A result is written beside its target under a temporary name that carries the writer's process id
(``.NAME.PID.tmp.XXXX``) and renamed into place at the end. A directory that replaces an existing one is
swapped with it in one step where the system can (Linux's ``renameat2``); elsewhere the old one is parked as
``.NAME.PID.old.XXXX/NAME`` for the instant between two renames. Temporaries of writers that are no longer
running are removed, and a parked directory whose target is missing is moved back, by the next writer or
reader of that target. Files and directories get the permissions the umask gives (an existing file keeps its
own), and writing to a symbolic link writes its target, leaving the link in place.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO


def write_atomically(target: str | os.PathLike, fill: Callable[[Path], None]) -> Path:
    """Call ``fill(tmp_dir)`` on a fresh temporary directory beside ``target``, then put it in ``target``'s
    place: at every instant ``target`` is the complete old directory or the complete new one."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_up(target)
    tmp = Path(tempfile.mkdtemp(prefix=temporary_prefix(target, "tmp"), dir=target.parent))
    try:
        fill(tmp)
        os.chmod(tmp, 0o777 & ~current_umask())
        if not target.exists():
            os.replace(tmp, target)
            return target
        if not exchange(tmp, target):
            old = Path(tempfile.mkdtemp(prefix=temporary_prefix(target, "old"), dir=target.parent))
            os.replace(target, old / target.name)  # a reader finding no target moves this back (recover)
            os.replace(tmp, target)
            tmp = old
        shutil.rmtree(tmp)  # the old directory now
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


@contextlib.contextmanager
def open_atomically(path: str | os.PathLike, errors: str = "strict") -> Iterator[TextIO]:
    """A text file (UTF-8, encoding errors handled by ``errors``) to write ``path`` through: it is written
    beside ``path`` under a temporary name and renamed into place only when the block ends without an
    exception (Ctrl-C included), so ``path`` is never left half-written. A symbolic link is written through
    to its target; a FIFO, a device or a directory at ``path`` is refused, never replaced."""
    path = writable_file(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_up(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o666 & ~current_umask()
    handle, tmp = tempfile.mkstemp(prefix=temporary_prefix(path, "tmp"), dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors=errors, newline="") as file:
            yield file
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`open_atomically`: never a half-written file."""
    with open_atomically(path) as file:
        file.write(text)
    return Path(path)


def writable_file(path: Path) -> Path:
    """``path``, or the file a symbolic link there points to; an error for anything but a regular file."""
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        mode = path.stat().st_mode
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise ValueError(f"{path} is {kind}; output is written whole to a regular file (or to standard output: "
                         "leave out -o and redirect)")
    return path


def temporary_prefix(target: Path, role: str) -> str:
    return f".{target.name}.{os.getpid()}.{role}."


def clean_up(target: Path) -> None:
    """Remove the temporaries beside ``target`` of writers that are no longer running, moving a parked old
    directory back first if ``target`` itself is missing (a writer was killed between two renames)."""
    if not target.parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.(tmp|old)\.")
    for sibling in target.parent.iterdir():
        match = pattern.match(sibling.name)
        if match is None or running(int(match.group(1))):
            continue
        parked = sibling / target.name
        if match.group(2) == "old" and parked.exists() and not target.exists():
            os.replace(parked, target)
        if sibling.is_dir():
            shutil.rmtree(sibling)
        else:
            sibling.unlink(missing_ok=True)


def recover(target: str | os.PathLike) -> None:
    """Before reading ``target``: put back the complete directory a killed writer left parked."""
    clean_up(Path(target))


def running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or a system that cannot tell: leave its files alone
    return True


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where the
    system or file system cannot, and nothing was changed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_cwd, rename_exchange = -100, 2
    return renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), rename_exchange) == 0
