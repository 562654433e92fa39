# Regenerates the Zhuji deployment into OUT_DIR and fails unless every generated file equals the
# committed one in COMMITTED_DIR byte for byte (run as a ctest: cmake -P with -D GENERATOR,
# OUT_DIR, COMMITTED_DIR).
foreach(var GENERATOR OUT_DIR COMMITTED_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compare_with_committed.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${OUT_DIR}")
execute_process(COMMAND "${GENERATOR}" --quiet --out "${OUT_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${GENERATOR} failed (${rc})")
endif()

file(GLOB generated RELATIVE "${OUT_DIR}" "${OUT_DIR}/*")
list(LENGTH generated count)
if(count EQUAL 0)
  message(FATAL_ERROR "the generator wrote nothing into ${OUT_DIR}")
endif()
set(stale "")
foreach(name IN LISTS generated)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${OUT_DIR}/${name}" "${COMMITTED_DIR}/${name}"
                  RESULT_VARIABLE differs)
  if(NOT differs EQUAL 0)
    list(APPEND stale "${name}")
  endif()
endforeach()
if(stale)
  message(FATAL_ERROR "config/zhuji is out of date with the generator: ${stale} differ from ${OUT_DIR}.\n"
                      "Regenerate: build/tools/gen_zhuji/liandong-gen-zhuji --out config/zhuji")
endif()
message(STATUS "${count} generated files match config/zhuji: ${generated}")
