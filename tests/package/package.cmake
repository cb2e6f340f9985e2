# Packaging: what `make install` and the .deb ship (docs/packaging.md).
# Label `package`; each test is a few seconds. The .deb itself is built and
# installed by scripts/deb-check.sh (`make deb-check`, run by .ci/run).
set(JF_PKG ${CMAKE_SOURCE_DIR}/tests/package)

add_test(NAME package.headers COMMAND ${JF_PKG}/headers.sh ${CMAKE_SOURCE_DIR}/include)
add_test(NAME package.man
  COMMAND ${JF_PKG}/man.sh $<TARGET_FILE:jmpflash-cli> ${CMAKE_BINARY_DIR}/jmpflash.1
          ${CMAKE_SOURCE_DIR})
add_test(NAME package.completion
  COMMAND ${JF_PKG}/completion.sh $<TARGET_FILE:jmpflash-cli>
          ${CMAKE_SOURCE_DIR}/packaging/jmpflash.bash ${JF_TEST_DATA})
# Under JF_SANITIZE the installed library needs the sanitizer runtimes, so
# the client is built with the same flags.
if(JF_SANITIZE)
  set(JF_PKG_CFLAGS "-fsanitize=address,undefined")
endif()
add_test(NAME package.install
  COMMAND ${JF_PKG}/install.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR} "${JF_PKG_CFLAGS}")
set_tests_properties(package.headers package.man package.completion package.install
  PROPERTIES LABELS package TIMEOUT 300)
