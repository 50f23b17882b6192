# vcpkg port of ferry. Features map one to one onto ferry's CMake options; the library's
# components are built as static or shared libraries as the triplet's VCPKG_LIBRARY_LINKAGE says
# (vcpkg_cmake_configure passes BUILD_SHARED_LIBS).

# ---------------------------------------------------------------------------
# Source
# ---------------------------------------------------------------------------
# The published port downloads the release tag. A build of a local checkout (ferry's own offline
# test in scripts/lib/test/70-vcpkg.sh, or a developer trying a change through an overlay port)
# sets the environment variable FERRY_SOURCE_DIR to the checkout and lets it through the
# triplet with set(VCPKG_ENV_PASSTHROUGH FERRY_SOURCE_DIR); then this port downloads nothing.
# The checkout is used in place (the build happens in vcpkg's buildtrees). vcpkg hashes the
# path, not the files, so such builds must not be served from a binary cache.
if(DEFINED ENV{FERRY_SOURCE_DIR})
    set(SOURCE_PATH "$ENV{FERRY_SOURCE_DIR}")
    if(NOT EXISTS "${SOURCE_PATH}/CMakeLists.txt" OR NOT EXISTS "${SOURCE_PATH}/include/ferry/core/version.hpp")
        message(FATAL_ERROR "FERRY_SOURCE_DIR=${SOURCE_PATH} is not a ferry checkout")
    endif()
    message(STATUS "Using the ferry source in ${SOURCE_PATH} (FERRY_SOURCE_DIR)")
else()
    # SHA512 is filled in when the release is tagged: with 0, vcpkg stops and prints the
    # archive's actual hash.
    vcpkg_from_github(
        OUT_SOURCE_PATH SOURCE_PATH
        REPO ferry-cpp/ferry
        REF "v${VERSION}"
        SHA512 0
        HEAD_REF main
    )
endif()

# ---------------------------------------------------------------------------
# Configure, build, install
# ---------------------------------------------------------------------------
# ferry::core, ferry::redis, ferry::cache, ferry::queue, ferry::ratelimit, ferry::postfix and
# ferry::postfix_redis are always built; every other component is a feature.
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        amqp    FERRY_WITH_AMQP
        sql     FERRY_WITH_SQL
        mail    FERRY_WITH_MAIL
        celery  FERRY_WITH_CELERY
        service FERRY_WITH_SERVICE
        apps    FERRY_BUILD_APPS
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        -DFERRY_BUILD_TESTS=OFF
        -DFERRY_BUILD_EXAMPLES=OFF
        -DFERRY_BUILD_BENCHMARKS=OFF
        -DFERRY_WARNINGS_AS_ERRORS=OFF
        -DFERRY_INSTALL=ON
)
vcpkg_cmake_install()

# ---------------------------------------------------------------------------
# vcpkg's layout
# ---------------------------------------------------------------------------
# ferryConfig.cmake, its targets and the find modules beside it (Findhiredis.cmake,
# FindSOCI.cmake) move from lib/cmake/ferry to share/ferry.
vcpkg_cmake_config_fixup(PACKAGE_NAME ferry CONFIG_PATH lib/cmake/ferry)
vcpkg_fixup_pkgconfig()

if("apps" IN_LIST FEATURES)
    # Executables go to tools/ferry; bin/ is for DLLs only.
    vcpkg_copy_tools(
        TOOL_NAMES
            ferry-celery-worker
            ferry-email-worker
            ferry-ingest
            ferry-policyd
            ferry-retry-worker
        AUTO_CLEAN
    )
    # The systemd units, environment files and Debian copyright of the apps (apps/deploy) belong
    # to the .deb: the units name the binaries by their path in the install prefix, which
    # vcpkg has just moved. Units and examples stay in ferry's source (apps/deploy).
    file(REMOVE_RECURSE
        "${CURRENT_PACKAGES_DIR}/lib/systemd"
        "${CURRENT_PACKAGES_DIR}/etc"
        "${CURRENT_PACKAGES_DIR}/share/doc"
        "${CURRENT_PACKAGES_DIR}/debug/lib/systemd"
        "${CURRENT_PACKAGES_DIR}/debug/etc")
endif()

file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug/include"
    "${CURRENT_PACKAGES_DIR}/debug/share")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
