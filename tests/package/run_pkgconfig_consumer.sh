#!/bin/sh
# Builds and runs the consumer with nothing but pkg-config: $1 stage, $2 main.cpp, $3 output,
# $4 extra link flags (sanitizer runtimes), $5 compiler.
set -eu
stage=$1 src=$2 out=$3 link_flags=$4 cxx=$5
export PKG_CONFIG_PATH="$stage/lib/pkgconfig:$stage/lib64/pkgconfig:${PKG_CONFIG_PATH:-}"
pkg-config --exists --print-errors ferry
# shellcheck disable=SC2046
"$cxx" -o "$out" "$src" $(pkg-config --cflags ferry) $link_flags $(pkg-config --libs --static ferry)
"$out"
