"""Caches on disk beside the area files: a pickle written atomically, readable by all."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from graphs.errors import AreaFileError

logger = logging.getLogger(__name__)


def pickle_atomically(value: object, cache_file: Path, *, what: str) -> None:
    """Pickle ``value`` to ``cache_file`` atomically: a temporary file, then a rename.

    The file is made world-readable (a cache baked into an image by one user is read by
    another). A cache directory that cannot be written only costs speed, so that failure is
    logged (naming ``what`` the cache holds), not raised.
    """
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            dir=cache_file.parent, prefix=cache_file.name, suffix=".tmp"
        )
    except OSError as exc:
        logger.warning("Cannot write %s cache file %s: %s", what, cache_file.name, exc.strerror)
        return
    try:
        with os.fdopen(fd, "wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, cache_file)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def area_file_digest(path: Path) -> str:
    """SHA-256 of an area file's bytes: what its caches are keyed by (a changed file is a
    new key).

    Raises
    ------
    AreaFileError
        If the file cannot be read.
    """
    content = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                content.update(block)
    except OSError as exc:
        msg = f"Cannot read the area file {path.name}: {exc.strerror or exc}."
        raise AreaFileError(msg) from exc
    return content.hexdigest()
