# conan create's test: a tiny consumer of the package built a user's way (CMakeDeps), linking
# the component targets the package was built with and running without any server.
import os
from io import StringIO

from conan import ConanFile
from conan.errors import ConanException
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout


class FerryTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        ferry = self.dependencies["ferry"]
        tc = CMakeToolchain(self)
        tc.user_presets_path = False  # nothing written into the source tree beside this file
        for component in ("amqp", "sql", "mail", "celery", "service"):
            tc.cache_variables[f"FERRY_TEST_{component.upper()}"] = bool(
                ferry.options.get_safe(component))
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if not can_run(self):
            return
        self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
        ferry = self.dependencies["ferry"]
        if ferry.options.apps:
            # The reference applications are in the package's bin/ (a static library package is
            # not put on the run environment's PATH); every one installed answers --help.
            bin_folder = os.path.join(ferry.package_folder, "bin")
            apps = sorted(os.listdir(bin_folder))
            expected = {"ferry-policyd", "ferry-ingest", "ferry-email-worker", "ferry-retry-worker"}
            if not expected.issubset(apps):
                raise ConanException(f"ferry's bin/ lacks {sorted(expected - set(apps))}")
            for app in apps:
                usage = StringIO()
                self.run(f"{os.path.join(bin_folder, app)} --help", stdout=usage, env="conanrun")
                self.output.info(f"{app} --help: {usage.getvalue().splitlines()[0]}")
