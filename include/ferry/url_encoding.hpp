// ferry/url_encoding.hpp — moved to <ferry/core/url_encoding.hpp> with the rest of ferry::core;
// this forwarding header stays for one release and is then removed. Define
// FERRY_WARN_DEPRECATED_HEADERS to be told where it is still included.
#pragma once

#if defined(FERRY_WARN_DEPRECATED_HEADERS)
#pragma message("<ferry/url_encoding.hpp> is deprecated: include <ferry/core/url_encoding.hpp>")
#endif
#include "ferry/core/url_encoding.hpp"
