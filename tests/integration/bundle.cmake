# Bundle client against a real registry (docker-registry) on loopback.
foreach(s roundtrip basic token corrupt dotdot concurrent resume redirect tls hostile)
  add_test(NAME integration.bundle.${s}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/bundle.sh ${s}
            $<TARGET_FILE:jmpflash-cli> ${JF_TEST_DATA})
  set_tests_properties(integration.bundle.${s} PROPERTIES
    LABELS integration TIMEOUT 180 SKIP_RETURN_CODE 77)
endforeach()
