// url_marker.hpp — a password that uses every character URL splitting can trip on, and a check
// that no piece of it shows up in text meant for logs (to_string(), error messages).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace ferry_test {

// Written into URLs as is: '?', '/', ':', '#' and '@' unencoded, '%' as "%25". Decoded, the
// password is marker_password.
inline constexpr std::string_view marker_in_url = "M4rk?Er9/Pa55:Wq7#Zz8@Yy6%25Xx5";
inline constexpr std::string_view marker_password = "M4rk?Er9/Pa55:Wq7#Zz8@Yy6%Xx5";

// Every run of letters and digits of the marker: none may appear, not even one piece.
inline constexpr std::string_view marker_pieces[] = {"M4rk", "Er9", "Pa55", "Wq7",
                                                     "Zz8",  "Yy6", "Xx5"};

inline void check_no_marker(const std::string& text) {
  INFO(text);
  for (const auto piece : marker_pieces) CHECK(text.find(piece) == std::string::npos);
}

}  // namespace ferry_test
