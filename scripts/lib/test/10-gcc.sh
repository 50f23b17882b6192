# GCC 12 with ASan+UBSan and -Werror: the whole suite (library, apps, examples, benchmarks built;
# every test run against real servers).
test_gcc() {
  local build=${FERRY_BUILD_DIR:-$FERRY_BUILD_ROOT/test}
  ferry_configure "$build" -DCMAKE_BUILD_TYPE=Debug \
    -DFERRY_SANITIZE=address,undefined -DFERRY_WARNINGS_AS_ERRORS=ON \
    -DFERRY_BUILD_TESTS=ON -DFERRY_BUILD_EXAMPLES=ON -DFERRY_BUILD_APPS=ON \
    -DFERRY_BUILD_BENCHMARKS=ON
  ferry_build "$build"
  (
    cd "$build"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # shellcheck disable=SC2086
    ctest --output-on-failure --parallel "${FERRY_TEST_JOBS:-2}" ${FERRY_TEST_ARGS:-}
  )
}
