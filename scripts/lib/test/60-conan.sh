# Conan 2: `conan create` of the repository's recipe (conanfile.py + test_package/) with every
# component and the apps, offline, against Debian's libraries (scripts/lib/conan/debian12.profile
# maps each dependency to the system library with [platform_requires]); test_package must link
# and run. Then the same command with that section cut off must fail to resolve a dependency:
# proof that nothing came from a remote. A throwaway CONAN_HOME keeps the user's ~/.conan2 out.
#   FERRY_CONAN (default: ../shared/tools/bin/conan, Conan 2.8.1)
test_conan() {
  local conan=${FERRY_CONAN:-$FERRY_SHARED_DIR/tools/bin/conan}
  ferry_need "$conan" "Conan 2 (>= 2.1)" \
    "pip install 'conan>=2.1' (https://docs.conan.io/2/installation.html), then FERRY_CONAN=\$(command -v conan)" ||
    return $?

  local work=$FERRY_BUILD_ROOT/conan
  rm -rf "$work"
  mkdir -p "$work"
  export CONAN_HOME=$work/home
  local profile=$FERRY_ROOT/scripts/lib/conan/debian12.profile
  # test_package builds under $work, not in the source tree.
  local args=(create "$FERRY_ROOT" --build=missing -c "tools.build:jobs=$FERRY_JOBS"
    -c "tools.cmake.cmake_layout:test_folder=$work/test_package"
    -o 'ferry/*:amqp=True' -o 'ferry/*:sql=True' -o 'ferry/*:mail=True'
    -o 'ferry/*:celery=True' -o 'ferry/*:service=True' -o 'ferry/*:apps=True')

  "$conan" --version
  "$conan" profile detect
  "$conan" remote disable conancenter

  # --- static, Release, everything on: builds in Conan's cache from the exported sources --------
  "$conan" "${args[@]}" -pr:a "$profile" 2>&1 | tee "$work/create.log"
  # test_package printed its verdict and each component's line (see test_package/main.cpp).
  local line
  for line in '^redis: redis://app:\*\*\*@127.0.0.1:1/2' '^cache: default ttl 90000 ms, queue: 5 ' \
    '^ratelimit: third call denied' '^amqp: amqps://' '^sql: sqlite says 42' \
    '^celery: tasks.add ' '^mail: ' '^service: admin server listened; test_up 1$' \
    '^ferry [0-9.]* test_package: ok$'; do
    grep -q "$line" "$work/create.log" || { echo "error: test_package did not print /$line/" >&2; return 1; }
  done

  # --- without [platform_requires]: must fail to resolve (nothing in the cache, no remote) --------
  sed '/^\[platform_requires\]/,$d' "$profile" >"$work/no-platform.profile"
  if grep -q platform_requires "$work/no-platform.profile"; then
    echo "error: could not cut [platform_requires] off $profile" >&2
    return 1
  fi
  if "$conan" "${args[@]}" -pr:a "$work/no-platform.profile" >"$work/negative.log" 2>&1; then
    echo "error: conan create succeeded without [platform_requires]: a dependency came from somewhere" >&2
    return 1
  fi
  if ! grep -E "Package '[^']+' not resolved" "$work/negative.log"; then
    echo "error: conan create without [platform_requires] failed, but not for an unresolved dependency:" >&2
    tail -n 30 "$work/negative.log" >&2
    return 1
  fi
  ferry_log "conan: without [platform_requires] the dependencies do not resolve, as expected"
}
