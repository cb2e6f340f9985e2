# End-to-end tests on the virtual board (label e2e). The board is built once
# by a fixture; each test runs in its own network namespace so it can bind
# port 69 on its own loopback beside other tests.
set(JF_BOARD_OUT ${CMAKE_BINARY_DIR}/board)
add_test(NAME e2e.board_build COMMAND ${CMAKE_SOURCE_DIR}/board/build.sh ${JF_BOARD_OUT})
set_tests_properties(e2e.board_build PROPERTIES LABELS e2e FIXTURES_SETUP board TIMEOUT 900)

# The board with curl in its initramfs (TLS checked on the board's side),
# built outside the tests' network namespaces: it downloads packages.
add_test(NAME e2e.board_curl COMMAND ${CMAKE_SOURCE_DIR}/board/curl-bundle.sh ${JF_BOARD_OUT}/curl)
set_tests_properties(e2e.board_curl PROPERTIES LABELS e2e FIXTURES_REQUIRED board
  FIXTURES_SETUP board_curl TIMEOUT 900 ENVIRONMENT JF_BOARD_OUT=${JF_BOARD_OUT})

add_executable(test_board_boot ${CMAKE_CURRENT_LIST_DIR}/test_board_boot.c
  ${CMAKE_CURRENT_SOURCE_DIR}/unit/helpers.c)
target_include_directories(test_board_boot PRIVATE ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(test_board_boot PRIVATE jmpflash PkgConfig::CMOCKA)
target_compile_definitions(test_board_boot PRIVATE JF_TEST_DATA="${JF_TEST_DATA}")
add_test(NAME e2e.board_boot
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/netns.sh $<TARGET_FILE:test_board_boot>
          ${CMAKE_SOURCE_DIR} ${JF_BOARD_OUT})
# One QEMU at a time: two emulated boards on a 2-core machine starve each
# other's U-Boot into TFTP timeouts.
set_tests_properties(e2e.board_boot PROPERTIES LABELS e2e FIXTURES_REQUIRED board TIMEOUT 600
  RESOURCE_LOCK qemu)

# The flasher end to end: tests/e2e/flash.sh CASE.
foreach(c no-power-off https raw xz gz zst url url-exporter registry target2 partitions checksum truncated no-uboot bad-kernel
          kill-qemu ctrl-c shells
          # the board-side agent (docs/agent.md)
          agent-xz agent-gz agent-zst agent-bmap agent-restart agent-fls agent-fallback
          # fault injection (docs/reliability.md)
          ctrl-c-steps tftp-loss write-stall write-cut console-drop power-fail power-hang
          offline disk-full too-big)
  add_test(NAME e2e.flash.${c}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/netns.sh ${CMAKE_CURRENT_LIST_DIR}/flash.sh ${c}
            $<TARGET_FILE:jmpflash-cli> ${CMAKE_SOURCE_DIR} ${JF_BOARD_OUT})
  set_tests_properties(e2e.flash.${c} PROPERTIES LABELS e2e FIXTURES_REQUIRED board TIMEOUT 600
    RESOURCE_LOCK qemu)
endforeach()
set_tests_properties(e2e.flash.https PROPERTIES FIXTURES_REQUIRED "board;board_curl")

# Several boards on one host: two virtual boards, one shared jmpflash serve
# (tests/e2e/lab.sh). Two QEMUs at once: generous timeout, retries on.
foreach(c two-boards kill9)
  add_test(NAME e2e.lab.${c}
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/netns.sh ${CMAKE_CURRENT_LIST_DIR}/lab.sh ${c}
            $<TARGET_FILE:jmpflash-cli> ${CMAKE_SOURCE_DIR} ${JF_BOARD_OUT})
  set_tests_properties(e2e.lab.${c} PROPERTIES LABELS e2e FIXTURES_REQUIRED board TIMEOUT 900
    RESOURCE_LOCK qemu)
endforeach()
