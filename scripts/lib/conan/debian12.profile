# Conan 2 profile: build ferry against Debian 12's own libraries (apt), with nothing from a
# Conan remote. Use it for both contexts:
#   conan create . -pr:a scripts/lib/conan/debian12.profile --build=missing
# The settings are Debian 12's toolchain: GCC 12, libstdc++ with the C++11 ABI, and C++20,
# which ferry needs.
[settings]
os=Linux
arch={{ detect_api.detect_arch() }}
build_type=Release
compiler=gcc
compiler.version=12
compiler.libcxx=libstdc++11
compiler.cppstd=20

[conf]
tools.cmake.cmaketoolchain:generator=Ninja

# Every dependency of the recipe, at the version Debian 12 ships (`dpkg -l`), is the system's:
# Conan resolves it to this version without looking for a recipe, and ferry's CMake finds the
# library where apt installed it (libfmt-dev, libhiredis-dev, librabbitmq-dev, libssl-dev,
# libsoci-dev, libsqlite3-dev, libpq-dev, nlohmann-json3-dev, libgmime-3.0-dev, libgumbo-dev,
# libcli11-dev, libcpp-httplib-dev). A version only has to fall in the recipe's range, so
# Debian's point releases need no edit here.
# Keep this section last: scripts/lib/test/60-conan.sh cuts it off for its negative check.
[platform_requires]
fmt/9.1.0
hiredis/0.14.1
rabbitmq-c/0.11.0
openssl/3.0.19
soci/4.0.3
sqlite3/3.40.1
libpq/15.18
nlohmann_json/3.11.2
gmime/3.2.13
gumbo-parser/0.10.1
cli11/2.1.2
cpp-httplib/0.11.4
