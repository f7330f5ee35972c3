// bareflow image: the lifecycle's images (--grow, --regrow, --shrink-disk) here, the others in src/boot.
#include <cstdio>
#include <string>

#include "boot/image.h"
#include "lifecycle/image.h"

int bf_cmd_image(int argc, char** argv) {
  for (int i = 1; i < argc && std::string(argv[i]) != "--"; i++) {
    std::string a = argv[i];
    if (a == "--grow") return bf::lifecycle::image_grow(argc, argv);
    if (a == "--regrow") {
      if (argc < 3 || argc > 4 || i != 1) {
        fprintf(stderr, "bareflow: image: usage: bareflow image --regrow IMAGE [APP.bc]\n");
        return 2;
      }
      return bf::lifecycle::image_regrow(argv[2], argc == 4 ? argv[3] : "");
    }
    if (a == "--shrink-disk") {
      if (argc != 3 || i != 1) {
        fprintf(stderr, "bareflow: image: usage: bareflow image --shrink-disk IMAGE\n");
        return 2;
      }
      return bf::lifecycle::image_shrink(argv[2]);
    }
  }
  return bf::boot::image_command(argc, argv);
}
