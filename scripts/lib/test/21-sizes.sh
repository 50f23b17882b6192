# shellcheck shell=bash
# The size rules (scripts/check-sizes): no function over 80 lines in lib/, apps/, examples/,
# tests/ and the headers they compile (clang-tidy-14), no app over 1,000 lines. The script
# configures its own build directory ($FERRY_BUILD_ROOT/sizes: the clang build plus the
# benchmarks and fuzz targets, so every source is in its compile commands; nothing is built).
test_sizes() {
  "$FERRY_ROOT/scripts/check-sizes"
}
