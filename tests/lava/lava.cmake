# LAVA (label lava): a real job on Debian's lava-dispatcher (lava-run, no
# server) against the virtual board, with contrib/lava/'s device type,
# dictionary and job. lava-server's base templates come from its package,
# unpacked, never installed (tests/lava/templates.sh, cached in the build).
set(JF_LAVA_TEMPLATES ${CMAKE_BINARY_DIR}/lava-server)
add_test(NAME lava.templates COMMAND ${CMAKE_CURRENT_LIST_DIR}/templates.sh ${JF_LAVA_TEMPLATES})
set_tests_properties(lava.templates PROPERTIES LABELS lava FIXTURES_SETUP lava_templates
  TIMEOUT 300)
set(JF_LAVA_CASES job missing-image no-uboot timeout)
foreach(c ${JF_LAVA_CASES})
  add_test(NAME lava.${c}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/netns.sh ${CMAKE_CURRENT_LIST_DIR}/lava.sh ${c}
            $<TARGET_FILE:jmpflash-cli> ${CMAKE_SOURCE_DIR} ${JF_BOARD_OUT}
            ${JF_LAVA_TEMPLATES}/usr/share/lava-server/device-types)
  set_tests_properties(lava.${c} PROPERTIES LABELS lava
    FIXTURES_REQUIRED "board;lava_templates" TIMEOUT 900 RESOURCE_LOCK qemu)
endforeach()
