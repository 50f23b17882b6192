// Private: rabbitmq-c's C API, under whichever header names the installed version has.
// rabbitmq-c 0.12 moved its headers to <rabbitmq-c/...> and left the old top-level ones
// (<amqp.h>, <amqp_framing.h>, ...) as shims that emit a deprecation #warning, which breaks
// -Werror builds; 0.11 (Debian 12) has only the old names. Every file in ferry that needs
// rabbitmq-c includes this header instead of naming either set.
#pragma once

#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/ssl_socket.h>
#include <rabbitmq-c/tcp_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#endif
