# The reference deployment as a Debian package: `cpack -G DEB` packages the apps of the clang
# build (the one the clang leg makes; FERRY_DEB_BUILD_DIR names another, already configured
# build directory), then, as root, dpkg installs the .deb, every binary answers --help from
# /usr/bin, systemd-analyze verifies every unit, the units' environment files are where they
# say, and dpkg --purge leaves nothing of the package behind.
#   FERRY_DEB_BUILD_DIR (default $FERRY_BUILD_ROOT/clang)

ferry_deb_apps=(
  ferry-policyd ferry-ingest ferry-email-worker ferry-retry-worker ferry-celery-worker)
ferry_deb_package=ferry-apps

test_deb() {
  local build=${FERRY_DEB_BUILD_DIR:-$FERRY_BUILD_ROOT/clang}
  local start=$SECONDS
  if [ -n "${FERRY_DEB_BUILD_DIR:-}" ]; then
    if [ ! -f "$build/CMakeCache.txt" ]; then
      echo "error: FERRY_DEB_BUILD_DIR=$build is not a configured build directory" >&2
      return 1
    fi
  else
    ferry_configure_clang "$build"
  fi
  ferry_build "$build" "${ferry_deb_apps[@]}"  # nothing to do after the clang leg
  ferry_log "deb: apps built in $((SECONDS - start))s"

  # --- package -----------------------------------------------------------------------------
  local out
  out=$(mktemp -d)
  # shellcheck disable=SC2064  # expanded now: the locals are gone when the leg's shell exits
  trap "rm -rf '$out'" EXIT
  start=$SECONDS
  cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out"
  local debs=("$out"/*.deb)
  if [ ${#debs[@]} != 1 ] || [ ! -f "${debs[0]}" ]; then
    echo "error: cpack made no single .deb in $out" >&2
    return 1
  fi
  local deb=${debs[0]}
  ferry_log "deb: $(basename "$deb") packaged in $((SECONDS - start))s"
  dpkg-deb --info "$deb"
  dpkg-deb --contents "$deb"
  ferry_deb_check_control "$deb"

  # --- install, check, remove (root only) --------------------------------------------------
  if [ "$(id -u)" != 0 ]; then
    if [ "${CI:-}" = true ]; then
      echo "error: installing the .deb needs root; CI=true forbids skipping" >&2
      return 1
    fi
    echo "skipped: installing the .deb needs root (packaging passed: $deb)" >&2
    return "$ferry_skipped"
  fi
  if ferry_deb_known; then
    echo "$ferry_deb_package (or its configuration) is on this machine; this leg installs" \
      "and purges it: remove it first (dpkg --purge $ferry_deb_package)" >&2
    [ "${CI:-}" = true ] && return 1
    return "$ferry_skipped"
  fi
  local had_user=0 had_state=0
  getent passwd ferry >/dev/null && had_user=1
  [ -e /var/lib/ferry ] && had_state=1
  # Whatever fails below, the package goes again (and the user the package made, when the
  # machine had none), so the next run starts clean.
  # shellcheck disable=SC2064
  trap "rm -rf '$out'; ferry_deb_cleanup $had_user" EXIT

  start=$SECONDS
  dpkg -i "$deb"
  dpkg-query -W -f='${Status}\n' "$ferry_deb_package" | grep -qx 'install ok installed' ||
    { echo "error: dpkg -s $ferry_deb_package: not installed" >&2; return 1; }
  ferry_log "deb: installed in $((SECONDS - start))s"
  local files
  files=$(dpkg-query -L "$ferry_deb_package")
  ferry_deb_check_installed "$files"

  if command -v lintian >/dev/null; then  # advice only: cpack's .deb has no changelog etc.
    ferry_log "deb: lintian (advisory)"
    lintian --no-tag-display-limit "$deb" || true
  else
    echo "lintian is not installed: its advice is skipped (optional)"
  fi

  start=$SECONDS
  dpkg --purge "$ferry_deb_package"
  ferry_deb_check_removed "$files" "$had_state"
  ferry_log "deb: purged in $((SECONDS - start))s; nothing of $ferry_deb_package remains"
}

# The control fields: Depends computed by dpkg-shlibdeps, the environment files as conffiles.
ferry_deb_check_control() {
  local deb=$1 field
  for field in Package Version Architecture Maintainer Section Description Depends; do
    [ -n "$(dpkg-deb --field "$deb" "$field")" ] ||
      { echo "error: the .deb has no $field field" >&2; return 1; }
  done
  local depends
  depends=$(dpkg-deb --field "$deb" Depends)
  local lib
  for lib in adduser libc6 libstdc++6 libhiredis librabbitmq libsoci-core libgmime-3.0; do
    [[ $depends == *"$lib"* ]] ||
      { echo "error: Depends lacks $lib (dpkg-shlibdeps not run?): $depends" >&2; return 1; }
  done
  local conffiles app
  conffiles=$(dpkg-deb --info "$deb" conffiles)
  for app in "${ferry_deb_apps[@]}"; do
    grep -qx "/etc/ferry/$app.env" <<<"$conffiles" ||
      { echo "error: /etc/ferry/$app.env is not a conffile" >&2; return 1; }
  done
}

# Every binary answers --help from /usr/bin; systemd-analyze accepts every unit; each unit's
# binary and environment file are the installed ones.
ferry_deb_check_installed() {
  local files=$1 app unit
  for app in "${ferry_deb_apps[@]}"; do
    grep -qx "/usr/bin/$app" <<<"$files" ||
      { echo "error: /usr/bin/$app is not in the package" >&2; return 1; }
    local help
    # A clean environment: --help must not depend on the deployment's variables.
    help=$(env -i PATH=/usr/bin:/bin "/usr/bin/$app" --help) ||
      { echo "error: $app --help exited $?" >&2; return 1; }
    grep -q '^Usage:' <<<"$help" ||
      { echo "error: $app --help printed no usage:" >&2; echo "$help" >&2; return 1; }
    echo "$app --help: ok ($(wc -l <<<"$help") lines)"
  done

  local units
  units=$(grep -E '/lib/systemd/system/ferry-[a-z-]+\.service$' <<<"$files")
  [ "$(wc -l <<<"$units")" = ${#ferry_deb_apps[@]} ] ||
    { echo "error: expected ${#ferry_deb_apps[@]} units, the package has: $units" >&2; return 1; }
  for unit in $units; do
    local name log status=0
    name=$(basename "$unit" .service)
    # In a container systemd-analyze may complain about the machine (no running systemd,
    # other packages' units): those lines are shown, but only a line naming a ferry unit, or
    # a failure without any output, fails the check.
    log=$(systemd-analyze verify --man=no "$unit" 2>&1) || status=$?
    if grep -q 'ferry-[a-z-]*\.service' <<<"$log" || { [ $status != 0 ] && [ -z "$log" ]; }; then
      echo "error: systemd-analyze verify $unit (exit $status):" >&2
      echo "$log" >&2
      return 1
    fi
    echo "systemd-analyze verify $unit: ok (exit $status)${log:+; about other things: }"
    [ -z "$log" ] || sed 's/^/    /' <<<"$log"

    grep -qx "ExecStart=/usr/bin/$name .*" "$unit" ||
      { echo "error: $unit does not run /usr/bin/$name" >&2; return 1; }
    local env_file
    env_file=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
    [ "$env_file" = "/etc/ferry/$name.env" ] && [ -f "$env_file" ] ||
      { echo "error: $unit reads '$env_file', which the package does not install" >&2; return 1; }
    [ "$(stat -c %a "$env_file")" = 600 ] ||
      { echo "error: $env_file is not mode 600 (it may hold passwords)" >&2; return 1; }
    grep -qx 'User=ferry' "$unit" && grep -qx 'ProtectSystem=strict' "$unit" &&
      grep -qx 'NoNewPrivileges=yes' "$unit" ||
      { echo "error: $unit is not sandboxed as ferry's units are" >&2; return 1; }
  done
  getent passwd ferry >/dev/null || { echo "error: postinst made no ferry user" >&2; return 1; }
  [ "$(stat -c %U:%a /var/lib/ferry)" = ferry:750 ] ||
    { echo "error: /var/lib/ferry is not ferry's, mode 750" >&2; return 1; }
}

# After the purge, no path of the package is left, except directories other packages share.
ferry_deb_check_removed() {
  local files=$1 had_state=$2 path
  if ferry_deb_known; then
    echo "error: $ferry_deb_package is still known to dpkg after the purge" >&2
    return 1
  fi
  while read -r path; do
    [ -e "$path" ] || [ -L "$path" ] || continue
    if [ -d "$path" ] && [ ! -L "$path" ] &&
      { dpkg-query -S "$path" >/dev/null 2>&1 || [ -n "$(ls -A "$path")" ]; }; then
      continue  # a directory another package owns, or that holds others' files
    fi
    echo "error: $path is left after dpkg --purge $ferry_deb_package" >&2
    return 1
  done <<<"$files"
  if [ "$had_state" = 0 ] && [ -e /var/lib/ferry ]; then
    echo "error: /var/lib/ferry is left after the purge" >&2
    return 1
  fi
}

ferry_deb_known() {  # dpkg has the package, installed or as configuration files
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$ferry_deb_package" 2>/dev/null) || return 1
  [ -n "$status" ] && [ "$status" != not-installed ]
}

ferry_deb_cleanup() {  # ferry_deb_cleanup HAD_USER
  if ferry_deb_known; then
    dpkg --purge "$ferry_deb_package" >/dev/null 2>&1 || true
  fi
  # The package keeps its system user on purge, as Debian's do; this machine had none before.
  if [ "$1" = 0 ] && getent passwd ferry >/dev/null; then
    userdel ferry 2>/dev/null || true
    getent group ferry >/dev/null && groupdel ferry 2>/dev/null || true
  fi
}
