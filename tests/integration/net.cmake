# net/: TFTP and HTTP servers against real clients (curl, atftp, tftp-hpa, wget).
foreach(t tftp_clients tftp_loss http_clients)
  add_test(NAME integration.net.${t}
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/${t}.sh $<TARGET_FILE:jmpflash-cli>)
  set_tests_properties(integration.net.${t} PROPERTIES LABELS integration TIMEOUT 300
    SKIP_RETURN_CODE 77)
endforeach()
