# Findhiredis
# -----------
# Debian 12 ships hiredis 0.14 with a pkg-config file but no CMake package. Defines the
# imported target hiredis::hiredis and, when libhiredis_ssl is present (hiredis >= 1.0 built
# with TLS), hiredis::hiredis_ssl and hiredis_TLS_FOUND.
#
# Result variables: hiredis_FOUND, hiredis_VERSION, hiredis_INCLUDE_DIRS, hiredis_LIBRARIES.

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_hiredis QUIET hiredis)
endif()

find_path(hiredis_INCLUDE_DIR NAMES hiredis/hiredis.h HINTS ${PC_hiredis_INCLUDE_DIRS})
find_library(hiredis_LIBRARY NAMES hiredis HINTS ${PC_hiredis_LIBRARY_DIRS})
find_library(hiredis_SSL_LIBRARY NAMES hiredis_ssl HINTS ${PC_hiredis_LIBRARY_DIRS})

if(hiredis_INCLUDE_DIR AND EXISTS "${hiredis_INCLUDE_DIR}/hiredis/hiredis.h")
  file(STRINGS "${hiredis_INCLUDE_DIR}/hiredis/hiredis.h" _hiredis_version_lines
    REGEX "^#define HIREDIS_(MAJOR|MINOR|PATCH) [0-9]+")
  foreach(part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*#define HIREDIS_${part} ([0-9]+).*" "\\1" _hiredis_${part}
      "${_hiredis_version_lines}")
  endforeach()
  set(hiredis_VERSION "${_hiredis_MAJOR}.${_hiredis_MINOR}.${_hiredis_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(hiredis
  REQUIRED_VARS hiredis_LIBRARY hiredis_INCLUDE_DIR
  VERSION_VAR hiredis_VERSION)

if(hiredis_FOUND)
  set(hiredis_INCLUDE_DIRS "${hiredis_INCLUDE_DIR}")
  set(hiredis_LIBRARIES "${hiredis_LIBRARY}")
  if(NOT TARGET hiredis::hiredis)
    add_library(hiredis::hiredis UNKNOWN IMPORTED)
    set_target_properties(hiredis::hiredis PROPERTIES
      IMPORTED_LOCATION "${hiredis_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${hiredis_INCLUDE_DIR}")
  endif()
  if(hiredis_SSL_LIBRARY AND EXISTS "${hiredis_INCLUDE_DIR}/hiredis/hiredis_ssl.h")
    set(hiredis_TLS_FOUND TRUE)
    if(NOT TARGET hiredis::hiredis_ssl)
      add_library(hiredis::hiredis_ssl UNKNOWN IMPORTED)
      set_target_properties(hiredis::hiredis_ssl PROPERTIES
        IMPORTED_LOCATION "${hiredis_SSL_LIBRARY}"
        INTERFACE_LINK_LIBRARIES hiredis::hiredis)
    endif()
  else()
    set(hiredis_TLS_FOUND FALSE)
  endif()
endif()

mark_as_advanced(hiredis_INCLUDE_DIR hiredis_LIBRARY hiredis_SSL_LIBRARY)
