"""Atomic writes: a file holds either its old content or all of the new one, never half."""
import json
import os
import uuid
from pathlib import Path
from typing import Any, Mapping


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that `path` holds either its old content or all of the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666 lets the umask decide permissions, as for a plain open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON atomically (indented, UTF-8, no NaN)."""
    # allow_nan=False: a NaN would make the file unreadable for strict parsers.
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(Path(path), text.encode("utf8"))
