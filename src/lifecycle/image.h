// The lifecycle on a boot image (docs/lifecycle.md, "The image"): `bareflow image --grow` writes
// it, `--regrow` sends it back to growing (with a new version of the program if given one),
// `--shrink-disk` rewrites a converged one without the runtime, and `--show IMAGE` reads its
// journal, all with mtools on the image's FAT32 partition (nothing is mounted).
#pragma once

#include <string>
#include <vector>

#include "lifecycle/journal.h"

namespace bf::lifecycle {

// bareflow image --grow -o IMAGE [--disk DIR] [--converge-after K] [--env NAME=VALUE]... -- APP.bc [ARGS...]
int image_grow(int argc, char** argv);
// bareflow image --regrow IMAGE [APP.bc]
int image_regrow(const std::string& image, const std::string& program);
// bareflow image --shrink-disk IMAGE
int image_shrink(const std::string& image);
// The journal of an image's /bareflow, or false with `error` naming the image and the line.
bool read_image_journal(const std::string& image, std::vector<Record>& records, std::string& error);

}  // namespace bf::lifecycle
