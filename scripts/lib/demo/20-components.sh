# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(example_cache_basics example_queue_basics example_ratelimit_basics)

demo_components() {
section "Cache, queue and rate limiter (examples/cache_basics.cpp, queue_basics.cpp, ratelimit_basics.cpp)"
"$BUILD/examples/example_cache_basics" "$REDIS_URL"
"$BUILD/examples/example_queue_basics" "$REDIS_URL"
"$BUILD/examples/example_ratelimit_basics" "$REDIS_URL"
}
