#!/usr/bin/env bash
# Fetch, on a machine with PyPI, the wheels gpu_check.sh installs on a GPU machine without
# internet, and pack them unzipped into bench/gpu_wheels.tar.xz (xz packs the unzipped files
# to about half the size of the wheels, which keeps them under the 64 MiB a device run carries).
#   bench/fetch_gpu_wheels.sh                     # CPython 3.12, x86-64 Linux
#   PYTHON_VERSION=3.11 bench/fetch_gpu_wheels.sh
set -euo pipefail
cd "$(dirname "$0")"
version="${PYTHON_VERSION:-3.12}"
tag="cp${version/./}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work/wheels" \
    --python-version "$version" --implementation cp --abi "$tag" --abi abi3 --abi none \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform linux_x86_64 --platform any \
    -r gpu_wheels.txt
mkdir "$work/unpacked"
for wheel in "$work"/wheels/*.whl; do
    folder="$work/unpacked/$(basename "$wheel")"
    mkdir "$folder"
    python3 -m zipfile -e "$wheel" "$folder"
done
tar -cJf "$work/gpu_wheels.tar.xz" -C "$work/unpacked" .
size=$(stat -c %s "$work/gpu_wheels.tar.xz")
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
    echo "fetch_gpu_wheels: $((size / 1048576)) MiB is over the 64 MiB a device run carries" >&2
    exit 1
fi
mv "$work/gpu_wheels.tar.xz" gpu_wheels.tar.xz
echo "bench/gpu_wheels.tar.xz: $(ls "$work/wheels" | wc -l) wheels, $((size / 1048576)) MiB"
