"""Atomic writes: a file holds either its old content or all of the new one, never half."""
import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Mapping, Optional


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


def _inline(data: Any, key: str, inlined: Dict[str, str]) -> Any:
    """A copy of data with every value under `key` replaced by a placeholder string, kept in `inlined`."""
    if isinstance(data, Mapping):
        copy = {}
        for k, v in data.items():
            if k == key:
                token = f"@inline-{uuid.uuid4().hex}@"
                inlined[json.dumps(token)] = json.dumps(v, separators=(",", ":"), allow_nan=False)
                copy[k] = token
            else:
                copy[k] = _inline(v, key, inlined)
        return copy
    if isinstance(data, (list, tuple)):
        return [_inline(v, key, inlined) for v in data]
    return data


def dumps_json(data: Mapping[str, Any], inline_key: Optional[str] = None) -> str:
    """JSON text, indented, UTF-8, no NaN; values under `inline_key` each on one line."""
    inlined: Dict[str, str] = {}
    if inline_key is not None:
        data = _inline(data, inline_key, inlined)
    # allow_nan=False: a NaN would make the file unreadable for strict parsers.
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    for token, value in inlined.items():
        text = text.replace(token, value, 1)
    return text + "\n"


def write_json_atomic(path: Path, data: Mapping[str, Any], inline_key: Optional[str] = None) -> None:
    """Write JSON atomically (indented, UTF-8, no NaN); values under `inline_key` each on one line."""
    write_atomic(Path(path), dumps_json(data, inline_key).encode("utf8"))
