// Parse one .eml file, print its headers, attachments and sanitised HTML.
//   mail_parse_and_sanitize message.eml
#include <ferry/core/error.hpp>
#include <ferry/mail/parse.hpp>
#include <ferry/mail/sanitize.hpp>

#include <fstream>
#include <iostream>
#include <iterator>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " message.eml\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::string raw{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  try {
    const ferry::mail::parsed_message m = ferry::mail::parse_message(raw);
    std::cout << "Subject: " << m.subject << "\n";
    if (m.from) std::cout << "From:    " << m.from->name << " <" << m.from->address << ">\n";
    for (const auto& a : m.attachments) {
      std::cout << "Attachment: " << a.safe_filename << " (" << a.content_type << ", " << a.size
                << " bytes" << (a.is_inline ? ", inline" : "") << ")\n";
    }
    for (const auto& w : m.warnings) std::cout << "Warning: " << w << "\n";
    std::cout << "\n" << m.text_body << "\n";
    if (!m.html_body.empty()) {
      std::cout << "\n--- sanitised HTML ---\n" << ferry::mail::sanitize_html(m.html_body) << "\n";
    }
  } catch (const ferry::error& e) {
    std::cerr << "cannot parse: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
