# Conan 2 recipe for ferry. `conan create .` builds the library (and, with apps=True, the
# reference applications) with ferry's own CMake, installs it, and describes the installed
# components to consumers as ferry::<component> targets (CMakeDeps) and ferry-<component>.pc
# files (PkgConfigDeps). See docs/packaging.md.
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.gnu import PkgConfigDeps

required_conan_version = ">=2.1"


class FerryConan(ConanFile):
    name = "ferry"
    description = ("Redis and RabbitMQ patterns for C++ services: cache, rate limiter, "
                   "reliable queue, durable AMQP, Celery interop")
    license = "Apache-2.0"
    # url/homepage: set them to the public repository once there is one (none is published).
    topics = ("redis", "rabbitmq", "amqp", "celery", "cache", "rate-limiter", "queue")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    # One option per optional component. core, redis, cache, queue, ratelimit, postfix and
    # postfix_redis are always built. mail and apps are off by default because GMime (mail) is
    # not on ConanCenter and the apps need mail: with the defaults every dependency resolves
    # from ConanCenter.
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "amqp": [True, False],
        "sql": [True, False],
        "mail": [True, False],
        "celery": [True, False],
        "service": [True, False],
        "apps": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "amqp": True,
        "sql": True,
        "mail": False,
        "celery": True,
        "service": True,
        "apps": False,
        # ferry::sql opens SQLite and PostgreSQL sessions; ferry::amqp speaks amqps://.
        "soci/*:with_sqlite3": True,
        "soci/*:with_postgresql": True,
        "rabbitmq-c/*:ssl": True,
    }
    implements = ["auto_shared_fpic"]
    # Exactly what the build reads: a whitelist, so a checkout's build/ folders never travel.
    # apps/ is exported whatever the options (options are unknown at export time); it is only
    # compiled with apps=True.
    exports_sources = ("CMakeLists.txt", "LICENSE", "cmake/*", "include/*", "lib/*", "apps/*")

    def set_version(self):
        # The version lives once, in CMakeLists.txt's project() call.
        cmakelists = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"project\(\s*ferry\s+VERSION\s+(\d+\.\d+\.\d+)", cmakelists)
        if not match:
            raise ConanInvalidConfiguration("CMakeLists.txt has no project(ferry VERSION x.y.z)")
        self.version = match.group(1)

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Ranges cover Debian 12's versions and ConanCenter's. Only nlohmann_json appears in
        # ferry's public headers (Celery args/kwargs are JSON); every other dependency stays
        # behind pimpl, so its headers are not passed on (static builds still pass its libs).
        self.requires("fmt/[>=9.1 <10]")
        self.requires("hiredis/[>=0.14 <2]")
        if self.options.amqp:
            self.requires("rabbitmq-c/[>=0.11 <1]")
            # lib/amqp sets up the TLS context itself (CA paths) with OpenSSL calls.
            self.requires("openssl/[>=1.1 <4]")
        if self.options.sql:
            self.requires("soci/[>=4.0.3 <5]")
            # lib/sql calls SQLite (busy timeout, progress handler) and libpq (notice
            # processor) directly, beside SOCI.
            self.requires("sqlite3/[>=3.40 <4]")
            self.requires("libpq/[>=15 <18]")
        if self.options.mail:
            # Not on ConanCenter: bring your own gmime recipe or map it to the system library
            # with [platform_requires] (docs/packaging.md).
            self.requires("gmime/[>=3.2 <4]")
            self.requires("gumbo-parser/[>=0.10.1 <1]")
        if self.options.celery or self.options.service:
            # Public for celery (args/kwargs are JSON); ferry::service uses it privately.
            self.requires("nlohmann_json/[>=3.11 <4]", transitive_headers=bool(self.options.celery))
        if self.options.service:
            # Behind ferry::service's pimpl: no httplib header in ferry's.
            self.requires("cpp-httplib/[>=0.11 <1]")
        if self.options.apps:
            # Only the executables use it; nothing reaches ferry's consumers.
            self.requires("cli11/[>=2.1 <3]", visible=False)

    def validate(self):
        check_min_cppstd(self, 20)
        if self.settings.os != "Linux":
            # ferry's AMQP consumer wakes its poll loop through eventfd(2).
            raise ConanInvalidConfiguration("ferry supports Linux only")
        if self.options.apps:
            missing = [c for c in ("amqp", "sql", "mail", "celery", "service")
                       if not self.options.get_safe(c)]
            if missing:
                raise ConanInvalidConfiguration(
                    f"ferry/*:apps=True needs the components {', '.join(missing)}: "
                    "set ferry/*:" + "=True, ferry/*:".join(missing) + "=True")
        if self.options.sql and not self._from_platform("soci"):
            soci_options = self.dependencies["soci"].options
            if not (soci_options.with_sqlite3 and soci_options.with_postgresql):
                raise ConanInvalidConfiguration(
                    "ferry::sql needs soci/*:with_sqlite3=True and soci/*:with_postgresql=True")
        if self.options.amqp and not self._from_platform("rabbitmq-c"):
            if not self.dependencies["rabbitmq-c"].options.ssl:
                raise ConanInvalidConfiguration("ferry::amqp needs rabbitmq-c/*:ssl=True")
        # Conan 2 (conan-io/conan#17348) refuses component requires on a [platform_requires]
        # dependency, yet insists that every other direct dependency appear in one: the
        # components' dependencies come either all from packages or all from the platform.
        linked = {d for _, external in self._components.values() for d in external}
        platform = sorted(d for d in linked if self._from_platform(d))
        if platform and len(platform) < len(linked):
            raise ConanInvalidConfiguration(
                f"[platform_requires] maps {', '.join(platform)} to the system but not "
                f"{', '.join(sorted(linked - set(platform)))}: ferry takes its libraries' "
                "dependencies either all from Conan packages or all from the platform "
                "(Conan's component checks, conan-io/conan#17348); see docs/packaging.md")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["FERRY_WITH_AMQP"] = bool(self.options.amqp)
        tc.cache_variables["FERRY_WITH_SQL"] = bool(self.options.sql)
        tc.cache_variables["FERRY_WITH_MAIL"] = bool(self.options.mail)
        tc.cache_variables["FERRY_WITH_CELERY"] = bool(self.options.celery)
        tc.cache_variables["FERRY_WITH_SERVICE"] = bool(self.options.service)
        tc.cache_variables["FERRY_BUILD_APPS"] = bool(self.options.apps)
        tc.cache_variables["FERRY_BUILD_TESTS"] = False
        tc.cache_variables["FERRY_BUILD_EXAMPLES"] = False
        tc.cache_variables["FERRY_BUILD_BENCHMARKS"] = False
        tc.cache_variables["FERRY_INSTALL"] = True
        tc.generate()
        CMakeDeps(self).generate()
        # ferry's CMake finds GMime, gumbo and cpp-httplib through pkg-config.
        PkgConfigDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Consumers get Conan's generated config and .pc files (below), which know where each
        # dependency came from; ferry's own ones assume system-wide dependencies.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    # --- package_info -------------------------------------------------------------------------

    # What a dependency links as when the profile maps it to the system library with
    # [platform_requires]: Conan then knows nothing about it, yet a consumer of ferry's static
    # libraries must still link it. Upstream library names, the same on every distribution.
    _platform_libs = {
        "fmt": ["fmt"],
        "hiredis": ["hiredis"],
        "rabbitmq-c": ["rabbitmq"],
        "openssl": ["ssl", "crypto"],
        "soci": ["soci_sqlite3", "soci_postgresql", "soci_core"],
        "sqlite3": ["sqlite3"],
        "libpq": ["pq"],
        "gmime": ["gmime-3.0", "gio-2.0", "gobject-2.0", "glib-2.0"],
        "gumbo-parser": ["gumbo"],
        "nlohmann_json": [],
        # Debian's libcpp-httplib-dev is a compiled library (ConanCenter's is header-only).
        "cpp-httplib": ["cpp-httplib"],
    }

    def _from_platform(self, dependency):
        # Conan leaves a required dependency that the profile's [platform_requires] maps to the
        # system out of self.dependencies.
        return dependency not in self.dependencies

    @property
    def _components(self):
        """The components the options select, as CMake defines them: name -> (ferry components
        it requires, {dependency: the dependency's components it uses})."""
        components = {
            "core": ([], {"fmt": ["fmt"]}),
            "redis": (["core"], {"hiredis": ["hiredis"]}),
            "postfix": (["core"], {}),
            "cache": (["redis"], {}),
            "queue": (["redis"], {}),
            "ratelimit": (["redis"], {}),
            "postfix_redis": (["cache", "postfix", "ratelimit", "redis"], {}),
        }
        if self.options.amqp:
            components["amqp"] = (["core"], {"rabbitmq-c": ["rabbitmq-c"],
                                             "openssl": ["ssl", "crypto"]})
        if self.options.sql:
            components["sql"] = (["core"], {"soci": ["soci_core", "soci_sqlite3", "soci_postgresql"],
                                            "sqlite3": ["sqlite3"], "libpq": ["libpq"]})
        if self.options.mail:
            components["mail"] = (["core"], {"gmime": ["gmime"], "gumbo-parser": ["gumbo-parser"]})
        if self.options.celery:
            components["celery_protocol"] = (["core"], {"nlohmann_json": ["nlohmann_json"]})
            components["celery"] = (["celery_protocol", "core"], {})
            components["celery_redis"] = (["celery", "redis"], {})
            if self.options.amqp:
                components["celery_amqp"] = (["celery", "amqp"], {})
        if self.options.service:
            components["service"] = (["core"], {"cpp-httplib": ["cpp-httplib"],
                                                "nlohmann_json": ["nlohmann_json"]})
        return components

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "ferry")
        self.cpp_info.set_property("cmake_target_name", "ferry::ferry")  # the umbrella
        self.cpp_info.set_property("pkg_config_name", "ferry")
        for name, (requires, external) in self._components.items():
            component = self.cpp_info.components[name]
            component.libs = [f"ferry_{name}"]
            component.set_property("cmake_target_name", f"ferry::{name}")
            component.set_property("pkg_config_name", f"ferry-{name}")
            component.requires = list(requires)
            for dependency, used in external.items():
                if not self._from_platform(dependency):
                    component.requires += [f"{dependency}::{c}" for c in used]
                elif not self.options.shared:
                    # Conan 2 rejects component requires on a platform dependency (CMakeDeps:
                    # "... is not a direct dependency"), so its libraries are named directly.
                    component.system_libs += self._platform_libs[dependency]
        # The Redis pool, the near cache's tracker, the queue's worker threads, the policy server.
        for name in ("redis", "cache", "queue", "ratelimit", "postfix", "postfix_redis"):
            self.cpp_info.components[name].system_libs.append("pthread")
