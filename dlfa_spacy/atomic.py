"""Atomic writes: a file or folder holds either its old content or all of the new one, never half.

Every output of the project goes through here: `write_atomic` / `write_json_atomic` for
one file, `replace_folder` for a folder written whole (a pipeline, an encoder checkpoint),
and `report_files` for a report and its plots put into a folder that holds other files.
"""
import json
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Sequence, Union


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that `path` holds either its old content or all of the new one; an OSError names `path`."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path)
        # os.open with 0o666 lets the umask decide permissions, as for a plain open().
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as err:
        raise OSError(err.errno, f"cannot write {path}: {err.strerror or err}", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        # A full disk (ENOSPC) names no file by itself.
        raise OSError(err.errno, f"cannot write {path}: {err.strerror or err}", str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# A temp file this old is left by a killed write, not by one still running.
STALE_SECONDS = 3600


def remove_stale_temps(path: Path) -> None:
    """Remove the temp files of earlier writes of `path` that were killed (older than STALE_SECONDS)."""
    now = time.time()
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if now - stale.stat().st_mtime > STALE_SECONDS:
                stale.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: the write itself goes on


def check_writable(path: Union[str, Path]) -> None:
    """OSError naming `path` unless a file can be written there (checked before slow work, not after)."""
    path = Path(path)
    if path.is_dir():
        raise OSError(21, f"cannot write {path}: it is a folder; expected a file path", str(path))
    folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("."))
    if not folder.is_dir():
        raise OSError(20, f"cannot write {path}: {folder} is a file, not a folder", str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(13, f"cannot write {path}: {folder} is not writable", str(path))


def _inline(data: Any, keys: Sequence[str], inlined: Dict[str, str]) -> Any:
    """A copy of data with every value under one of `keys` replaced by a placeholder string, kept in `inlined`."""
    if isinstance(data, Mapping):
        copy = {}
        for k, v in data.items():
            if k in keys:
                token = f"@inline-{uuid.uuid4().hex}@"
                inlined[json.dumps(token)] = json.dumps(v, separators=(",", ":"), allow_nan=False)
                copy[k] = token
            else:
                copy[k] = _inline(v, keys, inlined)
        return copy
    if isinstance(data, (list, tuple)):
        return [_inline(v, keys, inlined) for v in data]
    return data


def dumps_json(data: Mapping[str, Any], inline_key: Union[str, Sequence[str], None] = None) -> str:
    """JSON text, indented, UTF-8, no NaN; values under `inline_key` (one key or several) each on one line."""
    inlined: Dict[str, str] = {}
    if inline_key is not None:
        data = _inline(data, (inline_key,) if isinstance(inline_key, str) else tuple(inline_key), inlined)
    # allow_nan=False: a NaN would make the file unreadable for strict parsers.
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    for token, value in inlined.items():
        text = text.replace(token, value, 1)
    return text + "\n"


def write_json_atomic(path: Path, data: Mapping[str, Any], inline_key: Union[str, Sequence[str], None] = None) -> None:
    """Write JSON atomically (indented, UTF-8, no NaN); values under `inline_key` each on one line."""
    write_atomic(Path(path), dumps_json(data, inline_key).encode("utf8"))


def check_folder_output(output: Path) -> None:
    """ValueError unless `output` is a folder or does not exist yet."""
    if output.exists() and not output.is_dir():
        raise ValueError(f"Output {output} exists and is not a folder")


@contextmanager
def replace_folder(output: Union[str, Path]) -> Iterator[Path]:
    """A temp folder beside `output` to write into; on success it takes `output`'s place, on failure it is removed."""
    output = Path(output)
    check_folder_output(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}-"))
    try:
        yield tmp
        if output.exists():
            # A folder cannot replace a non-empty one in one step: the old one steps aside first.
            old = output.with_name(f".{output.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(output, old)
            os.replace(tmp, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def report_files(output_dir: Union[str, Path], main_file: str) -> Iterator[Path]:
    """A temp folder to draw a report into; on success each file moves into `output_dir`, `main_file` last.

    The other files of `output_dir` stay. On failure nothing is moved, and a folder this
    call created is removed again.
    """
    output_dir = Path(output_dir)
    check_folder_output(output_dir)
    created = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=output_dir, prefix=f".{Path(main_file).stem}-"))
    try:
        yield tmp
        # The report names its plots: they are in place before it is.
        for path in sorted(p for p in tmp.iterdir() if p.name != main_file):
            os.replace(path, output_dir / path.name)
        os.replace(tmp / main_file, output_dir / main_file)
    except BaseException:
        if created:
            shutil.rmtree(output_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
