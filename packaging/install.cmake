# `make install` / `cmake --install`: what a user of the tool and of the
# library gets (docs/packaging.md). Honours CMAKE_INSTALL_PREFIX (the
# Makefile's PREFIX) and DESTDIR; GNUInstallDirs picks Debian's multiarch
# libdir when the prefix is /usr.
include(GNUInstallDirs)

install(TARGETS jmpflash-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tool)
# The board-side agent is not a host command: agent/CMakeLists.txt installs
# it under lib/jmpflash/agent/<arch>/, where the flasher serves it from
# (debian/rules puts that directory in the jmpflash package when it exists).

install(TARGETS jmpflash_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS jmpflash ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/jmpflash
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.h")

# pkg-config: the third-party libraries only for static links.
set(JF_PC_REQUIRES_PRIVATE "yaml-0.1 libcrypto zlib liblzma libzstd liblz4 libpcre2-8 \
hidapi-hidraw netsnmp libcurl jansson libmicrohttpd")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(JF_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(JF_PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(JF_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(JF_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# The prefix is the one given at install time (`cmake --install --prefix`),
# so the .pc is finished by the install step itself.
set(JF_PC_PREFIX "@JF_PC_PREFIX@")
configure_file(${CMAKE_SOURCE_DIR}/packaging/jmpflash.pc.in ${CMAKE_BINARY_DIR}/jmpflash.pc.in @ONLY)
install(CODE "set(JF_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${CMAKE_BINARY_DIR}/jmpflash.pc.in\" \"${CMAKE_BINARY_DIR}/jmpflash.pc\" @ONLY)"
  COMPONENT dev)
install(FILES ${CMAKE_BINARY_DIR}/jmpflash.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

install(FILES ${CMAKE_BINARY_DIR}/jmpflash.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tool)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/jmpflash.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME jmpflash COMPONENT tool)
install(FILES ${CMAKE_SOURCE_DIR}/examples/virtual-board.yaml
              ${CMAKE_SOURCE_DIR}/examples/exporter-ti-j784s4.yaml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT tool)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/bundles
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT tool)
