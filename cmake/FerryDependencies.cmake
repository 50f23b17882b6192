# Finds ferry's third-party dependencies. Every one is a Debian 12 package; nothing is
# downloaded. Components whose dependencies are missing are an error, never silently skipped.
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)

# mail: GMime 3 (brings GLib) and gumbo, through pkg-config. ferryConfig.cmake re-creates
# these exact imported targets for the installed ferry::mail.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FERRY_GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
pkg_check_modules(FERRY_GUMBO REQUIRED IMPORTED_TARGET gumbo)
