# clang 14 with libc++ 14, Release, -Werror: the library and its unit tests (no servers).
# Debian's libfmt, SOCI and cpp-httplib are C++ libraries built against libstdc++, which a libc++
# program cannot link: fmt is used header-only, ferry::sql and ferry::service are off. The C
# libraries (hiredis, rabbitmq-c, OpenSSL, GMime, gumbo) and the header-only ones (nlohmann-json,
# Catch2) are fine.
test_libcxx() {
  local build=$FERRY_BUILD_ROOT/libcxx
  ferry_configure "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS=-stdlib=libc++ -DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++ \
    -DCMAKE_SHARED_LINKER_FLAGS=-stdlib=libc++ \
    -DFERRY_WARNINGS_AS_ERRORS=ON -DFERRY_BUILD_TESTS=ON -DFERRY_BUILD_EXAMPLES=OFF \
    -DFERRY_BUILD_APPS=OFF -DFERRY_BUILD_BENCHMARKS=OFF \
    -DFERRY_WITH_SQL=OFF -DFERRY_WITH_SERVICE=OFF -DFERRY_FMT_HEADER_ONLY=ON
  ferry_build "$build" ferry_unit_tests
  ctest --test-dir "$build" --output-on-failure --parallel "${FERRY_TEST_JOBS:-2}" -L '^unit$'
}
