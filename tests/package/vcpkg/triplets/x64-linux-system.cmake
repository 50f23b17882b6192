# x64-linux-system: vcpkg's x64-linux, except that ferry's dependencies are the system's
# (Debian's -dev packages), not vcpkg ports. It goes with the overlay port that
# system_port.cmake derives from ports/ferry, which declares no library dependencies: vcpkg
# then builds only ferry, and CMake finds hiredis, rabbitmq-c, SOCI, GMime and the rest in /usr
# as in any native build.
set(VCPKG_TARGET_ARCHITECTURE x64)
set(VCPKG_CRT_LINKAGE dynamic)
set(VCPKG_LIBRARY_LINKAGE static)
set(VCPKG_CMAKE_SYSTEM_NAME Linux)

# Release only: one build instead of two.
set(VCPKG_BUILD_TYPE release)

# vcpkg rewrites the RPATH of installed ELF files so that they find vcpkg's shared libraries,
# with a patchelf it would download. Here every library ferry links is the system's (ferry's
# own are static), so there is nothing to rewrite.
set(VCPKG_FIXUP_ELF_RPATH OFF)

# The port builds the checkout named by FERRY_SOURCE_DIR instead of downloading a release.
set(VCPKG_ENV_PASSTHROUGH FERRY_SOURCE_DIR)
