; A thread-local that the program declares but does not define is the host's: the loader reaches
; it through the accessor of the import tables (libstdc++'s std::__once_call, loader.cpp), and
; refuses one that the host does not export by name before anything runs.
; EXPECT-ERROR: thread-local global 'host_tls' is not defined in the program and the host exports no such thread-local
@host_tls = external thread_local global i32

define i32 @main() {
  %p = call ptr @llvm.threadlocal.address.p0(ptr @host_tls)
  %v = load i32, ptr %p
  ret i32 %v
}

declare ptr @llvm.threadlocal.address.p0(ptr)
