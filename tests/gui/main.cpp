// GUI tests run real widgets under Xvfb (Mesa llvmpipe) and look at pixels.
#include <gtest/gtest.h>

#include <QApplication>
#include <QSettings>
#include <QSurfaceFormat>
#include <QTemporaryDir>

#include "widgets/VtkView.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (::testing::GTEST_FLAG(list_tests)) return RUN_ALL_TESTS();  // test discovery needs no display
  QSurfaceFormat::setDefaultFormat(nl::widgets::VtkView::defaultFormat());
  QApplication::setAttribute(Qt::AA_ShareOpenGLContexts);
  if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
    std::fprintf(stderr,
                 "GUI tests need a display: run them under xvfb-run (scripts/test.sh does).\n");
    return 1;
  }
  QApplication::setOrganizationName("NeuroLoupeTests");  // keep the user's settings out of tests
  // Each test process starts from empty settings: a window closed in one
  // test saved its geometry and dock state, and the next process's window
  // opened at that size (a 3D view small enough to crowd the demo's units
  // below the click test's clearance, depending on the order ctest ran them).
  QTemporaryDir settingsFolder;
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsFolder.path());
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsFolder.path());
  QApplication app(argc, argv);
  return RUN_ALL_TESTS();
}
