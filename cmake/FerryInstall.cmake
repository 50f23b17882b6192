# Installs headers, the component libraries, ferryConfig.cmake (+ version file, targets and
# the find modules ferry's dependencies need) and ferry.pc.
include(CMakePackageConfigHelpers)

set(FERRY_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ferry")
get_property(FERRY_INSTALLED_COMPONENTS GLOBAL PROPERTY FERRY_COMPONENTS)

# --- headers: those of the built components only (ferry_component_headers) ---------------------
foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
  get_property(_ferry_headers GLOBAL PROPERTY FERRY_HEADERS_${c})
  foreach(h IN LISTS _ferry_headers)
    set(_ferry_src "${PROJECT_SOURCE_DIR}/include/ferry/${h}")
    # A directory (e.g. celery/protocol) goes under its parent, as a file does.
    get_filename_component(_ferry_sub "${h}" DIRECTORY)
    if(IS_DIRECTORY "${_ferry_src}")
      install(DIRECTORY "${_ferry_src}" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/ferry/${_ferry_sub}"
        COMPONENT development)
    else()
      install(FILES "${_ferry_src}" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/ferry/${_ferry_sub}"
        COMPONENT development)
    endif()
  endforeach()
endforeach()

# With every component built, every header must belong to one: a header no component claims
# would silently be missing from the install. (A check, not a source list: nothing is built
# from this glob.)
if(FERRY_WITH_AMQP AND FERRY_WITH_SQL AND FERRY_WITH_MAIL AND FERRY_WITH_CELERY
    AND FERRY_WITH_SERVICE)
  set(_ferry_claimed "")
  foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
    get_property(_ferry_headers GLOBAL PROPERTY FERRY_HEADERS_${c})
    list(APPEND _ferry_claimed ${_ferry_headers})
  endforeach()
  file(GLOB_RECURSE _ferry_all_headers RELATIVE "${PROJECT_SOURCE_DIR}/include/ferry"
    "${PROJECT_SOURCE_DIR}/include/ferry/*.hpp")
  foreach(h IN LISTS _ferry_all_headers)
    set(_ferry_path "${h}")
    while(NOT _ferry_path STREQUAL "" AND NOT _ferry_path IN_LIST _ferry_claimed)
      get_filename_component(_ferry_path "${_ferry_path}" DIRECTORY)
    endwhile()
    if(_ferry_path STREQUAL "")
      message(FATAL_ERROR "include/ferry/${h} belongs to no component: add it to the "
        "ferry_component_headers() call in lib/<component>/CMakeLists.txt")
    endif()
  endforeach()
endif()

set(_ferry_targets ferry_ferry)
foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
  list(APPEND _ferry_targets ferry_${c})
endforeach()
# Shared libraries install as libferry_<c>.so.<version> plus the SONAME link the dynamic linker
# loads (runtime) and the unversioned link only the build of a consumer needs (development).
install(TARGETS ${_ferry_targets}
  EXPORT ferryTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime
    NAMELINK_COMPONENT development
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT ferryTargets NAMESPACE ferry:: DESTINATION "${FERRY_CMAKE_DIR}"
  COMPONENT development)

# Shared libraries (FERRY_SHARED_LIBS, set after lib/) carry their private dependencies
# (hiredis, rabbitmq-c, SOCI, GMime, gumbo, cpp-httplib): neither ferryConfig.cmake nor ferry.pc
# makes consumers find them then.

# The component graph as CMake links it: for each component, the ferry components it links
# directly. ferryConfig.cmake walks it to find only what the requested components need.
set(FERRY_COMPONENT_GRAPH "")
foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
  ferry_component_links(${c} _ferry_requires)
  string(APPEND FERRY_COMPONENT_GRAPH "set(_ferry_requires_${c} ${_ferry_requires})\n")
endforeach()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/ferryConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/ferryConfig.cmake"
  INSTALL_DESTINATION "${FERRY_CMAKE_DIR}")
# SameMinorVersion before 1.0, SameMajorVersion from 1.0 (FERRY_VERSION_COMPATIBILITY, set
# beside the SONAME's version in the top-level CMakeLists.txt).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${FERRY_VERSION_COMPATIBILITY})
# The find modules of the built components' dependencies that ship no CMake package.
set(_ferry_find_modules "${PROJECT_SOURCE_DIR}/cmake/modules/Findhiredis.cmake")
if("sql" IN_LIST FERRY_INSTALLED_COMPONENTS)
  list(APPEND _ferry_find_modules "${PROJECT_SOURCE_DIR}/cmake/modules/FindSOCI.cmake")
endif()
install(FILES
  "${PROJECT_BINARY_DIR}/ferryConfig.cmake"
  "${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake"
  ${_ferry_find_modules}
  DESTINATION "${FERRY_CMAKE_DIR}"
  COMPONENT development)

# pkg-config: one ferry.pc for the umbrella. Requires holds what ferry's headers include (fmt,
# nlohmann_json); static libraries also list their private dependencies (Requires.private,
# Libs.private, used by `pkg-config --static`). Shared libraries link those themselves
# (DT_NEEDED), so their ferry.pc names none: a consumer needs no hiredis or GMime .pc file.
set(FERRY_PC_LIBS "")
foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
  string(PREPEND FERRY_PC_LIBS "-lferry_${c} ")
endforeach()
# FERRY_PC_REQUIRES_PUBLIC starts as fmt, or empty when fmt is header-only (FerryDependencies).
get_property(_ferry_pc_requires_public GLOBAL PROPERTY FERRY_PC_REQUIRES_PUBLIC)
list(APPEND FERRY_PC_REQUIRES_PUBLIC ${_ferry_pc_requires_public})
list(REMOVE_DUPLICATES FERRY_PC_REQUIRES_PUBLIC)
list(JOIN FERRY_PC_REQUIRES_PUBLIC " " FERRY_PC_REQUIRES_PUBLIC)
set(FERRY_PC_REQUIRES "")
set(FERRY_PC_LIBS_PRIVATE "")
if(NOT FERRY_SHARED_LIBS)
  get_property(FERRY_PC_REQUIRES GLOBAL PROPERTY FERRY_PC_REQUIRES)
  list(REMOVE_DUPLICATES FERRY_PC_REQUIRES)
  list(JOIN FERRY_PC_REQUIRES " " FERRY_PC_REQUIRES)
  get_property(FERRY_PC_LIBS_PRIVATE GLOBAL PROPERTY FERRY_PC_LIBS_PRIVATE)
  list(APPEND FERRY_PC_LIBS_PRIVATE -lpthread)
  list(REMOVE_DUPLICATES FERRY_PC_LIBS_PRIVATE)
  list(JOIN FERRY_PC_LIBS_PRIVATE " " FERRY_PC_LIBS_PRIVATE)
endif()
# The .pc file finds its prefix relative to itself, so a staged or relocated install works.
file(RELATIVE_PATH FERRY_PC_PREFIX_FROM_PCFILEDIR
  "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${PROJECT_SOURCE_DIR}/cmake/ferry.pc.in" "${PROJECT_BINARY_DIR}/ferry.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/ferry.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
  COMPONENT development)
