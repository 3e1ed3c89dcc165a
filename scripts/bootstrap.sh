#!/usr/bin/env bash
# Installs the Debian packages cajal needs, when they are missing. Idempotent and quick when
# everything is present (one dpkg-query). As root it runs apt-get; otherwise it prints the command.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ make pkg-config ccache
  libopenblas-openmp-dev zlib1g-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libpng-dev libplplot-dev plplot-driver-cairo
  libgtest-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin  # cajal::distributed; tests run under mpirun -np 2
  pybind11-dev python3-dev python3-numpy python3-pytest python3-torch python3-torchvision
  python3-brian  # test oracle only: scripts/neuro_brian2_reference.py, python/tests/test_neuro.py
  python3-nltk   # test oracle only: BLEU (python/tests/test_bleu.py)
  python3-gensim # test oracle and benchmark peer only: word2vec (python/tests/test_word2vec.py, bench/word2vec)
  libprotobuf-dev protobuf-compiler  # ONNX export/import (src/onnx/; CMake option CAJAL_ONNX)
  python3-onnx   # test oracle only: onnx.checker on exported models (python/tests/test_onnx.py)
  dataset-fashion-mnist
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "bootstrap: not root; run:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
