# neuroloupe_set_warnings(target): the project's warning set on our own code.
function(neuroloupe_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                         -Wnon-virtual-dtor -Woverloaded-virtual -Wno-missing-field-initializers)
  if(NEUROLOUPE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
