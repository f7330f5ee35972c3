// X-macro list of subcommands: BF_COMMAND(name, summary), guarded by the CMake definition
// that says the component providing it is linked. Add a line when a component lands.
#ifdef BAREFLOW_CMD_generate
BF_COMMAND(generate, "generate text with a Llama checkpoint")
#endif
#ifdef BAREFLOW_CMD_chat
BF_COMMAND(chat, "a conversation with a chat model in the terminal")
#endif
#ifdef BAREFLOW_CMD_serve
BF_COMMAND(serve, "an HTTP server with the OpenAI-compatible API (completions, chat)")
#endif
#ifdef BAREFLOW_CMD_quantize
BF_COMMAND(quantize, "write a float checkpoint as Q8_0 (version 2) or as GGUF of a type (Q4_0, Q4_K, ...)")
#endif
#ifdef BAREFLOW_CMD_synth
BF_COMMAND(synth, "write a checkpoint of random weights with a real model's shape")
#endif
#ifdef BAREFLOW_CMD_run
BF_COMMAND(run, "run an LLVM bitcode program (tier 0 interpreter, JIT tiers)")
#endif
#ifdef BAREFLOW_CMD_cache
BF_COMMAND(cache, "list, check and prune the code cache and profile store")
#endif
#ifdef BAREFLOW_CMD_export
BF_COMMAND(export, "compile a program and its profile into a small static executable")
#endif
#ifdef BAREFLOW_CMD_lifecycle
BF_COMMAND(lifecycle, "run a program until it converges, then as its exported appliance")
#endif
#ifdef BAREFLOW_CMD_boot
BF_COMMAND(boot, "boot a static program in the unikernel under QEMU")
#endif
#ifdef BAREFLOW_CMD_image
BF_COMMAND(image, "write a bootable disk image with the unikernel and a program")
#endif
