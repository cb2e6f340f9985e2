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

# Console endpoints against network peers (socat, an RFC 2217 server).
add_executable(test_console_peers ${CMAKE_CURRENT_LIST_DIR}/test_console_peers.c
  ${CMAKE_CURRENT_LIST_DIR}/../unit/helpers.c)
target_include_directories(test_console_peers PRIVATE ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(test_console_peers PRIVATE jmpflash PkgConfig::CMOCKA)
target_compile_definitions(test_console_peers PRIVATE JF_TEST_DATA="${JF_TEST_DATA}")
add_test(NAME integration.console_peers COMMAND test_console_peers)
set_tests_properties(integration.console_peers PROPERTIES LABELS integration TIMEOUT 120)

# `jmpflash serial` between pipes (LAVA, pexpect, scripts): a clean byte pipe.
add_test(NAME integration.serial_pipe
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/serial_pipe.py $<TARGET_FILE:jmpflash-cli>)
set_tests_properties(integration.serial_pipe PROPERTIES LABELS integration TIMEOUT 120)
