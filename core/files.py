"""Files a process makes once and every process then shares: written whole, readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path


def write_once(path: Path, text: str) -> None:
    """Create ``path`` with ``text`` (mode 0600) unless it exists. Atomic: the first of several processes to get
    there wins, and the others keep its content."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    try:
        os.link(tmp, path)  # refused if another process was first: theirs stands
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
