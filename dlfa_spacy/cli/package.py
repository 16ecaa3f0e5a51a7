"""`package`: `spacy package` a trained DLFA pipeline with a meta that names its licence and sources, its build output in a log."""
from pathlib import Path

from ._util import Arg, Opt, app, input_errors, msg


@app.command("package")
@input_errors
def package_cli(
    # fmt: off
    model: Path = Arg(..., help="The trained pipeline folder (model-best)", exists=True, file_okay=False),
    output_dir: Path = Arg(..., help="Folder for the package (spacy package's output folder)", file_okay=False),
    task: str = Opt(..., "--task", "-t", help="The task the pipeline was trained for (its data sources go into the meta)"),
    name: str = Opt(..., "--name", "-n", help="Package name, as spacy package's --name"),
    version: str = Opt(..., "--version", "-v", help="Package version"),
    encoder: str = Opt(..., "--encoder", "-e", help="The encoder it was fine-tuned from: a hub id or folder (a meta source)"),
    # fmt: on
) -> None:
    """Build the pipeline's wheel with licence, sources (data sets and encoder), author and a description in its meta."""
    from ..experiments.package import package_pipeline

    wheel, log = package_pipeline(model, output_dir, task, name, version, encoder)
    msg.good(f"Built {wheel} (build output in {log})")
