# ---------------------------------------------------------------------------
# Run-time search path of an installed shared build
# ---------------------------------------------------------------------------
# Installed apps and libraries find ferry's shared libraries relative to themselves ($ORIGIN),
# so an install into any prefix (/opt/ferry, a staging directory) runs without LD_LIBRARY_PATH
# and can be moved. An install into a directory the dynamic linker searches anyway (a /usr
# install, the Debian package) gets no RUNPATH, and a CMAKE_INSTALL_RPATH given by the user
# wins over both.
set(FERRY_INSTALL_RPATH_EXE "")
set(FERRY_INSTALL_RPATH_LIB "")
set(_ferry_libdir "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}")
if(BUILD_SHARED_LIBS AND NOT DEFINED CMAKE_INSTALL_RPATH
    AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}"
    AND NOT _ferry_libdir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES
    AND NOT _ferry_libdir IN_LIST CMAKE_PLATFORM_IMPLICIT_LINK_DIRECTORIES)
  file(RELATIVE_PATH _ferry_bin_to_lib
    "/prefix/${CMAKE_INSTALL_BINDIR}" "/prefix/${CMAKE_INSTALL_LIBDIR}")
  set(FERRY_INSTALL_RPATH_EXE "$ORIGIN/${_ferry_bin_to_lib}")
  set(FERRY_INSTALL_RPATH_LIB "$ORIGIN")
endif()

# ferry_target_defaults(<target>)
#   Applies ferry's warning set, -Werror (FERRY_WARNINGS_AS_ERRORS), sanitizers
#   (FERRY_SANITIZE) and the install RPATH (above) to one of ferry's own targets. Everything
#   is PRIVATE, except the sanitizer link flags of static libraries, which their consumers
#   must link too.
function(ferry_target_defaults target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE" AND FERRY_INSTALL_RPATH_EXE)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "${FERRY_INSTALL_RPATH_EXE}")
  elseif(type STREQUAL "SHARED_LIBRARY" AND FERRY_INSTALL_RPATH_LIB)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "${FERRY_INSTALL_RPATH_LIB}")
  endif()
  target_compile_features(${target} PUBLIC cxx_std_20)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      # What GCC's -Wextra (fallthrough) and -Wshadow (constructor parameters and lambda
      # locals shadowing) cover and clang's do not.
      target_compile_options(${target} PRIVATE
        -Wimplicit-fallthrough -Wshadow-field-in-constructor -Wshadow-uncaptured-local)
    endif()
    if(FERRY_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
      if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        # GCC 12's optimizer reports false positives inside libstdc++'s inline code (-Wrestrict
        # on string concatenation, GCC bug 105329; -Wnull-dereference in istreambuf_iterator
        # and std::get_if). In optimized builds they stay warnings; Debug builds, which do not
        # produce them, keep them errors.
        target_compile_options(${target} PRIVATE
          $<$<NOT:$<CONFIG:Debug>>:-Wno-error=restrict -Wno-error=null-dereference>)
      endif()
    endif()
    if(FERRY_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=${FERRY_SANITIZE} -fno-omit-frame-pointer
        -fno-sanitize-recover=all)
      if(type STREQUAL "STATIC_LIBRARY")
        target_link_options(${target} INTERFACE $<BUILD_INTERFACE:-fsanitize=${FERRY_SANITIZE}>)
      else()
        target_link_options(${target} PRIVATE -fsanitize=${FERRY_SANITIZE})
      endif()
    endif()
  endif()
endfunction()

# ferry_add_component(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#   Defines the library ferry_<name> with the alias ferry::<name> and the export name <name>,
#   so the target reads the same through add_subdirectory and find_package. It is static
#   unless BUILD_SHARED_LIBS is ON; a shared one is libferry_<name>.so.<FERRY_SOVERSION>.
#   Symbols are hidden by default in both kinds: only what include/ferry marks FERRY_API
#   (ferry/export.hpp) is exported, so lib/'s internals never become ABI, and a static ferry
#   linked into a user's shared library does not leak them either.
function(ferry_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ferry_${name} ${ARG_SOURCES})
  add_library(ferry::${name} ALIAS ferry_${name})
  set_target_properties(ferry_${name} PROPERTIES
    EXPORT_NAME ${name}
    OUTPUT_NAME ferry_${name}
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    VERSION ${PROJECT_VERSION}
    SOVERSION ${FERRY_SOVERSION})
  target_include_directories(ferry_${name}
    PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE
      ${PROJECT_SOURCE_DIR}/lib)
  target_link_libraries(ferry_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  ferry_target_defaults(ferry_${name})
  set_property(GLOBAL APPEND PROPERTY FERRY_COMPONENTS ${name})
endfunction()

# ferry_component_headers(<name> <path>...)
#   Declares public headers of component <name>: each path, relative to include/ferry, is a
#   header or a folder of them. Only the headers of built components are installed
#   (FerryInstall.cmake), so <ferry/ferry.hpp> includes exactly what is there.
function(ferry_component_headers name)
  foreach(path IN LISTS ARGN)
    if(NOT EXISTS "${PROJECT_SOURCE_DIR}/include/ferry/${path}")
      message(FATAL_ERROR "ferry_component_headers(${name}): include/ferry/${path} does not exist")
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY FERRY_HEADERS_${name} ${ARGN})
endfunction()

# ferry_component_links(<component> <out-var>)
#   The ferry components <component> links directly, as its target says (sorted). The one
#   source of the component graph: ferryConfig.cmake walks it, tests/architecture checks
#   docs/architecture.md against it.
function(ferry_component_links component out)
  get_property(_components GLOBAL PROPERTY FERRY_COMPONENTS)
  get_target_property(_links ferry_${component} LINK_LIBRARIES)
  set(_requires "")
  foreach(l IN LISTS _links)
    if(l MATCHES "^ferry::(.+)$" AND CMAKE_MATCH_1 IN_LIST _components)
      list(APPEND _requires ${CMAKE_MATCH_1})
    endif()
  endforeach()
  list(SORT _requires)
  set(${out} "${_requires}" PARENT_SCOPE)
endfunction()
