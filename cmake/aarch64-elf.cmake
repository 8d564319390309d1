# Toolchain for the freestanding AArch64 world (hypervisor and guests).
#
# Debian's cross compiler targets aarch64-linux-gnu; everything that would
# pull in Linux userland (PIE, libc, start files, outline atomics) is turned
# off here so the same compiler produces bare-metal images.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(EL2LAB_CROSS_PREFIX aarch64-linux-gnu- CACHE STRING "Prefix of the AArch64 cross tools")
set(CMAKE_C_COMPILER ${EL2LAB_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${EL2LAB_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${EL2LAB_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${EL2LAB_CROSS_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_OBJDUMP ${EL2LAB_CROSS_PREFIX}objdump CACHE FILEPATH "")

# No libc to link a test program against: try-compile a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
