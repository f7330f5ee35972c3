# bareflow_add_command(NAME LIBRARY): the library defines `int bf_cmd_<NAME>(int argc, char** argv)`;
# the bareflow CLI links it and dispatches `bareflow NAME ...` to it.
function(bareflow_add_command name library)
  set_property(GLOBAL APPEND PROPERTY BAREFLOW_COMMAND_LIBS ${library})
  set_property(GLOBAL APPEND PROPERTY BAREFLOW_COMMAND_DEFS BAREFLOW_CMD_${name})
endfunction()
