# shellcheck shell=bash
# Sourced by scripts/demo (see its header for what a part may use).
DEMO_TARGETS+=(example_redis_basics)

demo_redis() {
section "Redis core: connection, pipeline, script, pool (examples/redis_basics.cpp)"
"$BUILD/examples/example_redis_basics" "$REDIS_URL"
}
