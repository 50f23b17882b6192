# Installs headers, the component libraries, ferryConfig.cmake (+ version file, targets and
# the find modules ferry's dependencies need) and ferry.pc.
include(CMakePackageConfigHelpers)

set(FERRY_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/ferry")
get_property(FERRY_INSTALLED_COMPONENTS GLOBAL PROPERTY FERRY_COMPONENTS)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/ferry" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

set(_ferry_targets ferry_ferry)
foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
  list(APPEND _ferry_targets ferry_${c})
endforeach()
install(TARGETS ${_ferry_targets}
  EXPORT ferryTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT ferryTargets NAMESPACE ferry:: DESTINATION "${FERRY_CMAKE_DIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/ferryConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/ferryConfig.cmake"
  INSTALL_DESTINATION "${FERRY_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
file(GLOB _ferry_find_modules "${PROJECT_SOURCE_DIR}/cmake/modules/Find*.cmake")
install(FILES
  "${PROJECT_BINARY_DIR}/ferryConfig.cmake"
  "${PROJECT_BINARY_DIR}/ferryConfigVersion.cmake"
  ${_ferry_find_modules}
  DESTINATION "${FERRY_CMAKE_DIR}")

# pkg-config: one ferry.pc for the umbrella; static libraries list their private deps too.
set(FERRY_PC_LIBS "")
foreach(c IN LISTS FERRY_INSTALLED_COMPONENTS)
  string(PREPEND FERRY_PC_LIBS "-lferry_${c} ")
endforeach()
get_property(FERRY_PC_REQUIRES GLOBAL PROPERTY FERRY_PC_REQUIRES)
list(REMOVE_DUPLICATES FERRY_PC_REQUIRES)
list(JOIN FERRY_PC_REQUIRES " " FERRY_PC_REQUIRES)
get_property(FERRY_PC_LIBS_PRIVATE GLOBAL PROPERTY FERRY_PC_LIBS_PRIVATE)
list(REMOVE_DUPLICATES FERRY_PC_LIBS_PRIVATE)
list(JOIN FERRY_PC_LIBS_PRIVATE " " FERRY_PC_LIBS_PRIVATE)
# The .pc file finds its prefix relative to itself, so a staged or relocated install works.
file(RELATIVE_PATH FERRY_PC_PREFIX_FROM_PCFILEDIR
  "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file("${PROJECT_SOURCE_DIR}/cmake/ferry.pc.in" "${PROJECT_BINARY_DIR}/ferry.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/ferry.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
