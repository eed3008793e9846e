#!/usr/bin/env bash
# Installs every system package and data file PromptDesk needs (Debian 12, as root).
# Idempotent: packages already present and data already unpacked are skipped.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ccache
  qt6-base-dev libqcustomplot-dev
  libtorch-dev libopenblas0-pthread
  libsqlite3-dev nlohmann-json3-dev libcli11-dev
  libpcre2-dev libutf8proc-dev
  libpng-dev libjpeg-dev libstb-dev zlib1g-dev
  xvfb xauth qt6-svg-dev time
  clang libclang-rt-14-dev
  python3-torch  # the PyTorch anchor of bench/coop_reference.py and bench/clip_encode_reference.py
  dataset-fashion-mnist
  wordnet-base  # WordNet 3.0 database (/usr/share/wordnet): the knowledgeable verbalizer's label words
)

# npm comes with Node.js on some images (whose nodejs conflicts with Debian's npm).
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "[install] installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[install] all Debian packages present"
fi

# Use the pthread OpenBLAS as the system BLAS (LibTorch links libblas.so.3).
if update-alternatives --list libblas.so.3-x86_64-linux-gnu >/dev/null 2>&1; then
  alt=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas-pthread | head -n1 || true)
  if [ -n "$alt" ]; then $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt" >/dev/null; fi
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install-data.sh"
