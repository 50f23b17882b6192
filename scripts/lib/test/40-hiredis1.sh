# hiredis 1.x (upstream 1.3.0 by default, what vcpkg ships; ConanCenter has 1.0-1.3.1) instead of
# Debian's 0.14: built from its source tarball into a private prefix, ferry configured against
# its CMake package (GCC, Debug without sanitizers: the quickest build; -Werror), then ferry's
# unit tests, its Redis integration tests and the package consumers run. The binaries are
# checked to load the prefix's libhiredis, and the unit tests to be compiled against its headers
# (FERRY_EXPECT_HIREDIS_VERSION), so a build that fell back to Debian's hiredis fails.
# FERRY_HIREDIS_TARBALL overrides the tarball.
. "$FERRY_ROOT/scripts/lib/hiredis.sh"

test_hiredis1() {
  ferry_need_hiredis_tarball || return $?
  local dir=$FERRY_BUILD_ROOT/hiredis1 start version
  local build=$dir/ferry prefix=$dir/hiredis/prefix

  start=$SECONDS
  ferry_build_hiredis "$(ferry_hiredis_tarball)" "$dir/hiredis"
  version=$(ferry_hiredis_header_version "$prefix")
  ferry_log "hiredis $version built into $prefix in $((SECONDS - start))s"
  case $version in
    1.*) ;;
    *) echo "error: $(ferry_hiredis_tarball) is hiredis $version, not 1.x" >&2; return 1 ;;
  esac

  # Only what the Redis tests need: no apps, examples or benchmarks. The AMQP, SQL and mail
  # components are not needed either where the build lets them be left out.
  start=$SECONDS
  ferry_configure "$build" -G Ninja -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_PREFIX_PATH="$prefix" -DFERRY_WARNINGS_AS_ERRORS=ON -DFERRY_BUILD_TESTS=ON \
    -DFERRY_BUILD_EXAMPLES=OFF -DFERRY_BUILD_APPS=OFF -DFERRY_BUILD_BENCHMARKS=OFF \
    -DFERRY_WITH_AMQP=OFF -DFERRY_WITH_SQL=OFF -DFERRY_WITH_MAIL=OFF
  if ! grep -qxF "hiredis_DIR:PATH=$prefix/lib/cmake/hiredis" "$build/CMakeCache.txt"; then
    echo "error: ferry did not configure with the CMake package of $prefix:" >&2
    grep '^hiredis_DIR' "$build/CMakeCache.txt" >&2
    return 1
  fi
  local binaries=(ferry_unit_tests ferry_redis_tests ferry_cache_tests ferry_queue_tests
    ferry_queue_test_worker ferry_ratelimit_tests ferry_celery_tests)
  ferry_build "$build" "${binaries[@]}" ferry-test-server
  ferry_log "ferry built against hiredis $version in $((SECONDS - start))s"

  ferry_log "every Redis binary loads $prefix/lib's libhiredis"
  local paths=() bin
  for bin in "${binaries[@]}"; do
    paths+=("$(find "$build/tests" -name "$bin" -type f -perm -u+x | head -n 1)")
  done
  ferry_check_hiredis_linkage "$prefix" "${paths[@]}"

  # Unit tests (all of them: they run in seconds), the tests labelled redis, and the package
  # consumers, which look for hiredis where this build found it.
  start=$SECONDS
  # shellcheck disable=SC2086
  FERRY_EXPECT_HIREDIS_VERSION=$version ctest --test-dir "$build" --output-on-failure \
    --parallel "${FERRY_TEST_JOBS:-2}" -L '^(unit|redis|package)$' ${FERRY_TEST_ARGS:-}
  ferry_log "tests against hiredis $version ran in $((SECONDS - start))s"
  # The consumers of the installed package link the same hiredis (the pkg-config one finds it,
  # without an RPATH, through LD_LIBRARY_PATH as its users would).
  ferry_check_hiredis_linkage "$prefix" "$build/tests/package/cmake-consumer/ferry_consumer"
  LD_LIBRARY_PATH=$prefix/lib ferry_check_hiredis_linkage "$prefix" \
    "$build/tests/package/pkgconfig-consumer"

  # An installed ferry asks for the hiredis major it was built with: without the prefix, a
  # consumer must not fall back to Debian's 0.14.
  ferry_log "a consumer without $prefix must not take Debian's hiredis"
  local log=$dir/consumer-without-prefix.log
  if cmake -S "$FERRY_ROOT/tests/package/consumer" -B "$dir/consumer-without-prefix" \
    -DCMAKE_PREFIX_PATH="$build/package-stage" -DFERRY_COMPONENTS=redis >"$log" 2>&1; then
    echo "error: a consumer configured against Debian's hiredis; see $log" >&2
    return 1
  fi
  grep -A2 'Could NOT find hiredis' "$log" >&2
  grep -q 'unsuitable version "0\.' "$log"
}
