# Throwaway servers for scripts/demo and scripts/bench, started with the same harness the tests
# use (ferry-test-server). Source after setup.sh; call ferry_start_servers BUILD_DIR [redis] [rabbitmq].
# Sets REDIS_URL / RABBITMQ_URL and stops everything on exit.
ferry_start_servers() {
  local build=$1
  shift
  FERRY_SERVER_STATE=$(mktemp -d "${TMPDIR:-/tmp}/ferry-servers.XXXXXX")
  FERRY_TEST_SERVER="$build/tests/support/ferry-test-server"
  export FERRY_SERVER_STATE FERRY_TEST_SERVER
  trap ferry_stop_servers EXIT
  local kind
  for kind in "$@"; do
    ferry_log "starting a throwaway $kind"
    case $kind in
      redis) REDIS_URL=$("$FERRY_TEST_SERVER" start redis --state-dir "$FERRY_SERVER_STATE"); export REDIS_URL ;;
      rabbitmq) RABBITMQ_URL=$("$FERRY_TEST_SERVER" start rabbitmq --state-dir "$FERRY_SERVER_STATE"); export RABBITMQ_URL ;;
    esac
  done
}

ferry_stop_servers() {
  [ -n "${FERRY_SERVER_STATE:-}" ] || return 0
  "$FERRY_TEST_SERVER" stop all --state-dir "$FERRY_SERVER_STATE" >/dev/null 2>&1 || true
  rm -rf "$FERRY_SERVER_STATE"
}
