# clang 14 with libstdc++, Release, -Werror: the whole suite (library, apps, examples,
# benchmarks built; every test run against real servers). The .deb leg packages this build.
test_clang() {
  local build=$FERRY_BUILD_ROOT/clang
  ferry_configure_clang "$build"
  ferry_build "$build"
  # shellcheck disable=SC2086
  ctest --test-dir "$build" --output-on-failure --parallel "${FERRY_TEST_JOBS:-2}" \
    ${FERRY_TEST_ARGS:-}
}
