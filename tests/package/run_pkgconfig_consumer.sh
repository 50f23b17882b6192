#!/bin/sh
# Builds and runs the consumer with nothing but pkg-config: $1 stage, $2 main.cpp, $3 output,
# $4 extra link flags (sanitizer runtimes), $5 compiler, $6 "shared" or "static" (how ferry's
# libraries were built).
set -eu
stage=$1 src=$2 out=$3 link_flags=$4 cxx=$5 kind=$6
export PKG_CONFIG_PATH="$stage/lib/pkgconfig:$stage/lib64/pkgconfig:${PKG_CONFIG_PATH:-}"
pkg-config --exists --print-errors ferry
if [ "$kind" = shared ]; then
  # A shared install links by the plain --libs; the stage is not a directory the dynamic linker
  # searches, so the program records it as its run-time path, as a user of a /opt prefix would.
  libs="$(pkg-config --libs ferry) -Wl,-rpath,$(pkg-config --variable=libdir ferry)"
else
  libs=$(pkg-config --libs --static ferry)
fi
# shellcheck disable=SC2046,SC2086  # word splitting of the flag lists is wanted
"$cxx" -o "$out" "$src" $(pkg-config --cflags ferry) $link_flags $libs
"$out"
