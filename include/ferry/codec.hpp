// ferry/codec.hpp — moved to <ferry/core/codec.hpp> with the rest of ferry::core; this forwarding
// header stays for one release and is then removed. Define FERRY_WARN_DEPRECATED_HEADERS to be
// told where it is still included.
#pragma once

#if defined(FERRY_WARN_DEPRECATED_HEADERS)
#pragma message("<ferry/codec.hpp> is deprecated: include <ferry/core/codec.hpp>")
#endif
#include "ferry/core/codec.hpp"
