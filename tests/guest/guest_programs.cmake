# The guest test programs, by kind. Included by the cross build
# (tests/guest/programs/CMakeLists.txt) and by the ctest registration
# (tests/guest/CMakeLists.txt), so both agree on the names.
# ELF: ${VP_FIRMWARE_DIR}/guest_<name>.elf
#   asm:  programs/<name>.S + asm_harness.c        (our runtime, DRAM-linked)
#   c:    programs/<name>.c [+ <name>_asm.S]       (our runtime, DRAM-linked)
#   semihost: programs/<name>.c, picolibc crt0-semihost + libsemihost, QEMU's way
set(VP_GUEST_ASM_PROGRAMS rv32i rv32m rvc zicsr)
set(VP_GUEST_C_PROGRAMS crt traps misaligned timer_irq ext_irq wfi vectored fencei unhandled
    mtime_csr)
set(VP_GUEST_SEMIHOST_PROGRAMS sh_hello sh_exit sh_file)
#   bare: programs/<name>.S alone, no runtime, no libc (vp_run error paths only)
set(VP_GUEST_BARE_PROGRAMS bare_trap bare_spin bare_wfi bare_trap_storm bare_trap_retry
    bare_big_bss)
#   npu: programs/<name>.c on our runtime, driving the NPU (vp_run only: QEMU
#   has no NPU); run with --mode functional so results can be checked
set(VP_GUEST_NPU_PROGRAMS npu_conv)
