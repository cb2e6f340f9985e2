# agent/: jmpflash-agent against `jmpflash serve` on loopback (no QEMU).
add_test(NAME integration.agent
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/agent.sh $<TARGET_FILE:jmpflash-cli>
          $<TARGET_FILE:jmpflash-agent>)
set_tests_properties(integration.agent PROPERTIES LABELS integration TIMEOUT 300
  SKIP_RETURN_CODE 77)

# Each cross-built board agent (agent/CMakeLists.txt's JF_AGENT_CROSS: dir,
# triplet, qemu-user name) under its emulator; skipped where it is not built.
foreach(row IN LISTS JF_AGENT_CROSS)
  string(REPLACE ":" ";" row ${row})
  list(GET row 0 dir)
  list(GET row 2 qemu)
  add_test(NAME integration.agent-cross.${dir}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/agent_cross.sh
            $<TARGET_FILE:jmpflash-cli> ${CMAKE_BINARY_DIR}/agent/${dir}/jmpflash-agent
            qemu-${qemu}-static ${dir} ${JF_AGENT_SYSROOT}/${dir})
  set_tests_properties(integration.agent-cross.${dir} PROPERTIES LABELS integration
    TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()
