# FindSOCI
# --------
# Debian 12 ships SOCI 4.0.3 with neither a CMake package nor a pkg-config file. This module
# finds the headers and the shared libraries and defines imported targets:
#
#   SOCI::core         libsoci_core (+ dl, Threads)
#   SOCI::sqlite3      libsoci_sqlite3 (+ SQLite::SQLite3 / libsqlite3)
#   SOCI::postgresql   libsoci_postgresql (+ PostgreSQL::PostgreSQL / libpq)
#
# Components: core (always), sqlite3, postgresql, e.g.
#   find_package(SOCI REQUIRED COMPONENTS core sqlite3 postgresql)
#
# The shared libraries are used, not the .a archives: a static libsoci_* would drag its own
# private dependencies (and Boost-enabled headers) into every consumer of ferry's static
# libraries for no gain. ferry links the backend libraries directly and opens sessions with their factory objects
# (soci::sqlite3, soci::postgresql), so SOCI's dynamic backend loader (dlopen) is never used.
#
# Result variables: SOCI_FOUND, SOCI_VERSION, SOCI_INCLUDE_DIRS, SOCI_<component>_FOUND.

find_path(SOCI_INCLUDE_DIR NAMES soci/soci.h)
find_library(SOCI_core_LIBRARY NAMES soci_core)

if(SOCI_INCLUDE_DIR AND EXISTS "${SOCI_INCLUDE_DIR}/soci/version.h")
  file(STRINGS "${SOCI_INCLUDE_DIR}/soci/version.h" _soci_version_line
    REGEX "^#define SOCI_VERSION [0-9]+")
  string(REGEX REPLACE "^#define SOCI_VERSION ([0-9]+).*" "\\1" _soci_version_number
    "${_soci_version_line}")
  # SOCI_VERSION is MAJOR * 100000 + MINOR * 100 + PATCH (400003 = 4.0.3).
  math(EXPR _soci_major "${_soci_version_number} / 100000")
  math(EXPR _soci_minor "${_soci_version_number} / 100 % 1000")
  math(EXPR _soci_patch "${_soci_version_number} % 100")
  set(SOCI_VERSION "${_soci_major}.${_soci_minor}.${_soci_patch}")
endif()

set(SOCI_core_FOUND FALSE)
if(SOCI_core_LIBRARY AND SOCI_INCLUDE_DIR)
  set(SOCI_core_FOUND TRUE)
endif()

# Backend components and the system library each one needs.
foreach(_soci_component IN LISTS SOCI_FIND_COMPONENTS)
  if(_soci_component STREQUAL "core")
    continue()
  endif()
  find_library(SOCI_${_soci_component}_LIBRARY NAMES soci_${_soci_component})
  mark_as_advanced(SOCI_${_soci_component}_LIBRARY)
  set(SOCI_${_soci_component}_FOUND FALSE)
  if(_soci_component STREQUAL "sqlite3")
    find_package(SQLite3 QUIET)
    if(SOCI_sqlite3_LIBRARY AND SQLite3_FOUND)
      set(SOCI_sqlite3_FOUND TRUE)
    endif()
  elseif(_soci_component STREQUAL "postgresql")
    find_package(PostgreSQL QUIET)
    if(SOCI_postgresql_LIBRARY AND PostgreSQL_FOUND
       AND EXISTS "${SOCI_INCLUDE_DIR}/soci/postgresql/soci-postgresql.h")
      set(SOCI_postgresql_FOUND TRUE)
    endif()
  elseif(SOCI_${_soci_component}_LIBRARY)
    set(SOCI_${_soci_component}_FOUND TRUE)
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI
  REQUIRED_VARS SOCI_core_LIBRARY SOCI_INCLUDE_DIR
  VERSION_VAR SOCI_VERSION
  HANDLE_COMPONENTS)

if(SOCI_FOUND)
  set(SOCI_INCLUDE_DIRS "${SOCI_INCLUDE_DIR}")
  if(NOT TARGET SOCI::core)
    find_package(Threads REQUIRED)
    add_library(SOCI::core UNKNOWN IMPORTED)
    set_target_properties(SOCI::core PROPERTIES
      IMPORTED_LOCATION "${SOCI_core_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS}")
  endif()
  if(SOCI_sqlite3_FOUND AND NOT TARGET SOCI::sqlite3)
    add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
    set_target_properties(SOCI::sqlite3 PROPERTIES
      IMPORTED_LOCATION "${SOCI_sqlite3_LIBRARY}"
      INTERFACE_LINK_LIBRARIES "SOCI::core;SQLite::SQLite3")
  endif()
  if(SOCI_postgresql_FOUND AND NOT TARGET SOCI::postgresql)
    add_library(SOCI::postgresql UNKNOWN IMPORTED)
    set_target_properties(SOCI::postgresql PROPERTIES
      IMPORTED_LOCATION "${SOCI_postgresql_LIBRARY}"
      INTERFACE_LINK_LIBRARIES "SOCI::core;PostgreSQL::PostgreSQL")
  endif()
endif()

mark_as_advanced(SOCI_INCLUDE_DIR SOCI_core_LIBRARY)
