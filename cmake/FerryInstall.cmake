# Installs headers, the component libraries, ferryConfig.cmake (+ version file, targets and
# the find modules ferry's dependencies need) and ferry.pc.
include(CMakePackageConfigHelpers)

set(FERRY_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ferry")
get_property(FERRY_INSTALLED_COMPONENTS GLOBAL PROPERTY FERRY_COMPONENTS)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/ferry" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT development)

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

# Whether the installed components are shared libraries: then their private dependencies
# (hiredis, rabbitmq-c, SOCI, GMime, gumbo) are their own business, and neither
# ferryConfig.cmake nor ferry.pc makes consumers find them.
get_target_property(_ferry_core_type ferry_core TYPE)
if(_ferry_core_type STREQUAL "SHARED_LIBRARY")
  set(FERRY_SHARED_LIBS TRUE)
else()
  set(FERRY_SHARED_LIBS FALSE)
endif()

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/ferryConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/ferryConfig.cmake"
  INSTALL_DESTINATION "${FERRY_CMAKE_DIR}")
# SameMinorVersion before 1.0, SameMajorVersion from 1.0 (FERRY_VERSION_COMPATIBILITY, set
# beside the SONAME's version in the top-level CMakeLists.txt).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${FERRY_VERSION_COMPATIBILITY})
file(GLOB _ferry_find_modules "${PROJECT_SOURCE_DIR}/cmake/modules/Find*.cmake")
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
get_property(FERRY_PC_REQUIRES_PUBLIC GLOBAL PROPERTY FERRY_PC_REQUIRES_PUBLIC)
list(PREPEND FERRY_PC_REQUIRES_PUBLIC fmt)
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
