#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs: packages, vocabularies/data, then the build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/install-deps.sh"
"$here/build.sh"
