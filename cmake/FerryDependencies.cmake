# Finds ferry's third-party dependencies. Every one is a Debian 12 package; nothing is
# downloaded. Components whose dependencies are missing are an error, never silently skipped.
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)

# --- redis: hiredis 0.14 (Debian 12: pkg-config only, no TLS); cmake/modules/Findhiredis.cmake
find_package(hiredis REQUIRED MODULE)
set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES hiredis)
# ferry::celery: args/kwargs are nlohmann JSON in its API, so the dependency is public.
find_package(nlohmann_json 3 REQUIRED)
set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES_PUBLIC nlohmann_json)
# mail: GMime 3 (brings GLib) and gumbo, through pkg-config. ferryConfig.cmake re-creates
# these exact imported targets for the installed ferry::mail.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FERRY_GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
pkg_check_modules(FERRY_GUMBO REQUIRED IMPORTED_TARGET gumbo)
# SOCI 4.0.3 (Debian) has no CMake package: cmake/modules/FindSOCI.cmake. ferry::sql links the
# SQLite and PostgreSQL backends directly (no runtime dlopen of backends).
find_package(SOCI REQUIRED COMPONENTS core sqlite3 postgresql)
# ferry::amqp: rabbitmq-c 0.11 ships a CMake config (target rabbitmq::rabbitmq).
find_package(rabbitmq-c REQUIRED CONFIG)
