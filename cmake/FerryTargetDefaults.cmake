# ferry_target_defaults(<target>)
#   Applies ferry's warning set, -Werror (FERRY_WARNINGS_AS_ERRORS) and sanitizers
#   (FERRY_SANITIZE) to one of ferry's own targets. Everything is PRIVATE, except the
#   sanitizer link flags of static libraries, which their consumers must link too.
function(ferry_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wnull-dereference)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      # What GCC's -Wextra (fallthrough) and -Wshadow (constructor parameters and lambda
      # locals shadowing) cover and clang's do not.
      target_compile_options(${target} PRIVATE
        -Wimplicit-fallthrough -Wshadow-field-in-constructor -Wshadow-uncaptured-local)
    endif()
    if(FERRY_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(FERRY_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=${FERRY_SANITIZE} -fno-omit-frame-pointer
        -fno-sanitize-recover=all)
      get_target_property(type ${target} TYPE)
      if(type STREQUAL "STATIC_LIBRARY")
        target_link_options(${target} INTERFACE $<BUILD_INTERFACE:-fsanitize=${FERRY_SANITIZE}>)
      else()
        target_link_options(${target} PRIVATE -fsanitize=${FERRY_SANITIZE})
      endif()
    endif()
  endif()
endfunction()

# ferry_add_component(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
#   Defines the static library ferry_<name> with the alias ferry::<name> and the export
#   name <name>, so the target reads the same through add_subdirectory and find_package.
function(ferry_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ferry_${name} STATIC ${ARG_SOURCES})
  add_library(ferry::${name} ALIAS ferry_${name})
  set_target_properties(ferry_${name} PROPERTIES
    EXPORT_NAME ${name}
    OUTPUT_NAME ferry_${name}
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(ferry_${name}
    PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE
      ${PROJECT_SOURCE_DIR}/lib)
  target_link_libraries(ferry_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  ferry_target_defaults(ferry_${name})
  set_property(GLOBAL APPEND PROPERTY FERRY_COMPONENTS ${name})
endfunction()

# ferry_component_headers(<name> <path>...)
#   Declares public headers of component <name>: each path, relative to include/ferry, is a
#   header or a folder of them. Only the headers of built components are installed
#   (FerryInstall.cmake), so <ferry/ferry.hpp> includes exactly what is there.
function(ferry_component_headers name)
  foreach(path IN LISTS ARGN)
    if(NOT EXISTS "${PROJECT_SOURCE_DIR}/include/ferry/${path}")
      message(FATAL_ERROR "ferry_component_headers(${name}): include/ferry/${path} does not exist")
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY FERRY_HEADERS_${name} ${ARGN})
endfunction()
