# agent/: jmpflash-agent against `jmpflash serve` on loopback (no QEMU).
add_test(NAME integration.agent
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/agent.sh $<TARGET_FILE:jmpflash-cli>
          $<TARGET_FILE:jmpflash-agent>)
set_tests_properties(integration.agent PROPERTIES LABELS integration TIMEOUT 300
  SKIP_RETURN_CODE 77)
