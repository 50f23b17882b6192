# FindSOCI
# --------
# Defines ferry's names for SOCI, whichever way SOCI was installed:
#
#   SOCI::core         libsoci_core
#   SOCI::sqlite3      libsoci_sqlite3 (+ SQLite)
#   SOCI::postgresql   libsoci_postgresql (+ libpq)
#
# Components: core (always), sqlite3, postgresql, e.g.
#   find_package(SOCI REQUIRED MODULE COMPONENTS core sqlite3 postgresql)
# (MODULE: under CMAKE_FIND_PACKAGE_PREFER_CONFIG, as Conan's toolchain sets it, a plain
# find_package(SOCI) would load a SOCI package directly and skip these names.)
#
# 1. A SOCI CMake package is preferred when there is one: the one Conan's CMakeDeps writes for
#    ConanCenter's soci and SOCI 4.0's own (SOCI::soci_core, SOCI::soci_sqlite3, ...; static
#    builds add _static), or SOCI 4.1's own (SOCI::Core, SOCI::SQLite3, SOCI::PostgreSQL).
#    The targets above are then interfaces over its targets.
# 2. Otherwise (Debian 12: SOCI 4.0.3 with neither a CMake package nor a pkg-config file) the
#    headers and the shared libraries are found directly. The shared libraries are used, not
#    the .a archives: a static libsoci_* would drag its own private dependencies (and
#    Boost-enabled headers) into every consumer of ferry's static libraries for no gain.
#
# ferry links the backend libraries directly and opens sessions with their factory objects
# (soci::sqlite3, soci::postgresql), so SOCI's dynamic backend loader (dlopen) is never used.
#
# Result variables: SOCI_FOUND, SOCI_VERSION, SOCI_INCLUDE_DIRS, SOCI_<component>_FOUND.

# --- 1. a SOCI CMake package ---------------------------------------------------------------
# find_package() below overwrites SOCI_FIND_*; keep this call's own request.
set(_soci_requested_components ${SOCI_FIND_COMPONENTS})
set(_soci_required ${SOCI_FIND_REQUIRED})
set(_soci_quietly ${SOCI_FIND_QUIETLY})
find_package(SOCI CONFIG QUIET)
set(SOCI_FIND_COMPONENTS ${_soci_requested_components})
set(SOCI_FIND_REQUIRED ${_soci_required})
set(SOCI_FIND_QUIETLY ${_soci_quietly})

if(SOCI_CONFIG)
  set(_soci_core_candidates SOCI::Core SOCI::soci_core SOCI::soci_core_static)
  set(_soci_sqlite3_candidates SOCI::SQLite3 SOCI::soci_sqlite3 SOCI::soci_sqlite3_static)
  set(_soci_postgresql_candidates
    SOCI::PostgreSQL SOCI::soci_postgresql SOCI::soci_postgresql_static)
  foreach(_soci_component IN LISTS SOCI_FIND_COMPONENTS ITEMS core)
    set(SOCI_${_soci_component}_FOUND FALSE)
    foreach(_soci_candidate IN LISTS _soci_${_soci_component}_candidates)
      if(TARGET ${_soci_candidate})
        set(SOCI_${_soci_component}_FOUND TRUE)
        if(NOT TARGET SOCI::${_soci_component})
          add_library(SOCI::${_soci_component} INTERFACE IMPORTED)
          # The include directories are repeated on ferry's name: lib/sql reads them from
          # SOCI::core to mark SOCI's headers as system headers.
          get_target_property(_soci_includes ${_soci_candidate} INTERFACE_INCLUDE_DIRECTORIES)
          if(NOT _soci_includes)
            set(_soci_includes "")
          endif()
          set_target_properties(SOCI::${_soci_component} PROPERTIES
            INTERFACE_LINK_LIBRARIES ${_soci_candidate}
            INTERFACE_INCLUDE_DIRECTORIES "${_soci_includes}")
        endif()
        break()
      endif()
    endforeach()
  endforeach()
  if(SOCI_core_FOUND)
    get_target_property(SOCI_INCLUDE_DIRS SOCI::core INTERFACE_INCLUDE_DIRECTORIES)
    include(FindPackageHandleStandardArgs)
    find_package_handle_standard_args(SOCI
      REQUIRED_VARS SOCI_CONFIG
      VERSION_VAR SOCI_VERSION
      HANDLE_COMPONENTS)
    return()
  endif()
endif()

# --- 2. headers and shared libraries, no package (Debian) ----------------------------------
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
