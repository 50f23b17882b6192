# Shared set-up for scripts/test, scripts/demo and scripts/bench. Source it; do not run it.
#   ferry_install_packages   installs the Debian packages in packages.txt that are missing
#   ferry_configure DIR ARGS configures a build directory
#   ferry_build DIR [T...]   builds it (or only targets T...)
set -euo pipefail

FERRY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FERRY_JOBS=${FERRY_JOBS:-$(nproc)}
export FERRY_ROOT FERRY_JOBS

ferry_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ferry_missing_packages() {
  local pkg missing=()
  while read -r pkg; do
    [ -z "$pkg" ] && continue
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$FERRY_ROOT/scripts/lib/packages.txt")
  echo "${missing[@]:-}"
}

ferry_install_packages() {
  local missing
  missing=$(ferry_missing_packages)
  if [ -z "$missing" ]; then
    ferry_log "all Debian packages present"
    return 0
  fi
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing"
  if [ "$(id -u)" != 0 ]; then
    echo "ferry needs these Debian packages: $missing" >&2
    echo "Run as root:  $cmd" >&2
    exit 1
  fi
  ferry_log "installing: $missing"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

ferry_configure() {
  local dir=$1
  shift
  cmake -S "$FERRY_ROOT" -B "$dir" "$@"
}

ferry_build() {  # ferry_build DIR [TARGET...]: everything, or only the named targets
  local dir=$1
  shift
  if [ $# -gt 0 ]; then
    cmake --build "$dir" --parallel "$FERRY_JOBS" --target "$@"
  else
    cmake --build "$dir" --parallel "$FERRY_JOBS"
  fi
}
