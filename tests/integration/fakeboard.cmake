# jf_flash() end to end against a fake board (a scripted U-Boot + busybox on
# a TCP console, fakeboard.c): every step, retries, fail-fast, cancel. Seconds,
# no QEMU.
add_executable(test_flash_fake ${CMAKE_CURRENT_LIST_DIR}/test_flash_fake.c
  ${CMAKE_CURRENT_LIST_DIR}/fakeboard.c
  ${CMAKE_CURRENT_LIST_DIR}/fakeboard_shell.c ${CMAKE_CURRENT_LIST_DIR}/../unit/helpers.c)
target_include_directories(test_flash_fake PRIVATE ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(test_flash_fake PRIVATE jmpflash PkgConfig::CMOCKA)
target_compile_definitions(test_flash_fake PRIVATE JF_TEST_DATA="${JF_TEST_DATA}")
add_test(NAME integration.flash_fake COMMAND test_flash_fake)
set_tests_properties(integration.flash_fake PROPERTIES LABELS integration TIMEOUT 300)
