// Private: GMime initialisation and RAII owners for GObject-based GMime handles.
#pragma once

#include <memory>

#include <gmime/gmime.h>

namespace ferry::mail::detail {

/// Initialises GMime once per process. g_mime_init keeps an unsynchronised counter and
/// registers types, so concurrent first calls must be serialised: std::call_once does it.
/// GMime is never shut down (g_mime_shutdown would race with parsers in other threads).
void ensure_gmime_initialized();

struct gobject_unref {
  void operator()(void* p) const noexcept {
    if (p != nullptr) g_object_unref(p);
  }
};

/// Owns one reference to a GObject (GMimeStream, GMimeParser, GMimeMessage, ...).
template <typename T>
using gobject_ptr = std::unique_ptr<T, gobject_unref>;

struct parser_options_free {
  void operator()(GMimeParserOptions* p) const noexcept {
    if (p != nullptr) g_mime_parser_options_free(p);
  }
};
using parser_options_ptr = std::unique_ptr<GMimeParserOptions, parser_options_free>;

struct g_free_deleter {
  void operator()(void* p) const noexcept { g_free(p); }
};
/// Owns a g_malloc'ed string.
using gchar_ptr = std::unique_ptr<char, g_free_deleter>;

}  // namespace ferry::mail::detail
