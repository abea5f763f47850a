# The SDK that `cmake --install` puts beside the binary, for applications and plugins built
# out of tree: include/streamsubmit/plugin.h (and testing.h, the embedded test cluster's
# table, which plugin.h's descriptor points to), a CMake package (find_package(streamsubmit),
# target streamsubmit::plugin) and a pkg-config file (pkg-config --cflags streamsubmit).
include(CMakePackageConfigHelpers)
set(STREAMSUBMIT_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/streamsubmit")

set_target_properties(streamsubmit_abi PROPERTIES EXPORT_NAME plugin)
install(TARGETS streamsubmit_abi EXPORT streamsubmitTargets)
install(EXPORT streamsubmitTargets NAMESPACE streamsubmit:: DESTINATION ${STREAMSUBMIT_CMAKE_INSTALL_DIR})
install(FILES include/streamsubmit/plugin.h include/streamsubmit/testing.h include/streamsubmit/README.md
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/streamsubmit)

configure_package_config_file(cmake/streamsubmitConfig.cmake.in
  ${CMAKE_BINARY_DIR}/streamsubmitConfig.cmake
  INSTALL_DESTINATION ${STREAMSUBMIT_CMAKE_INSTALL_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# A project asking for 0.1 accepts 0.x at or above it (the ABI header keeps its own major and minor).
write_basic_package_version_file(${CMAKE_BINARY_DIR}/streamsubmitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_BINARY_DIR}/streamsubmitConfig.cmake ${CMAKE_BINARY_DIR}/streamsubmitConfigVersion.cmake
  DESTINATION ${STREAMSUBMIT_CMAKE_INSTALL_DIR})

# The .pc finds its prefix from its own folder, so `cmake --install --prefix P`, DESTDIR and
# a .deb all get a correct file.
file(RELATIVE_PATH STREAMSUBMIT_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" STREAMSUBMIT_PC_TO_PREFIX "${STREAMSUBMIT_PC_TO_PREFIX}")
configure_file(cmake/streamsubmit.pc.in ${CMAKE_BINARY_DIR}/streamsubmit.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/streamsubmit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
