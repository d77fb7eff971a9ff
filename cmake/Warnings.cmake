# neuroloupe_set_warnings(target): the project's warning set on our own code.
function(neuroloupe_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
                         -Woverloaded-virtual -Wno-missing-field-initializers)
  # clang (the fuzz build) has no -Wshadow=local.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wshadow=local)
  endif()
  if(NEUROLOUPE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
