# Compile and link settings shared by every freestanding AArch64 image.
#
#  -mgeneral-regs-only   EL2 code never touches FP/SIMD registers, so the
#                        guest's FP state stays intact without saving it.
#  -mstrict-align        with the MMU off every access is Device memory,
#                        where unaligned accesses fault.
#  -mno-outline-atomics  std::atomic must not call libgcc helpers.
#  -fno-tree-vectorize   with no SIMD registers there is nothing to vectorize into; GCC 12's
#                        vectorizer still made one-lane vectors on the exit path (and a stack
#                        frame for them in decode_sync_exit).
add_library(el2lab_freestanding INTERFACE)
target_compile_options(el2lab_freestanding INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-std=c++20 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit>
  -ffreestanding -fno-pie -fno-stack-protector -fno-unwind-tables -fno-asynchronous-unwind-tables
  -mgeneral-regs-only -mstrict-align -mno-outline-atomics
  -ffunction-sections -fdata-sections
  -g -O2 -fno-tree-vectorize -Wall -Wextra)
target_link_options(el2lab_freestanding INTERFACE
  -nostdlib -nostartfiles -static -no-pie
  -Wl,--gc-sections -Wl,--no-warn-rwx-segments -Wl,--build-id=none)
# libgcc supplies the compiler's own helpers (e.g. 128-bit division).
target_link_libraries(el2lab_freestanding INTERFACE gcc)

# el2lab_image(<target> LINKER_SCRIPT <file>)
#   Links <target> with its linker script and writes <target>.bin, the flat
#   image QEMU (or the hypervisor) loads, next to the ELF that GDB reads.
function(el2lab_image target)
  cmake_parse_arguments(ARG "" "LINKER_SCRIPT" "" ${ARGN})
  target_link_libraries(${target} PRIVATE el2lab_freestanding)
  target_link_options(${target} PRIVATE -T${ARG_LINKER_SCRIPT}
    -Wl,-Map=$<TARGET_FILE:${target}>.map)
  set_target_properties(${target} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${ARG_LINKER_SCRIPT})
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${target}> $<TARGET_FILE_DIR:${target}>/${target}.bin
    COMMENT "Flat image ${target}.bin")
endfunction()
