# shellcheck shell=bash
# The size rules (scripts/check-sizes): no function over 80 lines in lib/, apps/, examples/,
# tests/ and the headers they compile (clang-tidy-14 over the clang build's compile commands), no
# app over 1,000 lines. Reuses the clang leg's build directory, configured again so its compile commands
# list today's sources even when that leg did not run; clang-tidy needs no objects.
test_sizes() {
  local build=$FERRY_BUILD_ROOT/clang
  ferry_configure_clang "$build" >/dev/null
  "$FERRY_ROOT/scripts/check-sizes" "$build"
}
