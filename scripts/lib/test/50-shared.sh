# GCC 12, Debug without sanitizers (what exports a library needs does not depend on the
# optimiser, and GCC's -O2 build is the Conan and vcpkg legs'), -Werror, BUILD_SHARED_LIBS=ON:
# the libraries as versioned shared objects with only the public API exported. Builds the
# libraries and the unit tests (no apps, examples or integration binaries), runs the unit tests
# against the .so files, then installs into a staging prefix and runs the CMake and pkg-config
# consumers plus the SONAME/export check (ctest label "package").
test_shared() {
  local build=$FERRY_BUILD_ROOT/shared
  ferry_configure "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBUILD_SHARED_LIBS=ON \
    -DFERRY_WARNINGS_AS_ERRORS=ON -DFERRY_BUILD_TESTS=ON -DFERRY_BUILD_EXAMPLES=OFF \
    -DFERRY_BUILD_APPS=OFF -DFERRY_BUILD_BENCHMARKS=OFF
  # The unit tests link the umbrella ferry::ferry, so this builds every component library.
  ferry_build "$build" ferry_unit_tests
  (
    cd "$build"
    # shellcheck disable=SC2086
    ctest --output-on-failure --parallel "${FERRY_TEST_JOBS:-2}" -L '^(unit|package)$' \
      ${FERRY_TEST_ARGS:-}
  )
}
