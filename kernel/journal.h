// The lifecycle journal's line for a boot that runs an exported appliance (docs/lifecycle.md):
// the appliance knows nothing of the lifecycle, so the kernel appends its boot's record to the
// journal the grow boots kept, when the command line names one (`lifecycle-journal=PATH
// lifecycle-module=HEX`, which `bareflow image --grow` puts in the appliance's boot entry).
#pragma once
#include "console.h"

void journal_configure(const char* path, const char* module, const char* program);
// The program's output (stdout, stderr) as it is written: the first stdout's time, the end's tok/s.
void journal_output(Channel ch, const char* s, usize n);
// At the program's end, after its files were committed: one line, written and flushed.
void journal_append(int status);
