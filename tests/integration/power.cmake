# Power drivers against real peers: net-snmp's snmpd (started by the test on
# a loopback port, with a pass script that records every SET).
add_executable(test_power_snmp ${CMAKE_CURRENT_LIST_DIR}/test_power_snmp.c
  ${CMAKE_CURRENT_LIST_DIR}/../unit/helpers.c)
target_include_directories(test_power_snmp PRIVATE ${CMAKE_SOURCE_DIR}/src
  ${CMAKE_CURRENT_LIST_DIR}/../unit)
target_link_libraries(test_power_snmp PRIVATE jmpflash PkgConfig::CMOCKA)
target_compile_definitions(test_power_snmp PRIVATE JF_TEST_DATA="${JF_TEST_DATA}")
add_test(NAME integration.power_snmp COMMAND test_power_snmp)
set_tests_properties(integration.power_snmp PROPERTIES LABELS integration TIMEOUT 120)
