# Install-time part of apps/deploy/CMakeLists.txt (which sets FERRY_DEPLOY_*): writes the units
# for the prefix being installed to, and the example environment files unless present.
# CMAKE_INSTALL_PREFIX is the real prefix here (cpack stages through DESTDIR), and
# file(INSTALL) adds DESTDIR to absolute destinations.

if(IS_ABSOLUTE "${FERRY_DEPLOY_BINDIR}")
  set(FERRY_UNIT_BINDIR "${FERRY_DEPLOY_BINDIR}")
else()
  set(FERRY_UNIT_BINDIR "${CMAKE_INSTALL_PREFIX}/${FERRY_DEPLOY_BINDIR}")
endif()
# As GNUInstallDirs: a /usr install keeps its configuration in /etc. Unlike GNUInstallDirs,
# /opt/<x> keeps it in /opt/<x>/etc, so nothing is written outside an /opt prefix.
if(CMAKE_INSTALL_PREFIX MATCHES "^/(usr/?)?$")
  set(FERRY_UNIT_SYSCONFDIR "/etc")
else()
  set(FERRY_UNIT_SYSCONFDIR "${CMAKE_INSTALL_PREFIX}/etc")
endif()
file(READ "${FERRY_DEPLOY_SOURCE_DIR}/sandbox.conf" FERRY_UNIT_SANDBOX)
string(STRIP "${FERRY_UNIT_SANDBOX}" FERRY_UNIT_SANDBOX)

set(_units "${FERRY_DEPLOY_BINARY_DIR}/units")
foreach(_app IN LISTS FERRY_DEPLOY_APPS)
  configure_file("${FERRY_DEPLOY_SOURCE_DIR}/${_app}.service.in" "${_units}/${_app}.service"
    @ONLY)
  file(INSTALL "${_units}/${_app}.service"
    DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")

  set(_env_dir "${FERRY_UNIT_SYSCONFDIR}/ferry")
  if(EXISTS "$ENV{DESTDIR}${_env_dir}/${_app}.env")
    message(STATUS "Keeping: $ENV{DESTDIR}${_env_dir}/${_app}.env")
  else()
    # Only root reads it (systemd, before it drops to User=): it may hold passwords.
    file(INSTALL "${FERRY_DEPLOY_SOURCE_DIR}/${_app}.env" DESTINATION "${_env_dir}"
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE)
  endif()
endforeach()
