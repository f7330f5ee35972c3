// The program's descriptors: fd -> open file -> (for disk files) a FAT node shared by every open
// of the same directory entry, so that they agree on size and clusters.
#pragma once
#include "console.h"
#include "fs/fat32.h"

constexpr int kMaxFds = 64;
enum : u32 { kOAccMode = 3, kOCreat = 0x40, kOExcl = 0x80, kOTrunc = 0x200, kOAppend = 0x400, kONonblock = 0x800,
             kODirectory = 0x10000, kOCloexec = 0x80000 };

// Console, Null, Zero, Random and Generated are the files of special_files.cpp, Pipe pipes.cpp's.
enum class FileKind : u8 { Free, Stdin, Console, Null, Zero, Random, Generated, Pipe, File };
enum class GeneratedText : u8 { Meminfo, CpusOnline, CpusPossible, Interrupts };

struct OpenFile {
  FileKind kind = FileKind::Free;
  int refs = 0;  // descriptors pointing here (dup)
  Channel channel = Channel::Stdout;
  u32 flags = 0;  // open(2) flags
  u64 pos = 0;
  u64 dir_cookie = 0;      // where getdents64 goes on
  FatNode* node = nullptr;  // FileKind::File only; shared, see node_acquire
  GeneratedText text = GeneratedText::Meminfo;  // FileKind::Generated
  u8 pipe = 0;              // FileKind::Pipe: which pipe, and which end
  bool pipe_writer = false;
  char path[256] = {};      // absolute, for *at() calls relative to a directory
};

void fd_table_init();  // fd 0 reads as empty, 1 is stdout, 2 stderr
OpenFile* file_for(i32 fd);  // nullptr when fd is not open
// A cleared open-file slot and the lowest free descriptor for it, nullptr when either table is
// full. Both stay free until fd_install.
OpenFile* open_file_alloc(int* fd);
void fd_install(int fd, OpenFile* f);

// The shared node for a found directory entry (nullptr when every slot is taken).
FatNode* node_acquire(const FatNode& n);
int node_release(FatNode* n);
// When the entry `n` names is open, its shared node: unlink and rename keep it up to date.
FatNode* node_if_open(const FatNode& n);
// The open file lives on nameless (unlinked or replaced): its clusters go at its last close.
void node_orphan(FatNode* shared);
// Its 8.3 entry moved (rename).
void node_moved(FatNode* shared, const FatNode& to);
// pipes.cpp, special_files.cpp: reads, writes and closes of their kinds.
void pipe_release(OpenFile& f);  // the last descriptor of this end was closed
i64 pipe_read(OpenFile* f, u64 buf, u64 n);
i64 pipe_write(OpenFile* f, u64 buf, u64 n);
// Fills f for the path of a file that is not on the disk; false for any other path.
bool special_open(const char* path, OpenFile* f);
i64 special_read(OpenFile* f, u64 buf, u64 n, u64* pos);
const char* special_alias(const char* path);  // /proc/self/exe: the program's path; else path
void special_files_init(const char* program_path);
// At exit (or a fault) every open file is closed, as Linux does; unlinked ones give back their clusters.
void commit_all();
