# The flasher's U-Boot steps against a scripted U-Boot on a unix socket.
add_executable(test_uboot_console ${CMAKE_CURRENT_LIST_DIR}/test_uboot_console.c
  ${CMAKE_CURRENT_LIST_DIR}/../unit/helpers.c)
target_include_directories(test_uboot_console PRIVATE ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(test_uboot_console PRIVATE jmpflash PkgConfig::CMOCKA)
target_compile_definitions(test_uboot_console PRIVATE JF_TEST_DATA="${JF_TEST_DATA}")
add_test(NAME integration.uboot_console COMMAND test_uboot_console)
set_tests_properties(integration.uboot_console PROPERTIES LABELS integration TIMEOUT 120)
