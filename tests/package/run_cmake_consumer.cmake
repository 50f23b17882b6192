# Configures, builds and runs tests/package/consumer against the staged install.
string(REPLACE "," ";" components "${COMPONENTS}")
set(prefix_path "${STAGE}")
if(PREFIX_PATH)
  string(REPLACE "|" ";" prefix_path "${STAGE}|${PREFIX_PATH}")
endif()
file(REMOVE_RECURSE "${BINARY}")
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY}
    "-DCMAKE_PREFIX_PATH=${prefix_path}"  # the stage first, then where ferry's build looked
    -DCMAKE_CXX_COMPILER=${CXX}
    "-DFERRY_COMPONENTS=${components}"  # quoted: the ;-list stays one argument
    -DCMAKE_EXE_LINKER_FLAGS=${LINK_FLAGS}
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer against ${STAGE} failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${BINARY}/ferry_consumer RESULT_VARIABLE rc OUTPUT_VARIABLE out)
message(STATUS "${out}")
if(rc)
  message(FATAL_ERROR "the consumer failed: ${rc}")
endif()
