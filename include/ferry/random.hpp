// ferry/random.hpp — moved to <ferry/core/random.hpp> with the rest of ferry::core; this forwarding
// header stays for one release and is then removed. Define FERRY_WARN_DEPRECATED_HEADERS to be
// told where it is still included.
#pragma once

#if defined(FERRY_WARN_DEPRECATED_HEADERS)
#pragma message("<ferry/random.hpp> is deprecated: include <ferry/core/random.hpp>")
#endif
#include "ferry/core/random.hpp"
