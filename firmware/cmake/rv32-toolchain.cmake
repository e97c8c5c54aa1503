# CMake toolchain for the firmware: bare-metal RV32IMC, ilp32, picolibc.
# Used by the cross project in firmware/rv32 (configured by firmware/CMakeLists.txt
# through ExternalProject). VP_RV32_GCC may name the compiler explicitly.
set(CMAKE_SYSTEM_NAME Generic)
# Host flags from the environment (e.g. sanitizer CFLAGS) must not reach the target.
set(ENV{CFLAGS} "")
set(ENV{ASMFLAGS} "")
set(ENV{LDFLAGS} "")
set(CMAKE_SYSTEM_PROCESSOR riscv32)

if(NOT VP_RV32_GCC)
    find_program(VP_RV32_GCC riscv64-unknown-elf-gcc)
endif()
if(NOT VP_RV32_GCC)
    message(FATAL_ERROR "riscv64-unknown-elf-gcc not found: install gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf")
endif()
get_filename_component(_vp_rv32_dir "${VP_RV32_GCC}" DIRECTORY)
set(VP_RV32_PREFIX "${_vp_rv32_dir}/riscv64-unknown-elf-")

set(CMAKE_C_COMPILER "${VP_RV32_GCC}")
set(CMAKE_ASM_COMPILER "${VP_RV32_GCC}")
set(CMAKE_OBJDUMP "${VP_RV32_PREFIX}objdump" CACHE FILEPATH "objdump")
set(CMAKE_OBJCOPY "${VP_RV32_PREFIX}objcopy" CACHE FILEPATH "objcopy")
set(CMAKE_SIZE "${VP_RV32_PREFIX}size" CACHE FILEPATH "size")
# Linking a test executable needs a crt0 and a linker script we only give later.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(VP_RV32_ARCH_FLAGS "-march=rv32imc -mabi=ilp32")
set(CMAKE_C_FLAGS_INIT "${VP_RV32_ARCH_FLAGS} --specs=picolibc.specs")
set(CMAKE_ASM_FLAGS_INIT "${VP_RV32_ARCH_FLAGS} --specs=picolibc.specs")
# CMAKE_C_FLAGS (arch, specs) are on the link line already; giving --specs twice is an error.

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
