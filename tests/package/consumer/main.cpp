// Uses each installed component a little, with no server: the point is that headers, link
// lines and transitive dependencies of the installed package are complete.
#include <ferry/ferry.hpp>

#include <iostream>

int main() {
  const ferry::error e(ferry::errc::timeout, "consumer check");
  if (!e.is_transient()) return 1;
#if __has_include(<ferry/mail/parse.hpp>)
  // GMime and gumbo must come along through the package's link interface.
  const auto mail = ferry::mail::parse_message("Subject: hi\r\n\r\nbody\r\n");
  if (mail.subject != "hi" || ferry::mail::sanitize_html("<b onclick=x()>b</b>") != "<b>b</b>") {
    return 1;
  }
#endif
  std::cout << "ferry " << FERRY_VERSION_STRING << ": " << e.what() << "\n";
  return 0;
}
