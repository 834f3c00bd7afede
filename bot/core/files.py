"""Files and folders of runtime state (SQLite databases, tokens, logs) are owner-only.

Data files hold customers' messages, contacts and complaint texts; the folder holds the
Rasa API token and the web chat's signing secret. Other local users get nothing: folders
are 0700 and files 0600, whether this process creates them or finds them with looser
modes (fixed when this user owns them).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o777 & ~mode:
            path.chmod(mode)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed; make it owner-only. Returns ``path``."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if it is missing, owner-only either way. Returns ``path``.

    SQLite gives a database's ``-wal`` and ``-shm`` files the database file's mode, so a
    database file made here keeps its companions private too.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        _tighten(path, PRIVATE_FILE_MODE)
    else:
        os.close(fd)
    return path
