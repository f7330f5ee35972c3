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

# A fully static link (a target with the property BAREFLOW_STATIC, such as bareflow-static) cannot
# take the shared libraries LLVMSupport names: there it gets zlib's and zstd's archives, and no
# z3 (only LLVM's constraint-solver objects use it, and nothing of ours pulls them in). Other
# targets link exactly as before.
set(bf_static "$<BOOL:$<TARGET_PROPERTY:BAREFLOW_STATIC>>")
get_target_property(bf_support_libs LLVMSupport INTERFACE_LINK_LIBRARIES)
set(bf_support_libs_static_aware)
foreach(lib IN LISTS bf_support_libs)
  if(lib MATCHES "libz3\\.so")
    list(APPEND bf_support_libs_static_aware "$<$<NOT:${bf_static}>:${lib}>")
  elseif(lib STREQUAL "ZLIB::ZLIB")
    list(APPEND bf_support_libs_static_aware "$<IF:${bf_static},z,ZLIB::ZLIB>")
  elseif(lib STREQUAL "zstd::libzstd_shared")
    list(APPEND bf_support_libs_static_aware "$<IF:${bf_static},zstd,zstd::libzstd_shared>")
  else()
    list(APPEND bf_support_libs_static_aware "${lib}")
  endif()
endforeach()
set_target_properties(LLVMSupport PROPERTIES INTERFACE_LINK_LIBRARIES "${bf_support_libs_static_aware}")
