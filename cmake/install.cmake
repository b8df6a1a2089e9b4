# The installed package: the simulator, the layer libraries and their public headers, the shipped
# scenarios, and what a consumer needs to find them: CMake's mbusConfig.cmake (targets mbus::<layer>
# and mbus::mbus) and pkg-config's mbus.pc.
include(CMakePackageConfigHelpers)

set(MBUS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mbus)

install(TARGETS ${MBUS_LAYER_TARGETS} mbus EXPORT mbusTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mbusTargets NAMESPACE mbus:: DESTINATION ${MBUS_CMAKE_DIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/mbusConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/mbusConfig.cmake INSTALL_DESTINATION ${MBUS_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mbusConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mbusConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/mbusConfigVersion.cmake
    DESTINATION ${MBUS_CMAKE_DIR})

# mbus.pc lists the static libraries upper layers first, as the linker needs them.
configure_file(${CMAKE_CURRENT_LIST_DIR}/mbus.pc.in ${CMAKE_CURRENT_BINARY_DIR}/mbus.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mbus.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mbus-sim/scenarios)
