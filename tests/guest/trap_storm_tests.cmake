# vp_run against hostile or broken guests. Trap storms stop with one "trap storm" line and exit status 3, well before
# the --max-cycles bound: nested faults inside the handler (stack outside
# DRAM), and a handler that mret's back to the same fault. Included by
# tests/guest/CMakeLists.txt (uses its _run, _exp, _vp_timeout).
foreach(t bare_trap_storm bare_trap_retry)
    vp_add_test_needing(NAME guest.${t} NEEDS firmware TIMEOUT ${_vp_timeout} LABELS guest vp_run
        COMMAND ${_run} --status 3 --regex ${_exp}/${t}.regex --merge-stderr --
                $<TARGET_FILE:vp_run> --firmware ${VP_FIRMWARE_DIR}/guest_${t}.elf
                --max-cycles 20000000 ${VP_GUEST_VP_RUN_ARGS})
endforeach()

# A 1.75 GiB .bss loads lazily: zero pages are not written (the run takes
# well under a second and a few MB; an eager fill took seconds and GBs).
vp_add_test_needing(NAME guest.bare_big_bss NEEDS firmware TIMEOUT ${_vp_timeout} LABELS guest vp_run
    COMMAND ${_run} --status 0 --expect /dev/null --
            $<TARGET_FILE:vp_run> --firmware ${VP_FIRMWARE_DIR}/guest_bare_big_bss.elf
            --dram-mb 2048 ${VP_GUEST_VP_RUN_ARGS})

# --log-level debug logs every trap, rate-limited: the first 20 of the
# storm's 999, then one count at exit (and the run still ends).
vp_add_test_needing(NAME guest.debug_log_storm NEEDS firmware TIMEOUT 30 LABELS guest vp_run
    COMMAND ${_run} --status 3 --regex ${_exp}/debug_log_storm.regex --merge-stderr --
            $<TARGET_FILE:vp_run> --firmware ${VP_FIRMWARE_DIR}/guest_bare_trap_storm.elf
            --log-level debug ${VP_GUEST_VP_RUN_ARGS})
