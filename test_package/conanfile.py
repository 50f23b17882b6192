# conan create's test: a tiny consumer of the package built a user's way (CMakeDeps), linking
# the component targets the package was built with and running without any server.
import os

from conan import ConanFile
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
        for component in ("amqp", "sql", "mail", "celery"):
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
        if self.dependencies["ferry"].options.apps:
            # The reference applications are in the package's bin/, on the run environment's PATH.
            for app in ("ferry-policyd", "ferry-ingest", "ferry-email-worker", "ferry-retry-worker"):
                self.run(f"{app} --help", env="conanrun")
