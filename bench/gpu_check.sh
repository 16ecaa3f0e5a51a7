#!/usr/bin/env bash
# The GPU check: on a machine with one CUDA GPU and no internet, whose Python already has a
# CUDA PyTorch, install the pinned stack from bench/gpu_wheels.tar.xz (made here by
# bench/fetch_gpu_wheels.sh) without touching that PyTorch, run `pytest -m gpu`, then time A-E
# in fp32 and mixed precision and train DLFA 200 steps (bench/gpu_check.py). One JSON:
# $OUT/gpu_check.json when OUT is set, else bench/gpu_check.json.
#
#   bench/gpu_check.sh                 # on the GPU machine (under 8 minutes on an H100)
#   bench/gpu_check.sh --cpu --tiny    # the same steps on CPU with a tiny encoder (CI's dry run)
#
# Any other arguments go to bench/gpu_check.py. GPU_WHEELS names another archive (a path that
# does not exist skips the install, as the CPU dry run in the tests does).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
out="${OUT:-bench}/gpu_check.json"
mkdir -p "$(dirname "$out")"

torch_before="$("$python" -c 'import torch; print(torch.__version__)')"
archive="${GPU_WHEELS:-bench/gpu_wheels.tar.xz}"
if [ -f "$archive" ]; then
    # What a PyTorch environment brings and the wheels leave out (to stay under 64 MiB).
    "$python" - <<'PY'
import importlib.util, sys
needed = ["numpy", "requests", "yaml", "regex", "tqdm", "filelock", "fsspec", "packaging", "safetensors",
          "jinja2", "markupsafe", "typing_extensions", "urllib3", "idna", "certifi", "charset_normalizer"]
missing = [name for name in needed if importlib.util.find_spec(name) is None]
if missing:
    sys.exit(f"gpu_check: this Python lacks {', '.join(missing)}, which bench/gpu_wheels.tar.xz leaves out; "
             "install them first")
PY
    wheels="$(mktemp -d)"
    trap 'rm -rf "$wheels"' EXIT
    mkdir "$wheels/unpacked" "$wheels/zipped"
    tar -xJf "$archive" -C "$wheels/unpacked"
    # The archive holds each wheel unpacked (xz packs them to half a zip's size): zip them again.
    "$python" - "$wheels" <<'PY'
import pathlib, sys, zipfile
root = pathlib.Path(sys.argv[1])
for folder in sorted(p for p in (root / "unpacked").iterdir() if p.is_dir()):
    with zipfile.ZipFile(root / "zipped" / folder.name, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                wheel.write(path, path.relative_to(folder).as_posix())
PY
    "$python" -m pip install --quiet --no-index --no-deps "$wheels"/zipped/*.whl
    # Built in pip's isolated environment from the archive's setuptools: the GPU machine's own
    # site-packages may hold setuptools plugins that break once the pinned stack is in.
    "$python" -m pip install --quiet --no-index --no-deps --find-links "$wheels/zipped" -e .
    # transformers 4.53 imports `kernels` whenever it is installed; the version that came with a
    # newer transformers needs a newer huggingface-hub and breaks that import. It serves only
    # the newer transformers, so it goes (PyTorch stays as it is).
    if ! "$python" -c "import transformers.modeling_utils" 2>/dev/null; then
        if "$python" -m pip show --quiet kernels >/dev/null 2>&1; then
            echo "gpu_check: uninstalling kernels, which transformers 4.53 cannot import beside this stack"
            "$python" -m pip uninstall --quiet --yes kernels
        fi
        "$python" -c "import transformers.modeling_utils"
    fi
else
    echo "gpu_check: no $archive; using the packages already installed"
fi
torch_after="$("$python" -c 'import torch; print(torch.__version__)')"
if [ "$torch_before" != "$torch_after" ]; then
    echo "gpu_check: the install changed PyTorch from $torch_before to $torch_after" >&2
    exit 1
fi

set +e
"$python" -m pytest -m gpu tests/test_device.py -q -p no:cacheprovider -rs
pytest_status=$?
set -e
"$python" bench/gpu_check.py --json "$out" --pytest-status "$pytest_status" --torch-before "$torch_before" "$@"
exit "$pytest_status"
