# Findhiredis
# -----------
# Finds hiredis, 0.14 or 1.x, and defines the imported target hiredis::hiredis.
#
# 1. hiredis's own CMake package when there is one: hiredis >= 1.0 installs hiredis-config.cmake
#    (target hiredis::hiredis), and Conan's CMakeDeps and vcpkg's port provide one too. Put its
#    prefix on CMAKE_PREFIX_PATH (or set hiredis_DIR) to use it.
# 2. Otherwise pkg-config and the usual header/library search: Debian 12's hiredis 0.14 has a
#    .pc file and no CMake package.
#
# A version or range (find_package(hiredis 1.3...<2)) is honoured by both: a package outside it
# is skipped and the search goes on. ferryConfig.cmake asks for the hiredis major ferry was
# built with, because ferry_redis is compiled against that major's reader structures.
#
# TLS: hiredis_TLS_FOUND and hiredis::hiredis_ssl when hiredis_ssl is there: the hiredis_ssl
# package beside hiredis's (upstream with ENABLE_SSL, vcpkg's "ssl" feature), the component
# of Conan's hiredis with_ssl, or libhiredis_ssl beside libhiredis.
#
# Result variables: hiredis_FOUND, hiredis_VERSION (the package's, else hiredis.h's),
# hiredis_INCLUDE_DIRS, hiredis_LIBRARIES, hiredis_TLS_FOUND, and hiredis_CONFIG (the package
# file used; empty on the pkg-config path).

include(FindPackageHandleStandardArgs)

# The version from hiredis.h in the first of `dirs` that has one (generator expressions, as
# Conan's targets carry, are skipped).
function(_hiredis_header_version out dirs)
  foreach(dir IN LISTS dirs)
    if(dir MATCHES "\\$<" OR NOT EXISTS "${dir}/hiredis/hiredis.h")
      continue()
    endif()
    file(STRINGS "${dir}/hiredis/hiredis.h" lines REGEX "^#define HIREDIS_(MAJOR|MINOR|PATCH) [0-9]+")
    foreach(part MAJOR MINOR PATCH)
      string(REGEX REPLACE ".*#define HIREDIS_${part} ([0-9]+).*" "\\1" ${part} "${lines}")
    endforeach()
    set(${out} "${MAJOR}.${MINOR}.${PATCH}" PARENT_SCOPE)
    return()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

# --- 1. hiredis's own CMake package ---------------------------------------------------------
# The requested version goes to the package's version file, so an unsuitable package is
# rejected before it defines any target. hiredis 1.0.x and 1.1.x install no version file:
# asked for a version, their package is skipped and step 2 finds them through hiredis.pc.
set(_hiredis_request "")
if(hiredis_FIND_VERSION_RANGE)
  set(_hiredis_request "${hiredis_FIND_VERSION_RANGE}")
elseif(hiredis_FIND_VERSION)
  set(_hiredis_request "${hiredis_FIND_VERSION}")
  if(hiredis_FIND_VERSION_EXACT)
    list(APPEND _hiredis_request EXACT)
  endif()
endif()
find_package(hiredis ${_hiredis_request} CONFIG QUIET)

if(hiredis_CONFIG)
  # hiredis >= 1.2 can rename its exported target (hiredis_export_name); its package names
  # the real one in hiredis_LIBRARIES.
  if(NOT TARGET hiredis::hiredis)
    add_library(hiredis::hiredis INTERFACE IMPORTED)
    set_target_properties(hiredis::hiredis PROPERTIES INTERFACE_LINK_LIBRARIES "${hiredis_LIBRARIES}")
  endif()
  if(NOT hiredis_INCLUDE_DIRS)
    get_target_property(hiredis_INCLUDE_DIRS hiredis::hiredis INTERFACE_INCLUDE_DIRECTORIES)
  endif()
  if(NOT hiredis_VERSION)
    _hiredis_header_version(hiredis_VERSION "${hiredis_INCLUDE_DIRS}")
  endif()
  set(hiredis_LIBRARIES hiredis::hiredis)

  # Conan's hiredis with_ssl defines hiredis::hiredis_ssl in the same package; upstream and
  # vcpkg install a separate hiredis_ssl package beside hiredis's.
  if(NOT TARGET hiredis::hiredis_ssl)
    get_filename_component(_hiredis_packages_dir "${hiredis_DIR}" DIRECTORY)
    find_package(hiredis_ssl CONFIG QUIET HINTS "${_hiredis_packages_dir}" NO_DEFAULT_PATH)
  endif()
  if(TARGET hiredis::hiredis_ssl)
    set(hiredis_TLS_FOUND TRUE)
  else()
    set(hiredis_TLS_FOUND FALSE)
  endif()

  find_package_handle_standard_args(hiredis
    REQUIRED_VARS hiredis_CONFIG
    VERSION_VAR hiredis_VERSION
    HANDLE_VERSION_RANGE)
  return()
endif()

# --- 2. pkg-config and the usual search (Debian's hiredis 0.14) -----------------------------
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(PC_hiredis QUIET hiredis)
endif()

find_path(hiredis_INCLUDE_DIR NAMES hiredis/hiredis.h HINTS ${PC_hiredis_INCLUDE_DIRS})
find_library(hiredis_LIBRARY NAMES hiredis HINTS ${PC_hiredis_LIBRARY_DIRS})
find_library(hiredis_SSL_LIBRARY NAMES hiredis_ssl HINTS ${PC_hiredis_LIBRARY_DIRS})
_hiredis_header_version(hiredis_VERSION "${hiredis_INCLUDE_DIR}")
set(hiredis_CONFIG "")

find_package_handle_standard_args(hiredis
  REQUIRED_VARS hiredis_LIBRARY hiredis_INCLUDE_DIR
  VERSION_VAR hiredis_VERSION
  HANDLE_VERSION_RANGE)

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
