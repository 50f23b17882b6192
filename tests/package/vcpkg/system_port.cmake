# Derives the overlay port of the offline vcpkg test from the published port:
#   cmake -DPORT_DIR=<repo>/ports/ferry -DOUT_DIR=<overlay-ports>/ferry -P system_port.cmake
# portfile.cmake and usage are copied unchanged (the portfile takes its source from
# FERRY_SOURCE_DIR). vcpkg.json keeps its name, version, features and their self-references
# and the host helper ports (vcpkg-cmake*), and drops every library dependency: vcpkg has no
# notion of a system package, so a library the system provides is simply not declared.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS PORT_DIR OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "system_port.cmake needs -D${var}=...")
  endif()
endforeach()

# Keeps the dependencies of a "dependencies" array that are not libraries: ferry's own
# features and vcpkg's helper ports.
function(ferry_keep_tool_dependencies out_var json)
  set(kept "[]")
  set(count 0)
  string(JSON length LENGTH "${json}")
  if(length GREATER 0)
    math(EXPR last "${length} - 1")
    foreach(i RANGE ${last})
      string(JSON type TYPE "${json}" ${i})
      if(type STREQUAL "OBJECT")
        string(JSON name GET "${json}" ${i} name)
      else()
        string(JSON name GET "${json}" ${i})
      endif()
      if(name STREQUAL "ferry" OR name MATCHES "^vcpkg-")
        string(JSON element GET "${json}" ${i})
        if(type STREQUAL "STRING")
          set(element "\"${element}\"")
        endif()
        string(JSON kept SET "${kept}" ${count} "${element}")
        math(EXPR count "${count} + 1")
      endif()
    endforeach()
  endif()
  set(${out_var} "${kept}" PARENT_SCOPE)
endfunction()

file(READ "${PORT_DIR}/vcpkg.json" manifest)

string(JSON dependencies GET "${manifest}" dependencies)
ferry_keep_tool_dependencies(dependencies "${dependencies}")
string(JSON manifest SET "${manifest}" dependencies "${dependencies}")

string(JSON feature_count LENGTH "${manifest}" features)
math(EXPR last_feature "${feature_count} - 1")
foreach(i RANGE ${last_feature})
  string(JSON feature MEMBER "${manifest}" features ${i})
  string(JSON feature_dependencies ERROR_VARIABLE no_dependencies
    GET "${manifest}" features ${feature} dependencies)
  if(no_dependencies)
    continue()
  endif()
  ferry_keep_tool_dependencies(feature_dependencies "${feature_dependencies}")
  string(JSON manifest SET "${manifest}" features ${feature} dependencies
    "${feature_dependencies}")
endforeach()

file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")
file(COPY "${PORT_DIR}/portfile.cmake" "${PORT_DIR}/usage" DESTINATION "${OUT_DIR}")
file(WRITE "${OUT_DIR}/vcpkg.json" "${manifest}\n")
