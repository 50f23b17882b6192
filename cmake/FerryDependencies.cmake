# Finds ferry's third-party dependencies. Every one is a Debian 12 package; nothing is
# downloaded. Components whose dependencies are missing are an error, never silently skipped.
find_package(fmt 9 REQUIRED CONFIG)
find_package(Threads REQUIRED)
find_package(rabbitmq-c REQUIRED CONFIG)  # rabbitmq::rabbitmq (ferry::amqp)
