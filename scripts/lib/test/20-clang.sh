# clang 14 with libstdc++, Release, -Werror: the whole suite (library, apps and examples built,
# the benchmarks being the gcc leg's; every test run against real servers). The .deb leg packages this build.
# Then the smallest configuration, every FERRY_WITH_* off (core, postfix and redis only): its library,
# unit tests and package consumers, and that nothing of the other components is installed.
test_clang() {
  local build=$FERRY_BUILD_ROOT/clang
  ferry_configure_clang "$build"
  ferry_build "$build"
  # shellcheck disable=SC2086
  ctest --test-dir "$build" --output-on-failure --parallel "${FERRY_TEST_JOBS:-2}" \
    ${FERRY_TEST_ARGS:-}

  ferry_log "clang: core, postfix, redis, cache, queue, ratelimit only (FERRY_WITH_AMQP/SQL/MAIL/CELERY/SERVICE off)"
  local minimal=$FERRY_BUILD_ROOT/clang-minimal
  ferry_configure_clang "$minimal" -DFERRY_BUILD_APPS=OFF -DFERRY_BUILD_EXAMPLES=OFF \
    -DFERRY_WITH_AMQP=OFF -DFERRY_WITH_SQL=OFF \
    -DFERRY_WITH_MAIL=OFF -DFERRY_WITH_CELERY=OFF -DFERRY_WITH_SERVICE=OFF
  ferry_build "$minimal" ferry_unit_tests
  ctest --test-dir "$minimal" --output-on-failure --parallel "${FERRY_TEST_JOBS:-2}" \
    -L '^(unit|package)$'
  local dir
  for dir in amqp sql mail celery service; do
    if [ -e "$minimal/package-stage/include/ferry/$dir" ]; then
      echo "error: include/ferry/$dir was installed with its component off" >&2
      return 1
    fi
  done
}
