// Nothing lost: the session is autosaved to a recovery file while the app
// runs, the file goes away when the app ends normally, and after a kill -9
// the next start recovers it (views and all).
#include <gtest/gtest.h>

#include <functional>

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "GuiTestUtil.h"
#include "app/gui/MainWindow.h"
#include "io/Session.h"
#include "io/SessionFile.h"

namespace {

bool waitFor(const std::function<bool()>& done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (!done()) {
    if (timer.elapsed() > timeoutMs) return false;
    QTest::qWait(50);
  }
  return true;
}

}  // namespace

TEST(Autosave, WritesARecoveryFileThatOpensAndRemovesItAtTheEnd) {
  QString path;
  {
    nl::app::MainWindow window;
    window.setInteractive(false);
    window.show();
    window.setAutosaveInterval(1);
    path = window.autosavePath();
    QFile::remove(path);
    QTest::qWait(1300);
    EXPECT_FALSE(QFileInfo::exists(path)) << "an empty session is not autosaved";
    window.openDemo();
    ASSERT_TRUE(waitFor([&] { return QFileInfo::exists(path); }, 5000)) << path.toStdString();
    nl::io::Session reopened;
    (void)nl::io::loadSession(reopened, path.toStdString());
    EXPECT_EQ(reopened.size(), window.session().size());
    EXPECT_FALSE(reopened.viewLayoutJson().empty());
    // Unchanged since: not written again.
    const auto written = QFileInfo(path).lastModified();
    QTest::qWait(1300);
    EXPECT_EQ(QFileInfo(path).lastModified(), written);
  }
  EXPECT_FALSE(QFileInfo::exists(path)) << "a normal end leaves no recovery file";
}

TEST(AutosaveBinary, AfterKillNineTheNextStartRecoversTheSession) {
  QTemporaryDir data;
  auto environment = QProcessEnvironment::systemEnvironment();
  environment.insert("XDG_DATA_HOME", data.path());
  QProcess first;
  first.setProcessEnvironment(environment);
  first.start(NEUROLOUPE_GUI_BINARY, {"--demo", "--autosave", "1", "--quit-after", "60000"});
  ASSERT_TRUE(first.waitForStarted(10000));
  const QString recovery = data.path() + "/NeuroLoupe/NeuroLoupe/recovery/" +
                           QString::number(first.processId()) + ".nlsession";
  ASSERT_TRUE(waitFor([&] { return QFileInfo::exists(recovery); }, 30000))
      << "no autosave at " << recovery.toStdString() << "\n"
      << first.readAllStandardError().toStdString();
  QTest::qWait(300);  // a complete file: saves are atomic, this only avoids a rename race
  first.kill();       // SIGKILL: no chance to clean up
  ASSERT_TRUE(first.waitForFinished(10000));
  ASSERT_TRUE(QFileInfo::exists(recovery)) << "the killed app's recovery file is gone";

  const QString png = data.filePath("recovered.png");
  QProcess second;
  second.setProcessEnvironment(environment);
  second.start(NEUROLOUPE_GUI_BINARY, {"--recover", "--screenshot", png, "--quit-after", "2500"});
  ASSERT_TRUE(second.waitForFinished(60000));
  const std::string err = second.readAllStandardError().toStdString();
  EXPECT_EQ(second.exitCode(), 0) << err;
  EXPECT_NE(err.find("recovered the session autosaved at"), std::string::npos) << err;
  const QImage image(png);
  ASSERT_FALSE(image.isNull()) << "no PNG written";
  EXPECT_GT(nl::test::countSaturated(image.convertToFormat(QImage::Format_RGB32), 60), 2000)
      << "the recovered session's views are not on screen";
  EXPECT_FALSE(QFileInfo::exists(recovery)) << "the recovered file is taken over, not kept";
  EXPECT_TRUE(QDir(data.path() + "/NeuroLoupe/NeuroLoupe/recovery")
                  .entryList({"*.nlsession"}, QDir::Files)
                  .isEmpty())
      << "a normal end leaves no recovery file";
}
