// ferry/ferry.hpp — includes every ferry component that is installed.
//
// Components are separate libraries (ferry::core, ferry::redis, ferry::amqp, ...); a project
// may install or link only some of them, so each is included only when its headers exist.
// Including single component headers (<ferry/redis/client.hpp>) keeps builds leaner.
#pragma once

#include "ferry/error.hpp"
#include "ferry/version.hpp"

#if __has_include("ferry/redis/client.hpp")
#include "ferry/redis/client.hpp"
#endif
