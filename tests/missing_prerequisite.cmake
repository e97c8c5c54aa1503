# Tests that need the RV32 cross compiler, QEMU or the firmware build are
# registered whether or not those are present: when one is missing the test
# runs tests/scripts/missing_prerequisite.sh, which prints the reason and
# fails. ctest then cannot report 100% with tests silently left out.

# The reasons (directory variables: set on every include; the functions
# below are global and defined once).
set(VP_MISSING_RV_GCC
    "riscv64-unknown-elf-gcc not found: install gcc-riscv64-unknown-elf (scripts/setup.sh)")
set(VP_MISSING_QEMU
    "qemu-system-riscv32 not found: install qemu-system-misc (scripts/setup.sh)")
set(VP_MISSING_FIRMWARE
    "the RV32 firmware is not built (VP_BUILD_FIRMWARE=OFF): configure with -DVP_BUILD_FIRMWARE=ON (needs gcc-riscv64-unknown-elf, scripts/setup.sh)")
include_guard(GLOBAL)

# vp_add_missing_test(NAME REASON): NAME fails, printing REASON.
function(vp_add_missing_test name reason)
    add_test(NAME ${name} COMMAND ${PROJECT_SOURCE_DIR}/tests/scripts/missing_prerequisite.sh "${reason}")
    set_tests_properties(${name} PROPERTIES TIMEOUT 10 LABELS "missing_prerequisite")
endfunction()

# vp_missing_reason(OUT NEEDS...): OUT = the reason for the first missing
# prerequisite among NEEDS (rv_gcc, qemu, firmware), or empty.
function(vp_missing_reason out)
    set(reason "")
    foreach(need IN LISTS ARGN)
        if(reason)
            break()
        endif()
        if(need STREQUAL "rv_gcc" AND NOT VP_RV_GCC)
            set(reason "${VP_MISSING_RV_GCC}")
        elseif(need STREQUAL "qemu" AND NOT VP_QEMU_RV32)
            set(reason "${VP_MISSING_QEMU}")
        elseif(need STREQUAL "firmware" AND NOT TARGET vp_firmware_info)
            set(reason "${VP_MISSING_FIRMWARE}")
        elseif(NOT need MATCHES "^(rv_gcc|qemu|firmware)$")
            message(FATAL_ERROR "vp_missing_reason: unknown prerequisite ${need}")
        endif()
    endforeach()
    set(${out} "${reason}" PARENT_SCOPE)
endfunction()

# vp_add_test_needing(NAME <name> NEEDS <prerequisites> TIMEOUT <s>
#                     LABELS <labels> COMMAND ...): the test when every
# prerequisite is present, the failing stand-in otherwise.
function(vp_add_test_needing)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "NEEDS;LABELS;COMMAND" ${ARGN})
    vp_missing_reason(reason ${T_NEEDS})
    if(reason)
        vp_add_missing_test(${T_NAME} "${reason}")
        return()
    endif()
    add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
    set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()
