"""`verify-assets`: the large downloaded data sets checked against their published sizes and SHA-256 sums."""
from pathlib import Path

from ._util import Arg, Opt, app, input_errors, msg


@app.command("verify-assets")
@input_errors
def verify_assets_cli(
    # fmt: off
    sums: Path = Arg(Path("assets/sha256.json"), help="The table of files with their bytes and SHA-256", exists=True, dir_okay=False),
    root: Path = Opt(Path("."), "--root", "-r", help="Folder the table's paths are relative to (the project)", file_okay=False),
    # fmt: on
) -> None:
    """Check every file of the table against its size and SHA-256; name each one that is missing or differs."""
    from ..checksums import read_sums, verify

    table = read_sums(sums)
    problems = verify(table, root)
    if problems:
        for problem in problems:
            msg.fail(f"{problem.path}: found {problem.found}; expected {problem.expected}")
        raise SystemExit(1)
    msg.good(f"{len(table)} assets match their sizes and SHA-256 sums ({sums})")
