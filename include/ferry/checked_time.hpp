// ferry/checked_time.hpp — moved to <ferry/core/checked_time.hpp> with the rest of ferry::core;
// this forwarding header stays for one release and is then removed. Define
// FERRY_WARN_DEPRECATED_HEADERS to be told where it is still included.
#pragma once

#if defined(FERRY_WARN_DEPRECATED_HEADERS)
#pragma message("<ferry/checked_time.hpp> is deprecated: include <ferry/core/checked_time.hpp>")
#endif
#include "ferry/core/checked_time.hpp"
