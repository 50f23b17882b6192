#!/bin/sh
# Checks the staged shared libraries: SONAME and links, RUNPATH, and that the dynamic symbol
# table holds the public API and none of lib/'s internals.
#   $1 stage   $2 library dir name (lib, lib64, ...)   $3 version   $4 soversion
#   $5 components (comma-separated)   $6 the libraries' expected RUNPATH (empty: none)
set -eu
libdir=$1/$2 version=$3 soversion=$4 components=$5 runpath=$6
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# exported LIB PATTERN WHY: a demangled symbol matching PATTERN (grep -E) is exported.
exported() {
  if ! grep -Eq -- "$2" "$tmp/$1.syms"; then fail "lib$1.so does not export $2 ($3)"; fi
}
# hidden LIB PATTERN WHY: nothing matching PATTERN is exported.
hidden() {
  if grep -E -- "$2" "$tmp/$1.syms" >"$tmp/leak"; then
    fail "lib$1.so exports private symbols matching $2 ($3):"
    head -5 "$tmp/leak" >&2
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for c in $(echo "$components" | tr ',' ' '); do
  lib=ferry_$c
  real=$libdir/lib$lib.so.$version
  [ -f "$real" ] || { fail "$real is missing"; continue; }
  [ "$(readlink "$libdir/lib$lib.so.$soversion")" = "lib$lib.so.$version" ] ||
    fail "lib$lib.so.$soversion does not link to lib$lib.so.$version"
  [ "$(readlink "$libdir/lib$lib.so")" = "lib$lib.so.$soversion" ] ||
    fail "lib$lib.so does not link to lib$lib.so.$soversion"
  readelf -d "$real" >"$tmp/$lib.dyn"
  soname=$(sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p' "$tmp/$lib.dyn")
  [ "$soname" = "lib$lib.so.$soversion" ] || fail "lib$lib.so has SONAME '$soname'"
  # Installed outside the system directories, the libraries find each other through $ORIGIN.
  found=$(sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p' "$tmp/$lib.dyn")
  [ "$found" = "$runpath" ] || fail "lib$lib.so has run-time path '$found', not '$runpath'"
  nm -D --defined-only -C "$real" | cut -d' ' -f3- >"$tmp/$lib.syms"
  echo "lib$lib.so: SONAME $soname, $(grep -c '^ferry::\|ferry::' "$tmp/$lib.syms") ferry symbols exported"
  # No library exports anything from an anonymous namespace.
  hidden "$lib" '\(anonymous namespace\)' "file-local code"
done

# Public API, including the typeinfo that exceptions need across the library boundary, and the
# cache core that cache<T>'s inline code calls.
exported ferry_core '^ferry::error_category\(\)' "error category"
exported ferry_core '^ferry::version\(\)' "ferry::version()"
exported ferry_core '^ferry::make_error_code\(' "ferry::errc as std::error_code"
exported ferry_core '^ferry::observer::error\(' "the observer components report to"
exported ferry_core '^ferry::failure_throttle::failed(\[abi:cxx11\])?\(' "ferry::failure_throttle"
# ferry::error is all inline: each library that throws it carries its typeinfo, exported so that
# the dynamic linker merges them into one and `catch (const ferry::error&)` works anywhere.
exported ferry_redis '^typeinfo for ferry::error$' "catching ferry::error"
exported ferry_redis '^ferry::redis::client::client\(' "the Redis client"
exported ferry_redis '^ferry::redis::parse_url\(' "Redis URLs"
exported ferry_core '^ferry::circuit_breaker::allow\(' "the circuit breaker"
exported ferry_cache '^ferry::cache::detail::cache_core::get\(' "cache<T> calls it inline"
exported ferry_cache '^ferry::cache::detail::near_ticket::~near_ticket\(' "cache<T> destroys tickets inline"
exported ferry_queue '^ferry::queue::queue::enqueue(\[abi:cxx11\])?\(' "the reliable queue"
exported ferry_core '^typeinfo for ferry::permanent_failure$' "thrown by handlers"
exported ferry_ratelimit '^ferry::ratelimit::redis_limiter::acquire\(' "the Redis rate limiter"

# lib/'s private headers: the Redis wire encoder and reply builder, the queue's and the rate
# limiters' Lua scripts.
hidden ferry_redis '^ferry::redis::detail::' "lib/redis/protocol.hpp"
hidden ferry_queue '^ferry::queue::detail::' "lib/queue/scripts.hpp"
hidden ferry_ratelimit '^ferry::ratelimit::detail::' "lib/ratelimit/*.hpp"
hidden ferry_cache '^ferry::cache::detail::invalidation_tracker' "lib/cache/invalidation_tracker.hpp"
exported ferry_postfix '^ferry::postfix::policy_server::policy_server\(' "the policy server"
exported ferry_postfix '^ferry::postfix::request_parser::consume\(' "the policy request parser"
hidden ferry_postfix '^ferry::postfix::detail::' "lib/postfix/*.hpp"
case ",$components," in *,amqp,*)
  exported ferry_amqp '^ferry::amqp::connection::connection\(' "AMQP connections"
  # rabbitmq-c conversions and the session (lib/amqp/detail/).
  hidden ferry_amqp '^ferry::amqp::detail::' "lib/amqp/detail/*.hpp"
esac
case ",$components," in *,sql,*)
  exported ferry_sql '^ferry::sql::detail::throw_decode_error\(' "value_traits<T> calls it inline"
  hidden ferry_sql '^ferry::sql::detail::(classify_|rethrow_as_ferry_error)' "lib/sql/*.hpp"
esac
case ",$components," in *,mail,*)
  exported ferry_mail '^ferry::mail::parse_message\(' "MIME parsing"
  hidden ferry_mail '^ferry::mail::detail::' "lib/mail/charset.hpp, gmime_handles.hpp"
esac
case ",$components," in *,celery_protocol,*)
  exported ferry_celery_protocol '^ferry::celery::protocol::build_message\(' "Celery messages"
  hidden ferry_celery_protocol '^ferry::celery::protocol::detail::' \
    "lib/celery_protocol/unicode.hpp, float_repr.hpp"
esac
case ",$components," in *,service,*)
  exported ferry_service '^ferry::service::admin_http_server::admin_http_server\(' "admin server"
  exported ferry_service '^ferry::service::metrics_registry::scrape(\[abi:cxx11\])?\(' \
    "Prometheus exposition"
  # The head reader and the listener on cpp-httplib (lib/service/*.hpp).
  hidden ferry_service '^ferry::service::(detail::|http_listener::)' "lib/service/*.hpp"
esac

exit $failed
