// ferry/codec_json.hpp — moved to <ferry/core/codec_json.hpp> with the rest of ferry::core; this
// forwarding header stays for one release and is then removed. Define FERRY_WARN_DEPRECATED_HEADERS
// to be told where it is still included.
#pragma once

#if defined(FERRY_WARN_DEPRECATED_HEADERS)
#pragma message("<ferry/codec_json.hpp> is deprecated: include <ferry/core/codec_json.hpp>")
#endif
#include "ferry/core/codec_json.hpp"
