# `jmpflash serial` run as a user would, inside a pseudo-terminal: the
# escape sequence shown on entry, passthrough both ways, leaving with the
# escape sequence or a signal, and the terminal restored every time.
add_executable(test_serial_cli ${CMAKE_CURRENT_LIST_DIR}/test_serial_cli.c
  ${CMAKE_CURRENT_LIST_DIR}/../unit/helpers.c)
target_include_directories(test_serial_cli PRIVATE ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(test_serial_cli PRIVATE jmpflash PkgConfig::CMOCKA)
target_compile_definitions(test_serial_cli PRIVATE JF_TEST_DATA="${JF_TEST_DATA}")
add_test(NAME integration.serial_cli COMMAND test_serial_cli $<TARGET_FILE:jmpflash-cli>)
set_tests_properties(integration.serial_cli PROPERTIES LABELS integration TIMEOUT 120)
