# Finds ferry's third-party dependencies. Every one is a Debian 12 package; nothing is
# downloaded. Components whose dependencies are missing are an error, never silently skipped.
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)

# SOCI 4.0.3 (Debian) has no CMake package: cmake/modules/FindSOCI.cmake. ferry::sql links the
# SQLite and PostgreSQL backends directly (no runtime dlopen of backends).
find_package(SOCI REQUIRED COMPONENTS core sqlite3 postgresql)
