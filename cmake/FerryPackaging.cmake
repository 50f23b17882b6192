# The reference deployment as a Debian package: `cpack -G DEB` in a build directory makes
# ferry-apps_<version>_<arch>.deb from the install component `apps` (the five binaries, their
# systemd units and environment files, apps/deploy/) and nothing else: ferry's headers,
# static libraries and CMake package stay out, and the binaries link them statically.
#
# The package is named ferry-apps, not ferry: it is the deployment, not the library, and
# Debian users look for a library as libferry-dev.

# ---------------------------------------------------------------------------
# What goes in
# ---------------------------------------------------------------------------
set(FERRY_DEB_PACKAGE ferry-apps)
set(CPACK_PACKAGE_NAME "${FERRY_DEB_PACKAGE}")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL apps)
if(BUILD_SHARED_LIBS)
  # The apps then need ferry's shared libraries: their install component "runtime" holds the
  # versioned .so files only (headers, links and the CMake package are "development").
  list(APPEND CPACK_COMPONENTS_ALL runtime)
endif()
# Debian installs into /usr (its units then live in /usr/lib/systemd/system, its settings in
# /etc/ferry); apps/deploy/install_deploy.cmake writes the units for this prefix.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

# ---------------------------------------------------------------------------
# Control fields (Version from project(); Architecture from dpkg)
# ---------------------------------------------------------------------------
set(FERRY_PACKAGE_CONTACT "ferry maintainers <maintainers@ferry.invalid>" CACHE STRING
  "Maintainer field of the .deb")
set(CPACK_PACKAGE_VENDOR "ferry")
set(CPACK_PACKAGE_CONTACT "${FERRY_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${FERRY_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "ferry reference deployment: Postfix policy service, email ingest and workers")
# Lines starting with a space are shown verbatim (the list).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "ferry is a C++20 library of Redis and RabbitMQ patterns (cache, rate limiter,
reliable queue, durable AMQP, Celery interop). This package holds the
applications composed from it:
 ferry-policyd        Postfix SMTPD access policy server (check_policy_service)
 ferry-ingest         Postfix pipe(8) command or HTTP endpoint queueing mail
 ferry-email-worker   parses, sanitises and stores queued mail
 ferry-retry-worker   Redis queue scheduler and dead-letter admin API
 ferry-celery-worker  Celery worker running the deployment's tasks
Each comes with a hardened systemd unit, neither enabled nor started, and a
commented environment file in /etc/ferry.")
# dpkg-shlibdeps (dpkg-dev) computes the shared libraries' packages; adduser makes the user.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postfix, redis-server, rabbitmq-server")

# ---------------------------------------------------------------------------
# Conffiles and maintainer scripts
# ---------------------------------------------------------------------------
# The environment files are conffiles: dpkg keeps the operator's edits on upgrade (asking when
# the shipped file changed too), leaves them on remove and deletes them on purge.
get_property(FERRY_DEPLOY_APPS GLOBAL PROPERTY FERRY_DEPLOY_APPS)
set(_deb_dir "${PROJECT_BINARY_DIR}/debian")
set(_conffiles "")
set(FERRY_DEB_UNITS "")
foreach(_app IN LISTS FERRY_DEPLOY_APPS)
  string(APPEND _conffiles "/etc/ferry/${_app}.env\n")
  list(APPEND FERRY_DEB_UNITS "${_app}.service")
endforeach()
list(JOIN FERRY_DEB_UNITS " " FERRY_DEB_UNITS)
file(WRITE "${_deb_dir}/conffiles" "${_conffiles}")
foreach(_script postinst prerm postrm)
  configure_file("${PROJECT_SOURCE_DIR}/apps/deploy/debian/${_script}.in" "${_deb_dir}/${_script}"
    @ONLY)
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${_deb_dir}/conffiles" "${_deb_dir}/postinst" "${_deb_dir}/prerm" "${_deb_dir}/postrm")
# Scripts 0755, conffiles 0644, whatever the build directory's umask.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# No source packages: the repository is the source.
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
