# Finds ferry's third-party dependencies. Every one is a Debian 12 package; nothing is
# downloaded. Components whose dependencies are missing are an error, never silently skipped.
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)

# --- redis: hiredis 0.14 (Debian 12: pkg-config only, no TLS); cmake/modules/Findhiredis.cmake
find_package(hiredis REQUIRED MODULE)
set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES hiredis)
# ferry::celery: args/kwargs are nlohmann JSON in its API, so the dependency is public.
find_package(nlohmann_json 3 REQUIRED)
set_property(GLOBAL APPEND PROPERTY FERRY_PC_REQUIRES nlohmann_json)
