"""The large downloaded assets checked against their published sizes and SHA-256 sums (`verify-assets`).

`spacy project assets` checks MD5 sums only, and none is published for these files; their
sizes and SHA-256 sums are those the Hugging Face dataset loaders record. They live in one
file, `assets/sha256.json`: {path: {"bytes": n, "sha256": hex}}, paths relative to the project.
"""
import hashlib
import json
from pathlib import Path
from typing import Dict, List, NamedTuple

CHUNK = 1 << 20


class Mismatch(NamedTuple):
    """A listed file that is missing or differs: its path, what was found and what was expected."""

    path: str
    found: str
    expected: str


def read_sums(path: Path) -> Dict[str, Dict[str, object]]:
    """The {file: {"bytes", "sha256"}} table; ValueError naming the file and entry when it is malformed."""
    try:
        table = json.loads(Path(path).read_text(encoding="utf8"))
    except ValueError as err:
        raise ValueError(f"{path}: not JSON ({err})") from None
    if not isinstance(table, dict):
        raise ValueError(f"{path}: expected an object of file: {{\"bytes\", \"sha256\"}}")
    for name, entry in table.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("bytes"), int)
                and isinstance(entry.get("sha256"), str) and len(entry["sha256"]) == 64):
            raise ValueError(f"{path}: entry {name!r} must hold \"bytes\" (an integer) and \"sha256\" (64 hex digits)")
    return table


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(table: Dict[str, Dict[str, object]], root: Path) -> List[Mismatch]:
    """Every listed file under `root` that is missing, of another size, or of another SHA-256."""
    problems = []
    for name, entry in table.items():
        path = Path(root) / name
        if not path.is_file():
            problems.append(Mismatch(name, "no such file", f"{entry['bytes']:,} bytes"))
            continue
        size = path.stat().st_size
        if size != entry["bytes"]:
            # A size check first: a truncated download is told apart without reading 400 MB.
            problems.append(Mismatch(name, f"{size:,} bytes", f"{entry['bytes']:,} bytes"))
            continue
        digest = sha256_of(path)
        if digest != entry["sha256"]:
            problems.append(Mismatch(name, f"SHA-256 {digest}", f"SHA-256 {entry['sha256']}"))
    return problems
