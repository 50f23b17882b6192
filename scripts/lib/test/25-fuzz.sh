# Every fuzz target (tests/fuzz: clang 14, libFuzzer, ASan+UBSan) for 30 s on its starting corpus,
# two at a time (scripts/fuzz); any finding fails the leg and names the directory holding it.
test_fuzz() {
  rm -rf "$FERRY_BUILD_ROOT/fuzz-findings"  # only this run's findings
  FERRY_FUZZ_BUILD_DIR=$FERRY_BUILD_ROOT/fuzz \
    FERRY_FUZZ_FINDINGS=$FERRY_BUILD_ROOT/fuzz-findings \
    "$FERRY_ROOT/scripts/fuzz" 30
}
