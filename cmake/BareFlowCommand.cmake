# bareflow_add_command(NAME LIBRARY [DYNAMIC_ONLY]): the library defines
# `int bf_cmd_<NAME>(int argc, char** argv)`; the bareflow CLI links it and dispatches
# `bareflow NAME ...` to it. DYNAMIC_ONLY: the command needs a shared library (the server's
# HTTP library), so bareflow-static, the fully static binary, goes without it.
function(bareflow_add_command name library)
  set(kind "")
  if(ARGN STREQUAL "DYNAMIC_ONLY")
    set(kind "_DYNAMIC")
  endif()
  set_property(GLOBAL APPEND PROPERTY BAREFLOW${kind}_COMMAND_LIBS ${library})
  set_property(GLOBAL APPEND PROPERTY BAREFLOW${kind}_COMMAND_DEFS BAREFLOW_CMD_${name})
endfunction()
