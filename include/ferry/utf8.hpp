// ferry/utf8.hpp — moved to <ferry/core/utf8.hpp> with the rest of ferry::core; this forwarding
// header stays for one release and is then removed. Define FERRY_WARN_DEPRECATED_HEADERS to be
// told where it is still included.
#pragma once

#if defined(FERRY_WARN_DEPRECATED_HEADERS)
#pragma message("<ferry/utf8.hpp> is deprecated: include <ferry/core/utf8.hpp>")
#endif
#include "ferry/core/utf8.hpp"
