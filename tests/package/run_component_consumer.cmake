# Configures, builds and runs tests/package/component_consumer for one component against the
# staged install, then checks that it links only what that component needs.
#   -DCOMPONENT=cache|queue -DSTAGE= -DPREFIX_PATH= -DSOURCE= -DBINARY= -DLINK_FLAGS= -DCXX=
# The dependencies of the other components are hidden from find_package, so configuring fails
# if ferryConfig.cmake looks for one of them; the link line must name none of their libraries
# and no other ferry component beyond core and redis.
set(prefix_path "${STAGE}")
if(PREFIX_PATH)
  string(REPLACE "|" ";" prefix_path "${STAGE}|${PREFIX_PATH}")
endif()
set(hidden rabbitmq-c SOCI OpenSSL PkgConfig nlohmann_json)
set(hide_args "")
foreach(p IN LISTS hidden)
  list(APPEND hide_args "-DCMAKE_DISABLE_FIND_PACKAGE_${p}=ON")
endforeach()
file(REMOVE_RECURSE "${BINARY}")
# Makefiles write each link command to a file (link.txt) that the check below reads.
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -G "Unix Makefiles"
    "-DCMAKE_PREFIX_PATH=${prefix_path}"
    -DCMAKE_CXX_COMPILER=${CXX}
    -DFERRY_COMPONENT=${COMPONENT}
    -DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}
    ${hide_args}
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the ${COMPONENT} consumer failed: ferryConfig.cmake may look "
    "for a dependency (${hidden}) that ferry::${COMPONENT} does not need")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the ${COMPONENT} consumer failed")
endif()

set(target ferry_${COMPONENT}_consumer)
file(READ "${BINARY}/CMakeFiles/${target}.dir/link.txt" link_line)
string(STRIP "${link_line}" link_line)
message(STATUS "link line: ${link_line}")
foreach(needed ferry_${COMPONENT} ferry_redis ferry_core)
  if(NOT link_line MATCHES "${needed}")
    message(FATAL_ERROR "the ${COMPONENT} consumer does not link ${needed}")
  endif()
endforeach()
set(others cache queue ratelimit amqp sql mail celery)
list(REMOVE_ITEM others ${COMPONENT})
list(TRANSFORM others PREPEND "ferry_")
string(TOLOWER "${link_line}" lower)
foreach(pattern rabbitmq soci gmime gumbo glib "libpq|-lpq" sqlite "libssl|-lssl"
    "libcrypto|-lcrypto" ${others})
  if(lower MATCHES "${pattern}")
    message(FATAL_ERROR "the ${COMPONENT} consumer links '${CMAKE_MATCH_0}', which "
      "ferry::${COMPONENT} does not need")
  endif()
endforeach()

execute_process(COMMAND ${BINARY}/${target} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc)
  message(FATAL_ERROR "the ${COMPONENT} consumer failed: ${rc}")
endif()
