# LLVM 19 for every component, found once. llvm_map_components_to_libnames() names the libraries
# each target links; the INTERFACE target bf_llvm_headers carries LLVM's include directories (as
# system headers) and definitions. LLVM is built without RTTI: its users add -fno-rtti themselves.
find_package(LLVM REQUIRED CONFIG PATHS /usr/lib/llvm-19/lib/cmake/llvm NO_DEFAULT_PATH)
if(NOT LLVM_VERSION_MAJOR EQUAL 19)
  message(FATAL_ERROR "BareFlow needs LLVM 19, found ${LLVM_VERSION}")
endif()

separate_arguments(bf_llvm_definitions NATIVE_COMMAND "${LLVM_DEFINITIONS}")
add_library(bf_llvm_headers INTERFACE)
target_include_directories(bf_llvm_headers SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(bf_llvm_headers INTERFACE ${bf_llvm_definitions})
