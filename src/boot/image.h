// `bareflow image`'s parts that the lifecycle's images (`bareflow image --grow`, src/lifecycle)
// share: GRUB's configuration, the hybrid image, and the FAT32 partition inside it.
#pragma once

#include <string>
#include <vector>

namespace bf::boot {

// `bareflow image` without the lifecycle's options.
int image_command(int argc, char** argv);
// GRUB's menu entry that boots the kernel with these command-line words, each single-quoted.
std::string grub_menu_entry(const std::string& title, const std::vector<std::string>& words);
// 0, or kExitBootFailed with one line when the words make a command line longer than the kernel takes.
int check_kernel_words(const std::vector<std::string>& words);
// Writes `output`: GRUB (BIOS, multiboot2) and the kernel on an ISO 9660 part configured by
// `grub_cfg`, and the FAT32 image `fat` appended as MBR partition 2 (type 0x0C); works in `tmp`.
int write_grub_image(const std::string& output, const std::string& grub_cfg, const std::string& fat,
                     const std::string& tmp);
// The byte offset of an image's FAT32 partition (mtools reads it as IMAGE@@OFFSET).
bool fat_partition_offset(const std::string& image, long long& offset, std::string& error);

}  // namespace bf::boot
