# Finds ferry's third-party dependencies. Every one is a Debian 12 package; nothing is
# downloaded. Components whose dependencies are missing are an error, never silently skipped;
# the dependencies of a component turned off (FERRY_WITH_*) are not searched at all.

# --- core: fmt 9, compiled (fmt::fmt) or header-only (FERRY_FMT_HEADER_ONLY) --------------------
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)
if(FERRY_FMT_HEADER_ONLY)
  set(FERRY_FMT_TARGET fmt::fmt-header-only)
  # ferry.pc: only fmt's headers, with the define fmt's header-only target carries.
  set(FERRY_PC_REQUIRES_PUBLIC "")
  set(FERRY_PC_CFLAGS " -DFMT_HEADER_ONLY=1")
else()
  set(FERRY_FMT_TARGET fmt::fmt)
  set(FERRY_PC_REQUIRES_PUBLIC fmt)
  set(FERRY_PC_CFLAGS "")
endif()

# --- redis: hiredis 0.14 (Debian 12: pkg-config only, no TLS) or 1.x (its own CMake package, as
# installed by hiredis, Conan and vcpkg); cmake/modules/Findhiredis.cmake prefers the package.
find_package(hiredis REQUIRED MODULE)
if(NOT hiredis_VERSION MATCHES "^(0|1)\\.([0-9]+)" OR hiredis_VERSION VERSION_LESS 0.14)
  message(FATAL_ERROR "ferry::redis builds on hiredis 0.14 or 1.x; found '${hiredis_VERSION}'")
endif()
# ferry_redis is compiled against one major's reader structures, so its users must link that
# major, at least the minor ferry was built with: ferryConfig.cmake and ferry.pc ask for it.
math(EXPR _ferry_hiredis_next_major "${CMAKE_MATCH_1} + 1")
set(FERRY_HIREDIS_VERSION_RANGE "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}...<${_ferry_hiredis_next_major}")
set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES
  "hiredis >= ${CMAKE_MATCH_1}.${CMAKE_MATCH_2}" "hiredis < ${_ferry_hiredis_next_major}")
if(hiredis_CONFIG)
  message(STATUS "ferry::redis: hiredis ${hiredis_VERSION} (CMake package ${hiredis_CONFIG})")
else()
  message(STATUS "ferry::redis: hiredis ${hiredis_VERSION} (${hiredis_LIBRARIES})")
endif()

# --- celery: args/kwargs are nlohmann JSON in its API, so the dependency is public.
if(FERRY_WITH_CELERY)
  find_package(nlohmann_json 3 REQUIRED)
  set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES_PUBLIC nlohmann_json)
endif()

# --- mail: GMime 3 (brings GLib) and gumbo, through pkg-config. ferryConfig.cmake re-creates
# these exact imported targets for the installed ferry::mail.
if(FERRY_WITH_MAIL)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(FERRY_GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
  pkg_check_modules(FERRY_GUMBO REQUIRED IMPORTED_TARGET gumbo)
endif()

# --- sql: SOCI 4.0.3 (Debian) has no CMake package: cmake/modules/FindSOCI.cmake, which prefers
# a SOCI package (Conan's, SOCI's own) when there is one. ferry::sql links the SQLite and
# PostgreSQL backends directly (no runtime dlopen of backends).
if(FERRY_WITH_SQL)
  find_package(SOCI REQUIRED MODULE COMPONENTS core sqlite3 postgresql)
endif()

# --- amqp: rabbitmq-c 0.11 ships a CMake config (target rabbitmq::rabbitmq). A static-only
# rabbitmq-c (ConanCenter's default, vcpkg's static triplets) names it rabbitmq::rabbitmq-static.
# lib/amqp configures TLS contexts (CA paths) with OpenSSL calls of its own.
if(FERRY_WITH_AMQP)
  find_package(rabbitmq-c REQUIRED CONFIG)
  if(NOT TARGET rabbitmq::rabbitmq AND TARGET rabbitmq::rabbitmq-static)
    add_library(rabbitmq::rabbitmq INTERFACE IMPORTED)
    set_target_properties(rabbitmq::rabbitmq PROPERTIES
      INTERFACE_LINK_LIBRARIES rabbitmq::rabbitmq-static)
  endif()
  find_package(OpenSSL REQUIRED)
endif()

# --- service: cpp-httplib serves the admin HTTP server; nlohmann_json writes its JSON answers.
# Both are private. httplib's own CMake package (httplib::httplib, the header-only build that
# vcpkg and Conan ship) is preferred. Debian's libcpp-httplib-dev ships a compiled library and a
# .pc file, no CMake config; its Cflags (OpenSSL/zlib/brotli switches) must match how the
# library was built, so it comes in through pkg-config. FERRY_HTTPLIB_TARGET names the target
# found (the tests' HTTP clients link it too); ferryConfig.cmake finds the same one again.
set(FERRY_HTTPLIB_FROM_CONFIG FALSE)
if(FERRY_WITH_SERVICE)
  find_package(nlohmann_json 3 REQUIRED)
  find_package(httplib CONFIG QUIET)
  if(TARGET httplib::httplib)
    set(FERRY_HTTPLIB_TARGET httplib::httplib)
    set(FERRY_HTTPLIB_FROM_CONFIG TRUE)
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(FERRY_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
    set(FERRY_HTTPLIB_TARGET PkgConfig::FERRY_HTTPLIB)
    set(FERRY_HTTPLIB_FROM_CONFIG FALSE)
    set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES cpp-httplib)
  endif()
endif()
