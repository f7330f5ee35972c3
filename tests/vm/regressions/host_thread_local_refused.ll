; A thread-local that the program declares but does not define would be the host's: tier 0
; gives thread-locals the program's own emulated-TLS storage (loader.cpp), and refuses this one
; by name before anything runs.
; EXPECT-ERROR: thread-local global 'host_tls' is not defined in the program (host thread-locals are not supported)
@host_tls = external thread_local global i32

define i32 @main() {
  %p = call ptr @llvm.threadlocal.address.p0(ptr @host_tls)
  %v = load i32, ptr %p
  ret i32 %v
}

declare ptr @llvm.threadlocal.address.p0(ptr)
