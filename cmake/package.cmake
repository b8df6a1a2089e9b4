# `cpack -G DEB` in the build folder: a Debian package from the install rules (the simulator, its man
# page and bash completion, the systemd unit, the scenarios, and the library for embedding).
# Dependencies come from dpkg-shlibdeps (dpkg-dev, part of build-essential).
set(CPACK_PACKAGE_NAME mbus-sim)
set(CPACK_PACKAGE_VENDOR "mbus-sim")
set(CPACK_PACKAGE_CONTACT "mbus-sim developers <mbus-sim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "M-Bus (EN 13757-2/-3) meter simulator and test harness")
set(CPACK_PACKAGE_DESCRIPTION
    "Simulates wired M-Bus meters on a pty, TCP or a serial device from TOML scenarios, with faults, timelines, transcripts and CI verdicts for the software that reads them.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The package holds what is built; `cpack` must not build the tests first (CI builds what it packs).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
