# vcpkg: the real vcpkg builds ferry from ports/ferry, offline. An overlay port derived from
# ports/ferry (same portfile and features, no library dependencies) builds this checkout; the
# overlay triplet x64-linux-system leaves hiredis, rabbitmq-c, SOCI, GMime, ... to the system.
# Every feature is installed with an empty downloads folder, which must still be empty
# afterwards; then tests/package/consumer, configured with vcpkg's toolchain file, finds ferry,
# builds and runs, and each installed app answers --help.
test_vcpkg() {
  local vcpkg=$FERRY_SHARED_DIR/tools/bin/vcpkg shipped_root=$FERRY_SHARED_DIR/tools/vcpkg
  local where="CI provides it; elsewhere git clone https://github.com/microsoft/vcpkg into $shipped_root, run its bootstrap-vcpkg.sh and link $vcpkg to the vcpkg binary there"
  ferry_need "$vcpkg" "vcpkg" "$where" || return $?
  ferry_need "$shipped_root/.vcpkg-root" "the vcpkg root" "$where" || return $?

  local work=$FERRY_BUILD_ROOT/vcpkg
  local triplet=x64-linux-system
  local triplets=$FERRY_ROOT/tests/package/vcpkg/triplets
  local version
  version=$(sed -n 's/^ *VERSION \([0-9][0-9.]*\)$/\1/p' "$FERRY_ROOT/CMakeLists.txt" | head -n 1)

  # --- the manifests: canonical as vcpkg writes them, at the project's version ----------------
  rm -rf "$work"
  mkdir -p "$work/format/port" "$work/format/root" "$work/downloads" "$work/cache"
  cp "$FERRY_ROOT/ports/ferry/vcpkg.json" "$work/format/port/"
  cp "$FERRY_ROOT/vcpkg.json" "$work/format/root/"
  (
    cd "$work"
    "$vcpkg" format-manifest "$work/format/port/vcpkg.json" "$work/format/root/vcpkg.json" >/dev/null
  )
  diff -u "$FERRY_ROOT/ports/ferry/vcpkg.json" "$work/format/port/vcpkg.json"
  diff -u "$FERRY_ROOT/vcpkg.json" "$work/format/root/vcpkg.json"
  for manifest in ports/ferry/vcpkg.json vcpkg.json; do
    if ! grep -q "^  \"version\": \"$version\",\$" "$FERRY_ROOT/$manifest"; then
      echo "error: $manifest does not give the project's version $version" >&2
      return 1
    fi
  done

  # --- a writable vcpkg root, an overlay port on this checkout ---------------------------------
  # Only what building a port needs: the scripts, the triplets, vcpkg's CMake helper ports and
  # the license file vcpkg-cmake installs as its copyright.
  ferry_log "vcpkg: root copied to $work/root"
  mkdir -p "$work/root/ports"
  cp -a "$shipped_root/.vcpkg-root" "$shipped_root/LICENSE.txt" "$shipped_root/scripts" \
    "$shipped_root/triplets" "$work/root/"
  cp -a "$shipped_root/ports/vcpkg-cmake" "$shipped_root/ports/vcpkg-cmake-config" "$work/root/ports/"
  chmod -R u+w "$work/root"
  cmake -DPORT_DIR="$FERRY_ROOT/ports/ferry" -DOUT_DIR="$work/overlay-ports/ferry" \
    -P "$FERRY_ROOT/tests/package/vcpkg/system_port.cmake"

  # Everything vcpkg writes stays under $work: no binary cache (a cached ferry would hide a
  # change to this checkout), downloads in an empty folder that is checked afterwards.
  export VCPKG_ROOT=$work/root VCPKG_DOWNLOADS=$work/downloads VCPKG_BINARY_SOURCES=clear
  export XDG_CACHE_HOME=$work/cache VCPKG_MAX_CONCURRENCY=$FERRY_JOBS FERRY_SOURCE_DIR=$FERRY_ROOT

  # --- vcpkg install, every feature ------------------------------------------------------------
  ferry_log "vcpkg install ferry[core,amqp,sql,mail,celery,service,apps]:$triplet"
  (
    cd "$work"  # outside the checkout, whose vcpkg.json would mean manifest mode
    "$vcpkg" install "ferry[core,amqp,sql,mail,celery,service,apps]" --classic \
      --overlay-ports="$work/overlay-ports" --overlay-triplets="$triplets" \
      --triplet="$triplet" --host-triplet="$triplet" --enforce-port-checks \
      --clean-buildtrees-after-build --clean-packages-after-build
  )
  local downloaded
  downloaded=$(find "$work/downloads" -type f | head -n 5)
  if [ -n "$downloaded" ]; then
    echo "error: vcpkg downloaded files:" >&2
    echo "$downloaded" >&2
    return 1
  fi
  ferry_log "vcpkg: nothing downloaded"

  # --- a consumer through vcpkg's toolchain file (classic mode) -------------------------------
  # In classic mode the toolchain only picks installed/<triplet>; it reads no triplet file, so
  # VCPKG_OVERLAY_TRIPLETS would be an unused variable here.
  local installed=$VCPKG_ROOT/installed
  ferry_log "vcpkg: consumer with $VCPKG_ROOT/scripts/buildsystems/vcpkg.cmake"
  cmake -S "$FERRY_ROOT/tests/package/consumer" -B "$work/consumer" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$VCPKG_ROOT/scripts/buildsystems/vcpkg.cmake" \
    -DVCPKG_TARGET_TRIPLET="$triplet" -DVCPKG_MANIFEST_MODE=OFF -DVCPKG_INSTALLED_DIR="$installed" \
    "-DFERRY_COMPONENTS=core;redis;cache;queue;ratelimit;postfix;amqp;sql;mail;celery_protocol;celery;celery_redis;celery_amqp;service"
  grep -q "^ferry_DIR:PATH=$installed/$triplet/share/ferry\$" "$work/consumer/CMakeCache.txt" || {
    echo "error: the consumer did not take ferry from $installed/$triplet" >&2
    return 1
  }
  cmake --build "$work/consumer" --parallel "$FERRY_JOBS"
  "$work/consumer/ferry_consumer"

  # --- the apps, in vcpkg's place for executables ---------------------------------------------
  local app
  for app in ferry-celery-worker ferry-email-worker ferry-ingest ferry-policyd ferry-retry-worker; do
    "$installed/$triplet/tools/ferry/$app" --help >/dev/null
  done
  ferry_log "vcpkg: the consumer ran; every app in tools/ferry answered --help"
}
