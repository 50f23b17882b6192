// ferry/export.hpp — FERRY_API, the mark on everything ferry's libraries export.
//
// ferry's libraries are compiled with hidden symbol visibility, static and shared alike: a
// symbol leaves a shared library (libferry_redis.so) only when its declaration in
// include/ferry says FERRY_API. That keeps lib/'s internals out of the ABI, and out of the
// dynamic symbol table of a user's shared library that links ferry statically.
//
// What carries the mark: every class with something compiled in the library (an out-of-line
// member, a vtable, a static member), every class thrown or caught across the library's edge
// (its typeinfo must be one object), and every free function defined in lib/ — including the
// few detail:: ones that public inline code and templates call (the cache's core). Code that
// is entirely inline or templates in the headers needs nothing.
//
//   class FERRY_API client { ... };
//   FERRY_API options parse_url(std::string_view url);
//
// The same header serves building and using ferry, so it is written by hand and does not
// change with build options. ferry is POSIX-only: on ELF and Mach-O a default-visibility
// declaration both exports (when building) and imports (when using). Windows DLLs, which
// need dllexport/dllimport instead, are not a supported target.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define FERRY_API __attribute__((visibility("default")))
#else
#define FERRY_API
#endif
