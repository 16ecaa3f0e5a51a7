#!/usr/bin/env bash
# Fetch, on a machine with PyPI, the wheels gpu_check.sh installs on a GPU machine without
# internet: bench/gpu_wheels/, for CPython 3.12 on x86-64 Linux unless told otherwise.
#   bench/fetch_gpu_wheels.sh                 # cp312, manylinux x86_64
#   PYTHON_VERSION=3.11 bench/fetch_gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")"
version="${PYTHON_VERSION:-3.12}"
tag="cp${version/./}"
rm -rf gpu_wheels.tmp
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest gpu_wheels.tmp \
    --python-version "$version" --implementation cp --abi "$tag" --abi abi3 --abi none \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform linux_x86_64 --platform any \
    -r gpu_wheels.txt
rm -rf gpu_wheels && mv gpu_wheels.tmp gpu_wheels
du -sh gpu_wheels
echo "$(ls gpu_wheels | wc -l) wheels in bench/gpu_wheels (carry it, with the repository, to the GPU machine)"
