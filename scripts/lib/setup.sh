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

# --- what only CI has: the tools and sources beside the project ---------------------------------
# A developer's clone has no ../shared. Steps that need something from it (the packaging tools,
# the hiredis 1.x source) call ferry_need first: under CI=true a missing piece fails the step,
# otherwise the step is skipped with a message naming what is missing and where to get it.
FERRY_SHARED_DIR=${FERRY_SHARED_DIR:-$(cd "$FERRY_ROOT/.." && pwd)/shared}
export FERRY_SHARED_DIR

ferry_skipped=77  # a step's status when it was skipped (also CTest's SKIP_RETURN_CODE)

ferry_need() {  # ferry_need PATH WHAT WHERE: returns 0 when PATH exists
  local path=$1 what=$2 where=$3
  [ -e "$path" ] && return 0
  if [ "${CI:-}" = true ]; then
    echo "error: $what is missing at $path ($where); CI=true forbids skipping" >&2
    return 1
  fi
  echo "skipped: $what is missing at $path ($where)" >&2
  return $ferry_skipped
}

# The clang 14 build (libstdc++, Release, -Werror; the benchmarks are the gcc leg's) is shared by the clang leg of scripts/test
# and the .deb leg, which packages the apps it built. scripts/check-sizes configures it too (its own directory, for
# clang-tidy's compile_commands.json).
ferry_configure_clang() {  # ferry_configure_clang DIR [EXTRA CMAKE ARGS...]
  local dir=$1
  shift
  ferry_configure "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
    -DFERRY_WARNINGS_AS_ERRORS=ON -DFERRY_BUILD_TESTS=ON -DFERRY_BUILD_EXAMPLES=ON \
    -DFERRY_BUILD_APPS=ON -DFERRY_BUILD_BENCHMARKS=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@"
}
