// Uses each installed component a little, with no server: the point is that headers, link
// lines and transitive dependencies of the installed package are complete.
#include <ferry/ferry.hpp>

#include <iostream>

int main() {
  const ferry::error e(ferry::errc::timeout, "consumer check");
  if (!e.is_transient()) return 1;
  std::cout << "ferry " << FERRY_VERSION_STRING << ": " << e.what() << "\n";
  return 0;
}
