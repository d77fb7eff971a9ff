// Quitting with an unsaved session asks first (Save / Discard / Cancel):
// opened files and analysis results are work a user loses by quitting. A
// session just saved or opened, or the demo in an empty window, does not ask.
#include <gtest/gtest.h>

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QTemporaryDir>
#include <QTimer>
#include <fstream>
#include <optional>

#include "app/gui/MainWindow.h"

namespace {

// Answers the next message box with `button` (polling for it, since it runs
// its own event loop inside close()); records its text.
class Answer {
 public:
  explicit Answer(QMessageBox::StandardButton button) {
    timer_.setInterval(20);
    QObject::connect(&timer_, &QTimer::timeout, [this, button] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (box == nullptr) return;
      text_ = box->text();
      box->button(button)->click();
      timer_.stop();
    });
    timer_.start();
  }
  std::optional<QString> asked() const { return text_; }

 private:
  QTimer timer_;
  std::optional<QString> text_;
};

QString writeTable(const QTemporaryDir& dir) {
  const QString path = dir.filePath("rates.csv");
  std::ofstream(path.toStdString()) << "unit,rate\n0,1.5\n1,2.5\n";
  return path;
}

TEST(UnsavedSession, QuittingAsksAndCancelKeepsTheWindowOpen) {
  QTemporaryDir dir;
  nl::app::MainWindow window;
  window.show();
  ASSERT_EQ(window.openFiles({writeTable(dir)}), 1);
  {
    Answer cancel(QMessageBox::Cancel);
    EXPECT_FALSE(window.close());
    ASSERT_TRUE(cancel.asked().has_value());
    EXPECT_TRUE(cancel.asked()->contains("not saved"));
    EXPECT_TRUE(window.isVisible());
  }
  Answer discard(QMessageBox::Discard);
  EXPECT_TRUE(window.close());
  EXPECT_TRUE(discard.asked().has_value());
}

TEST(UnsavedSession, SaveFromTheQuestionSavesToTheSessionsFile) {
  QTemporaryDir dir;
  nl::app::MainWindow window;
  window.show();
  ASSERT_EQ(window.openFiles({writeTable(dir)}), 1);
  const QString path = dir.filePath("work.nlsession");
  ASSERT_TRUE(window.saveSession(path));
  // A result added after the save: quitting asks again, and Save writes it
  // to the session's own file.
  ASSERT_EQ(window.openFiles({writeTable(dir)}), 1);
  QFile::remove(path);
  Answer save(QMessageBox::Save);
  EXPECT_TRUE(window.close());
  EXPECT_TRUE(save.asked().has_value());
  EXPECT_TRUE(QFile::exists(path));
}

TEST(UnsavedSession, NoQuestionAfterSavingOrForTheDemoAlone) {
  QTemporaryDir dir;
  {
    nl::app::MainWindow window;
    window.show();
    ASSERT_EQ(window.openFiles({writeTable(dir)}), 1);
    ASSERT_TRUE(window.saveSession(dir.filePath("saved.nlsession")));
    Answer cancel(QMessageBox::Cancel);  // would keep it open if it asked
    EXPECT_TRUE(window.close());
    EXPECT_FALSE(cancel.asked().has_value());
  }
  {
    nl::app::MainWindow window;
    window.show();
    window.openDemo();
    Answer cancel(QMessageBox::Cancel);
    EXPECT_TRUE(window.close());
    EXPECT_FALSE(cancel.asked().has_value());
  }
  {
    nl::app::MainWindow window;  // an empty window never asks
    window.show();
    Answer cancel(QMessageBox::Cancel);
    EXPECT_TRUE(window.close());
    EXPECT_FALSE(cancel.asked().has_value());
  }
}

}  // namespace
