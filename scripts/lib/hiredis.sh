# Upstream hiredis built from its source tarball into a private prefix, for the legs that test
# ferry against hiredis 1.x instead of Debian's 0.14. Source it; do not run it.
#   ferry_hiredis_tarball             the tarball's path: FERRY_HIREDIS_TARBALL, or hiredis 1.3.0
#                                     (the version vcpkg ships) from ../shared/vendor-src
#   ferry_need_hiredis_tarball        ferry_need for that tarball, naming where to get it
#   ferry_build_hiredis TARBALL DIR   builds it with CMake under DIR and installs it into DIR/prefix
#   ferry_hiredis_header_version P    the version the headers under prefix P declare, e.g. 1.3.0
#   ferry_check_hiredis_linkage P B... fails unless each binary B loads the libhiredis of prefix P

ferry_hiredis_tarball() {
  echo "${FERRY_HIREDIS_TARBALL:-$FERRY_SHARED_DIR/vendor-src/hiredis-1.3.0.tar.gz}"
}

ferry_need_hiredis_tarball() {
  ferry_need "$(ferry_hiredis_tarball)" "the hiredis 1.3.0 source" \
    "https://github.com/redis/hiredis/archive/refs/tags/v1.3.0.tar.gz, saved as $(ferry_hiredis_tarball); or set FERRY_HIREDIS_TARBALL"
}

# A fresh build every time (about ten seconds): the prefix holds exactly what this tarball makes.
# Shared libraries, so a test can see which libhiredis a binary loads; hiredis_ssl too, so
# ferry's TLS detection is exercised on hiredis's own CMake package; no tests, no examples.
ferry_build_hiredis() {  # ferry_build_hiredis TARBALL DIR
  local tarball=$1 dir=$2
  rm -rf "$dir"
  mkdir -p "$dir/src"
  tar -xzf "$tarball" -C "$dir/src" --strip-components=1
  _ferry_hiredis_step "$dir/configure.log" cmake -S "$dir/src" -B "$dir/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$dir/prefix" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=ON -DENABLE_SSL=ON -DDISABLE_TESTS=ON -DENABLE_EXAMPLES=OFF \
    -DENABLE_NUGET=OFF
  _ferry_hiredis_step "$dir/build.log" cmake --build "$dir/build" --parallel "$FERRY_JOBS"
  _ferry_hiredis_step "$dir/install.log" cmake --install "$dir/build"
  # The install keeps the tarball's timestamps; fresh ones make every build that includes these
  # headers recompile, even when another tarball brought older files.
  find "$dir/prefix/include" -type f -exec touch {} +
}

_ferry_hiredis_step() {  # _ferry_hiredis_step LOG CMD...: CMD's output goes to LOG, shown on failure
  local log=$1
  shift
  "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; return 1; }
}

ferry_hiredis_header_version() {  # ferry_hiredis_header_version PREFIX
  local header=$1/include/hiredis/hiredis.h
  printf '%s.%s.%s\n' \
    "$(sed -n 's/^#define HIREDIS_MAJOR \([0-9]*\).*/\1/p' "$header")" \
    "$(sed -n 's/^#define HIREDIS_MINOR \([0-9]*\).*/\1/p' "$header")" \
    "$(sed -n 's/^#define HIREDIS_PATCH \([0-9]*\).*/\1/p' "$header")"
}

# Fails unless every BINARY loads exactly one libhiredis and it is PREFIX's: the proof that a
# build used the hiredis under test and not the system's (Debian's libhiredis.so.0.14).
ferry_check_hiredis_linkage() {  # ferry_check_hiredis_linkage PREFIX BINARY...
  local prefix=$1 bin loaded want
  shift
  want=$(realpath "$prefix/lib/libhiredis.so")
  for bin in "$@"; do
    loaded=$(ldd "$bin" | awk '$1 ~ /^libhiredis\.so/ { print $1 " " $3 }')
    if [ "$(printf '%s\n' "$loaded" | grep -c .)" != 1 ] ||
      [ "$(realpath "${loaded#* }" 2>/dev/null)" != "$want" ]; then
      echo "error: $bin loads '${loaded:-no libhiredis}', not $want" >&2
      return 1
    fi
    echo "  $(basename "$bin"): ${loaded% *} => ${loaded#* }"
  done
}
